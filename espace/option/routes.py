"""The wizard « Opter pour l'accès sans certificat »: five steps, progress in the server session."""
from flask import Blueprint, abort, flash, render_template, session, url_for

from ..domain import activation, identity
from ..domain.clock import now
from ..domain.errors import Refused
from ..extensions import encryptor, failed, hasher, limiter, mailer, rate
from ..mail import MailError
from ..mail.messages import activation_message
from ..models import Space
from ..web import pressed, render_step, rotate_session_id, see_other
from .forms import AnswersForm, CredentialsForm, NumberForm, QuestionForm

bp = Blueprint("option", __name__, url_prefix="/opter")

STEPS = ("Numéro d'abonné", "Vérification", "Identifiants", "Question", "Validation")
STEP_ENDPOINTS = ("option.number", "option.verification", "option.credentials", "option.question", "option.validation")
KEY = "option"


def progress():
    return session.get(KEY, {})


def save(**values):
    state = dict(progress())
    state.update(values)
    session[KEY] = state


def reached(step):
    """The step the user may see, or a redirect to the first one not yet done."""
    done = progress().get("done", 0)
    if step - 1 > done:
        flash("Veuillez compléter les étapes dans l'ordre.", "info")
        return see_other(url_for(STEP_ENDPOINTS[min(done, 4)]))
    return None


def render(template, step, form=None, status=200, **context):
    return render_step(template, status=status, step=step, steps=STEPS, form=form,
                       step_name=STEPS[step - 1], **context)


@bp.route("/", methods=["GET"])
def start():
    """The option page's link: a fresh start."""
    session.pop(KEY, None)
    return see_other(url_for("option.number"))


@bp.route("/numero", methods=["GET", "POST"])
@limiter.limit(rate("RATE_NUMBER"), methods=["POST"])
def number():
    """Step 1: the subscriber number."""
    form = NumberForm(data={"number": progress().get("number", "")})
    if pressed("effacer"):
        return render("option/number.html", 1, NumberForm(formdata=None))
    if form.validate_on_submit():
        number = identity.clean_number(form.number.data)
        try:
            space = identity.find_certificate_space(number)
        except Refused as refusal:
            form.number.errors.append(refusal.message)
            return render("option/number.html", 1, form, status=422)
        # A (new) number starts the identification again.
        session[KEY] = {"done": 1, "number": number, "candidate_id": space.id}
        return see_other(url_for("option.verification"))
    return render("option/number.html", 1, form, status=422 if form.errors else 200)


@bp.route("/verification", methods=["GET", "POST"])
@limiter.limit(rate("RATE_ANSWERS"), methods=["POST"], deduct_when=failed)
def verification():
    """Step 2: the space's own three trust questions."""
    redirect = reached(2)
    if redirect:
        return redirect
    space = Space.get_by_id(progress()["candidate_id"])
    questions = [a.question for a in sorted(space.legacy_answers, key=lambda a: a.position)]
    form = AnswersForm(formdata=None) if pressed("effacer") else AnswersForm()
    refusal = None
    if not pressed("effacer") and form.validate_on_submit():
        answers = [form.answer1.data, form.answer2.data, form.answer3.data]
        try:
            identity.verify_trust_answers(space, answers, hasher(), now())
        except Refused as exc:
            refusal = exc.message
        else:
            rotate_session_id()
            save(done=2, space_id=space.id, email=space.contact_email)
            return see_other(url_for("option.credentials"))
    status = 422 if (form.errors or refusal) else 200
    # Trust answers are never sent back to the browser.
    for field in (form.answer1, form.answer2, form.answer3):
        field.raw_data, field.data = [], ""
    return render("option/verification.html", 2, form, status=status,
                  number=progress()["number"], questions=questions, refusal=refusal)


@bp.route("/identifiants", methods=["GET", "POST"])
def credentials():
    """Step 3: the connection address and the password, each typed twice."""
    redirect = reached(3)
    if redirect:
        return redirect
    state = progress()
    if pressed("effacer"):
        form = CredentialsForm(formdata=None)
    else:
        email = state.get("email", "")
        form = CredentialsForm(data={"email": email, "email_confirm": email})
    if not pressed("effacer") and form.validate_on_submit():
        refusal = activation.email_refusal(state["space_id"], form.email.data, now())
        if refusal:
            form.email.errors.append(refusal)
        else:
            save(done=3, email=form.email.data.strip().lower(),
                 password_hash=hasher().hash(form.password.data))
            return see_other(url_for("option.question"))
    return render("option/credentials.html", 3, form, status=422 if form.errors else 200)


@bp.route("/question", methods=["GET", "POST"])
def question():
    """Step 4: the new trust question; « Valider » stores the request and sends the code."""
    redirect = reached(4)
    if redirect:
        return redirect
    state = progress()
    form = QuestionForm()
    if form.validate_on_submit():
        space = Space.get_by_id(state["space_id"])

        def send(code, request):
            mailer().send(activation_message(space, request, code))

        try:
            activation.request_activation(
                space.id, state["email"], state["password_hash"], form.question.data,
                form.answer.data, encryptor(), now(), send,
            )
        except Refused as refusal:
            if refusal.field in form:
                form[refusal.field].errors.append(refusal.message)
            else:
                # The address was taken since step 3 (maybe this very moment): said above
                # the form; « Etape précédente » leads back to choose another.
                form.form_errors.append(refusal.message)
        except MailError:
            form.answer.errors.append(
                "Le courriel contenant le code d'activation n'a pas pu être envoyé. "
                "Rien n'a été enregistré : réessayez dans quelques minutes."
            )
        else:
            # Completion clears the progress; only what the last page shows remains.
            session.pop(KEY, None)
            session["option_done"] = {"holder": f"{space.last_name} {space.first_name}",
                                      "email": state["email"]}
            return see_other(url_for("option.validation"))
    return render("option/question.html", 4, form, status=422 if form.errors else 200,
                  email=state["email"])


@bp.route("/validation", methods=["GET"])
def validation():
    """Step 5: the code is on its way."""
    done = session.get("option_done")
    if not done:
        return reached(5) or abort(404)
    return render("option/validation.html", 5, holder=done["holder"], email=done["email"])


@bp.route("/quitter", methods=["POST"])
def leave():
    """« Quitter »: abandon the procedure and forget its progress."""
    session.pop(KEY, None)
    session.pop("option_done", None)
    flash("Vous avez quitté la procédure. Aucune modification n'a été faite à votre espace.", "info")
    return see_other(url_for("pages.home"))
