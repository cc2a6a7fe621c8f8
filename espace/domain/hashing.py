"""bcrypt for passwords and trust answers, SHA-256 for high-entropy codes."""
import base64
import hashlib

import bcrypt

BCRYPT_MAX_BYTES = 72


class Hasher:
    def __init__(self, rounds=12):
        self.rounds = rounds
        # A real hash of nothing useful, so an unknown account costs as much
        # time as a wrong password (no enumeration by timing).
        self._dummy = bcrypt.hashpw(b"dummy-password-for-timing", bcrypt.gensalt(rounds))

    def hash(self, secret):
        data = secret.encode("utf-8")
        if len(data) > BCRYPT_MAX_BYTES:
            # bcrypt would silently ignore the rest; the rules refuse such input first.
            raise ValueError("secret longer than 72 bytes")
        return bcrypt.hashpw(data, bcrypt.gensalt(self.rounds)).decode("ascii")

    def check(self, secret, hashed):
        data = secret.encode("utf-8")
        if hashed is None or len(data) > BCRYPT_MAX_BYTES:
            bcrypt.checkpw(b"x", self._dummy)
            return False
        return bcrypt.checkpw(data, hashed.encode("ascii"))

    def hash_long(self, secret):
        """bcrypt of a secret of any length (the three trust answers together)."""
        return bcrypt.hashpw(prehash(secret), bcrypt.gensalt(self.rounds)).decode("ascii")

    def check_long(self, secret, hashed):
        if hashed is None:
            self.waste_time()
            return False
        return bcrypt.checkpw(prehash(secret), hashed.encode("ascii"))

    def waste_time(self):
        bcrypt.checkpw(b"x", self._dummy)


def prehash(secret):
    """SHA-256 then base64: 44 bytes whatever the length, so bcrypt truncates nothing, and
    no NUL byte, where bcrypt would stop (pyca/bcrypt's advice for long inputs)."""
    return base64.b64encode(hashlib.sha256(secret.encode("utf-8")).digest())


def sha256_hex(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
