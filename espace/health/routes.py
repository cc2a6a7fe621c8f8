"""/healthz for load balancers: does the database answer, does Redis?"""
import peewee
import redis.exceptions
from flask import Blueprint, current_app, jsonify

from ..database import ensure_connection
from ..extensions import limiter
from ..models import db

bp = Blueprint("health", __name__)


@bp.route("/healthz")
@limiter.exempt
def healthz():
    """200 when the database and Redis answer, 503 otherwise."""
    checks = {"database": _check_database(), "redis": _check_redis()}
    healthy = all(state != "error" for state in checks.values())
    response = jsonify(status="ok" if healthy else "error", **checks)
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response


def _check_database():
    try:
        ensure_connection(db)
    except peewee.DatabaseError:
        return "error"
    return "ok"


def _check_redis():
    client = current_app.config.get("SESSION_REDIS")
    if not current_app.config["REDIS_URL"] or client is None:
        return "not configured"
    try:
        client.ping()
    except redis.exceptions.RedisError:
        return "error"
    return "ok"
