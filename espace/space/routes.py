"""The space after login: identity, number, dossiers, services, coordinates."""
from flask import Blueprint, g

from ..access import login_required
from ..recap import recap_pdf_response
from ..web import render_step

bp = Blueprint("space", __name__, url_prefix="/espace")


@bp.route("/")
@login_required
def home():
    """Everything kept from before: identity, number, dossiers and services."""
    space = g.space
    return render_step("space/home.html", space=space,
                       dossiers=space.dossiers_in_order(), services=space.services_in_order())


@bp.route("/coordonnees")
@login_required
def coordinates():
    """Gérer mes services > Gérer vos coordonnées."""
    return render_step("space/coordinates.html", space=g.space)


@bp.route("/coordonnees/recapitulatif.pdf")
@login_required
def recap_pdf():
    return recap_pdf_response(g.space)
