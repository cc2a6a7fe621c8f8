"""Hashes and encryption: bcrypt for passwords and answers, SHA-256 for codes, Fernet for the answer shown again."""
import hashlib

import bcrypt
import pytest

from espace.domain.crypto import Encryptor
from espace.domain.hashing import BCRYPT_MAX_BYTES, Hasher, sha256_hex

OLD, NEW = "ZmRmZGZkZmRmZGZkZmRmZGZkZmRmZGZkZmRmZGZkZmQ=", "YWJhYmFiYWJhYmFiYWJhYmFiYWJhYmFiYWJhYmFiYWI="


def test_sha256_of_the_utf8_text():
    assert sha256_hex("é") == hashlib.sha256("é".encode("utf-8")).hexdigest()


def test_bcrypt_hash_with_the_configured_cost():
    hashed = Hasher(5).hash("Pêche")
    assert hashed.startswith("$2b$05$") and bcrypt.checkpw("Pêche".encode("utf-8"), hashed.encode("ascii"))
    assert Hasher().rounds == 12


def test_check_says_yes_only_for_the_secret():
    hasher = Hasher(4)
    hashed = hasher.hash("a" * BCRYPT_MAX_BYTES)
    assert hasher.check("a" * BCRYPT_MAX_BYTES, hashed) is True
    assert hasher.check("a" * (BCRYPT_MAX_BYTES - 1), hashed) is False
    assert hasher.check("a" * (BCRYPT_MAX_BYTES + 1), hashed) is False  # never compared truncated
    assert hasher.check("x", None) is False


def test_longer_than_72_bytes_is_refused_not_truncated():
    with pytest.raises(ValueError, match="^secret longer than 72 bytes$"):
        Hasher(4).hash("é" * 37)  # 74 bytes
    assert Hasher(4).hash("é" * 36)  # 72 bytes


def test_the_dummy_hash_is_a_real_bcrypt_hash_of_the_same_cost():
    hasher = Hasher(5)
    assert hasher._dummy.startswith(b"$2b$05$")
    assert bcrypt.checkpw(b"dummy-password-for-timing", hasher._dummy)
    assert hasher.waste_time() is None


def test_encryption_round_trip_and_rotation():
    old = Encryptor([OLD])
    token = old.encrypt("Équitation")
    assert b"quitation" not in token
    both = Encryptor([NEW, OLD])
    assert both.decrypt(token) == "Équitation"
    rotated = both.rotate(token)
    assert Encryptor([NEW]).decrypt(rotated) == "Équitation"
    with pytest.raises(ValueError, match="^cannot decrypt with the configured keys$"):
        Encryptor([NEW]).decrypt(token)
    with pytest.raises(ValueError, match="^at least one encryption key is needed$"):
        Encryptor([])
