"""Work a view defers until its answer has left (its duration must not show in the response time).

A WSGI middleware (AfterResponse, installed by create_app) runs it once the server has taken the
last byte of the answer.
"""
import logging

from flask import copy_current_request_context, request


def after_response(function):
    """Run `function` in a copy of this request's context once the response has been sent.

    For work whose duration must not show in the response time (e.g. whether an address
    exists). AfterResponse runs it once the server has taken the last byte of the answer
    (or at close(); Flask's test client: when the test closes the response).
    """
    # Kept in the WSGI environ, run by AfterResponse: a hook on the response object would be lost
    # when an extension (Flask-Compress) hands the server another one.
    request.environ.setdefault(AFTER_RESPONSE, []).append(copy_current_request_context(function))


AFTER_RESPONSE = "espace.after_response"


class AfterResponse:
    """WSGI middleware: runs what views deferred once the answer has been handed to the server."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        deferred = environ.setdefault(AFTER_RESPONSE, [])

        def run_all():
            for run in deferred:
                try:
                    run()
                except Exception:  # the answer has left: log it, never lose the others
                    logging.getLogger("espace").exception("deferred work failed")

        return _RunThenClose(self.app(environ, start_response), run_all)


class _RunThenClose:
    """The response's body; the deferred work runs once the last byte has been handed to the
    server (end of iteration), or at close() if the body was never read to its end. Not at
    close() only: werkzeug's server drains the client's socket before closing, which can wait
    for the client to hang up."""

    def __init__(self, iterable, run):
        self.iterable, self.run, self.done = iterable, run, False

    def __iter__(self):
        yield from self.iterable
        self.run_once()

    def run_once(self):
        if not self.done:
            self.done = True
            self.run()

    def close(self):
        try:
            self.run_once()
        finally:
            close = getattr(self.iterable, "close", None)
            if close is not None:
                close()
