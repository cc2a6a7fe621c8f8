"""Extensions created here, bound to the app in create_app()."""
from flask import current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_session import Session
from flask_wtf import CSRFProtect

csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)
server_sessions = Session()


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
