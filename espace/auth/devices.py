"""The device cookie of « Se souvenir de ce navigateur »: a signed random id, sent only to /connexion."""
from flask import current_app, g, request

from ..access import current_session_id
from ..domain import signin
from ..domain.clock import now

COOKIE = "espace_navigateur"
PATH = "/connexion"  # the only pages that read it


def _seal():
    return signin.DeviceSeal(current_app.secret_key)


def recognised(space):
    """This browser was remembered for this space, and still is; the session it opens will know it."""
    token = _seal().open(request.cookies.get(COOKIE))
    device = signin.find_device(space, token, now(), request.headers.get("User-Agent", ""), request.remote_addr)
    if device is None:
        return False
    g.remembered_device = device.id  # read by access.sign_in
    return True


def remember(response, space):
    """Call after access.sign_in: the new session is noted as this remembered browser's."""
    token = signin.remember_device(space, now(), request.headers.get("User-Agent", ""), request.remote_addr,
                                   session=current_session_id())
    response.set_cookie(COOKIE, _seal().seal(token), max_age=int(signin.DEVICE_LIFETIME.total_seconds()),
                        path=PATH, secure=current_app.config["SESSION_COOKIE_SECURE"], httponly=True,
                        samesite="Lax")
