"""The device cookie of « Se souvenir de ce navigateur »: a signed random id, sent only to /connexion."""
from flask import current_app, request

from ..domain import signin
from ..domain.clock import now

COOKIE = "espace_navigateur"
PATH = "/connexion"  # the only pages that read it


def _seal():
    return signin.DeviceSeal(current_app.secret_key)


def recognised(space):
    """This browser was remembered for this space, and still is."""
    token = _seal().open(request.cookies.get(COOKIE))
    return signin.recognised_device(space, token, now())


def remember(response, space):
    token = signin.remember_device(space, now())
    response.set_cookie(COOKIE, _seal().seal(token), max_age=int(signin.DEVICE_LIFETIME.total_seconds()),
                        path=PATH, secure=current_app.config["SESSION_COOKIE_SECURE"], httponly=True,
                        samesite="Lax")
