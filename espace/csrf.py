"""CSRF protection: the browser's own word first, the session's token for browsers that say nothing.

Every current browser tells where a form comes from: Sec-Fetch-Site (browsers since
2020–2023), else Origin (sent on POST since 2019–2020), else Referer (older browsers; our
Referrer-Policy same-origin keeps it on our own forms). A POST that one of them marks as
coming from one of our pages is accepted; one from anywhere else is refused (the check of
Go's net/http CrossOriginProtection, plus the Referer for old browsers). This needs no
session, so visitors get none (espace/sessions.py), and a form rendered before the session
began (another tab) still works. A browser that sends none of the three is checked by its
session's token (Flask-WTF); if it has no session yet, it is refused once, and the refusal
page gives it a session, so its next try carries a valid token.
"""
from urllib.parse import urlsplit

from flask import current_app, g, request, session
from flask_wtf.csrf import CSRFError

from .extensions import csrf
from .sessions import TOKEN_BOUND


def origin_of(url):
    parts = urlsplit(url or "")
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else None


def origin_verdict():
    """True: from one of our pages; False: from elsewhere; None: the browser did not say."""
    site = request.headers.get("Sec-Fetch-Site")
    if site:
        # "none": typed or bookmarked by the user, never a page of another site.
        return site in ("same-origin", "none")
    claimed = request.headers.get("Origin")
    if claimed is None:
        claimed = origin_of(request.headers.get("Referer"))
        if claimed is None:
            return None
    ours = {origin_of(request.host_url), origin_of(current_app.config.get("PUBLIC_URL"))}
    return claimed.lower() in ours  # "null" (sandboxed frame, data: URL) is not ours


def protect():
    """before_request: the origin headers, else the session's token, else a refusal."""
    config = current_app.config
    if not config["WTF_CSRF_ENABLED"] or request.method not in config["WTF_CSRF_METHODS"]:
        return
    verdict = origin_verdict()
    if verdict:
        g.csrf_valid = True  # what csrf.protect() sets: the forms' own token check is skipped
    elif verdict is None and config["WTF_CSRF_FIELD_NAME"] in session:
        csrf.protect()
    else:
        raise CSRFError("The request does not come from one of our pages.")


def keep_session_for_token():
    """On the refusal page: a browser that sent no token-bearing session gets one now."""
    if current_app.config["WTF_CSRF_FIELD_NAME"] not in session:
        session[TOKEN_BOUND] = True


def init_app(app):
    app.config.setdefault("WTF_CSRF_METHODS", ["POST", "PUT", "PATCH", "DELETE"])
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    app.before_request(protect)
