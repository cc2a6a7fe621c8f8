"""« Connexion à mon espace professionnel »: password, e-mailed code, remembered browsers, logout."""
from flask import Blueprint, current_app, flash, make_response, request, url_for

from ..captcha import challenge
from ..access import safe_return_path, sign_in, sign_out, signed_in_space
from ..domain import signin
from ..domain.clock import french_datetime, now
from ..domain.errors import Refused
from ..domain.signin_password import CaptchaNeeded, authenticate, signed_in, signed_out
from ..extensions import failed, hasher, limiter, rate
from ..mail.messages import send_signin_code
from ..sessions import rotate_session_id
from ..visitor_pages import same_for_every_visitor
from ..web import is_fragment_request, pressed, render_form, see_other
from ..wizard import Wizard
from . import devices
from .forms import ConfirmationForm, LoginForm

bp = Blueprint("signin", __name__)

ENDED_MEANWHILE = ("Le mot de passe de cet espace a été changé pendant votre connexion : "
                   "connectez-vous avec le nouveau mot de passe.")
RESENT = ("Un nouveau code vous a été envoyé {when} (heure de Paris) à {email} : il remplace le précédent "
          f"et il est valable {signin.CODE_VALIDITY_MINUTES} minutes.")
SIGNIN_EXPIRED = (f"Votre connexion n'a pas été confirmée dans les {signin.CODE_VALIDITY_MINUTES} minutes "
                  "de validité du code : saisissez de nouveau votre mot de passe.")

# The login page is step 1; the session holds only the pending sign-in until its code is right.
wizard = Wizard("signin", (
    ("Identifiants", "signin.login"),
    ("Code de confirmation", "signin.confirm"),
))


@bp.route("/connexion", methods=["GET", "POST"])
@limiter.limit(rate("RATE_LOGIN"), methods=["POST"], deduct_when=failed)
@same_for_every_visitor
def login():
    """E-mail + password; one message for any failure; then the code, unless remembered."""
    if signed_in_space() is not None:
        return see_other(safe_return_path(request.args.get("suite")) or url_for("space.home"))
    form = LoginForm(data={"suite": request.args.get("suite", "")})
    refusal, ask_captcha = None, pressed("changer")
    if ask_captcha:
        form.captcha.raw_data, form.captcha.data = [], ""
        challenge.renew()
    elif form.validate_on_submit():
        solved = bool(form.captcha.data) and challenge.passed(form.captcha.data)
        try:
            space = authenticate(form.email.data, form.password.data, hasher(), now(),
                                 remembered=devices.recognised, captcha_passed=solved)
        except Refused as exc:
            refusal = exc.message  # the domain told the space's history and holder, if any
            if isinstance(exc, CaptchaNeeded):
                ask_captcha = True
                challenge.renew()
        else:
            return start_signin(space, safe_return_path(form.suite.data))
    form.password.raw_data, form.password.data = [], ""
    return render_form("signin/login.html", form, refusal,
                       ask_captcha=ask_captcha, captcha_v=challenge.version() if ask_captcha else None)


def start_signin(space, suite):
    """The right password: a remembered browser goes in, any other gets a code."""
    if devices.recognised(space):
        return enter(space, suite, new_browser=False)
    rotate_session_id()
    wizard.start(1, space_id=space.id, epoch=space.session_epoch, code_ids=[], suite=suite)
    email_code(space)
    return wizard.go(2)


@bp.route("/connexion/code", methods=["GET", "POST"])
@limiter.limit(rate("RATE_SIGNIN_CODE"), methods=["POST"], deduct_when=failed)
@wizard.step
def confirm():
    """Step 2: the 6-digit code e-mailed after the password, or « Renvoyer un code »."""
    space = pending_space()
    if space is None:
        return see_other(url_for("signin.login"))
    refusal = None
    if pressed("renvoyer"):
        form, valid = ConfirmationForm(formdata=None), False
        if email_code(space):
            flash(RESENT.format(when=wizard.progress()["sent_at"], email=space.login_email), "success")
            return wizard.go(2)
        refusal = wizard.progress()["problem"]
    else:
        form, valid = wizard.form(ConfirmationForm)
    if valid:
        try:
            signin.confirm(space.id, wizard.progress()["code_ids"], form.code.data, now(), code_key())
        except Refused as wrong:
            form.refuse(wrong)
        else:
            return enter(space, wizard.progress().get("suite"), new_browser=True, remember=form.remember.data)
    progress = wizard.progress()
    return wizard.render("signin/code.html", form, refusal=refusal, email=space.login_email,
                         sent_at=progress.get("sent_at"), problem=progress.get("problem"),
                         can_resend=(len(progress.get("code_ids", [])) <= signin.MAX_RESENDS
                                     and signin.codes_blocked_until(space.id, now()) is None),
                         has_code=bool(progress.get("code_ids")))


@bp.route("/connexion/quitter", methods=["POST"])
def leave():
    """« Quitter »: abandon this sign-in; the code e-mailed stays unused."""
    wizard.clear()
    flash("Vous avez quitté la connexion. Vous n'êtes pas connecté(e).", "info")
    return see_other(url_for("signin.login"))


@bp.route("/deconnexion", methods=["POST"])
def logout():
    space = signed_in_space()
    sign_out()
    if space is not None:
        signed_out(space.id, now())
    flash("Vous êtes déconnecté(e) de votre espace professionnel.", "info")
    return see_other(url_for("signin.login"))


def pending_space():
    """The space waiting for its code; None (and the sign-in forgotten) if its password changed
    since, or if its latest code's time is over (a pending sign-in ends with its code)."""
    progress = wizard.progress()
    space = signin.space_of_pending_signin(progress.get("space_id"), progress.get("epoch"))
    if space is None:
        wizard.clear()
        flash(ENDED_MEANWHILE, "info")
        return None
    if progress.get("code_ids") and not signin.pending_signin_alive(progress["code_ids"], now()):
        wizard.clear()
        flash(SIGNIN_EXPIRED, "info")
        return None
    return space


def code_key():
    return current_app.secret_key


def email_code(space):
    """E-mail a new code for this sign-in; the code page says when it went, or why it did not."""
    earlier = wizard.progress().get("code_ids", [])
    try:
        row = signin.send_code(space, now(), code_key(), send_signin_code, earlier=earlier)
    except Refused as refusal:
        wizard.keep(problem=refusal.message)
        return False
    wizard.keep(problem=None, code_ids=[*earlier, row.id],
                   sent_at=french_datetime(row.created_at.replace(second=0, microsecond=0)))
    return True


def enter(space, suite, new_browser, remember=False):
    """Signed in (new session id), then back to the page asked for, or the space's home."""
    sign_in(space)
    # One history line per sign-in, with or without the code; a browser never seen here is told.
    signed_in(space.id, now(), new_browser=new_browser and not devices.seen_before(space))
    target = suite or url_for("space.home")
    if is_fragment_request():
        # A whole new page, not a fragment inside the sign-in step.
        response = make_response("", 204)
        response.headers["HX-Redirect"] = target
    else:
        response = see_other(target)
    devices.mark_seen(response, space)
    if remember:
        devices.remember(response, space)
    return response
