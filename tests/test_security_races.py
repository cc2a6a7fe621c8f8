"""Races against real servers: two worker processes on one database, many threads at once.

The database decides (a conditional update claims the code; a partial unique index
keeps one pending request per address), so the outcome is the same whichever worker
or thread gets there first.
"""
import html

import pytest
from conftest import CAPTCHA, CLAUDE, CLAUDE_ANSWERS, LILA, LILA_ANSWERS, PASSWORD, live_login, settings_for
from live_server import Browser, LiveServer, all_at_once

from espace.domain.activation import CODE_USED, EMAIL_TAKEN
from espace.models import ACCESS_CERTIFICATE, ACCESS_PASSWORD, PENDING, USED, ActivationRequest, Space, db

PARALLEL = 20
EMAIL = "lila.pro@example.fr"


@pytest.fixture
def workers(make_app, tmp_path):
    app = make_app()  # migrations and demo data, once
    settings = settings_for(tmp_path, SEED_DEMO=False)
    servers = [LiveServer(settings), LiveServer(settings)]
    yield app, servers
    for server in servers:
        server.stop()


def test_one_code_submitted_twenty_times_at_once_activates_once(workers, walk):
    app, servers = workers
    code = walk.option(email=EMAIL)
    browsers = []
    for i in range(PARALLEL):
        browser = Browser(servers[i % 2].url)
        browser.get("/activation/")
        assert browser.post("/activation/", {"code": code, "captcha": CAPTCHA}).status == 303
        browsers.append(browser)

    responses = all_at_once([
        lambda b=b: b.post("/activation/identifiants", {"email": EMAIL}) for b in browsers
    ])

    statuses = sorted(r.status for r in responses)
    assert statuses == [303] + [422] * (PARALLEL - 1)
    for r in responses:
        if r.status == 422:
            assert CODE_USED in html.unescape(r.text)
    with app.app_context(), db.connection_context():
        space = Space.by_number(LILA)
        assert space.access_mode == ACCESS_PASSWORD and space.login_email == EMAIL
        assert [r.state for r in ActivationRequest.select()] == [USED]
    # The one who won sees the recap; the space now opens with the new password.
    winner = browsers[[r.status for r in responses].index(303)]
    assert LILA in winner.get("/activation/recapitulatif").text
    signed_in = live_login(Browser(servers[0].url), app, EMAIL, PASSWORD)
    assert signed_in.status == 303 and signed_in.headers["Location"].endswith("/espace/")


def reach_question_step(browser, number, answers, email):
    assert browser.post("/opter/numero", {"number": number}).status == 303
    assert browser.post("/opter/verification", answers).status == 303
    assert browser.post("/opter/identifiants", {
        "email": email, "email_confirm": email, "password": PASSWORD, "password_confirm": PASSWORD,
    }).status == 303


def test_two_spaces_choosing_one_address_at_once_one_wins(workers):
    app, servers = workers
    shared = "cabinet@example.fr"
    lila, claude = Browser(servers[0].url), Browser(servers[1].url)
    # Both pass step 3: neither request exists yet.
    reach_question_step(lila, LILA, LILA_ANSWERS, shared)
    reach_question_step(claude, CLAUDE, CLAUDE_ANSWERS, shared)

    question = {"question": "Votre hobby ?", "answer": "Voile"}
    responses = all_at_once([lambda: lila.post("/opter/question", question),
                             lambda: claude.post("/opter/question", question)])

    assert sorted(r.status for r in responses) == [303, 422]
    loser = next(r for r in responses if r.status == 422)
    assert EMAIL_TAKEN in html.unescape(loser.text)
    with app.app_context(), db.connection_context():
        pending = list(ActivationRequest.select().where(ActivationRequest.state == PENDING))
        assert len(pending) == 1 and pending[0].email == shared
        winner = lila if responses[0].status == 303 else claude
        assert pending[0].space.subscriber_number == (LILA if winner is lila else CLAUDE)
        # Neither space has changed yet: only the request waits for its code.
        assert {s.access_mode for s in Space.select().where(Space.subscriber_number.in_([LILA, CLAUDE]))} == {
            ACCESS_CERTIFICATE}


def test_address_taken_between_step_3_and_step_4_is_told_not_a_crash(app):
    """The slow side of the race above, made deterministic: Claude validates first."""
    lila, claude = app.test_client(), app.test_client()
    shared = "cabinet@example.fr"
    for client, number, answers in ((lila, LILA, LILA_ANSWERS), (claude, CLAUDE, CLAUDE_ANSWERS)):
        client.post("/opter/numero", data={"number": number})
        client.post("/opter/verification", data=answers)
        assert client.post("/opter/identifiants", data={
            "email": shared, "email_confirm": shared, "password": PASSWORD, "password_confirm": PASSWORD,
        }).status_code == 303
    question = {"question": "Votre hobby ?", "answer": "Voile"}
    assert claude.post("/opter/question", data=question).status_code == 303
    late = lila.post("/opter/question", data=question)
    assert late.status_code == 422
    assert EMAIL_TAKEN in html.unescape(late.get_data(as_text=True))
