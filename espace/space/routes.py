"""The space after login: identity, number, dossiers, services, coordinates."""
from functools import wraps

from flask import Blueprint, flash, g, session, url_for

from ..models import Dossier, Service, Space
from ..web import recap_pdf_response, render_step, see_other

bp = Blueprint("space", __name__, url_prefix="/espace")


def login_required(view):
    @wraps(view)
    def wrapped(**kwargs):
        space = Space.get_or_none(Space.id == session.get("space_id"))
        if space is None or not space.uses_password:
            flash("Connectez-vous pour accéder à votre espace professionnel.", "info")
            return see_other(url_for("auth.login"))
        g.space = space
        return view(**kwargs)

    return wrapped


@bp.route("/")
@login_required
def home():
    """Everything kept from before: identity, number, dossiers and services."""
    space = g.space
    return render_step("space/home.html", space=space,
                       dossiers=space.dossiers.order_by(Dossier.siren),
                       services=space.services.order_by(Service.name))


@bp.route("/coordonnees")
@login_required
def coordinates():
    """Gérer mes services > Gérer vos coordonnées."""
    return render_step("space/coordinates.html", space=g.space)


@bp.route("/coordonnees/recapitulatif.pdf")
@login_required
def recap_pdf():
    return recap_pdf_response(g.space)
