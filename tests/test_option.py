"""The wizard « Opter pour l'accès sans certificat », step by step, with and without htmx."""
import re

import pytest

from conftest import BERNARD, CLAUDE, CLAUDE_ANSWERS, LILA, LILA_ANSWERS, PASSWORD, last_message, plain, text
from espace.models import ActivationRequest, Space

STEP_URLS = ["/opter/numero", "/opter/verification", "/opter/identifiants", "/opter/question"]


def test_option_page_starts_the_wizard(client):
    page = text(client.get("/fiches/ep4"))
    assert "Optez pour un accès avec une adresse électronique et un mot de passe" in page
    assert "Préalable" in page
    response = client.get("/opter/")
    assert response.status_code == 303 and response.location.endswith("/opter/numero")


def test_step_1_full_page_and_htmx_fragment(client, htmx):
    full = client.get("/opter/numero")
    assert "<html" in text(full) and "Identification" in text(full)
    assert "<title>Étape 1 sur 5 – Numéro d" in text(full)
    fragment = htmx.get("/opter/numero")
    assert "<html" not in text(fragment) and 'id="wizard"' in text(fragment)
    assert "<title>Étape 1 sur 5" in text(fragment)
    assert fragment.headers["HX-Push-Url"] == "/opter/numero"
    assert "HX-Request" in full.headers["Vary"]


def test_stepper_names_every_step_and_the_next(client):
    page = text(client.get("/opter/numero"))
    for name in ("Numéro d", "Vérification", "Identifiants", "Question", "Validation"):
        assert name in page
    assert 'aria-current="step"' in page and "Étape suivante : Vérification" in page


@pytest.mark.parametrize("number, message", [
    ("", "Saisissez votre numéro d&#39;abonné."),
    ("123", "exactement 14 chiffres"),
    ("2010167010191x", "exactement 14 chiffres"),
    ("9" * 500, "ne doit pas dépasser 40 caractères"),
    ("20990010000000", "Aucun espace professionnel ne correspond"),
    (BERNARD, "déjà accessible avec une adresse électronique"),
])
def test_step_1_refuses_bad_numbers_with_a_clear_message(client, number, message):
    response = client.post("/opter/numero", data={"number": number})
    assert response.status_code == 422
    page = text(response)
    assert message in page
    assert 'aria-invalid="true"' in page and "error-summary" in page
    # No progress: the next step is still out of reach.
    assert client.get("/opter/verification").status_code == 303


def test_nothing_about_the_space_before_the_number_questions_only_after(client):
    assert "Laurence" not in text(client.get("/opter/numero"))
    assert "Le prénom de votre mère" not in text(client.get("/opter/numero"))
    client.post("/opter/numero", data={"number": LILA})
    page = text(client.get("/opter/verification"))
    assert LILA in page
    assert "Question n° 1 : Le prénom de votre mère ou de votre père ?" in page
    assert "Question n° 2 : Votre sport préféré ?" in page
    assert "Question n° 3 : La marque de votre première voiture ?" in page


def test_each_space_shows_its_own_questions(client):
    client.post("/opter/numero", data={"number": CLAUDE})
    page = text(client.get("/opter/verification"))
    assert "La ville de naissance de votre premier enfant ?" in page
    assert "Le prénom de votre conjoint(e) ?" in page


@pytest.mark.parametrize("url", STEP_URLS[1:] + ["/opter/validation"])
def test_later_step_cannot_be_reached_by_url_first(client, url):
    response = client.get(url)
    assert response.status_code == 303 and response.location.endswith("/opter/numero")
    response = client.post(url, data={})
    if url == "/opter/validation":  # a page to read, never posted to
        assert response.status_code == 405
    else:
        assert response.status_code == 303 and response.location.endswith("/opter/numero")


def test_step_3_cannot_be_reached_with_only_the_number(walk, client):
    walk.number()
    response = client.get("/opter/identifiants")
    assert response.status_code == 303 and response.location.endswith("/opter/verification")


def test_wrong_answers_never_say_which_one(walk):
    walk.number()
    response = walk.answers({"answer1": "Laurence", "answer2": "Rugby", "answer3": "Peugeot"})
    assert response.status_code == 422
    page = text(response)
    assert "ne correspondent pas" in page and "Il vous reste 4 essais" in page
    assert "Peugeot" not in page  # answers are not sent back


def test_answers_compare_without_case_accents_or_spaces(walk):
    assert walk.number().location.endswith("/opter/verification")
    response = walk.answers({"answer1": " LAURENCE ", "answer2": "rugby", "answer3": "rénault"})
    assert response.status_code == 303 and response.location.endswith("/opter/identifiants")


@pytest.mark.parametrize("field, value, message", [
    ("answer1", "", "Saisissez la réponse n° 1."),
    ("answer3", "", "Saisissez la réponse n° 3."),
    ("answer2", "x" * 101, "ne doit pas dépasser 100 caractères"),
])
def test_step_2_field_messages(walk, field, value, message):
    walk.number()
    data = dict(LILA_ANSWERS, **{field: value})
    response = walk.answers(data)
    assert response.status_code == 422 and message in text(response)


def test_session_id_changes_when_identified(walk, client):
    assert walk.number().status_code == 303
    before = client.get_cookie("espace_session").value
    identified = walk.answers()
    assert identified.status_code == 303 and identified.location.endswith("/opter/identifiants")
    after = client.get_cookie("espace_session").value
    assert before != after


def test_step_3_prefills_the_current_contact_address(walk, client):
    walk.number()
    walk.answers()
    page = text(client.get("/opter/identifiants"))
    assert 'value="lila.rosemonde@orange.fr"' in page
    for advice in ("Conseil :", "Rappel :", "Recommandations pour prévenir des usurpations",
                   "Sécurité du mot de passe"):
        assert advice in page


@pytest.mark.parametrize("kwargs, message", [
    ({"email": "pas-une-adresse"}, "Saisissez une adresse électronique valide"),
    ({"email_confirm": "autre@example.fr"}, "Les deux adresses électroniques saisies sont différentes."),
    ({"email": "a" * 96 + "@x.fr"}, "ne doit pas dépasser 100 caractères"),
    ({"password": "court1"}, "20 caractères au minimum"),
    ({"password": "Longchamp 2023 Rosemonde"}, "ne doit pas contenir d&#39;espace"),
    ({"password": "Longchamp2023Rosémonde"}, "ni caractère accentué"),
    ({"password": "LongchampRosemondeLila"}, "au moins une lettre et au moins un chiffre"),
    ({"password": "a1" * 37}, "ne doit pas dépasser 72 caractères"),
    ({"password_confirm": "Longchamp2023Rosemondf"}, "Les deux mots de passe saisis sont différents."),
    ({"email": "toto321@toto.toto"}, "déjà associée à un autre espace"),
])
def test_step_3_refuses_bad_credentials(walk, kwargs, message):
    walk.number()
    walk.answers()
    response = walk.credentials(**kwargs)
    assert response.status_code == 422
    page = text(response)
    assert message in page
    assert PASSWORD not in page  # passwords are never sent back


def test_step_3_refuses_an_address_pending_for_another_space(make_app):
    from conftest import Walk

    app = make_app()
    first = Walk(app, app.test_client())
    first.option(email="partagee@example.fr")
    second = Walk(app, app.test_client())
    second.number(CLAUDE)
    second.answers(CLAUDE_ANSWERS)
    response = second.credentials(email="partagee@example.fr")
    assert response.status_code == 422 and "déjà associée à un autre espace" in text(response)


def test_etape_precedente_brings_back_what_was_typed_but_never_passwords(walk, client):
    walk.number()
    walk.answers()
    walk.credentials(email="lila.pro@example.fr")
    page = text(client.get("/opter/identifiants"))
    assert 'value="lila.pro@example.fr"' in page
    assert PASSWORD not in page
    page = text(client.get("/opter/verification"))
    assert "Laurence" not in page  # answers are not brought back
    assert 'value="20101670101919"' in text(client.get("/opter/numero"))


def test_effacer_empties_the_current_step(walk, client):
    walk.number()
    walk.answers()
    # Without « Effacer » the step keeps what it holds: the prefilled address, what was typed.
    assert 'value="lila.rosemonde@orange.fr"' in text(client.get("/opter/identifiants"))
    kept = client.post("/opter/identifiants", data={"email": "x@y.fr", "email_confirm": "x@y.fr"})
    assert kept.status_code == 422 and 'value="x@y.fr"' in text(kept)
    response = client.post("/opter/identifiants", data={"action": "effacer", "email": "x@y.fr"})
    page = text(response)
    assert response.status_code == 200 and 'id="email"' in page and "error-summary" not in page
    assert 'value="lila.rosemonde@orange.fr"' not in page and 'value="x@y.fr"' not in page
    assert f'value="{LILA}"' in text(client.get("/opter/numero"))
    response = client.post("/opter/numero", data={"action": "effacer", "number": LILA})
    assert response.status_code == 200 and 'id="number"' in text(response)
    assert f'value="{LILA}"' not in text(response)


def test_quitter_abandons_and_clears_progress(walk, client):
    walk.number()
    assert walk.answers().location.endswith("/opter/identifiants")  # step 3 was reached
    response = client.post("/opter/quitter")
    assert response.status_code == 303
    assert client.get("/opter/identifiants").status_code == 303
    assert client.get("/opter/verification").status_code == 303
    assert f'value="{LILA}"' not in text(client.get("/opter/numero"))


def test_quitter_is_on_every_step_until_the_request_is_sent(walk, client):
    for step, url in enumerate(STEP_URLS):
        assert 'action="/opter/quitter"' in text(client.get(url))
        [walk.number, walk.answers, walk.credentials, walk.question][step]()
    # The validation page shows the outcome: the request is sent, there is nothing to abandon.
    page = text(client.get("/opter/validation"))
    assert "Activez votre espace professionnel" in page and 'action="/opter/quitter"' not in page
    # A stale tab that still posts « Quitter » is not told that nothing was done.
    response = client.post("/opter/quitter")
    assert response.status_code == 303 and "Aucune modification" not in text(client.get(response.location))


def test_step_4_shows_the_address_and_the_fixed_list(walk, client):
    walk.number()
    walk.answers()
    walk.credentials()
    page = text(client.get("/opter/question"))
    assert 'value="lila.pro@example.fr" readonly' in page
    # Nothing chosen at first, so that the browser's `required` can say so.
    select = re.search(r'<select[^>]*id="question"[^>]*>\s*<option([^>]*)>([^<]*)</option>', page)
    assert select and "required" in select.group(0)
    assert 'value=""' in select.group(1) and select.group(2) == "Choisissez une question"
    for question in ("Quel est votre surnom ?", "Votre hobby ?", "Votre sport préféré ?",
                     "La marque de votre première voiture ?", "Le prénom de votre mère ou de votre père ?",
                     "La ville de naissance de votre premier enfant ?", "Le prénom de votre conjoint(e) ?"):
        assert question in page


@pytest.mark.parametrize("data, message", [
    ({"question": "Votre hobby ?", "answer": ""}, "Saisissez la réponse à la question de confiance."),
    ({"question": "Quel est votre code PIN ?", "answer": "1234"}, "dans la liste"),
    ({"question": "", "answer": "Équitation"}, "Choisissez une question de confiance dans la liste."),
    ({"question": "Votre hobby ?", "answer": "x" * 101}, "ne doit pas dépasser 100 caractères"),
])
def test_step_4_refuses_bad_question_or_answer(walk, client, app, data, message):
    walk.number()
    walk.answers()
    walk.credentials()
    response = client.post("/opter/question", data=data)
    assert response.status_code == 422 and message in text(response)
    with app.app_context():
        from espace.models import db
        with db.connection_context():
            assert ActivationRequest.select().count() == 0


def test_validation_sends_the_code_and_says_so(walk, client, app):
    code = walk.option(email="lila.pro@example.fr")
    page = text(client.get("/opter/validation"))
    assert "ROSEMONDE Lila" in page
    assert "Vous allez recevoir le code d'activation dans votre messagerie." in page
    assert "lila.pro@example.fr" in page and "48h" in page
    assert 'href="/activation/"' in page and "Activez votre espace professionnel" in page
    message = last_message(app)
    assert message.recipient == "lila.pro@example.fr" and code in message.text_body and code in message.html_body
    assert "48h" in message.text_body and "/activation/" in message.text_body


def test_completion_clears_the_progress(walk, client):
    walk.option()
    for url in STEP_URLS[1:]:
        assert client.get(url).status_code == 303


def test_whole_wizard_without_javascript_follows_redirects(client, app):
    """Plain posts and 303 redirects, as a browser without JavaScript does."""
    r = client.post("/opter/numero", data={"number": LILA}, follow_redirects=True)
    assert r.request.path == "/opter/verification"
    r = client.post("/opter/verification", data=LILA_ANSWERS, follow_redirects=True)
    assert r.request.path == "/opter/identifiants"
    r = client.post("/opter/identifiants", data={"email": "lila.pro@example.fr", "email_confirm": "lila.pro@example.fr",
                                                 "password": PASSWORD, "password_confirm": PASSWORD},
                    follow_redirects=True)
    assert r.request.path == "/opter/question"
    r = client.post("/opter/question", data={"question": "Votre hobby ?", "answer": "Équitation"},
                    follow_redirects=True)
    assert r.request.path == "/opter/validation" and "<html" in text(r)


def test_whole_wizard_with_htmx_gets_fragments(htmx, app):
    for url, data in (("/opter/numero", {"number": LILA}), ("/opter/verification", LILA_ANSWERS),
                      ("/opter/identifiants", {"email": "l@example.fr", "email_confirm": "l@example.fr",
                                               "password": PASSWORD, "password_confirm": PASSWORD}),
                      ("/opter/question", {"question": "Votre hobby ?", "answer": "x"})):
        r = htmx.post(url, data=data, follow_redirects=True)
        assert r.status_code == 200 and "<html" not in text(r) and 'id="wizard"' in text(r)
        assert "HX-Push-Url" in r.headers
    assert r.headers["HX-Push-Url"] == "/opter/validation"


def test_htmx_step_out_of_order_says_so_in_that_response_and_not_later(htmx):
    response = htmx.post("/opter/identifiants", data={"email": "x@y.fr"}, follow_redirects=True)
    page = plain(response)
    assert response.request.path == "/opter/numero" and "<html" not in page and 'id="wizard"' in page
    # The notices are replaced out of band, beside the wizard htmx swaps.
    notices = re.search(r'<div id="notices" class="notices" role="status" hx-swap-oob="innerHTML">(.*?)</div>', page, re.S)
    assert notices and "Veuillez compléter les étapes dans l'ordre." in notices.group(1)
    later = [htmx.get("/opter/numero"), htmx.get("/", headers={"HX-Request": "false"})]
    assert "<html" in text(later[1])  # a whole page, with its own notices region
    for response in later:
        assert "Veuillez compléter" not in plain(response)


def test_without_javascript_the_notice_is_on_the_page_it_leads_to(client):
    response = client.post("/opter/identifiants", data={"email": "x@y.fr"}, follow_redirects=True)
    assert response.request.path == "/opter/numero" and "<html" in text(response)
    assert "Veuillez compléter les étapes dans l'ordre." in plain(response)
    assert "Veuillez compléter" not in plain(client.get("/opter/numero"))


def test_htmx_error_returns_the_step_fragment_with_errors(htmx):
    r = htmx.post("/opter/numero", data={"number": "12"})
    assert r.status_code == 422 and "<html" not in text(r) and "exactement 14 chiffres" in text(r)


def test_no_progress_is_stored_on_refused_input(client, app):
    client.post("/opter/numero", data={"number": LILA})
    client.post("/opter/verification", data={"answer1": "x", "answer2": "y", "answer3": "z"})
    with app.app_context():
        from espace.models import db
        with db.connection_context():
            space = Space.by_number(LILA)
            assert space.failed_answer_count == 1 and space.login_email is None
            assert ActivationRequest.select().count() == 0


@pytest.mark.parametrize("body", [b"0", b"[]", b'"x"', b"null", b'{"number": "20101670101919"}', b"{not json"])
def test_json_bodies_are_refused_without_a_500(client, body):
    """The forms take form data only (Flask-WTF would otherwise read JSON and crash on scalars)."""
    response = client.post("/opter/numero", data=body, content_type="application/json")
    assert response.status_code == 415
    assert "Type de contenu non pris en charge" in text(response)


def test_no_time_limit_below_20_hours(make_app):
    """WCAG 2.2.1: progress and the CSRF token survive long pauses; an idle session ends after 21 h (longer than 20 h: exempt from a warning)."""
    import re
    from datetime import timedelta

    import time_machine

    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    with time_machine.travel(0, tick=False) as clock:
        client.get("/opter/numero")
        clock.shift(timedelta(hours=19))
        # A visitor has no session yet: step 1 is checked by its origin (espace/csrf.py).
        response = client.post("/opter/numero", data={"number": LILA}, headers={"Origin": "http://localhost"})
        assert response.status_code == 303
        token = re.search(r'"X-CSRFToken": "([^"]+)"', text(client.get("/opter/verification"))).group(1)
        clock.shift(timedelta(hours=19))
        assert client.get("/opter/verification").status_code == 200
        response = client.post("/opter/verification", data={**LILA_ANSWERS, "csrf_token": token})
        assert response.status_code == 303 and response.location.endswith("/opter/identifiants")
        assert app.permanent_session_lifetime == timedelta(hours=21)
        if not app.config["REDIS_URL"]:  # Redis expires keys on its own clock, not the test's
            clock.shift(timedelta(hours=21, minutes=1))
            assert client.get("/opter/identifiants").status_code == 303  # forgotten: start again
