"""The captcha's image, audio and « Changer l'image », for every form that shows it."""
from flask import Blueprint, Response, redirect, request, url_for

from ..web import render_step
from . import challenge, media
from .spent import store_for

bp = Blueprint("captcha", __name__)  # no prefix: it also answers the old paths
bp.after_app_request(challenge.write_cookie)


@bp.record_once
def _spent_store(state):
    state.app.extensions["espace.captcha_spent"] = store_for(state.app)


@bp.route("/captcha/image.png")
def image():
    return Response(media.render_png(challenge.current().text), mimetype="image/png",
                    headers={"Cache-Control": "no-store"})


@bp.route("/captcha/extrait-sonore.wav")
def audio():
    return Response(
        media.render_wav(challenge.current().text), mimetype="audio/wav",
        headers={"Cache-Control": "no-store",
                 "Content-Disposition": 'inline; filename="extrait-sonore.wav"'},
    )


@bp.route("/captcha/changer", methods=["POST"])
def change():
    """« Changer l'image » with htmx: only the captcha block is replaced."""
    return render_step("captcha/_captcha.html", captcha_v=challenge.renew())


# Where the captcha lived inside the activation blueprint: old pages and bookmarks still work
# (308 keeps the method of « Changer l'image »).
MOVED = {"/activation/captcha.png": "captcha.image", "/activation/captcha.wav": "captcha.audio",
         "/activation/captcha": "captcha.change"}


def moved():
    target = url_for(MOVED[request.path])
    query = request.query_string.decode("ascii", "replace")
    return redirect(f"{target}?{query}" if query else target, code=308)


for old_path in MOVED:
    bp.add_url_rule(old_path, f"moved{old_path.replace('/', '_').replace('.', '_')}", moved,
                    methods=["POST"] if old_path.endswith("captcha") else ["GET"])
