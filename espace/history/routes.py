"""« Historique »: what happened to the space, newest first, a page at a time."""
from flask import Blueprint, g, request

from ..access import login_required
from ..domain import history
from ..domain.assistance import HOURS, PHONE
from ..domain.clock import now
from ..web import render_step

bp = Blueprint("history", __name__)


@bp.route("/espace/historique")
@login_required
def index():
    """The space's events of the last year; ?page=N without JavaScript."""
    page = history.page_of_events(g.space.id, now(), request.args.get("page", 1, type=int))
    return render_step("history/index.html", page=page, label=history.label,
                       when=history.local_date_time, phone=PHONE, hours=HOURS)
