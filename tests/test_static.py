"""Static files: fingerprinted names, cached for a year as immutable, precompressed twins;
pages compressed when the browser accepts it."""
import gzip
import os
import re

import brotli
import pytest

from espace import assets

ASSETS = re.compile(r'(?:href|src)="(/static/[^"]+)"')


def linked_assets(client, url="/"):
    return ASSETS.findall(client.get(url).get_data(as_text=True))


def source_of(app, url):
    """The file of static/ that a fingerprinted URL copies: build/app.<hash>.css → app.css."""
    match = re.fullmatch(r"/static/build/(.+)\.[0-9a-f]{12}(\.\w+)", url)
    assert match, f"{url} is not fingerprinted"
    with open(os.path.join(app.static_folder, match.group(1) + match.group(2)), "rb") as f:
        return f.read()


def test_pages_link_fingerprinted_names(app, client):
    found = linked_assets(client)
    assert len(found) == 4  # the icon, app.css, htmx, app.js
    for url in found:
        assert source_of(app, url)


def test_fingerprinted_files_are_cached_for_a_year_as_immutable(app, client):
    for url in linked_assets(client):
        response = client.get(url, buffered=True)  # reads the file and closes it
        assert response.status_code == 200
        assert response.get_data() == source_of(app, url)
        cache = response.headers["Cache-Control"]
        assert "immutable" in cache and int(re.search(r"max-age=(\d+)", cache).group(1)) >= 365 * 24 * 3600
        assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("encoding, decompress", [("gzip", gzip.decompress), ("br", brotli.decompress)])
def test_precompressed_twins_are_served_to_browsers_that_accept_them(app, client, encoding, decompress):
    # Text is compressed; the icon is a bitmap, sent as it is.
    for url in (u for u in linked_assets(client) if u.endswith((".css", ".js"))):
        response = client.get(url, headers={"Accept-Encoding": encoding}, buffered=True)
        assert response.headers["Content-Encoding"] == encoding
        assert "Accept-Encoding" in response.headers["Vary"]
        assert decompress(response.get_data()) == source_of(app, url)
        # Real files on disk, so that nginx (gzip_static) serves the same ones.
        assert os.path.exists(os.path.join(app.static_folder, url.removeprefix("/static/") + ".gz"))


def test_a_changed_file_gets_a_new_name(tmp_path):
    (tmp_path / "app.css").write_text("body { color: black }")
    first = assets.build(str(tmp_path))["app.css"]
    assert assets.build(str(tmp_path))["app.css"] == first  # same content, same name
    (tmp_path / "app.css").write_text("body { color: navy }")
    second = assets.build(str(tmp_path))["app.css"]
    assert second != first
    assert (tmp_path / second).read_text() == "body { color: navy }"
    assert (tmp_path / first).exists()  # a page cached before the change still finds its file


@pytest.mark.parametrize("url", ["/", "/connexion", "/accessibilite"])
def test_pages_are_compressed_for_browsers_that_accept_it(client, url):
    plain = client.get(url)
    assert "Content-Encoding" not in plain.headers
    response = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    page = gzip.decompress(response.get_data()).decode()
    assert "</html>" in page and len(response.get_data()) < len(plain.get_data()) / 2
