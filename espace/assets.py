"""Static files: fingerprinted copies with precompressed twins, and the URLs that name them.

`build()` copies every file of static/ to static/build/<path>.<hash>.<ext> (the hash of its
content), with .gz and .br twins, and returns the manifest {"app.css": "build/app.<hash>.css"}.
Pages then link the fingerprinted names (url_for('static', ...) is rewritten), which never
change content, so they are cached for a year, immutable; WhiteNoise serves them (and the
twin the browser accepts) in the app, nginx from the same directory in production.
Names are content-addressed: workers starting together write identical files, an older
page still finds its own versions after a deploy, and a second start rebuilds nothing.
"""
import gzip
import hashlib
import os

import brotli

BUILD = "build"
COMPRESSIBLE = (".css", ".js", ".svg", ".html", ".txt", ".json")
IMMUTABLE_PREFIX = f"/static/{BUILD}/"


def build(static_dir):
    """Write the fingerprinted copies that are missing; return the manifest."""
    manifest = {}
    for root, dirs, files in os.walk(static_dir):
        if os.path.samefile(root, static_dir):
            dirs[:] = [d for d in dirs if d != BUILD]
        for name in files:
            source = os.path.join(root, name)
            relative = os.path.relpath(source, static_dir).replace(os.sep, "/")
            with open(source, "rb") as f:
                data = f.read()
            stem, ext = os.path.splitext(relative)
            fingerprinted = f"{BUILD}/{stem}.{hashlib.sha256(data).hexdigest()[:12]}{ext}"
            target = os.path.join(static_dir, fingerprinted)
            if not os.path.exists(target):
                os.makedirs(os.path.dirname(target), exist_ok=True)
                if ext in COMPRESSIBLE:
                    # The twins first: a server that sees the file may offer them at once.
                    _write(target + ".gz", gzip.compress(data, 9, mtime=0))
                    _write(target + ".br", brotli.compress(data, quality=11))
                _write(target, data)
            manifest[relative] = fingerprinted
    return manifest


def _write(path, data):
    temporary = f"{path}.{os.getpid()}.tmp"
    with open(temporary, "wb") as f:
        f.write(data)
    os.replace(temporary, path)  # atomic: never a half-written file


def is_immutable(path, url):
    """WhiteNoise: fingerprinted names are cached for good."""
    return url.startswith(IMMUTABLE_PREFIX)


def add_headers(headers, path, url):
    headers["X-Content-Type-Options"] = "nosniff"
