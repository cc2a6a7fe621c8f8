"""« Connexion à mon espace professionnel » and logout."""
from flask import Blueprint, flash, request, url_for

from ..access import sign_in, sign_out
from ..domain.clock import now
from ..domain.errors import Refused
from ..domain.login import authenticate
from ..extensions import failed, hasher, limiter, rate
from ..web import journal, render_step, see_other
from .forms import LoginForm

bp = Blueprint("auth", __name__)


@bp.route("/connexion", methods=["GET", "POST"])
@limiter.limit(rate("RATE_LOGIN"), methods=["POST"], deduct_when=failed)
def login():
    """E-mail + password; one generic message for any failure."""
    form = LoginForm()
    refusal = None
    if form.validate_on_submit():
        try:
            space = authenticate(form.email.data, form.password.data, hasher(), now(), request.remote_addr)
        except Refused as exc:
            refusal = exc.message
        else:
            sign_in(space)
            journal(space.id, "signin")
            return see_other(url_for("space.home"))
    status = 422 if (form.errors or refusal) else 200
    return render_step("auth/login.html", status=status, form=form, refusal=refusal)


@bp.route("/deconnexion", methods=["POST"])
def logout():
    sign_out()
    flash("Vous êtes déconnecté(e) de votre espace professionnel.", "info")
    return see_other(url_for("auth.login"))
