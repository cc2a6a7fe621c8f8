"""Pages every visitor gets alike for a given URL: rendered once per process, then reused.

A browser that brings none of our cookies has no session, no notice, no sign-in, no remembered
browser: what it gets from the login page or EP 4's first step depends on the URL alone. Those
are the pages everyone opens first (and every crawler and every guesser): building the same
form, the same fields and the same layout for each of them was two thirds of their time
(docs/performance.md). A view marked `@same_for_every_visitor` is run for the first such
request of each URL (and each kind of htmx request); later ones get its response again, and the
app's after-request hooks (security headers, compression, log) run on it as on any other.

What keeps this safe, checked on each response before it is kept:
- only GET/HEAD requests without any cookie, so nothing of a person can be in the page;
- only a 200 response that set no cookie and left nothing in the session but what a rendered
  page puts there (`sessions.EPHEMERAL`): a view that starts, refuses or flashes something
  is run every time;
- the page carries no CSRF token (a visitor's forms have none, see espace/forms.py);
- never while templates reload (debug), and at most `SIZE` URLs per process, least recently
  used forgotten first (query strings are the visitor's to vary).
"""
import threading
from collections import OrderedDict
from functools import wraps

from flask import current_app, make_response, request, session
from werkzeug.wrappers import Response

from .sessions import EPHEMERAL

SIZE = 128
KEY = "espace.visitor_pages"


class Remembered:
    """The kept responses of one app: body, status and the headers the view set."""

    def __init__(self, size=SIZE):
        self.size, self.pages, self.lock = size, OrderedDict(), threading.Lock()

    def get(self, key):
        with self.lock:
            page = self.pages.get(key)
            if page is not None:
                self.pages.move_to_end(key)
            return page

    def keep(self, key, page):
        with self.lock:
            self.pages[key] = page
            while len(self.pages) > self.size:
                self.pages.popitem(last=False)

    def clear(self):
        with self.lock:
            self.pages.clear()


def init_app(app):
    app.extensions[KEY] = Remembered()


def _applies():
    app = current_app
    return (request.method in ("GET", "HEAD") and not request.cookies
            and not (app.debug or app.jinja_env.auto_reload))


def _key():
    # The whole URL (no page builds a link from the host today; if one did, a page kept for one
    # trusted host would still never be given for another), and which layout htmx asked for.
    return (request.scheme, request.host, request.script_root, request.full_path,
            request.headers.get("HX-Request"), request.headers.get("HX-Boosted"))


def _keepable(response):
    return (response.status_code == 200 and not response.is_streamed and not response.direct_passthrough
            and "Set-Cookie" not in response.headers and session.keys() <= EPHEMERAL)


def same_for_every_visitor(view):
    """Mark a view whose response to a cookieless GET depends on the URL alone."""
    @wraps(view)
    def remembered(**kwargs):
        if not _applies():
            return view(**kwargs)
        pages, key = current_app.extensions[KEY], _key()
        page = pages.get(key)
        if page is None:
            response = make_response(view(**kwargs))
            if not _keepable(response):
                return response
            page = (response.get_data(), response.status, tuple(response.headers.items()))
            pages.keep(key, page)
        body, status, headers = page
        response = Response(body, status=status, headers=headers)
        # The page is what a browser without cookies gets: caches must not give it to one with some.
        response.vary.add("Cookie")
        return response

    remembered.same_for_every_visitor = True  # tests/test_visitor_pages.py finds every such page
    return remembered
