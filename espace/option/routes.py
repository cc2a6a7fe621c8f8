"""The wizard « Opter pour l'accès sans certificat »: five steps, progress in the server session."""
from flask import Blueprint, flash, url_for

from ..domain import activation, identity
from ..domain.clock import now
from ..domain.credentials import normalise_email
from ..domain.errors import Refused
from ..extensions import encryptor, failed, hasher, limiter, rate
from ..mail.messages import send_activation_code
from ..sessions import rotate_session_id
from ..visitor_pages import same_for_every_visitor
from ..web import see_other
from ..wizard import Wizard
from .forms import AnswersForm, CredentialsForm, NumberForm, QuestionForm

bp = Blueprint("option", __name__, url_prefix="/opter")

wizard = Wizard("option", (
    ("Numéro d'abonné", "option.number"),
    ("Vérification", "option.verification"),
    ("Identifiants", "option.credentials"),
    ("Question", "option.question"),
    ("Validation", "option.validation"),
), after_finish=1,  # the request is sent: going back shows nothing of it
    needs={2: ("number", "candidate_id"), 3: ("space_id",), 4: ("space_id", "email", "password_hash"),
           5: ("holder", "email")},
    # A space converted meanwhile (another browser, an old tab): said on every step, nothing counted.
    precondition=lambda progress: identity.conversion_refusal(progress.get("candidate_id")))


@bp.route("/", methods=["GET"])
def start():
    """The option page's link: a fresh start."""
    wizard.clear()
    return wizard.go(1)


@bp.route("/numero", methods=["GET", "POST"])
@limiter.limit(rate("RATE_NUMBER"), methods=["POST"])
@same_for_every_visitor
def number():
    """Step 1: the subscriber number."""
    form, valid = wizard.form(NumberForm, number=wizard.progress().get("number", ""))
    if valid:
        number = identity.clean_number(form.number.data)
        try:
            space = identity.start_conversion(number, now())
        except Refused as refusal:
            form.number.errors.append(refusal.message)
        else:
            # A (new) number starts the identification again.
            return wizard.complete(number=number, candidate_id=space.id)
    return wizard.render("option/number.html", form)


@bp.route("/verification", methods=["GET", "POST"])
@limiter.limit(rate("RATE_ANSWERS"), methods=["POST"], deduct_when=failed)
@wizard.step
def verification():
    """Step 2: the space's own three trust questions."""
    space = identity.candidate(wizard.progress()["candidate_id"])
    form, valid = wizard.form(AnswersForm)
    refusal = None
    if valid:
        try:
            identity.verify_trust_answers(space, form.answers(), hasher(), now())
        except Refused as exc:
            refusal = exc.message  # the domain wrote the history's line, if any
        else:
            rotate_session_id()
            return wizard.complete(space_id=space.id, email=space.contact_email)
    form.forget_answers()
    return wizard.render("option/verification.html", form, refusal=refusal,
                         number=wizard.progress()["number"], questions=identity.questions_of(space))


@bp.route("/identifiants", methods=["GET", "POST"])
@wizard.step
def credentials():
    """Step 3: the connection address and the password, each typed twice."""
    state = wizard.progress()
    email = state.get("email", "")
    form, valid = wizard.form(CredentialsForm, email=email, email_confirm=email)
    if valid:
        refusal = activation.email_refusal(state["space_id"], form.email.data, now())
        if refusal:
            form.email.errors.append(refusal)
        else:
            return wizard.complete(email=normalise_email(form.email.data),
                                   password_hash=hasher().hash(form.password.data))
    return wizard.render("option/credentials.html", form)


@bp.route("/question", methods=["GET", "POST"])
@wizard.step
def question():
    """Step 4: the new trust question; « Valider » stores the request and sends the code."""
    state = wizard.progress()
    form, valid = wizard.form(QuestionForm)
    if valid:
        try:
            request = activation.request_activation(
                state["space_id"], state["email"], state["password_hash"], form.question.data,
                form.answer.data, encryptor(), now(), send_activation_code,
            )
        except Refused as refusal:
            # The address taken since step 3 has no field here: it is said above the form,
            # and « Etape précédente » leads back to choose another.
            form.refuse(refusal)
        else:
            return wizard.finish(holder=request.space.formal_name, email=state["email"])
    return wizard.render("option/question.html", form, email=state["email"])


@bp.route("/validation", methods=["GET"])
@wizard.step
def validation():
    """Step 5: the code is on its way."""
    done = wizard.progress()
    return wizard.render("option/validation.html", holder=done["holder"], email=done["email"])


@bp.route("/quitter", methods=["POST"])
def leave():
    """« Quitter »: abandon the procedure and forget its progress."""
    if wizard.abandon():
        flash("Vous avez quitté la procédure. Aucune modification n'a été faite à votre espace.", "info")
    return see_other(url_for("pages.home"))
