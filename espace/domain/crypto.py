"""Encryption of the new trust answer: the holder sees it again on the recap."""
from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class Encryptor:
    """Newest key first encrypts; every key decrypts (rotation)."""

    def __init__(self, keys):
        if not keys:
            raise ValueError("at least one encryption key is needed")
        self._fernet = MultiFernet([Fernet(k.encode("ascii")) for k in keys])

    def encrypt(self, text):
        return self._fernet.encrypt(text.encode("utf-8"))

    def decrypt(self, token):
        try:
            return self._fernet.decrypt(bytes(token)).decode("utf-8")
        except InvalidToken as exc:
            raise ValueError("cannot decrypt with the configured keys") from exc

    def rotate(self, token):
        return self._fernet.rotate(bytes(token))
