"""EP 6 « Mot de passe oublié »: address + captcha, e-mailed link, trust question, new password.

The first step answers the same whatever the address: it queues the request (one row of the
mail queue, the same for any address), and the sender makes the look-up, the link and the
e-mail (espace/mail/sender.py), so neither the page, its status, its time nor the time of the
worker's next request depends on whether the address opens a space.
"""
import logging

from flask import Blueprint, current_app, flash, request, url_for

from ..access import sign_out
from ..captcha import challenge
from ..domain import reset, security
from ..domain.clock import now
from ..domain.errors import Refused
from ..domain.hashing import sha256_hex
from ..extensions import encryptor, failed, hasher, limiter, rate
from ..mail.messages import request_reset_link
from ..mail.sender import drain_after_response
from ..after_response import after_response
from ..sessions import rotate_session_id
from ..web import pressed, render_step, see_other
from ..wizard import Wizard
from .forms import AnswerForm, PasswordForm, RequestForm

bp = Blueprint("reset", __name__, url_prefix="/mot-de-passe-oublie")
log = logging.getLogger("espace.reset")

wizard = Wizard("reset", (
    ("Adresse électronique", "reset.request_link"),
    ("Courriel", "reset.sent"),
    ("Question de confiance", "reset.question"),
    ("Nouveau mot de passe", "reset.password"),
), needs={2: ("email",), 3: ("token_hash",), 4: ("token_hash",)})  # the link replaces the address
DONE = ("Votre mot de passe a été modifié. " + security.AFTER_PASSWORD_RESET
        + " Connectez-vous avec votre nouveau mot de passe.")


def spent(response):
    """Every request counts against the per-address limit, but « Changer l'image » and « Effacer »."""
    return response.status_code != 200


@bp.route("", methods=["GET", "POST"])
@limiter.limit(rate("RATE_RESET"), methods=["POST"], deduct_when=spent)
def request_link():
    """Step 1: the login address and the captcha; then always the same answer."""
    if pressed("changer"):
        form = RequestForm()  # without JavaScript « Changer l'image » posts the form
        form.captcha.raw_data, form.captcha.data = [], ""
        return wizard.render("reset/request.html", form, captcha_v=challenge.renew())
    form, valid = wizard.form(RequestForm)
    if valid and challenge.passed_by(form):
        send_link(form.email.data)
        return wizard.complete(email=form.email.data.strip())
    if form.errors:
        challenge.renew()  # a refused attempt spends its image
    return wizard.render("reset/request.html", form, captcha_v=challenge.version())


def send_link(email):
    """Queue the request, whatever the address; the embedded default sends it after the answer."""
    request_reset_link(email, request.remote_addr)
    if current_app.config["MAIL_SENDER"] == "inline":
        after_response(drain_after_response)


@bp.route("/message-envoye")
@wizard.step
def sent():
    """Step 2: the one answer, known address or not."""
    return wizard.render("reset/sent.html", email=wizard.progress()["email"])


@bp.route("/lien")
def link():
    """The e-mailed link: its token goes to the session, the address bar loses it."""
    wizard.start(2, token_hash=sha256_hex(request.args.get("jeton", "")))
    return wizard.go(3)


def invalid_link(refusal):
    wizard.clear()
    return render_step("reset/invalid_link.html", status=410, message=refusal.message)


@bp.route("/question", methods=["GET", "POST"])
@limiter.limit(rate("RATE_ANSWERS"), methods=["POST"], deduct_when=failed)
@wizard.step
def question():
    """Step 3: the space's trust question, under the trust answers' per-space lock."""
    try:
        space = reset.find_reset(wizard.progress()["token_hash"], now()).space
    except Refused as refusal:
        return invalid_link(refusal)
    form, valid = wizard.form(AnswerForm)
    if valid:
        try:
            reset.verify_answer(space, form.answer.data, encryptor(), now())
        except Refused as refusal:
            form.refuse(refusal)  # the domain wrote the history's line, if any
        else:
            rotate_session_id()
            return wizard.complete()
    form.answer.raw_data, form.answer.data = [], ""  # never sent back to the browser
    return wizard.render("reset/question.html", form, trust_question=space.trust_question)


@bp.route("/nouveau-mot-de-passe", methods=["GET", "POST"])
@wizard.step
def password():
    """Step 4: the new password twice; then every session of the space ends, and sign in."""
    token_hash = wizard.progress()["token_hash"]
    try:
        reset.find_reset(token_hash, now())
    except Refused as refusal:
        return invalid_link(refusal)
    form, valid = wizard.form(PasswordForm)
    if valid:
        try:
            reset.complete_reset(token_hash, form.password.data, hasher(), now())
        except Refused as refusal:
            if refusal.field is None:
                return invalid_link(refusal)  # used or superseded meanwhile
            form.refuse(refusal)
        else:
            sign_out()
            flash(DONE, "info")
            return see_other(url_for("signin.login"))
    return wizard.render("reset/password.html", form)


@bp.route("/quitter", methods=["POST"])
def leave():
    """« Quitter »: abandon the procedure; the link, if any, stays valid until its hour ends."""
    wizard.clear()
    flash("Vous avez quitté la procédure « Mot de passe oublié ». Votre mot de passe n'a pas été changé.", "info")
    return see_other(url_for("signin.login"))
