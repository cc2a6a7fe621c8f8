"""What makes pages cheaper renders exactly what it replaces (issue 16, item 12): the site's
`html_params` (espace/forms.py) and the templates' remembered `url_for` (espace/web.py)."""
import pytest
from markupsafe import Markup
from wtforms.widgets.core import html_params as wtforms_html_params
from wtforms.widgets import core as widgets

from espace.forms import html_params

CASES = [
    {},
    {"name": "email", "id": "email", "type": "email", "value": "lila.pro@example.fr"},
    {"required": True, "readonly": False, "aria_invalid": "true", "aria_describedby": "code-hint code-error"},
    {"class_": "a b", "for_": "x", "data_strength_meter": "password-strength", "data_password_min": 12},
    {"value": '"><script>alert(1)</script>', "title": "l'apostrophe & « guillemets »"},
    {"value": Markup('déjà <b>sûr</b> "cité"'), "placeholder": Markup("a&amp;b")},
    {"maxlength": 200, "size": 0, "min": -1.5, "value": None, "x": ["liste"]},
    {"weird key": "v", 'k"q': "v", "data_a_b_c": "1", "aria_": "trailing"},
]


@pytest.mark.parametrize("kwargs", CASES)
def test_same_attributes_as_wtforms(kwargs):
    ours, theirs = html_params(**kwargs), wtforms_html_params(**kwargs)
    assert ours == theirs and isinstance(ours, Markup)


def test_every_input_widget_uses_it():
    assert widgets.Input.html_params is html_params
    assert widgets.TextInput.html_params is html_params and widgets.CheckboxInput.html_params is html_params


def test_remembered_urls_are_flasks_own_per_application_root(app):
    from flask import render_template_string, url_for
    from markupsafe import escape

    page = ("{{ url_for('pages.home') }}|{{ url_for('pages.fiche', slug='ep4') }}|"
            "{{ url_for('static', filename='app.css') }}|{{ url_for('pages.fiche', slug='ep4', _anchor='x') }}|"
            "{{ url_for('pages.fiches', q=['a', 'b']) }}")
    remembered = app.jinja_env.globals["url_for"]
    for script_name in ("", "/impots", "", "/impots"):
        with app.test_request_context("/", base_url="http://localhost" + script_name):
            expected = "|".join([url_for("pages.home"), url_for("pages.fiche", slug="ep4"),
                                 url_for("static", filename="app.css"),
                                 url_for("pages.fiche", slug="ep4", _anchor="x"),
                                 url_for("pages.fiches", q=["a", "b"])])
            assert render_template_string(page) == escape(expected)
            assert expected.startswith(script_name + "/|") and "/static/build/app." in expected
    info = remembered.cache_info()
    assert (info.misses, info.hits) == (6, 6)  # 3 URLs × 2 roots built once; the anchor and list: never kept
