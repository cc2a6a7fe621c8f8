"""A multi-step procedure: its steps, its progress in the server session, its guard.

Every wizard of the site is one `Wizard`: a procedure declares its steps and writes
only its views. Progress is a dict in the session under the wizard's key, with `done`,
the last step completed; `finish()` replaces it with what the last page shows.
"""
from functools import wraps

from flask import flash, session, url_for

from .web import pressed, render_step, see_other

OUT_OF_ORDER = "Veuillez compléter les étapes dans l'ordre."


class Wizard:
    def __init__(self, key, steps, after_finish=None):
        """`steps`: (name shown in the stepper, endpoint) pairs, in order.

        `after_finish`: the step an earlier page leads to once the procedure is finished
        (default: the last one, which shows the outcome).
        """
        self.key = key
        self.names = tuple(name for name, _ in steps)
        self.endpoints = tuple(endpoint for _, endpoint in steps)
        self.after_finish = after_finish or len(self.names)

    @property
    def last(self):
        return len(self.names)

    def progress(self):
        return session.get(self.key, {})

    def start(self, done, **values):
        """Begin again from this step's values (a new number, a new code…)."""
        session[self.key] = {"done": done, **values}

    def advance(self, done, **values):
        session[self.key] = {**self.progress(), **values, "done": done}

    def finish(self, **summary):
        """Completion forgets what was typed; only what the last page shows is kept."""
        session[self.key] = {"done": self.last, "finished": True, **summary}

    def clear(self):
        session.pop(self.key, None)

    def abandon(self):
        """« Quitter »: forget the progress; whether an unfinished procedure was abandoned
        (a finished one has nothing left to abandon: its outcome stands)."""
        progress = session.pop(self.key, None) or {}
        return not progress.get("finished")

    def go(self, step):
        """Post/Redirect/Get to a step of this wizard."""
        return see_other(url_for(self.endpoints[step - 1]))

    def requires_step(self, step):
        """Guard a view: the earlier steps must be done; a finished procedure is not replayed."""

        def decorator(view):
            @wraps(view)
            def guarded(**kwargs):
                progress = self.progress()
                if progress.get("finished") and step < self.last:
                    return self.go(self.after_finish)
                done = progress.get("done", 0)
                if done < step - 1:
                    flash(OUT_OF_ORDER, "info")
                    return self.go(done + 1)
                return view(**kwargs)

            return guarded

        return decorator

    @staticmethod
    def form(form_class, **data):
        """The step's form and whether it was validly submitted; « Effacer » empties it."""
        if pressed("effacer"):
            return form_class(formdata=None), False
        form = form_class(data=data or None)
        return form, form.validate_on_submit()

    def render(self, template, step, form=None, refusal=None, **context):
        """The step, full page or htmx fragment; 422 when something was refused."""
        refused = bool(refusal or (form is not None and form.errors))
        # A finished procedure shows its outcome: « Quitter » has nothing left to abandon there.
        return render_step(template, status=422 if refused else 200, step=step, steps=self.names,
                           step_name=self.names[step - 1], form=form, refusal=refusal,
                           finished=bool(self.progress().get("finished")), **context)
