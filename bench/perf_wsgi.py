"""What bench/perf.py serves with gunicorn: the app, a bare Flask + Jinja page beside it in the
same process (/__bare__/), the worker's counters (/__bare__/counters: CPU time, bcrypt operations),
and on every response the worker's CPU time spent on it (X-Bench-CPU, seconds): unlike the time
a client waits, it does not depend on what else the machine is doing."""
import os
import time

import bcrypt
from flask import Flask, jsonify, render_template
from flask_wtf import CSRFProtect, FlaskForm
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from wtforms import PasswordField, StringField

from espace import create_app

BCRYPT_OPERATIONS = [0]


def _counted(real):
    def counting(*args, **kwargs):
        BCRYPT_OPERATIONS[0] += 1
        return real(*args, **kwargs)
    return counting


# espace.domain.hashing calls bcrypt.hashpw / bcrypt.checkpw through the module: both counted.
bcrypt.hashpw, bcrypt.checkpw = _counted(bcrypt.hashpw), _counted(bcrypt.checkpw)

bare = Flask("bare", template_folder=os.path.join(os.path.dirname(os.path.abspath(__file__)), "bare_templates"))
LINKS = [{"href": f"/page/{i}", "text": f"Lien numéro {i}"} for i in range(6)]
# About the size of the app's pages (4–8 KB of HTML).
ITEMS = [{"title": f"Rubrique {i}", "text": "Texte d'explication de la rubrique, sur une ou deux lignes. " * 2}
         for i in range(25)]


@bare.route("/")
def page():
    return render_template("page.html", title="Page nue", links=LINKS, items=ITEMS)


# The stack's own floor for a page with a form: Flask-WTF (CSRF token in Flask's cookie session),
# two WTForms fields, nothing of the app (no server-side session, headers, log, database).
# An app of its own, so that the bare page keeps none of its hooks.
bare_form = Flask("bare_form", template_folder=bare.template_folder)
bare_form.config.update(SECRET_KEY="bench-bare-form")
CSRFProtect(bare_form)


class BareForm(FlaskForm):
    email = StringField("Adresse électronique")
    password = PasswordField("Mot de passe")


@bare_form.route("/")
def form():
    return render_template("form.html", title="Formulaire nu", links=LINKS, form=BareForm())


@bare.route("/counters")
def counters():
    return jsonify(cpu=time.process_time(), bcrypt=BCRYPT_OPERATIONS[0], pid=os.getpid())


class CpuTime:
    """Adds X-Bench-CPU: the process's CPU time from the request's arrival to its response headers."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        started = time.process_time()

        def start(status, headers, exc_info=None):
            headers.append(("X-Bench-CPU", f"{time.process_time() - started:.6f}"))
            return start_response(status, headers, exc_info)

        return self.app(environ, start)


app = CpuTime(DispatcherMiddleware(create_app(), {"/__bare__": bare, "/__bare_form__": bare_form}))
