"""Tests of espace/captcha/media.py: alphabet, texts, PNG image and French WAV audio."""
import io
import re
import string
import sys
import wave
from pathlib import Path

import pytest
from PIL import Image

try:
    from espace.captcha import media as captcha
except ModuleNotFoundError:  # pytest run without the project root on sys.path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from espace.captcha import media as captcha


# Characters that must never appear together in the alphabet, because they
# look alike once distorted (V) or because their French names sound alike,
# especially in 8 kHz audio (A). Digits are listed too: the alphabet has no
# digit, but a letter that looks like a digit would make users type the digit.
CONFUSABLE_PAIRS = [
    # visual
    ("0", "O"), ("O", "Q"), ("O", "D"), ("Q", "D"), ("0", "D"), ("0", "Q"),
    ("1", "I"), ("1", "L"), ("1", "J"), ("I", "L"), ("I", "J"), ("L", "J"),
    ("2", "Z"), ("5", "S"), ("8", "B"), ("6", "G"), ("G", "C"), ("C", "O"),
    ("U", "V"), ("V", "Y"), ("M", "N"), ("E", "F"), ("P", "R"), ("B", "R"),
    # auditory: the "-é" letters (bé cé dé gé pé té vé)
    ("B", "C"), ("B", "D"), ("B", "G"), ("B", "P"), ("B", "T"), ("B", "V"),
    ("C", "D"), ("C", "G"), ("C", "P"), ("C", "T"), ("C", "V"),
    ("D", "G"), ("D", "P"), ("D", "T"), ("D", "V"),
    ("G", "P"), ("G", "T"), ("G", "V"), ("P", "T"), ("P", "V"), ("T", "V"),
    # auditory: others
    ("G", "J"), ("M", "N"), ("F", "S"), ("Q", "U"), ("Q", "K"), ("C", "S"),
    ("E", "F"), ("C", "E"),
]

# Characters that look like a digit: excluded even though there is no digit.
LOOK_LIKE_DIGITS = "OQDILJZSBG"


def wav_info(data):
    with wave.open(io.BytesIO(data)) as w:
        return {
            "channels": w.getnchannels(),
            "width": w.getsampwidth(),
            "rate": w.getframerate(),
            "seconds": w.getnframes() / w.getframerate(),
            "frames": w.readframes(w.getnframes()),
        }


def voice_segments(frames, rate=8000, loud=8, min_silence=0.25):
    """Number of stretches of speech: samples louder than `loud` around the
    128 silence level, separated by at least `min_silence` seconds without."""
    segments, last_loud = 0, None
    for i, sample in enumerate(frames):
        if abs(sample - 128) > loud:
            if last_loud is None or i - last_loud > min_silence * rate:
                segments += 1
            last_loud = i
    return segments


# --- alphabet ----------------------------------------------------------------


def test_alphabet_is_uppercase_letters_without_duplicates():
    assert set(captcha.ALPHABET) <= set(string.ascii_uppercase)
    assert len(set(captcha.ALPHABET)) == len(captcha.ALPHABET)
    assert 10 <= len(captcha.ALPHABET) <= 20


def test_alphabet_has_no_digit_and_no_letter_that_looks_like_one():
    assert not set(captcha.ALPHABET) & set(string.digits)
    assert not set(captcha.ALPHABET) & set(LOOK_LIKE_DIGITS)


@pytest.mark.parametrize("a, b", CONFUSABLE_PAIRS)
def test_alphabet_has_no_confusable_pair(a, b):
    assert not (a in captcha.ALPHABET and b in captcha.ALPHABET)


def test_alphabet_is_case_independent():
    assert captcha.uppercase_without_spaces(captcha.ALPHABET.lower()) == captcha.ALPHABET


# --- texts -------------------------------------------------------------------


def test_new_text_default_length_and_alphabet():
    text = captcha.new_text()
    assert captcha.LENGTH == 6
    assert len(text) == captcha.LENGTH
    assert set(text) <= set(captcha.ALPHABET)


@pytest.mark.parametrize("length", [1, 4, 8])
def test_new_text_length(length):
    assert len(captcha.new_text(length)) == length


def test_new_text_is_random():
    # Two equal texts: probability 11**-6, about one in 1.8 million.
    assert captcha.new_text() != captcha.new_text()
    # Every character gets used.
    assert set("".join(captcha.new_text() for _ in range(500))) == set(captcha.ALPHABET)


def test_new_text_fixed_is_returned_unchanged():
    assert captcha.new_text(fixed="TEST42") == "TEST42"
    assert captcha.new_text(length=3, fixed="abc def") == "abc def"


def test_new_text_empty_fixed_is_ignored():
    text = captcha.new_text(fixed="")
    assert len(text) == captcha.LENGTH and set(text) <= set(captcha.ALPHABET)


def test_new_text_rejects_empty_length():
    with pytest.raises(ValueError):
        captcha.new_text(0)


# --- uppercase_without_spaces --------------------------------------------------------


@pytest.mark.parametrize("typed, expected", [
    ("AKHMRT", "AKHMRT"),
    ("akhmrt", "AKHMRT"),
    ("aK hM rT", "AKHMRT"),
    ("  ak\thm\nrt  ", "AKHMRT"),
    ("ak\u00a0hm rt", "AKHMRT"),  # non-breaking space
    ("", ""),
    (None, ""),
])
def test_uppercase_without_spaces(typed, expected):
    assert captcha.uppercase_without_spaces(typed) == expected


# --- image -------------------------------------------------------------------


def test_render_png_is_a_png():
    data = captcha.render_png(captcha.new_text())
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    image = Image.open(io.BytesIO(data))
    image.load()
    assert image.format == "PNG"
    assert image.size == (480, 160)  # twice the size it is shown: sharp on high-density screens


def test_the_page_shows_the_image_at_half_its_size(client):
    page = client.get("/activation/").get_data(as_text=True)
    assert re.search(r'<img src="/captcha/image\.png\?v=\w+" width="240" height="80"', page)


def test_render_png_has_dark_text_on_light_background():
    image = Image.open(io.BytesIO(captcha.render_png("AEHKMR"))).convert("L")
    histogram = image.histogram()
    assert sum(histogram[:110]) > 500  # text pixels (luminance <= 100, smoothed)
    assert sum(histogram[230:]) > image.width * image.height / 2  # background


def test_render_png_is_random():
    assert captcha.render_png("AEHKMR") != captcha.render_png("AEHKMR")


# --- audio -------------------------------------------------------------------


def test_every_alphabet_character_has_a_voice():
    for char in captcha.ALPHABET:
        files = sorted((captcha.VOICES_DIR / char).glob("*.wav"))
        assert files, f"no voice for {char}"
        for path in files:
            info = wav_info(path.read_bytes())
            assert (info["channels"], info["width"], info["rate"]) == (1, 1, 8000), path
            # Trimmed: a letter name lasts less than a second.
            assert 0.1 < info["seconds"] < 1.0, path


def test_no_voice_outside_the_alphabet():
    dirs = {p.name for p in captcha.VOICES_DIR.iterdir() if p.is_dir()}
    assert dirs == set(captcha.ALPHABET)


def test_render_wav_is_8khz_mono_8bit():
    info = wav_info(captcha.render_wav(captcha.new_text()))
    assert info["channels"] == 1
    assert info["width"] == 1
    assert info["rate"] == 8000


def test_render_wav_duration_is_reasonable():
    assert 2 <= wav_info(captcha.render_wav("AEHKMR"))["seconds"] <= 12
    for _ in range(20):
        assert 2 <= wav_info(captcha.render_wav(captcha.new_text()))["seconds"] <= 15
    # Longest letter name ("double vé") six times, read twice.
    assert wav_info(captcha.render_wav("WWWWWW"))["seconds"] <= 15


def test_render_wav_duration_grows_with_length():
    durations = [wav_info(captcha.render_wav("A" * n))["seconds"] for n in (2, 4, 6, 8)]
    assert durations == sorted(durations)
    assert durations[0] < durations[-1] - 2


@pytest.mark.parametrize("text", ["AEHKMR", "TUWXYA", "WWWWWW", "YYYYYY", "K", "MAXTEHRUWYK"])
def test_render_wav_has_one_voice_per_character_per_reading(text):
    frames = wav_info(captcha.render_wav(text))["frames"]
    assert voice_segments(frames) == captcha.READINGS * len(text)


def test_render_wav_random_text_has_one_voice_per_character_per_reading():
    text = captcha.new_text()
    frames = wav_info(captcha.render_wav(text))["frames"]
    assert voice_segments(frames) == captcha.READINGS * len(text)


def test_render_wav_pauses_are_quiet():
    frames = wav_info(captcha.render_wav("AEHKMR"))["frames"]
    lead = frames[: int(captcha.LEAD_SECONDS * 8000)]
    assert all(126 <= sample <= 130 for sample in lead)


@pytest.mark.parametrize("text", ["ABC", "aeh", "", "AE HK"])
def test_render_wav_rejects_characters_without_voice(text):
    with pytest.raises(ValueError):
        captcha.render_wav(text)


# --- the blueprint: URLs, the challenge's cookie ------------------------------------------


@pytest.mark.parametrize("method, old, new", [
    ("GET", "/activation/captcha.png?v=1", "/captcha/image.png?v=1"),
    ("GET", "/activation/captcha.wav", "/captcha/extrait-sonore.wav"),
    ("POST", "/activation/captcha", "/captcha/changer"),
])
def test_the_old_urls_lead_to_the_captcha_blueprint(client, method, old, new):
    response = client.open(old, method=method)
    assert response.status_code == 308 and response.location == new  # 308 keeps the POST


def test_both_forms_show_the_one_captcha_block(client):
    for url in ("/activation/", "/mot-de-passe-oublie"):
        page = client.get(url).get_data(as_text=True)
        assert re.search(r'src="/captcha/image\.png\?v=\w+"', page) and 'hx-post="/captcha/changer"' in page


def test_the_cookie_holds_the_text_encrypted_and_short_lived(client, app):
    from espace.captcha.challenge import COOKIE

    response = client.get("/activation/")
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith(COOKIE + "="))
    assert "KAWRTY" not in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert f"Max-Age={app.config['CAPTCHA_TTL_SECONDS']}" in cookie


def test_a_damaged_cookie_gets_a_new_challenge_and_is_never_passed(client, app):
    from espace.captcha.challenge import COOKIE

    client.get("/activation/")
    token = client.get_cookie(COOKIE).value
    client.set_cookie(COOKIE, token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB"))
    response = client.post("/mot-de-passe-oublie", data={"email": "toto321@toto.toto", "captcha": "KAWRTY"})
    response.close()
    assert response.status_code == 422
    assert client.get("/captcha/image.png").status_code == 200 and client.get_cookie(COOKIE).value != token


def test_twenty_answers_at_once_to_one_challenge_pass_once(app):
    """The spent record is claimed atomically (O_EXCL on disk, SET NX in Redis), whatever the shape."""
    import threading

    store, start, results = app.extensions["espace.captcha_spent"], threading.Barrier(20), []

    def answer():
        start.wait()
        results.append(store.claim("0123456789abcdef", app.config["CAPTCHA_TTL_SECONDS"]))

    threads = [threading.Thread(target=answer) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 19 + [True]
    assert store.is_spent("0123456789abcdef") and not store.is_spent("fedcba9876543210")
