"""What every blueprint's pages share: full page or htmx fragment, forms' status, redirects, buttons."""
from functools import lru_cache

from flask import has_request_context, make_response, redirect, render_template, request, session, url_for

from .domain import identity
from .forms import csrf_input
from .limits import LIMITS


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
            "holder_signed_in": has_request_context() and "space_id" in session,
            "csrf_input": csrf_input}


def remembered_url_for(app):
    """The templates' `url_for`, each URL built once per process: a page links a dozen of the same
    pages (header, footer, steps), and building them was a tenth of its time.

    Only what depends on nothing but its arguments is kept: a path relative to the site's root,
    per application root (SCRIPT_NAME). Anything else — a blueprint-relative endpoint, `_external`,
    `_anchor`…, an unhashable value, or any blueprint with `url_defaults` of its own — is built
    each time by Flask."""
    @lru_cache(maxsize=4096)
    def built(script_name, endpoint, values):
        return url_for(endpoint, **dict(values))

    def template_url_for(endpoint, **values):
        if (endpoint[0] == "." or not has_request_context() or any(key[0] == "_" for key in values)
                or app.url_default_functions.keys() - {None}):
            return url_for(endpoint, **values)
        try:
            return built(request.environ.get("SCRIPT_NAME", ""), endpoint, tuple(sorted(values.items())))
        except TypeError:  # a list of query values: not hashable
            return url_for(endpoint, **values)

    template_url_for.cache_info = built.cache_info
    return template_url_for


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


def pressed(action):
    """Which submit button was used (« Effacer », « Changer l'image »…)."""
    return request.form.get("action") == action
