"""The captcha challenge of a visitor: one text in the session, single use, short-lived.

Shared by every form that asks for it (activation code, forgotten password); the image,
the audio and « Changer l'image » are served by the activation blueprint's routes.
"""
from datetime import datetime, timedelta

from flask import current_app, session

from . import captcha
from .domain.clock import now

KEY = "captcha"
WRONG = (
    "Les caractères saisis ne correspondent pas à l'image. "
    "Une nouvelle image vous est proposée : recopiez-la, ou écoutez l'extrait sonore."
)


def renew():
    """A fresh challenge replaces the previous one (single use); returns its version."""
    fixed = current_app.config["CAPTCHA_TEST_TEXT"] or None
    session[KEY] = {"text": captcha.new_text(fixed=fixed), "issued": now().isoformat()}
    return session[KEY]["issued"]


def current():
    if KEY not in session:
        renew()
    return session[KEY]


def version():
    """Changes with each new text, so the browser never shows a cached image."""
    return current()["issued"]


def passed(answer):
    """Consume the challenge whatever the answer: each text can be tried once."""
    challenge = session.pop(KEY, None)
    if not challenge:
        return False
    ttl = timedelta(seconds=current_app.config["CAPTCHA_TTL_SECONDS"])
    if datetime.fromisoformat(challenge["issued"]) + ttl < now():
        return False
    return captcha.uppercase_without_spaces(answer) == challenge["text"]


def passed_by(form):
    """Check the form's `captcha` field, its error next to it when refused."""
    if passed(form.captcha.data):
        return True
    form.captcha.errors.append(WRONG)
    return False
