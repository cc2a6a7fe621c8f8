"""A multi-step procedure: its steps, its progress in the server session, its guard.

Every wizard of the site is one `Wizard`: a procedure declares its steps and writes
only its views. Progress is a dict in the session under the wizard's key, with `done`,
the last step completed; `finish()` replaces it with what the last page shows.

A step's URL can be opened with any progress (Back, an old tab, an e-mailed link opened in
the tab of an earlier step): the guard checks that the values the step reads are there
(`needs`) and that what the procedure relies on still holds in the database
(`precondition`), and otherwise redirects with a message.
"""
from functools import wraps

from flask import flash, request, session, url_for

from .web import pressed, render_form, see_other

OUT_OF_ORDER = "Veuillez compléter les étapes dans l'ordre."


class Wizard:
    def __init__(self, key, steps, after_finish=None, needs=None, precondition=None):
        """`steps`: (name shown in the stepper, endpoint) pairs, in order.

        `after_finish`: the step an earlier page leads to once the procedure is finished
        (default: the last one, which shows the outcome).
        `needs`: {step: progress keys its view reads}; a step whose keys are missing is not run.
        `precondition(progress)`: why the procedure cannot go on any more (checked against the
        database on every request of a guarded step before it is finished), or None.
        """
        self.key = key
        self.names = tuple(name for name, _ in steps)
        self.endpoints = tuple(endpoint for _, endpoint in steps)
        self.after_finish = after_finish or len(self.names)
        self.needs = needs or {}
        self.precondition = precondition

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

    def keep(self, **values):
        """Remember more of this step's values; the progress stays where it is."""
        session[self.key] = {**self.progress(), **values}

    def step_of(self, endpoint):
        """The step (1…) an endpoint of this wizard shows."""
        return self.endpoints.index(endpoint) + 1

    def here(self):
        """The step of the request's view."""
        return self.step_of(request.endpoint)

    def complete(self, **values):
        """This step is done, with its values: on to the next one (Post/Redirect/Get).
        Completing the first step starts the procedure again from these values (a new number, a
        new code…); a later one adds them to the progress."""
        step = self.here()
        if step == 1:
            self.start(1, **values)
        else:
            self.advance(step, **values)
        return self.go(step + 1)

    def finish(self, **summary):
        """Completion forgets what was typed; only what the last page shows is kept. Leads there."""
        session[self.key] = {"done": self.last, "finished": True, **summary}
        return self.go(self.last)

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

    def has_what_it_needs(self, step, progress):
        return all(key in progress for key in self.needs.get(step, ()))

    def resume_step(self, progress):
        """The furthest step this progress can show: the next one, or an earlier one it has the values of."""
        step = min(progress.get("done", 0) + 1, self.last)
        while step > 1 and not self.has_what_it_needs(step, progress):
            step -= 1
        return step

    def step(self, view):
        """Guard a step's view (its step is found from its endpoint): see `requires_step`."""
        blueprint = self.endpoints[0].split(".", 1)[0]
        return self.requires_step(self.step_of(f"{blueprint}.{view.__name__}"))(view)

    def requires_step(self, step):
        """Guard a view: the earlier steps must be done, with the values this step reads, and the
        procedure's precondition must still hold; a finished procedure is not replayed.
        `step`: a number, or the endpoint of the step whose guard this view shares (e.g. a
        download of the last step's document)."""
        if isinstance(step, str):
            step = self.step_of(step)

        def decorator(view):
            @wraps(view)
            def guarded(**kwargs):
                progress = self.progress()
                if progress.get("finished") and step < self.last:
                    return self.go(self.after_finish)
                done = progress.get("done", 0)
                if done < step - 1 or not self.has_what_it_needs(step, progress):
                    flash(OUT_OF_ORDER, "info")
                    return self.go(self.resume_step(progress))
                if self.precondition is not None and not progress.get("finished"):
                    refusal = self.precondition(progress)
                    if refusal:
                        self.clear()
                        flash(refusal, "info")
                        return self.go(1)
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

    def render(self, template, form=None, refusal=None, **context):
        """The request's step, full page or htmx fragment; 422 when something was refused.
        Templates get the stepper's figures and `previous_url`, the previous step's address."""
        step = self.here()
        # A finished procedure shows its outcome: « Quitter » has nothing left to abandon there.
        return render_form(template, form, refusal, step=step, steps=self.names, step_name=self.names[step - 1],
                           previous_url=url_for(self.endpoints[step - 2]) if step > 1 else None,
                           finished=bool(self.progress().get("finished")), **context)
