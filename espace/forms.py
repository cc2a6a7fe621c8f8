"""The base form and the validators shared by several procedures (French messages)."""
from flask import current_app, session
from flask_wtf import FlaskForm
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape
from wtforms.validators import InputRequired, Length, ValidationError
from wtforms.widgets import core as widgets

from .domain.credentials import EMAIL_MAX, email_problem, normalise_email, password_problem
from .sessions import holds_something


def carries_a_token():
    """A form carries the CSRF token only for a session that is kept: a visitor's session never is
    (espace/sessions.py), so a token could not be checked against it; a visitor's POSTs are checked
    by their origin (espace/csrf.py), and a browser that sends none is given a session first."""
    return current_app.config.get("WTF_CSRF_ENABLED", True) and holds_something(session)


def csrf_input():
    """The token's hidden field, for the templates' forms that have no WTForms form."""
    if not carries_a_token():
        return ""
    return Markup('<input type="hidden" name="csrf_token" value="%s">') % generate_csrf()


class StepForm(FlaskForm):
    """A form of the site: a domain refusal lands next to its field, or above the form."""

    class Meta:
        @property
        def csrf(self):
            return carries_a_token()

    def refuse(self, refusal):
        if refusal.field in self:
            self[refusal.field].errors.append(refusal.message)
        else:
            self.form_errors.append(refusal.message)


def html_params(**kwargs):
    """WTForms' `html_params`, the same output (tests/test_render_speedups.py compares them), without
    its `Markup.format` per attribute: that formatter was a fifth of a form page's time."""
    params = []
    for key, value in sorted(kwargs.items()):
        key = escape(widgets.clean_key(key))
        if value is True:
            params.append(key)
        elif value is not False:
            # A Markup value is not escaped again: its own quotes still must not end the attribute.
            text = str(escape(value)).replace('"', "&quot;")
            params.append(f'{key}="{text}"')
    return Markup(" ".join(params))


# Every <input> of the site (text, e-mail, password, hidden, checkbox, radio) renders its attributes
# through this hook, which WTForms leaves on the widget class for this purpose.
widgets.Input.html_params = staticmethod(html_params)


def required(message):
    return InputRequired(message=message)


def at_most(n, what):
    return Length(max=n, message=f"{what} ne doit pas dépasser {n} caractères.")


def valid_email(form, field):
    problem = email_problem(field.data)
    if problem:
        raise ValidationError(problem)


def valid_password(form, field):
    problem = password_problem(field.data)
    if problem:
        raise ValidationError(problem)


def same_as(other, message):
    """The same address as `other`, compared as addresses are (no case, no surrounding spaces)."""
    def check(form, field):
        if normalise_email(field.data) != normalise_email(form[other].data):
            raise ValidationError(message)

    return check


def same_password_as(other, message):
    def check(form, field):
        if field.data != form[other].data:
            raise ValidationError(message)

    return check


__all__ = ["StepForm", "EMAIL_MAX", "required", "at_most", "valid_email", "valid_password", "same_as", "same_password_as"]
