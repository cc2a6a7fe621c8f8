"""The captcha in the browser: audio playable in place and downloadable, « Changer l'image » with and without JavaScript."""
import re
import wave

import pytest
from playwright.sync_api import expect

from .journey import labelled

pytestmark = pytest.mark.browser

CODE = "AbcdEfghIjkl"


def test_audio_plays_in_place(page):
    page.goto("/activation/")
    audio = page.locator("#captcha-block audio[controls]")
    expect(audio).to_have_accessible_name("Extrait sonore : les mêmes caractères, épelés en français")
    # The browser itself decodes the WAV: metadata loads and it lasts as long as six letters spoken.
    duration = audio.evaluate("""a => new Promise((ok, ko) => {
        a.addEventListener('loadedmetadata', () => ok(a.duration)); a.addEventListener('error', () => ko(a.error.code));
        a.preload = 'auto'; a.load(); })""")
    assert 2 < duration < 20
    assert audio.evaluate("a => a.play().then(() => !a.paused)")


def test_ecouter_l_extrait_sonore_plays_it_in_the_page(page):
    page.goto("/activation/")
    loads, downloads = [], []
    page.on("load", lambda p: loads.append(p.url))
    page.on("download", lambda d: downloads.append(d))
    audio = page.locator("#captcha-block audio")
    assert audio.evaluate("a => a.paused")
    page.get_by_role("link", name=re.compile("^Ecouter l'extrait sonore")).click()
    expect(audio).to_have_js_property("paused", False)
    assert loads == [] and downloads == [] and page.url.endswith("/activation/")


def test_audio_downloads_as_a_wav_file(page):
    page.goto("/activation/")
    with page.expect_download() as info:
        page.get_by_role("link", name=re.compile("^Télécharger l'extrait sonore")).click()
    download = info.value
    assert download.suggested_filename == "extrait-sonore.wav"
    with wave.open(str(download.path())) as w:
        seconds = w.getnframes() / w.getframerate()
        assert w.getnchannels() == 1 and w.getnframes() > 0
    assert 2 < seconds < 20


def test_change_image_with_javascript_swaps_only_the_captcha_and_keeps_the_code(page):
    page.goto("/activation/")
    loads = []
    page.on("load", lambda p: loads.append(p.url))
    labelled(page, "Saisissez le code d'activation").fill(CODE)
    labelled(page, "Recopiez les caractères de l'image").fill("XXXX")
    old_image = page.locator("#captcha-block img").get_attribute("src")
    page.evaluate("document.getElementById('captcha-block').dataset.old = 'yes'")
    page.get_by_role("button", name="Changer l'image").click()
    expect(page.locator("#captcha-block:not([data-old])")).to_have_count(1)
    new_image = page.locator("#captcha-block img").get_attribute("src")
    assert new_image != old_image
    assert page.locator("#captcha-block audio").get_attribute("src").endswith(new_image.split("?")[1])
    assert loads == [], "the page was reloaded"
    expect(labelled(page, "Saisissez le code d'activation")).to_have_value(CODE)
    expect(page.get_by_role("button", name="Changer l'image")).to_be_focused()
    expect(page.locator("#annonce")).to_have_text("Nouvelle image et nouvel extrait sonore affichés.")
    expect(page.locator("#captcha-block img")).to_have_js_property("complete", True)
    assert page.locator("#captcha-block img").evaluate("img => img.naturalWidth") > 0


def test_change_image_without_javascript_posts_the_form_and_keeps_the_code(nojs_page):
    page = nojs_page
    page.goto("/activation/")
    labelled(page, "Saisissez le code d'activation").fill(CODE)
    old_image = page.locator("#captcha-block img").get_attribute("src")
    with page.expect_navigation():
        page.get_by_role("button", name="Changer l'image").click()
    assert page.locator("#captcha-block img").get_attribute("src") != old_image
    expect(labelled(page, "Saisissez le code d'activation")).to_have_value(CODE)
    expect(page.locator("[data-error-summary]")).to_have_count(0)


def test_image_says_what_it_is_and_where_the_audio_is(page):
    page.goto("/activation/")
    alt = page.locator("#captcha-block img").get_attribute("alt")
    assert "Image de vérification" in alt and "Ecouter l'extrait sonore" in alt
