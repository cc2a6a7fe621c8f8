"""Extensions created here, bound to the app in create_app()."""
from flask import current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_session import Session
from flask_wtf import CSRFProtect

csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)
server_sessions = Session()

# Every limit of this app counts POSTs (an answer refused, a code or a link asked): reading a page
# costs nothing, and Flask-Limiter's bookkeeping was 8 % of a GET of /connexion. A GET, HEAD or
# OPTIONS is not looked at (tests/test_security_bruteforce.py checks that every limit is POST-only).
READ_ONLY_METHODS = ("GET", "HEAD", "OPTIONS")


@limiter.request_filter
def _reading_a_page():
    return request.method in READ_ONLY_METHODS


def hasher():
    return current_app.extensions["espace.hasher"]


def encryptor():
    return current_app.extensions["espace.encryptor"]


def mailer():
    return current_app.extensions["espace.mailer"]


def rate(name):
    """A rate limit read from configuration when the request comes (see README for each)."""
    return lambda: current_app.config[name]


def failed(response):
    """Count only refused attempts against the per-address limits."""
    return response.status_code >= 400


def shared_rate(name):
    """One per-address budget of failures shared by every view it decorates (POST only)."""
    return limiter.shared_limit(rate(name), scope=name, methods=["POST"], deduct_when=failed)
