"""« Connexion à mon espace professionnel »: password, e-mailed code, remembered browsers, logout."""
from flask import Blueprint, current_app, flash, make_response, url_for

from ..access import after_sign_in_url, sign_in, sign_out, signed_in_space
from ..domain import signin
from ..domain.clock import french_datetime, now
from ..domain.errors import Refused
from ..domain.login import authenticate
from ..extensions import failed, hasher, limiter, rate
from ..mail.messages import notify, send_signin_code
from ..models import Space
from ..web import is_fragment_request, journal, pressed, render_step, rotate_session_id, see_other
from ..wizard import Wizard
from . import devices
from .forms import ConfirmationForm, LoginForm

bp = Blueprint("auth", __name__)

ENDED_MEANWHILE = ("Le mot de passe de cet espace a été changé pendant votre connexion : "
                   "connectez-vous avec le nouveau mot de passe.")

# The login page is step 1; the session holds only the pending space until the code is right.
wizard = Wizard("signin", (
    ("Identifiants", "auth.login"),
    ("Code de confirmation", "auth.confirm"),
))


@bp.route("/connexion", methods=["GET", "POST"])
@limiter.limit(rate("RATE_LOGIN"), methods=["POST"], deduct_when=failed)
def login():
    """E-mail + password; one generic message for any failure; then the code, unless remembered."""
    form = LoginForm()
    refusal = None
    if form.validate_on_submit():
        try:
            space = authenticate(form.email.data, form.password.data, hasher(), now())
        except Refused as exc:
            refusal = exc.message
            if exc.event:
                journal(exc.space_id, exc.event)
        else:
            if devices.recognised(space):
                return enter(space, new_browser=False)
            rotate_session_id()
            wizard.start(1, space_id=space.id, epoch=space.session_epoch)
            email_code(space)
            return wizard.go(2)
    status = 422 if (form.errors or refusal) else 200
    return render_step("auth/login.html", status=status, form=form, refusal=refusal)


@bp.route("/connexion/code", methods=["GET", "POST"])
@limiter.limit(rate("RATE_SIGNIN_CODE"), methods=["POST"], deduct_when=failed)
@wizard.requires_step(2)
def confirm():
    """Step 2: the 6-digit code e-mailed after the password, or « Renvoyer un code »."""
    space = pending_space()
    if space is None:
        return wizard.go(1)
    refusal = None
    if pressed("renvoyer"):
        form, valid = ConfirmationForm(formdata=None), False
        if email_code(space):
            return wizard.go(2)
        refusal = wizard.progress()["problem"]
    else:
        form, valid = wizard.form(ConfirmationForm)
    if valid:
        try:
            signin.confirm(space.id, form.code.data, now(), code_key())
        except Refused as wrong:
            form.refuse(wrong)
            if wrong.event:
                journal(space.id, wrong.event)
        else:
            return enter(space, new_browser=True, remember=form.remember.data)
    progress = wizard.progress()
    return wizard.render("auth/code.html", 2, form, refusal=refusal, email=space.login_email,
                         sent_at=progress.get("sent_at"), problem=progress.get("problem"))


@bp.route("/connexion/quitter", methods=["POST"])
def leave():
    """« Quitter »: abandon this sign-in; the code e-mailed stays unused."""
    wizard.clear()
    flash("Vous avez quitté la connexion. Vous n'êtes pas connecté(e).", "info")
    return see_other(url_for("auth.login"))


@bp.route("/deconnexion", methods=["POST"])
def logout():
    space = signed_in_space()
    sign_out()
    if space is not None:
        journal(space.id, "signout")
    flash("Vous êtes déconnecté(e) de votre espace professionnel.", "info")
    return see_other(url_for("auth.login"))



def pending_space():
    """The space waiting for its code; None (and the sign-in forgotten) if its password changed since."""
    progress = wizard.progress()
    space = Space.get_or_none(Space.id == progress["space_id"])
    if space is None or space.session_epoch != progress.get("epoch"):
        wizard.clear()
        flash(ENDED_MEANWHILE, "info")
        return None
    return space


def code_key():
    return current_app.secret_key


def email_code(space):
    """E-mail a new code; the code page says when it went, or why it did not."""
    try:
        row = signin.send_code(space, now(), code_key(), send_signin_code)
    except Refused as refusal:
        wizard.advance(1, problem=refusal.message)
        return False
    journal(space.id, "signin_code_sent")
    wizard.advance(1, problem=None, sent_at=french_datetime(row.created_at.replace(second=0, microsecond=0)))
    return True


def enter(space, new_browser, remember=False):
    """Signed in (new session id); a browser that needed the code is announced to the holder."""
    sign_in(space)
    journal(space.id, "signin")
    if new_browser:
        journal(space.id, "signin_new_browser")
        notify(space, "Connexion depuis un nouveau navigateur",
               "Une connexion à votre espace professionnel a été confirmée avec le code envoyé par "
               "courriel, depuis un navigateur qui n'était pas mémorisé.")
    if is_fragment_request():
        # A whole new page, not a fragment inside the sign-in step.
        response = make_response("", 204)
        response.headers["HX-Redirect"] = after_sign_in_url()
    else:
        response = see_other(after_sign_in_url())
    if remember:
        devices.remember(response, space)
    return response
