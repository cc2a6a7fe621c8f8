"""What every blueprint shares: full page or htmx fragment, redirects, client address."""
import logging

from flask import (copy_current_request_context, current_app, has_request_context, make_response, redirect,
                   render_template, request, session)

from .domain import activation, coordinates, credentials, credentials_change, history, identity, signin
from .domain.clock import now
from .domain.recap import html_to_pdf, recap_facts
from .extensions import encryptor

# The limits pages and app.js show, read from the rules themselves: nothing retypes them.
LIMITS = {
    "number_digits": identity.NUMBER_DIGITS,
    "email_max": credentials.EMAIL_MAX,
    "password_min": credentials.PASSWORD_MIN,
    "password_max": credentials.PASSWORD_MAX,
    "answer_max": activation.TRUST_ANSWER_MAX,
    "code_length": activation.CODE_LENGTH,
    "code_validity_hours": activation.CODE_VALIDITY_HOURS,
    "email_change_hours": credentials_change.CHANGE_VALIDITY_HOURS,
    "address_line_max": coordinates.LINE_MAX,
    "address_lines_max": coordinates.LINES_MAX,
    "postcode_digits": coordinates.POSTCODE_DIGITS,
    "city_max": coordinates.CITY_MAX,
    "history_months": history.KEPT_MONTHS,
    "signin_code_digits": signin.CODE_DIGITS,
    "signin_code_minutes": signin.CODE_VALIDITY_MINUTES,
    "signin_code_tries": signin.MAX_TRIES,
    "signin_resends": signin.MAX_RESENDS,
    "device_months": signin.DEVICE_LIFETIME_MONTHS,
}


def is_fragment_request():
    """An htmx request that swaps a part of the page (a boosted one wants the whole page)."""
    return (has_request_context() and request.headers.get("HX-Request") == "true"
            and not request.headers.get("HX-Boosted"))


def template_context():
    """What every template may use: its layout (page or fragment) and the limits."""
    return {"base_layout": "_fragment.html" if is_fragment_request() else "base.html", "limits": LIMITS,
            "creation_date_of": identity.creation_date_of,
            # Which way « Votre espace professionnel » leads, and whether « Se déconnecter » shows;
            # a stale session that claims a space is sent to the login by the space's guard anyway.
            "holder_signed_in": has_request_context() and "space_id" in session}


def render_step(template, status=200, **context):
    """The full page, or just the step for htmx; a GET also tells htmx which URL to show."""
    response = make_response(render_template(template, **context), status)
    if is_fragment_request() and request.method == "GET":
        response.headers["HX-Push-Url"] = request.full_path.rstrip("?")
    return response


def render_form(template, form=None, refusal=None, **context):
    """A page with a form: 422 when the form or a rule refused something, else 200."""
    refused = bool(refusal or (form is not None and form.errors))
    return render_step(template, status=422 if refused else 200, form=form, refusal=refusal, **context)


def see_other(url):
    """Post/Redirect/Get; htmx follows the 303 and receives the next step's fragment."""
    return redirect(url, code=303)


def rotate_session_id():
    """A new session id once the user is identified (no session fixation)."""
    # regenerate() skips an empty session; a stored session is what could be fixated.
    session["identified"] = True
    current_app.session_interface.regenerate(session)


def pressed(action):
    """Which submit button was used (« Effacer », « Changer l'image »…)."""
    return request.form.get("action") == action


def recap_pdf_response(space):
    """« Sauvegardez ou imprimez le récapitulatif »: the PDF shows in the browser (the fiche:
    it « s'affiche »), with a filename for saving it."""
    facts = recap_facts(space, encryptor(), now())
    pdf = html_to_pdf(render_template("recap/recap_pdf.html", **facts))
    response = make_response(pdf)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = (
        f'inline; filename="recapitulatif-{space.subscriber_number}.pdf"'
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def after_response(function):
    """Run `function` in a copy of this request's context once the response has been sent.

    For work whose duration must not show in the response time (e.g. whether an address
    exists). AfterResponse runs it once the server has taken the last byte of the answer
    (or at close(); Flask's test client: when the test closes the response).
    """
    # Kept in the WSGI environ, run by AfterResponse: a hook on the response object would be lost
    # when an extension (Flask-Compress) hands the server another one.
    request.environ.setdefault(AFTER_RESPONSE, []).append(copy_current_request_context(function))


AFTER_RESPONSE = "espace.after_response"


class AfterResponse:
    """WSGI middleware: runs what views deferred once the answer has been handed to the server."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        deferred = environ.setdefault(AFTER_RESPONSE, [])

        def run_all():
            for run in deferred:
                try:
                    run()
                except Exception:  # the answer has left: log it, never lose the others
                    logging.getLogger("espace").exception("deferred work failed")

        return _RunThenClose(self.app(environ, start_response), run_all)


class _RunThenClose:
    """The response's body; the deferred work runs once the last byte has been handed to the
    server (end of iteration), or at close() if the body was never read to its end. Not at
    close() only: werkzeug's server drains the client's socket before closing, which can wait
    for the client to hang up."""

    def __init__(self, iterable, run):
        self.iterable, self.run, self.done = iterable, run, False

    def __iter__(self):
        yield from self.iterable
        self.run_once()

    def run_once(self):
        if not self.done:
            self.done = True
            self.run()

    def close(self):
        try:
            self.run_once()
        finally:
            close = getattr(self.iterable, "close", None)
            if close is not None:
                close()
