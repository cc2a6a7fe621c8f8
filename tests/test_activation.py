"""« Activez votre espace / vos services »: code + captcha, connection address, recap and its PDF."""
import io
import re
import wave
from datetime import datetime, timezone

import pytest
import time_machine
from pypdf import PdfReader

from conftest import CAPTCHA, LILA, PASSWORD, Walk, captcha_of, captcha_text, plain, text
from espace.captcha import media as captcha
from espace.models import ACCESS_CERTIFICATE, ACCESS_PASSWORD, Space, db


def space(app, number=LILA):
    with app.app_context(), db.connection_context():
        return Space.by_number(number)


def test_code_page_full_and_fragment(client, htmx):
    full = client.get("/activation/")
    page = text(full)
    assert "<html" in page and "Activez votre espace / vos services" in page
    for label in ("Saisissez le code d", "Recopiez les caractères de l", "Changer l", "Ecouter l"):
        assert label in page
    assert 'autocomplete="one-time-code"' in page
    fragment = htmx.get("/activation/")
    assert "<html" not in text(fragment) and 'id="wizard"' in text(fragment)


def test_reachable_from_login_page_and_validation_page(client, walk):
    assert 'href="/activation/"' in text(client.get("/connexion"))
    walk.option()
    assert 'href="/activation/"' in text(client.get("/opter/validation"))


def test_captcha_image_and_audio_have_the_same_text(client, app):
    client.get("/activation/")
    image = client.get("/captcha/image.png")
    assert image.status_code == 200 and image.mimetype == "image/png" and image.data[:8] == b"\x89PNG\r\n\x1a\n"
    audio = client.get("/captcha/extrait-sonore.wav")
    assert audio.mimetype == "audio/wav"
    with wave.open(io.BytesIO(audio.data)) as wav:
        assert wav.getframerate() == 8000 and wav.getnchannels() == 1
        assert 2 < wav.getnframes() / wav.getframerate() < 20
    assert captcha_of(client).text == CAPTCHA  # both were made from this one challenge


def test_ecouter_l_extrait_sonore_plays_in_the_browser_and_can_still_be_downloaded(client):
    page = plain(client.get("/activation/"))
    listen = re.search(r'<a href="([^"]+)"([^>]*)>Ecouter l\'extrait sonore', page)
    href, attributes = listen.groups()
    assert "download" not in attributes and 'data-play-audio="captcha-audio"' in attributes
    assert '<audio id="captcha-audio" controls' in page
    sound = client.get(href)
    assert sound.mimetype == "audio/wav" and sound.headers["Content-Disposition"].startswith("inline")
    assert re.search(r'<a href="[^"]+" download="extrait-sonore.wav">Télécharger l', page)


def test_captcha_is_random_without_the_test_value(make_app):
    app = make_app(CAPTCHA_TEST_TEXT="")
    texts = set()
    for _ in range(3):
        c = app.test_client()
        c.get("/activation/")
        texts.add(captcha_of(c).text)
    assert len(texts) == 3


def test_changer_l_image_gives_a_new_text(captcha_texts):
    c = captcha_texts.test_client()
    c.get("/activation/")
    assert captcha_text(c) == "AAAAAA"
    c.post("/captcha/changer")
    assert captcha_text(c) == "EEEEEE"


def test_changer_l_image_with_htmx_replaces_only_the_captcha(htmx):
    htmx.get("/activation/")
    response = htmx.post("/captcha/changer")
    page = text(response)
    assert 'id="captcha-block"' in page and 'id="wizard"' not in page and "<html" not in page


def test_changer_l_image_without_javascript_keeps_the_code(client):
    client.get("/activation/")
    response = client.post("/activation/", data={"action": "changer", "code": "YnsfLgSNtUuu", "captcha": ""})
    assert response.status_code == 200 and 'value="YnsfLgSNtUuu"' in text(response)
    assert "error-summary" not in text(response)


def test_wrong_captcha_is_refused_and_replaced(walk, client):
    code = walk.option()
    response = walk.code(code, captcha="AAAAAA")
    assert response.status_code == 422 and "ne correspondent pas à l" in text(response)
    assert client.get("/activation/identifiants").status_code == 303


def test_captcha_ignores_case(walk):
    code = walk.option()
    assert walk.code(code, captcha=CAPTCHA.lower()).status_code == 303


def test_captcha_is_single_use(captcha_texts):
    """One solved image opens one attempt: it cannot be replayed to try other codes."""
    app = captcha_texts
    code = Walk(app, app.test_client()).option()
    client = app.test_client()
    client.get("/activation/")
    assert captcha_text(client) == "AAAAAA"
    assert client.post("/activation/", data={"code": code, "captcha": "AAAAAA"}).status_code == 303
    replay = client.post("/activation/", data={"code": "AbcdefGhijkl", "captcha": "AAAAAA"})
    assert replay.status_code == 422 and "ne correspondent pas à l" in text(replay)
    assert "Le code d&#39;activation est incorrect" not in text(replay)  # refused for the image itself


def test_captcha_expires_after_a_few_minutes(walk, client, app):
    import time_machine
    from datetime import timedelta

    code = walk.option()
    client.get("/activation/")
    with time_machine.travel(timedelta(seconds=app.config["CAPTCHA_TTL_SECONDS"] + 5), tick=False):
        response = client.post("/activation/", data={"code": code, "captcha": CAPTCHA})
    assert response.status_code == 422 and "ne correspondent pas" in text(response)


@pytest.mark.parametrize("code, message", [
    ("", "Saisissez le code d&#39;activation reçu par courriel."),
    ("abc", "Le code d&#39;activation comporte 12 caractères."),
    ("AAAAAAAAAAAA", "Le code d&#39;activation est incorrect."),
    ("x" * 1000, "ne doit pas dépasser 40 caractères"),
])
def test_bad_codes_get_a_clear_message(walk, code, message):
    walk.option()
    response = walk.code(code)
    assert response.status_code == 422 and message in text(response)


def test_connection_address_must_be_the_one_chosen(walk, app):
    code = walk.option(email="lila.pro@example.fr")
    walk.code(code)
    response = walk.connection_email("autre@example.fr")
    assert response.status_code == 422 and "n&#39;est pas celle choisie" in text(response)
    assert space(app).access_mode == ACCESS_CERTIFICATE
    response = walk.connection_email("pas une adresse")
    assert response.status_code == 422 and "adresse électronique valide" in text(response)


def test_until_activation_the_new_credentials_do_not_open_the_space(walk, client):
    walk.option()
    response = walk.login()
    assert response.status_code == 422 and "Adresse électronique ou mot de passe incorrect." in text(response)


ACTIVATED = datetime(2030, 6, 3, 8, 0, tzinfo=timezone.utc)


def facts(page):
    """The <dt>/<dd> pairs of a page, as a reader sees them."""
    return {re.sub(r"\s+", " ", dt).strip(): re.sub(r"\s+", " ", dd).strip()
            for dt, dd in re.findall(r"<dt>(.*?)</dt>\s*<dd>(.*?)</dd>", page, re.S)}


def test_recap_shows_the_date_the_number_carries_and_the_activation_date(walk, client, app):
    with time_machine.travel(ACTIVATED, tick=False):
        walk.activate(walk.option())
    assert space(app).access_mode == ACCESS_PASSWORD
    page = plain(client.get("/activation/recapitulatif"))
    assert "Lila ROSEMONDE" in page
    # 20101670101919: day 167 of 2010, as in the fiche (20232330000101 → 21 août 2023).
    assert f"Votre inscription a été réalisée le 16 juin 2010 sous le numéro <strong>{LILA}</strong>" in page
    assert facts(page) == {"Date d'inscription (portée par le numéro d'abonné)": "16 juin 2010",
                           "Accès avec adresse électronique et mot de passe activé le": "3 juin 2030"}
    assert "Sauvegardez ou imprimez le récapitulatif" in page and "Accédez à vos services en ligne" in page


def test_identifiers_step_shows_the_code_that_was_typed(walk, client):
    """The fiche shows « Saisissez le code d'activation : YnsfLgSNfUuu » on this step."""
    code = walk.option()
    assert walk.code(code).status_code == 303
    page = plain(client.get("/activation/identifiants"))
    assert f"Saisissez le code d'activation : <strong>{code}</strong>" in page


def test_code_cannot_be_used_twice(walk, make_app, app):
    code = walk.option()
    walk.activate(code)
    other = app.test_client()
    other.get("/activation/")
    response = other.post("/activation/", data={"code": code, "captcha": CAPTCHA})
    assert response.status_code == 422 and "déjà été utilisé" in text(response)


def test_identifiers_step_requires_the_code_step(client):
    assert client.get("/activation/identifiants").status_code == 303
    assert client.post("/activation/identifiants", data={"email": "x@y.fr"}).status_code == 303
    assert client.get("/activation/recapitulatif").status_code == 303
    assert client.get("/activation/recapitulatif.pdf").status_code == 303


def test_effacer_on_identifiers(walk, client):
    code = walk.option()
    assert walk.code(code).status_code == 303
    kept = walk.connection_email("x@y.fr")
    assert kept.status_code == 422 and 'value="x@y.fr"' in text(kept)  # a refusal keeps what was typed
    response = client.post("/activation/identifiants", data={"action": "effacer", "email": "x@y.fr"})
    page = text(response)
    assert response.status_code == 200 and 'id="email"' in page and "error-summary" not in page
    assert 'value="x@y.fr"' not in page


def pdf_text(data):
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_recap_pdf_like_the_seed_sample(walk, client):
    code = walk.option()
    walk.activate(code)
    response = client.get("/activation/recapitulatif.pdf")
    assert response.mimetype == "application/pdf" and response.data[:5] == b"%PDF-"
    content = pdf_text(response.data)
    for expected in ("Nom", "ROSEMONDE", "Prénom", "Lila", "N° d'abonné", LILA, "Tél", "0123456789",
                     "Adresse électronique", "lila.pro@example.fr", "Adresse professionnelle",
                     "12, rue de Longchamp", "75016 PARIS", "Question de confiance", "Votre sport préféré ?",
                     "Réponse de confiance", "Équitation"):
        assert expected in content, expected
    assert re.search(r"document créé le \d\d/\d\d/\d{4} à \d\dh\d\dmn\d\ds", content)


def test_recap_pdf_shows_in_the_browser_with_a_filename_for_saving(walk, client):
    walk.activate(walk.option())
    response = client.get("/activation/recapitulatif.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == f'inline; filename="recapitulatif-{LILA}.pdf"'


def test_recap_pdf_number_and_telephone_on_rows_of_their_own_and_both_dates(walk, client):
    with time_machine.travel(ACTIVATED, tick=False):
        walk.activate(walk.option())
    pdf = PdfReader(io.BytesIO(client.get("/activation/recapitulatif.pdf").data))
    # Laid out as printed: one line per row, label and value side by side.
    lines = [" ".join(line.split()) for page in pdf.pages
             for line in page.extract_text(extraction_mode="layout").splitlines()]
    assert f"N° d'abonné : {LILA}" in lines and "Tél : 0123456789" in lines
    assert "Date d'inscription : 16 juin 2010 (date portée par le numéro d'abonné)" in lines
    assert "Date d'activation : 3 juin 2030 (accès par adresse électronique et mot de passe)" in lines


def test_recap_pdf_for_a_space_without_address_says_a_completer(walk, client):
    from conftest import BERNARD_PASSWORD
    walk.login("toto321@toto.toto", BERNARD_PASSWORD)
    content = pdf_text(client.get("/espace/coordonnees/recapitulatif.pdf").data)
    assert "A COMPLETER" in content and "Votre hobby ?" in content and "pêche" in content


def test_whole_activation_without_javascript(walk, client):
    code = walk.option()
    client.get("/activation/")
    r = client.post("/activation/", data={"code": code, "captcha": CAPTCHA}, follow_redirects=True)
    assert r.request.path == "/activation/identifiants" and "<html" in text(r)
    r = client.post("/activation/identifiants", data={"email": "lila.pro@example.fr"}, follow_redirects=True)
    assert r.request.path == "/activation/recapitulatif"


def test_whole_activation_with_htmx(app, walk):
    code = walk.option()
    h = app.test_client()
    h.environ_base["HTTP_HX_REQUEST"] = "true"
    h.get("/activation/")
    r = h.post("/activation/", data={"code": code, "captcha": CAPTCHA}, follow_redirects=True)
    assert "<html" not in text(r) and r.headers["HX-Push-Url"] == "/activation/identifiants"
    r = h.post("/activation/identifiants", data={"email": "lila.pro@example.fr"}, follow_redirects=True)
    assert "<html" not in text(r) and r.headers["HX-Push-Url"] == "/activation/recapitulatif"


def test_then_login_finds_everything_kept(walk, client):
    code = walk.option()
    walk.activate(code)
    assert walk.login().status_code == 303
    page = text(client.get("/espace/"))
    for kept in (LILA, "ROSEMONDE", "412345670", "ROSEMONDE CONSEIL SARL", "523456788",
                 "LONGCHAMP IMMOBILIER SCI", "Déclarer TVA", "Payer TVA", "Consulter le compte fiscal",
                 "Déclarer résultat"):
        assert kept in page
