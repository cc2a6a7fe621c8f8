"""Public pages: home, fiches, the EP 4 option page, help, accessibility statement, site map."""
from pathlib import Path

from flask import Blueprint, abort, current_app, render_template
from markupsafe import Markup

from ..domain import audit
from ..visitor_pages import same_for_every_visitor

bp = Blueprint("pages", __name__)

FICHES = {
    "ep1": "Conditions générales d'utilisation de l'espace professionnel",
    "ep2": "Créer un espace professionnel expert",
    "ep3": "Modifier les coordonnées de votre espace professionnel",
    "ep4": "Opter pour l'accès avec une adresse électronique et un mot de passe",
    "ep5": "Changer d'adresse électronique de connexion ou de mot de passe",
    "ep6": "Mot de passe oublié",
    "ep-sl": "Créer un espace professionnel simplifié et adhérer aux services",
}


@bp.route("/")
@same_for_every_visitor
def home():
    return render_template("pages/home.html")


@bp.route("/fiches")
@same_for_every_visitor
def fiches():
    """« Fiches focus sur les téléprocédures »."""
    return render_template("pages/fiches.html", fiches=FICHES)


@bp.route("/fiches/<slug>")
@same_for_every_visitor
def fiche(slug):
    if slug not in FICHES:
        abort(404)
    if slug == "ep4":
        return render_template("pages/option.html")
    return render_template("pages/fiche.html", slug=slug, title=FICHES[slug])


@bp.route("/aide")
@same_for_every_visitor
def help():
    """Chapter 6 of the seed: assistance."""
    return render_template("pages/help.html")


def published_audit():
    """The RGAA audit of docs/accessibility/ (its committed grid), read once per process."""
    return audit.published(Path(current_app.root_path).parent / "docs" / "accessibility")


@bp.app_context_processor
def accessibility_level():
    """Every footer says the level the grid earns (« totalement conforme » only at 100 %)."""
    return {"accessibility_level": lambda: published_audit()[1].level}


@bp.route("/accessibilite")
@same_for_every_visitor
def accessibility():
    """The statement, generated from the audit grid so that the two never disagree."""
    return render_template("pages/accessibility.html", statement=statement())


def statement():
    """The statement's text: it depends on the grid alone, read once per process, so it is
    rendered once per process too (it was four fifths of the page's time)."""
    rendered = current_app.extensions.get("espace.statement")
    if rendered is None:
        facts, result = published_audit()
        rendered = Markup(render_template("pages/_accessibility_statement.html", audit=facts, result=result,
                                          audit_date=audit.audit_date(facts),
                                          titles={n: t for n, _, t in facts.criteria}))
        current_app.extensions["espace.statement"] = rendered
    return rendered


@bp.route("/plan-du-site")
@same_for_every_visitor
def sitemap():
    """« Plan du site »: every public page and the entry of every procedure (RGAA 12.1, 12.3)."""
    return render_template("pages/sitemap.html", fiches=FICHES)


@bp.route("/favicon.ico")
def favicon():
    """Pages link the icon; browsers and tools that ask for /favicon.ico anyway get it too."""
    return current_app.send_static_file("favicon.ico")
