"""« Sécurité de mon espace »: the remembered browsers and open sessions, each with its button.

Plain POST forms (Post/Redirect/Get), so everything works without JavaScript. Each action
is written in « Historique » and e-mailed to the holder.
"""
from flask import Blueprint, flash, g, jsonify, request, url_for

from ..access import (absolute_limit, current_session_id, idle_limit, local_path, login_required, seconds_left,
                      send_to_login, session_capped, signed_in_space, warn_before)
from ..domain import history, security
from ..domain.clock import french_datetime, now
from ..domain.errors import Refused
from ..web import render_step, see_other
from .forms import CloseOthersForm, CloseSessionForm, ExtendForm, ForgetBrowserForm

bp = Blueprint("security", __name__, url_prefix="/espace/securite")

EXTENDED = "Votre session a été prolongée."
NOT_EXTENDED = ("Votre session ne peut pas être prolongée : par sécurité, une session dure au plus {limit}. "
                "Elle prendra fin {end} (heure de Paris) ; connectez-vous de nouveau ensuite.")


@bp.route("/")
@login_required
def index():
    """The remembered browsers and the open sessions, this one marked."""
    moment = now()
    return render_step("security/index.html", browsers=security.remembered_browsers(g.space.id, moment),
                       sessions=security.open_sessions(g.space.id, moment, idle_limit()),
                       current=current_session_id(), current_device=g.open_session.device_id,
                       label=security.agent_label, when=history.local_date_time,
                       idle=security.french_duration(idle_limit()))


def act(form, change):
    """Validate the form, make the change (the domain tells the history and the holder), say it,
    and come back to the page."""
    if form.validate_on_submit():
        try:
            what = change(form)
        except Refused as refusal:
            flash(refusal.message, "error")
        else:
            flash(what, "info")
    else:
        flash(next(iter(form.errors.values()))[0], "error")
    return see_other(url_for(".index"))


@bp.route("/navigateurs/oublier", methods=["POST"])
@login_required
def forget_browser():
    """« Oublier ce navigateur »: its next sign-in asks for the code."""
    return act(ForgetBrowserForm(), lambda form: security.holder_forgets_browser(
        g.space.id, form.navigateur.data, now()))


@bp.route("/sessions/fermer", methods=["POST"])
@login_required
def close_session():
    """« Fermer »: another session of the space ends at its next request."""
    return act(CloseSessionForm(), lambda form: security.holder_closes_session(
        g.space.id, form.session.data, now(), current_session_id()))


@bp.route("/sessions/fermer-les-autres", methods=["POST"])
@login_required
def close_others():
    """« Me déconnecter de tous les autres appareils », without changing the password."""
    return act(CloseOthersForm(), lambda form: security.holder_closes_other_sessions(
        g.space.id, now(), current_session_id()))


@bp.route("/prolonger", methods=["POST"])
def extend():
    """« Prolonger ma session »: JSON for app.js; without JavaScript, back to the page it was on."""
    form = ExtendForm()
    space = signed_in_space(touch=False)
    if space is None or not form.validate_on_submit():
        return (jsonify(remaining=0, capped=False), 401) if wants_json() else send_to_login()
    capped = session_capped()  # its overall limit comes first: nothing to extend
    if not capped:
        g.open_session = security.extend_session(space.id, current_session_id(), now(), idle_limit(),
                                                 absolute_limit())
    if wants_json():
        return jsonify(remaining=seconds_left(), capped=session_capped())
    if capped:
        # Said to the minute before (french_datetime rounds « try again » times up: not an end).
        end = (g.open_session.created_at + absolute_limit()).replace(second=0, microsecond=0)
        flash(NOT_EXTENDED.format(limit=security.french_duration(absolute_limit()), end=french_datetime(end)), "info")
    else:
        flash(EXTENDED, "info")
    return see_other(form.retour.data if local_path(form.retour.data) else url_for("space.home"))


@bp.route("/restant")
def remaining():
    """How long this session has left, and whether that end is its overall limit (nothing can
    push it back), for app.js; asking is not activity."""
    space = signed_in_space(touch=False)
    if space is None:
        return jsonify(remaining=0, capped=False)
    return jsonify(remaining=seconds_left(), capped=session_capped())


def wants_json():
    return request.accept_mimetypes.best == "application/json"


@bp.app_context_processor
def session_timer():
    """The time-out warning's figures, on the pages of a signed-in session (templates/base.html)."""
    seconds = seconds_left()
    if seconds is None:
        return {"session_timer": None}
    return {"session_timer": {
        "remaining": seconds, "warn": int(warn_before().total_seconds()),
        "warn_label": security.french_duration(warn_before()), "limit": security.french_duration(idle_limit()),
        "capped": session_capped(), "cap": security.french_duration(absolute_limit()),
        "here": request.full_path.rstrip("?"),
    }}
