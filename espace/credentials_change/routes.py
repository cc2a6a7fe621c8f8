"""EP 5 « Changer d'adresse électronique ou de mot de passe », from the signed-in space."""
from flask import Blueprint, flash, g, request, url_for

from ..access import credentials_changed, current_session_id, login_required
from ..domain import credentials_change, security
from ..domain.clock import now
from ..domain.errors import Refused
from ..extensions import hasher, shared_rate
from ..mail.messages import send_email_change_code
from ..web import render_form, render_step, see_other
from ..wizard import Wizard
from .forms import EmailChangeForm, EmailConfirmForm, PasswordChangeForm

bp = Blueprint("credentials_change", __name__, url_prefix="/espace")

email_wizard = Wizard("email_change", (
    ("Nouvelle adresse", "credentials_change.email"),
    ("Confirmation", "credentials_change.confirm_email"),
    ("Adresse modifiée", "credentials_change.email_changed"),
), after_finish=1)

NOTHING_PENDING = "Aucun changement d'adresse électronique n'est en attente : saisissez la nouvelle adresse."


@bp.route("/adresse-electronique", methods=["GET", "POST"])
@shared_rate("RATE_ACCOUNT")
@login_required
def email():
    """Step 1: the new address twice and the current password; a code goes to the new address."""
    form, valid = email_wizard.form(EmailChangeForm)
    if valid:
        try:
            change = credentials_change.request_email_change(
                g.space.id, form.email.data, form.current_password.data, hasher(), now(), send_email_change_code)
        except Refused as refusal:
            form.refuse(refusal)
        else:
            return email_wizard.complete(email=change.email)
    return email_wizard.render("credentials_change/email.html", form,
                               pending=credentials_change.pending_change(g.space.id, now()))


@bp.route("/adresse-electronique/confirmation", methods=["GET", "POST"])
@shared_rate("RATE_ACCOUNT")
@login_required
def confirm_email():
    """Step 2: the code received at the new address; reachable while a change waits in the database."""
    pending = credentials_change.pending_change(g.space.id, now())
    form, valid = email_wizard.form(EmailConfirmForm)
    if valid:
        try:
            old, space = credentials_change.confirm_email_change(g.space.id, form.code.data, now())
        except Refused as refusal:
            form.refuse(refusal)
        else:
            credentials_changed(space)
            return email_wizard.finish(email=space.login_email)
    elif pending is None and not form.errors:
        flash(NOTHING_PENDING, "info")
        return email_wizard.go(1)
    return email_wizard.render("credentials_change/confirm_email.html", form,
                               email=pending.email if pending else email_wizard.progress().get("email"))


@bp.route("/adresse-electronique/modifiee")
@login_required
@email_wizard.step
def email_changed():
    """Step 3: the new address is the login address."""
    return email_wizard.render("credentials_change/email_changed.html", email=g.space.login_email)


@bp.route("/adresse-electronique/quitter", methods=["POST"])
@login_required
def leave_email():
    """« Quitter »: the change waiting for its code is cancelled too."""
    if email_wizard.abandon():
        credentials_change.cancel_email_change(g.space.id, now())
        flash("Vous avez quitté la procédure. Votre adresse électronique de connexion n'a pas été modifiée.", "info")
    return see_other(url_for("space.home"))


@bp.route("/mot-de-passe", methods=["GET", "POST"])
@shared_rate("RATE_ACCOUNT")
@login_required
def password():
    """The current password, then the new one twice; every other session ends."""
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            space = credentials_change.change_password(
                g.space.id, form.current_password.data, form.password.data, hasher(), now(),
                keep_session=current_session_id())
        except Refused as refusal:
            form.refuse(refusal)
        else:
            credentials_changed(space)
            flash("Votre mot de passe a été modifié. " + security.AFTER_PASSWORD_CHANGE, "success")
            return see_other(url_for("space.home"))
    return render_form("credentials_change/password.html", form)


@bp.route("/adresse-electronique/annuler", methods=["GET", "POST"])
def cancel_by_link():
    """The link of the notice sent to the current address: a page, then a button that cancels
    (a mail scanner that opens links cancels nothing). Works signed out."""
    token = request.values.get("jeton", "")
    if request.method == "POST":
        try:
            credentials_change.cancel_by_link(token, now())
        except Refused as refusal:
            return render_step("credentials_change/cancel.html", status=410, refusal=refusal.message)
        return render_step("credentials_change/cancel.html", cancelled=True)
    return render_step("credentials_change/cancel.html", token=token)
