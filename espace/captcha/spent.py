"""Spent captcha challenges: one short-lived record per answer, so none is answered twice.

A record is needed only while its challenge could still be accepted: a challenge lives
CAPTCHA_TTL_SECONDS from its issue, and is spent after that, so a record kept that long
from the answer outlives it. Claiming is atomic in both shapes: Redis `SET NX EX` (several
hosts), or creating a file with O_EXCL (the embedded shape, any number of local workers).
"""
import os
import time

from flask import current_app

PREFIX = "captcha-spent:"


class RedisSpent:
    def __init__(self, client):
        self.client = client

    def claim(self, nonce, ttl):
        """True for the first answer to this challenge, False for any later one."""
        return bool(self.client.set(PREFIX + nonce, b"1", nx=True, ex=ttl))

    def is_spent(self, nonce):
        return bool(self.client.exists(PREFIX + nonce))

    def count(self):
        return sum(1 for _ in self.client.scan_iter(PREFIX + "*"))


class DiskSpent:
    """One empty file per spent nonce; files older than the TTL are swept at most once a minute."""

    SWEEP_EVERY = 60

    def __init__(self, directory):
        self.directory = directory
        self.swept = 0.0

    def _path(self, nonce):
        if not nonce.isalnum():  # our nonces are hex: never a path of another shape
            raise ValueError("not a nonce")
        return os.path.join(self.directory, nonce)

    def claim(self, nonce, ttl):
        os.makedirs(self.directory, exist_ok=True)
        try:
            os.close(os.open(self._path(nonce), os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        except FileExistsError:
            return False
        self.sweep(ttl)
        return True

    def is_spent(self, nonce):
        return os.path.exists(self._path(nonce))

    def sweep(self, ttl, force=False):
        """Forget the records whose challenge can no longer be accepted anyway."""
        moment = time.time()
        if not force and moment - self.swept < self.SWEEP_EVERY:
            return
        self.swept = moment
        for entry in os.scandir(self.directory):
            try:
                if entry.stat().st_mtime < moment - ttl:
                    os.unlink(entry.path)
            except FileNotFoundError:
                pass  # swept meanwhile by another worker

    def count(self):
        return len(os.listdir(self.directory)) if os.path.isdir(self.directory) else 0


def store_for(app):
    """Redis when the app shares its sessions there, else a directory of the instance."""
    if app.config.get("SESSION_TYPE") == "redis":
        return RedisSpent(app.config["SESSION_REDIS"])
    return DiskSpent(os.path.join(app.instance_path, "captcha-spent"))


def spent_store():
    return current_app.extensions["espace.captcha_spent"]
