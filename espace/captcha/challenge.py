"""The captcha challenge: an encrypted, short-lived, single-use token in a small cookie.

Showing a challenge stores nothing on the server: its text travels encrypted (Fernet, with
a key derived from SECRET_KEY) in the cookie `espace_captcha`, with the time it was issued,
and stops being accepted after CAPTCHA_TTL_SECONDS. Only an answer stores something: the
challenge's nonce, marked spent for CAPTCHA_TTL_SECONDS (see spent.py), so neither a copy of
the cookie nor a second guess can answer it again. A visitor who only looks at the page, the
image or the audio costs no session and no stored entry (issue 14, finding 8).

Shared by every form that asks for it (activation code, forgotten password): the view
calls renew(), version() and passed_by(form); routes.py serves the image and the audio.
"""
import base64
import calendar
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app, g, request

from ..domain.clock import now
from . import media
from .spent import spent_store

COOKIE = "espace_captcha"
WRONG = (
    "Les caractères saisis ne correspondent pas à l'image. "
    "Une nouvelle image vous est proposée : recopiez-la, ou écoutez l'extrait sonore."
)
_DELETE = object()  # the cookie to remove from the browser (its challenge is spent)


@dataclass(frozen=True)
class Challenge:
    nonce: str
    text: str


def _ttl():
    return current_app.config["CAPTCHA_TTL_SECONDS"]


def _fernet():
    """A key of its own, derived from SECRET_KEY: a captcha token opens nothing else."""
    secret = current_app.config["SECRET_KEY"].encode("utf-8")
    return Fernet(base64.urlsafe_b64encode(hmac.new(secret, b"espace.captcha", hashlib.sha256).digest()))


def _timestamp():
    return calendar.timegm(now().timetuple())


def seal(challenge):
    payload = json.dumps({"n": challenge.nonce, "t": challenge.text}).encode("utf-8")
    return _fernet().encrypt_at_time(payload, _timestamp()).decode("ascii")


def unseal(token):
    """The challenge a token holds, or None when it is forged, damaged or past its time."""
    try:
        payload = json.loads(_fernet().decrypt_at_time(token.encode("ascii"), _ttl(), _timestamp()))
        return Challenge(nonce=payload["n"], text=payload["t"])
    except (InvalidToken, UnicodeError, ValueError, KeyError, TypeError):
        return None


def renew():
    """A fresh challenge replaces the previous one; returns its version (for the image's URL)."""
    fixed = current_app.config["CAPTCHA_TEST_TEXT"] or None
    challenge = Challenge(nonce=secrets.token_hex(16), text=media.new_text(fixed=fixed))
    g.captcha, g.captcha_cookie = challenge, seal(challenge)
    return challenge.nonce


def current():
    """The challenge of this browser: the one in its cookie while usable, else a new one."""
    if "captcha" not in g:
        found = unseal(request.cookies.get(COOKIE, ""))
        if found is None or spent_store().is_spent(found.nonce):
            renew()
        else:
            g.captcha = found
    if g.captcha is None:  # answered in this request: the next one is new
        renew()
    return g.captcha


def version():
    """Changes with each new challenge, so the browser never shows a cached image."""
    return current().nonce


def passed(answer):
    """Spend the browser's challenge whatever the answer: each one can be answered once."""
    # Only the cookie counts: a challenge issued during this request was never shown.
    challenge = unseal(request.cookies.get(COOKIE, ""))
    g.captcha, g.captcha_cookie = None, _DELETE
    if challenge is None or not spent_store().claim(challenge.nonce, _ttl()):
        return False
    return media.uppercase_without_spaces(answer) == challenge.text


def passed_by(form):
    """Check the form's `captcha` field, its error next to it when refused."""
    if passed(form.captcha.data):
        return True
    form.captcha.errors.append(WRONG)
    return False


def write_cookie(response):
    """after_request: hand the browser its new challenge, or take back a spent one."""
    token = g.pop("captcha_cookie", None)
    if token is _DELETE:
        response.delete_cookie(COOKIE, path="/", httponly=True, samesite="Lax",
                               secure=current_app.config["SESSION_COOKIE_SECURE"])
    elif token is not None:
        response.set_cookie(COOKIE, token, max_age=_ttl(), path="/", httponly=True, samesite="Lax",
                            secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response
