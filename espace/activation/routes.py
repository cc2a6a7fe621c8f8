"""« Activez votre espace / vos services »: code + captcha, connection address, recap."""
from flask import Blueprint

from ..captcha import challenge
from ..domain import activation
from ..domain.clock import now
from ..domain.errors import Refused
from ..extensions import encryptor, failed, limiter, rate
from ..recap import recap_pdf_response
from ..web import pressed
from ..wizard import Wizard
from .forms import CodeForm, ConnectionEmailForm

bp = Blueprint("activation", __name__, url_prefix="/activation")

wizard = Wizard("activation", (
    ("Code d'activation", "activation.code"),
    ("Identifiants", "activation.identifiers"),
    ("Récapitulatif", "activation.recap"),
))


@bp.route("/", methods=["GET", "POST"])
@limiter.limit(rate("RATE_CODE"), methods=["POST"], deduct_when=failed)
def code():
    """Step 1: the code received by e-mail and the captcha."""
    if pressed("changer"):
        # Without JavaScript « Changer l'image » posts the form: keep the code typed.
        form = CodeForm()
        form.captcha.raw_data, form.captcha.data = [], ""
        return wizard.render("activation/code.html", form, captcha_v=challenge.renew())
    form, valid = wizard.form(CodeForm)
    if valid and challenge.passed_by(form):
        try:
            request = activation.find_request_by_code(form.code.data, now())
        except Refused as refusal:
            form.refuse(refusal)
        else:
            # Shown again at the next step, as the fiche does; never kept in clear, even in the session.
            sealed = encryptor().encrypt(activation.clean_code(form.code.data)).decode("ascii")
            return wizard.complete(request_id=request.id, sealed_code=sealed)
    if form.errors:
        challenge.renew()  # a refused attempt spends its image
    return wizard.render("activation/code.html", form, captcha_v=challenge.version())


@bp.route("/identifiants", methods=["GET", "POST"])
@limiter.limit(rate("RATE_CODE"), methods=["POST"], deduct_when=failed)
@wizard.step
def identifiers():
    """Step 2: the connection address chosen at step « Identifiants » of the option."""
    form, valid = wizard.form(ConnectionEmailForm)
    if valid:
        try:
            space = activation.activate(wizard.progress()["request_id"], form.email.data, now())
        except Refused as refusal:
            form.refuse(refusal)
        else:
            return wizard.finish(space_id=space.id)
    return wizard.render("activation/identifiers.html", form,
                         code=encryptor().decrypt(wizard.progress()["sealed_code"].encode("ascii")))


@bp.route("/recapitulatif")
@wizard.step
def recap():
    """Step 3: date and number, the recap PDF, the way to the services."""
    space = activation.activated_space(wizard.progress()["space_id"])
    return wizard.render("activation/recap.html", space=space)


@bp.route("/recapitulatif.pdf")
@wizard.requires_step("activation.recap")
def recap_pdf():
    return recap_pdf_response(activation.activated_space(wizard.progress()["space_id"]))
