"""EP 3 « Modifier les coordonnées »: telephone and professional address; trust question."""
from flask import Blueprint, flash, g, url_for

from ..access import credentials_changed, login_required
from ..domain import coordinates
from ..domain.clock import now
from ..domain.errors import Refused
from ..extensions import encryptor, hasher, shared_rate
from ..web import render_form, see_other
from .forms import CoordinatesForm, TrustQuestionForm

bp = Blueprint("coordinates", __name__, url_prefix="/espace/coordonnees")


def page(template, form):
    return render_form(template, form)


@bp.route("/modifier", methods=["GET", "POST"])
@shared_rate("RATE_ACCOUNT")
@login_required
def edit():
    """Telephone and professional address, prefilled with the current values."""
    space = g.space
    form = CoordinatesForm(data={"phone": coordinates.display_phone(space.phone), "address": space.address,
                                 "postcode": space.postcode, "city": space.city})
    if form.validate_on_submit():
        try:
            changed = coordinates.change_coordinates(space.id, form.phone.data, form.address.data,
                                                     form.postcode.data, form.city.data, now())
        except Refused as refusal:
            form.refuse(refusal)
        else:
            flash(coordinates.COORDINATES_CHANGED if changed else "Vos coordonnées sont inchangées.", "success" if changed else "info")
            return see_other(url_for("space.coordinates"))
    return page("coordinates/edit.html", form)


@bp.route("/question-de-confiance", methods=["GET", "POST"])
@shared_rate("RATE_ACCOUNT")
@login_required
def trust_question():
    """A new trust question and answer, with the current password."""
    form = TrustQuestionForm(data={"question": g.space.trust_question})
    if form.validate_on_submit():
        try:
            coordinates.change_trust_question(g.space.id, form.question.data, form.answer.data,
                                              form.current_password.data, hasher(), encryptor(), now())
        except Refused as refusal:
            form.refuse(refusal)
        else:
            credentials_changed(g.space)
            flash(coordinates.QUESTION_CHANGED, "success")
            return see_other(url_for("space.coordinates"))
    # The answer is never sent back; a refused form says so rather than blanking it silently.
    answer_cleared = bool(form.answer.data) and bool(form.errors)
    form.answer.raw_data, form.answer.data = [], ""
    return render_form("coordinates/trust_question.html", form,
                       answer_cleared=answer_cleared)
