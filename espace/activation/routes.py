"""« Activez votre espace / vos services »: code + captcha, connection address, recap."""
from datetime import datetime, timedelta

from flask import Blueprint, Response, current_app, session, url_for

from .. import captcha
from ..domain import activation
from ..domain.clock import now
from ..domain.errors import Refused
from ..extensions import failed, limiter, rate
from ..models import Space
from ..web import pressed, recap_pdf_response, render_step, see_other
from .forms import CodeForm, ConnectionEmailForm

bp = Blueprint("activation", __name__, url_prefix="/activation")

STEPS = ("Code d'activation", "Identifiants", "Récapitulatif")
KEY = "activation"
CAPTCHA_KEY = "captcha"
CAPTCHA_WRONG = (
    "Les caractères saisis ne correspondent pas à l'image. "
    "Une nouvelle image vous est proposée : recopiez-la, ou écoutez l'extrait sonore."
)


def render(template, step, form=None, status=200, **context):
    return render_step(template, status=status, step=step, steps=STEPS, form=form,
                       step_name=STEPS[step - 1], **context)


def new_captcha():
    """A fresh challenge replaces the previous one (single use)."""
    fixed = current_app.config["CAPTCHA_TEST_TEXT"] or None
    session[CAPTCHA_KEY] = {"text": captcha.new_text(fixed=fixed), "issued": now().isoformat()}
    return session[CAPTCHA_KEY]


def current_captcha():
    return session.get(CAPTCHA_KEY) or new_captcha()


def captcha_passed(answer):
    """Consume the challenge whatever the answer: each text can be tried once."""
    challenge = session.pop(CAPTCHA_KEY, None)
    if not challenge:
        return False
    ttl = timedelta(seconds=current_app.config["CAPTCHA_TTL_SECONDS"])
    if datetime.fromisoformat(challenge["issued"]) + ttl < now():
        return False
    return captcha.normalise_answer(answer) == challenge["text"]


def captcha_version():
    return current_captcha()["issued"]


@bp.route("/", methods=["GET", "POST"])
@limiter.limit(rate("RATE_CODE"), methods=["POST"], deduct_when=failed)
def code():
    """Step 1: the code received by e-mail and the captcha."""
    form = CodeForm()
    if pressed("changer"):
        # Without JavaScript « Changer l'image » posts the form: keep the code typed.
        new_captcha()
        form.captcha.raw_data, form.captcha.data = [], ""
        return render("activation/code.html", 1, form, captcha_v=captcha_version())
    if form.validate_on_submit():
        if not captcha_passed(form.captcha.data):
            form.captcha.errors.append(CAPTCHA_WRONG)
        else:
            try:
                request = activation.find_request_by_code(form.code.data, now())
            except Refused as refusal:
                form.code.errors.append(refusal.message)
            else:
                session[KEY] = {"done": 1, "request_id": request.id}
                return see_other(url_for("activation.identifiers"))
    if form.errors:
        new_captcha()  # a refused attempt spends its image
    return render("activation/code.html", 1, form, status=422 if form.errors else 200,
                  captcha_v=captcha_version())


@bp.route("/captcha", methods=["POST"])
def change_captcha():
    """« Changer l'image » with htmx: only the captcha block is replaced."""
    new_captcha()
    return render_step("activation/_captcha.html", captcha_v=captcha_version())


@bp.route("/captcha.png")
def captcha_image():
    return Response(captcha.render_png(current_captcha()["text"]), mimetype="image/png",
                    headers={"Cache-Control": "no-store"})


@bp.route("/captcha.wav")
def captcha_audio():
    return Response(
        captcha.render_wav(current_captcha()["text"]), mimetype="audio/wav",
        headers={"Cache-Control": "no-store",
                 "Content-Disposition": 'inline; filename="extrait-sonore.wav"'},
    )


@bp.route("/identifiants", methods=["GET", "POST"])
@limiter.limit(rate("RATE_CODE"), methods=["POST"], deduct_when=failed)
def identifiers():
    """Step 2: the connection address chosen at step « Identifiants » of the option."""
    state = session.get(KEY, {})
    if state.get("done", 0) < 1:
        return see_other(url_for("activation.code"))
    if state["done"] >= 2:
        # Back button after activation: the request is spent, the recap is what is left.
        return see_other(url_for("activation.recap"))
    form = ConnectionEmailForm(formdata=None) if pressed("effacer") else ConnectionEmailForm()
    if not pressed("effacer") and form.validate_on_submit():
        try:
            space = activation.activate(state["request_id"], form.email.data, now())
        except Refused as refusal:
            form.email.errors.append(refusal.message)
        else:
            session[KEY] = {"done": 2, "space_id": space.id}
            return see_other(url_for("activation.recap"))
    return render("activation/identifiers.html", 2, form, status=422 if form.errors else 200)


@bp.route("/recapitulatif")
def recap():
    """Step 3: date and number, the recap PDF, the way to the services."""
    state = session.get(KEY, {})
    if state.get("done", 0) < 2:
        return see_other(url_for("activation.code"))
    space = Space.get_by_id(state["space_id"])
    return render("activation/recap.html", 3, space=space)


@bp.route("/recapitulatif.pdf")
def recap_pdf():
    state = session.get(KEY, {})
    if state.get("done", 0) < 2:
        return see_other(url_for("activation.code"))
    return recap_pdf_response(Space.get_by_id(state["space_id"]))
