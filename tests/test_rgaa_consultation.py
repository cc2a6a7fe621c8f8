"""RGAA theme 13 (consultation): time limits (13.1) and the one document offered for download,
the recap PDF, a tagged PDF/UA-1 document (13.3)."""
import io
from datetime import timedelta

import pytest
from pypdf import PdfReader

from conftest import BERNARD_PASSWORD, text
from espace.config import Config
from espace.domain import activation, signin
from espace.domain.recap import NO_FETCH, PDF_VARIANT, html_to_pdf

TWENTY_HOURS = timedelta(hours=20)  # WCAG 2.2.1 / RGAA 13.1.3: a session limit of 20 h at least needs no control


def test_time_limits_are_twenty_hours_or_can_be_renewed(client, monkeypatch, tmp_path):
    """The session lasts 20 h by default and the activation code 48 h; the shorter security limits
    (sign-in code, captcha image, reset link) lose nothing: each page offers a new one at any time."""
    monkeypatch.delenv("SESSION_LIFETIME_SECONDS", raising=False)
    assert timedelta(seconds=Config(str(tmp_path)).PERMANENT_SESSION_LIFETIME) > TWENTY_HOURS  # longer than: exempt
    assert activation.CODE_VALIDITY >= TWENTY_HOURS
    assert signin.CODE_VALIDITY < TWENTY_HOURS  # hence the renewal, checked below
    login = client.post("/connexion", data={"email": "toto321@toto.toto", "password": BERNARD_PASSWORD})
    assert login.status_code == 303 and login.location.endswith("/connexion/code")
    assert "Renvoyer un code" in text(client.get("/connexion/code"))
    assert "Changer l'image" in text(client.get("/mot-de-passe-oublie"))
    dead_link = client.get("/mot-de-passe-oublie/lien?jeton=perime", follow_redirects=True)
    assert dead_link.status_code == 410 and "Faire une nouvelle demande" in text(dead_link)


RECAP = """<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Récapitulatif – 20101670101919</title></head>
<body><h1>Vos COORDONNEES</h1><table><tr><th scope="row">Nom</th><td>: ROSEMONDE</td></tr></table></body></html>"""


def structure_tags(node, seen=None):
    """Every structure type (/H1, /Table, /TH…) under a node of the PDF's structure tree."""
    seen = set() if seen is None else seen
    node = node.get_object()
    if isinstance(node, list) or hasattr(node, "__iter__") and not hasattr(node, "keys"):
        for child in node:
            structure_tags(child, seen)
        return seen
    if hasattr(node, "keys"):
        if "/S" in node:
            seen.add(str(node["/S"]))
        if "/K" in node:
            structure_tags(node["/K"], seen)
    return seen


def test_the_recap_pdf_is_tagged_with_its_language_title_and_structure():
    assert PDF_VARIANT == "pdf/ua-1"
    reader = PdfReader(io.BytesIO(html_to_pdf(RECAP)))
    root = reader.trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"] == True  # noqa: E712 (a pypdf BooleanObject)
    assert root["/Lang"] == "fr"
    assert root["/ViewerPreferences"]["/DisplayDocTitle"] == True  # noqa: E712
    assert reader.metadata.title == "Récapitulatif – 20101670101919"
    assert b"pdfuaid" in root["/Metadata"].get_object().get_data()
    tags = structure_tags(root["/StructTreeRoot"])
    assert {"/H1", "/Table", "/TH", "/TD"} <= tags, tags
    assert "ROSEMONDE" in reader.pages[0].extract_text()


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/x.png", "file:///etc/passwd", "data:text/plain,x"])
def test_the_recap_pdf_fetches_nothing(url):
    """No resource is fetched while the PDF is made: every protocol is refused."""
    with pytest.raises(ValueError, match="disallowed protocol"):
        NO_FETCH(url)
    assert html_to_pdf(RECAP.replace("<h1>", f'<img src="{url}" alt=""><h1>'))[:5] == b"%PDF-"
