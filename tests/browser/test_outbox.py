"""The developers' outbox in Chromium: the HTML version framed and inert, links that open from
both versions, « Vider la boîte » without JavaScript, axe-core at 0."""
import re
from datetime import datetime

import pytest
from playwright.sync_api import expect

from espace.models import OutboxMessage, db

pytestmark = pytest.mark.browser

HTML = ('<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Essai</title></head><body>'
        '<p id="trace">avant</p><script>document.getElementById("trace").textContent = "après"</script>'
        '<img src="http://127.0.0.1:9/pixel.png" alt="">'
        '<p><a href="/aide">Aide et assistance</a></p></body></html>')
TEXT = "Bonjour,\nl'aide : http://{host}/aide\n"


def put(live):
    with live.app.app_context(), db.connection_context():
        return OutboxMessage.create(recipient="lila.pro@example.fr", subject="Essai de la boîte",
                                    text_body=TEXT.format(host=live.url.split("//")[1]), html_body=HTML,
                                    created_at=datetime(2026, 12, 3, 9, 5)).id


def test_the_html_version_is_shown_and_runs_nothing(page, live):
    page.goto(f"/outbox/{put(live)}")
    frame = page.frame_locator("iframe.mail-html")
    expect(frame.get_by_text("Aide et assistance")).to_be_visible()
    expect(frame.locator("#trace")).to_have_text("avant")  # its script did not run


def test_a_link_of_the_html_version_opens_in_the_tab(page, live):
    page.goto(f"/outbox/{put(live)}")
    page.frame_locator("iframe.mail-html").get_by_role("link", name="Aide et assistance").click()
    expect(page).to_have_url(re.compile(r"/aide$"))


def test_a_link_of_the_text_version_opens(page, live):
    page.goto(f"/outbox/{put(live)}")
    page.locator("pre.mail-text").get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"/aide$"))


def test_filter_and_empty_the_box_without_javascript(nojs_page, live):
    page = nojs_page
    put(live)
    page.goto("/outbox/")
    page.get_by_label("Destinataire").fill("personne@example.fr")
    page.get_by_role("button", name="Filtrer").click()
    expect(page.get_by_text("Aucun message pour personne@example.fr.")).to_be_visible()
    page.get_by_role("link", name="Tous les destinataires").click()
    expect(page.get_by_role("link", name=re.compile("^Essai de la boîte"))).to_have_count(1)
    page.get_by_role("button", name="Vider la boîte").click()
    expect(page.get_by_text("Boîte d'envoi vidée : 1 message(s) supprimé(s).")).to_be_visible()
    expect(page.get_by_text("Aucun message.")).to_be_visible()


def test_axe_finds_nothing_on_the_outbox(page, live, scan):
    message_id = put(live)
    page.goto("/outbox/")
    assert scan(page, "liste") == []
    page.goto(f"/outbox/{message_id}")
    expect(page.frame_locator("iframe.mail-html").get_by_text("Aide et assistance")).to_be_visible()
    assert scan(page, "message") == []
