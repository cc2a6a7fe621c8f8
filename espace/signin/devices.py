"""The browser cookies of the sign-in, each signed and sent only to /connexion.

- « Se souvenir de ce navigateur »: a random device id, whose browser skips the code; the
  session it opens knows it (« Sécurité de mon espace » lists and forgets remembered browsers).
- The spaces this browser has signed in to: a browser seen before gets no « nouveau
  navigateur » notice (it is not remembered: the code is still asked).
"""
from flask import current_app, g, request
from itsdangerous import BadData, URLSafeSerializer

from ..access import current_session_id
from ..config import cookie_name
from ..domain import signin
from ..domain.clock import now

COOKIE = "espace_navigateur"
SEEN_COOKIE = "espace_vu"
PATH = "/connexion"  # the only pages that read them
SEEN_MAX = 10  # spaces listed per browser (shared workstations), the oldest forgotten


def cookie(name):
    """Sent only to /connexion, so « __Secure- » (« __Host- » needs the path /) over HTTPS."""
    return cookie_name(name, current_app.config["SESSION_COOKIE_SECURE"], whole_site=False)


def _seal():
    return signin.DeviceSeal(current_app.secret_key)


def _seen_seal():
    return URLSafeSerializer(current_app.secret_key, salt="espace.seen")


def recognised(space):
    """This browser was remembered for this space, and still is; the session it opens will know it."""
    token = _seal().open(request.cookies.get(cookie(COOKIE)))
    device = signin.find_device(space, token, now(), request.headers.get("User-Agent", ""), request.remote_addr)
    if device is None:
        return False
    g.remembered_device = device.id  # read by access.sign_in
    return True


def _set(response, name, value):
    response.set_cookie(cookie(name), value, max_age=int(signin.DEVICE_LIFETIME.total_seconds()), path=PATH,
                        secure=current_app.config["SESSION_COOKIE_SECURE"], httponly=True, samesite="Lax")


def remember(response, space):
    """Call after access.sign_in: the new session is noted as this remembered browser's."""
    token = signin.remember_device(space, now(), request.headers.get("User-Agent", ""), request.remote_addr,
                                   session=current_session_id())
    _set(response, COOKIE, _seal().seal(token))


def _seen_ids():
    try:
        seen = _seen_seal().loads(request.cookies.get(cookie(SEEN_COOKIE), ""))
    except BadData:
        return []
    return [i for i in seen if isinstance(i, int)] if isinstance(seen, list) else []


def seen_before(space):
    """This browser signed in to this space before (whether remembered or not)."""
    return space.id in _seen_ids()


def mark_seen(response, space):
    seen = [i for i in _seen_ids() if i != space.id][-(SEEN_MAX - 1):] + [space.id]
    _set(response, SEEN_COOKIE, _seen_seal().dumps(seen))
