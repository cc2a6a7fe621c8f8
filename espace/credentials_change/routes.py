"""EP 5 « Changer d'adresse électronique ou de mot de passe », from the signed-in space."""
from flask import Blueprint, flash, g, url_for

from ..access import current_session_id, login_required
from ..domain import credentials_change, security
from ..domain.clock import now
from ..domain.errors import Refused
from ..extensions import hasher, shared_rate
from ..mail.messages import notify, send_email_change_code
from ..web import journal, render_step, see_other
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
            email_wizard.start(1, email=change.email)
            journal(g.space.id, "email_change_requested")
            notify(g.space, "Changement d'adresse électronique demandé",
                   f"Le remplacement de l'adresse électronique de connexion de votre espace par {change.email} "
                   "a été demandé. Il ne prendra effet qu'une fois confirmé avec le code envoyé à cette adresse.")
            return email_wizard.go(2)
    return email_wizard.render("credentials_change/email.html", 1, form,
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
            email_wizard.finish(email=space.login_email)
            journal(space.id, "email_changed")
            what = f"L'adresse électronique de connexion de votre espace est désormais {space.login_email}."
            notify(space, "Adresse électronique modifiée", what, recipient=old)
            notify(space, "Adresse électronique modifiée", what)
            return email_wizard.go(3)
    elif pending is None and not form.errors:
        flash(NOTHING_PENDING, "info")
        return email_wizard.go(1)
    return email_wizard.render("credentials_change/confirm_email.html", 2, form,
                               email=pending.email if pending else email_wizard.progress().get("email"))


@bp.route("/adresse-electronique/modifiee")
@login_required
@email_wizard.requires_step(3)
def email_changed():
    """Step 3: the new address is the login address."""
    return email_wizard.render("credentials_change/email_changed.html", 3, email=g.space.login_email)


@bp.route("/adresse-electronique/quitter", methods=["POST"])
@login_required
def leave_email():
    """« Quitter »: the change waiting for its code is cancelled too."""
    email_wizard.clear()
    credentials_change.cancel_email_change(g.space.id)
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
            journal(space.id, "password_changed")
            notify(space, "Mot de passe modifié", "Le mot de passe de votre espace professionnel a été modifié. "
                   + security.AFTER_PASSWORD_CHANGE)
            flash("Votre mot de passe a été modifié. " + security.AFTER_PASSWORD_CHANGE, "info")
            return see_other(url_for("space.home"))
    return render_step("credentials_change/password.html", status=422 if form.errors else 200, form=form)
