"""A model of the whole account, walked in any order by a few browsers (Hypothesis state machine).

Two spaces: Lila (certificate, converted by EP 4 + activation) and Bernard (e-mail + password
from the start). Three browsers (Flask test clients) share them. The model keeps, per space,
its access, address, password, trust answer, counters and locks, codes and links; per browser,
what its session holds. Each rule is one user action; it predicts the status and the place
the app answers with, and the mails sent (tests/model/expected.py), and updates the model. The
invariants compare the database with the model after every step.
"""
import os
import re
from collections import Counter
import shutil
import tempfile
from dataclasses import dataclass, field

from conftest import (BERNARD, BERNARD_ANSWER, BERNARD_EMAIL, BERNARD_PASSWORD, CAPTCHA, LILA, LILA_ANSWERS,
                      reset_shared_servers, settings_for)
from hypothesis import strategies as st
from jinja2 import BytecodeCache
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from espace import create_app
from espace.domain.activation import TRUST_QUESTIONS
from espace.domain.hashing import sha256_hex
from espace.domain.signin_password import address_key
from espace.domain.signin import code_digest
from espace.models import (ACCESS_PASSWORD, Device, EmailChange, LoginFailure, OutboxMessage, PasswordReset, SigninCode,
                           Space, db)

from . import expected as X

BROWSERS = 3
PASSWORDS = ("Longchamp2023Rosemonde", "Douasbin2015PecheEnMer", "Douasbin2026RougetBarbet", "Autre2027MotDePasseNeuf")
LILA_EMAILS = ("lila.pro@example.fr", "lila.autre@example.fr", BERNARD_EMAIL)
NEW_EMAILS = ("neuf.un@example.fr", "neuf.deux@example.fr", "lila.pro@example.fr", BERNARD_EMAIL)
ANSWERS = ("Équitation", "pêche", "Tennis")
ADDRESSES = (("Quai Alexandre III", "50100", "Cherbourg-en-Cotentin"), ("1, place du Modèle", "35000", "Rennes"))
SUFFIX = " – espace professionnel"
STATS = {"steps": 0, "requests": 0, "examples": 0, "answers": Counter()}  # printed at the end of the run


@dataclass
class Account:
    number: str
    mode: str                   # "certificate" or "password"
    email: str = ""
    password: str = ""
    question: str = ""
    answer: str = ""
    epoch: int = 0              # raised by every password change: ends sessions
    login_failures: int = 0     # EP 5 / EP 3 current-password checks (the login counts per address)
    login_locked: bool = False
    answer_failures: int = 0
    answers_locked: bool = False
    codes_sent: int = 0         # sign-in codes this hour (each browser's sign-in holds its own)
    links_sent: int = 0         # reset links this hour
    links: dict = field(default_factory=dict)   # token -> "pending" | "used" | "superseded"
    requests: list = field(default_factory=list)  # EP 4: dicts code, email, password, question, answer, state
    change: dict = None         # EP 5 pending: email, code
    dead_changes: list = field(default_factory=list)
    coordinates: tuple = None

    @property
    def uses_password(self):
        return self.mode == "password"


@dataclass
class Browser:
    """What this browser's session and cookies hold, as the model sees it."""
    space: str = None           # signed in to this account, with `epoch`
    epoch: int = 0
    signin: dict = None         # waiting for its code: who, epoch, codes (oldest first), tries, dead
    option: dict = None         # EP 4 progress: done, email, password (finished: done == 5)
    activation: dict = None     # request (the dict in Account.requests) or finished
    reset: dict = None          # {"done": 1, "email"} or {"done": 2|3, "token"}
    device: str = None          # remembered for this account (a cookie that outlives sessions)
    seen: set = field(default_factory=set)  # accounts this browser signed in to (no new-browser notice)

    def forget_session(self):
        """sign_in / sign_out / an ended session: the whole session goes, the device cookie stays."""
        self.space, self.signin, self.option, self.activation, self.reset = None, None, None, None, None


class _CompiledTemplates(BytecodeCache):
    """Jinja's compiled templates kept in memory across the examples' apps."""

    def __init__(self):
        self.compiled = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket):
        self.compiled[bucket.key] = bucket.bytecode_to_string()


TEMPLATES = _CompiledTemplates()


class AccountMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        STATS["examples"] += 1
        self.tmp = tempfile.mkdtemp(prefix="espace-model-")
        self.saved_instance = os.environ.get("INSTANCE_PATH")
        os.environ["INSTANCE_PATH"] = os.path.join(self.tmp, "instance")
        reset_shared_servers()
        from pathlib import Path
        self.app = create_app(settings_for(Path(self.tmp), LOG_LEVEL="WARNING"))
        self.app.jinja_env.bytecode_cache = TEMPLATES  # compiled once per process, not per example
        self.clients = [self.app.test_client() for _ in range(BROWSERS)]
        self.browsers = [Browser() for _ in range(BROWSERS)]
        self.accounts = {
            "lila": Account(LILA, "certificate"),
            "bernard": Account(BERNARD, "password", BERNARD_EMAIL, BERNARD_PASSWORD, "Votre hobby ?", BERNARD_ANSWER),
        }
        self.last_mail = self.mail_count()
        # The login's count per address (any address, known or not) and the addresses that need the captcha.
        self.address_failures = Counter()
        self.captcha = set()
        self.hasher = self.app.extensions["espace.hasher"]
        self.encryptor = self.app.extensions["espace.encryptor"]
        with self.db():
            self.first_epoch = {name: Space.by_number(a.number).session_epoch for name, a in self.accounts.items()}

    def teardown(self):
        if db.obj is not None and not db.is_closed():
            db.close()
        if self.saved_instance is None:
            os.environ.pop("INSTANCE_PATH", None)
        else:
            os.environ["INSTANCE_PATH"] = self.saved_instance
        shutil.rmtree(self.tmp, ignore_errors=True)

    # --- helpers -------------------------------------------------------------------------

    def db(self):
        return _Connected(self.app)

    def mail_count(self):
        with self.db():
            return OutboxMessage.select().count()

    def new_mails(self):
        with self.db():
            rows = list(OutboxMessage.select().order_by(OutboxMessage.id).offset(self.last_mail))
        self.last_mail += len(rows)
        return rows

    def expect_mails(self, *actions):
        """The mails sent since the last step are exactly these actions' (kind, recipient)."""
        rows = self.new_mails()
        wanted = [(subject, recipient) for kind, roles in actions for subject, role in X.MAILS[kind]
                  for recipient in [roles[role]]]
        got = [(row.subject.removesuffix(SUFFIX), row.recipient) for row in rows]
        assert sorted(got) == sorted(wanted), f"mails {got}, expected {wanted}"
        return rows

    def done(self, *actions):
        """End of a rule: the mails it sent are checked (rules return None)."""
        self.expect_mails(*actions)

    def send(self, i, method, path, data=None, **headers):
        STATS["requests"] += 1
        response = self.clients[i].open(path, method=method, data=data, headers=headers)
        response.close()  # the deferred work (« Mot de passe oublié ») runs once the response is closed
        assert response.status_code < 500, f"{method} {path}: {response.status_code}"
        return response

    def check(self, response, status, location=None):
        where = response.headers.get("Location")
        STATS["answers"][f"{response.request.method} {response.request.path} {response.status_code}"] += 1
        assert response.status_code == status, (
            f"{response.request.method} {response.request.path}: {response.status_code} (to {where}), "
            f"expected {status}" + (f" to {location}" if location else ""))
        if location is not None:
            # The login's `suite` (the page to come back to) is the access tests' business, not the model's.
            where = where.split("?suite=")[0] if location == X.LOGIN and where else where
            assert where == location, f"{response.request.path}: to {where}, expected {location}"
        return response

    def account_of(self, name):
        return self.accounts[name]

    def other(self, name):
        return self.accounts["bernard" if name == "lila" else "lila"]

    def choose(self, pick, relevant):
        """Mostly a browser where the action makes sense (so deep states are reached), sometimes any."""
        if pick >= 100:
            return pick - 100
        candidates = [k for k, b in enumerate(self.browsers) if relevant(k, b)]
        if not candidates or pick % 5 == 0:
            return pick % BROWSERS
        return candidates[pick % len(candidates)]

    def valid_space(self, i):
        """The account browser i is signed in to, if its session still holds (epoch unchanged)."""
        b = self.browsers[i]
        if b.space is not None and self.accounts[b.space].epoch == b.epoch:
            return b.space
        return None

    def signed_in_request(self, i):
        """A page behind login_required: a browser not (or no longer) signed in is sent to the login
        page and its whole session is forgotten. Returns the account or None."""
        name = self.valid_space(i)
        if name is None and self.browsers[i].space is not None:
            self.browsers[i].forget_session()  # a session that was signed in is cleared (sign_out)
        return name

    def password_check(self, account, password):
        """EP 5 / EP 3's current-password counter, per space: True if accepted."""
        if account.login_locked:
            return False
        if account.login_failures + 1 > X.PASSWORD_CHECK_FAILURES:
            account.login_failures, account.login_locked = 0, True
            return False
        if password == account.password:
            account.login_failures = 0
            return True
        account.login_failures += 1
        return False

    def answer_attempt(self, account, right):
        """The trust answers' per-space counter (EP 4 step 2 and the EP 6 question)."""
        if account.answers_locked:
            return False
        if right:
            account.answer_failures = 0
            return True
        account.answer_failures += 1
        if account.answer_failures >= X.ANSWER_FAILURES:
            account.answer_failures, account.answers_locked = 0, True
        return False

    def email_owner(self, email, but):
        """Another space signing in with this address, or waiting for an EP 4 code to it."""
        other = self.other(but)
        if other.uses_password and other.email == email:
            return True
        return any(r["state"] == "pending" and r["email"] == email for r in self.accounts[
            "lila"].requests) and but != "lila"

    def password_changed(self, name, i):
        """EP 5 (from browser i) or EP 6 (i None): the other sessions, the other remembered browsers,
        the sign-ins waiting and every pending link and code end."""
        account = self.accounts[name]
        account.epoch += 1
        if i is None:  # the reset proved the mailbox and the answer: no lock, no captcha left
            account.login_failures, account.login_locked = 0, False
            self.address_failures.pop(account.email, None)
            self.captcha.discard(account.email)
        for k, b in enumerate(self.browsers):
            if b.device == name and X.ENDS_REMEMBERED_BROWSERS and k != i:
                b.device = None
        self.credentials_changed(name)

    def credentials_changed(self, name, links_only=False):
        """What a new password or address ends (a new question: only the reset links)."""
        account = self.accounts[name]
        if X.ENDS_RESET_LINKS:
            account.links = {t: ("superseded" if s == "pending" else s) for t, s in account.links.items()}
        if links_only:
            return
        if X.ENDS_EMAIL_CHANGE and account.change:
            account.dead_changes.append(account.change)
            account.change = None
        if X.ENDS_SIGNIN_CODES:
            for b in self.browsers:
                if b.signin and b.signin["who"] == name:
                    b.signin["dead"] = True

    # --- EP 4: « Opter pour l'accès sans certificat » ------------------------------------------

    def option_guard(self, i, step):
        """requires_step of the EP 4 wizard: None if the step runs, else the redirect it answers."""
        b, lila = self.browsers[i], self.accounts["lila"]
        progress = b.option
        if progress and progress["done"] == 5 and step < 5:
            return X.OPTION[0]
        done = progress["done"] if progress else 0
        if done < step - 1:
            return X.OPTION[done]
        if progress and progress["done"] < 5 and lila.uses_password:  # converted meanwhile: said, forgotten
            b.option = None
            return X.OPTION[0]
        return None

    @rule(i=st.integers(0, BROWSERS - 1), who=st.sampled_from(("lila", "bernard", "unknown")))
    def option_number(self, i, who):
        number = {"lila": LILA, "bernard": BERNARD, "unknown": "20990010000000"}[who]
        response = self.send(i, "POST", X.OPTION[0], {"number": number})
        if who == "lila" and not self.accounts["lila"].uses_password:
            self.check(response, 303, X.OPTION[1])
            self.browsers[i].option = {"done": 1}
        else:
            self.check(response, 422)
        self.expect_mails()

    @rule(pick=st.integers(0, 99), right=st.booleans())
    def option_answers(self, pick, right):
        i = self.choose(pick, lambda k, b: b.option is not None)
        answers = LILA_ANSWERS if right else {**LILA_ANSWERS, "answer3": "Peugeot"}
        response = self.send(i, "POST", X.OPTION[1], answers)
        redirect = self.option_guard(i, 2)
        if redirect:
            self.check(response, 303, redirect)
        elif self.answer_attempt(self.accounts["lila"], right):
            self.check(response, 303, X.OPTION[2])
            self.browsers[i].option = {"done": 2}
        else:
            self.check(response, 422)
        self.expect_mails()

    @rule(pick=st.integers(0, 99), email=st.sampled_from(LILA_EMAILS), password=st.sampled_from(PASSWORDS[:2]))
    def option_credentials(self, pick, email, password):
        i = self.choose(pick, lambda k, b: b.option is not None)
        response = self.send(i, "POST", X.OPTION[2], {"email": email, "email_confirm": email, "password": password,
                                                      "password_confirm": password})
        redirect = self.option_guard(i, 3)
        if redirect:
            self.check(response, 303, redirect)
        elif self.option_email_refused(email):
            self.check(response, 422)
        else:
            self.check(response, 303, X.OPTION[3])
            self.browsers[i].option = {"done": 3, "email": email, "password": password}
        self.expect_mails()

    def option_email_refused(self, email):
        lila, bernard = self.accounts["lila"], self.accounts["bernard"]
        return self.email_owner(email, "lila") or any(
            r["state"] == "pending" and r["email"] == email for r in lila.requests) or (
            bernard.change is not None and bernard.change["email"] == email)  # awaited by another EP 5

    @rule(pick=st.integers(0, 99), question=st.sampled_from(TRUST_QUESTIONS[:3]), answer=st.sampled_from(ANSWERS))
    def option_question(self, pick, question, answer):
        i = self.choose(pick, lambda k, b: b.option is not None)
        response = self.send(i, "POST", X.OPTION[3], {"question": question, "answer": answer})
        redirect = self.option_guard(i, 4)
        if redirect:
            self.check(response, 303, redirect)
            return self.done()
        progress = self.browsers[i].option
        if self.option_email_refused(progress["email"]):
            self.check(response, 422)
            return self.done()
        self.check(response, 303, X.OPTION[4])
        rows = self.expect_mails(("activation_requested", {"new": progress["email"]}))
        code = re.search(r"code d'activation : (\w{12})", rows[0].text_body).group(1)
        lila = self.accounts["lila"]
        for r in lila.requests:
            if r["state"] == "pending":
                r["state"] = "superseded"
        lila.requests.append({"code": code, "email": progress["email"], "password": progress["password"],
                              "question": question, "answer": answer, "state": "pending"})
        self.browsers[i].option = {"done": 5}

    @rule(i=st.integers(0, BROWSERS - 1), step=st.integers(1, 5))
    def option_open_step(self, i, step):
        """Back, an old tab, a typed URL: any step opened directly."""
        response = self.send(i, "GET", X.OPTION[step - 1])
        redirect = self.option_guard(i, step) if step > 1 else None
        if redirect:
            self.check(response, 303, redirect)
        else:
            self.check(response, 200)
        self.expect_mails()

    @rule(i=st.integers(0, BROWSERS - 1), step=st.integers(1, 2))
    def option_effacer(self, i, step):
        response = self.send(i, "POST", X.OPTION[step - 1], {"action": "effacer"})
        redirect = self.option_guard(i, step) if step > 1 else None
        if redirect:
            self.check(response, 303, redirect)
        else:
            self.check(response, 200)  # emptied, nothing counted
        self.expect_mails()

    @rule(i=st.integers(0, BROWSERS - 1))
    def option_quit(self, i):
        self.check(self.send(i, "POST", "/opter/quitter"), 303, X.HOME)
        self.browsers[i].option = None
        self.expect_mails()

    @rule(i=st.integers(0, BROWSERS - 1))
    def option_start(self, i):
        self.check(self.send(i, "GET", "/opter/"), 303, X.OPTION[0])
        self.browsers[i].option = None
        self.expect_mails()

    # --- activation --------------------------------------------------------------------------

    @precondition(lambda self: self.accounts["lila"].requests)
    @rule(i=st.integers(0, BROWSERS - 1), which=st.sampled_from(("latest", "first", "wrong")))
    def activation_code(self, i, which):
        lila = self.accounts["lila"]
        request = {"latest": lila.requests[-1], "first": lila.requests[0], "wrong": None}[which]
        self.send(i, "GET", X.ACTIVATION[0])
        code = request["code"] if request else "ZZZZZZZZZZZZ"
        response = self.send(i, "POST", X.ACTIVATION[0], {"code": code, "captcha": CAPTCHA})
        if request is not None and request["state"] == "pending":
            self.check(response, 303, X.ACTIVATION[1])
            self.browsers[i].activation = request
        else:
            self.check(response, 422)
        self.expect_mails()

    @rule(pick=st.integers(0, 99), right=st.booleans())
    def activation_email(self, pick, right):
        i = self.choose(pick, lambda k, b: isinstance(b.activation, dict))
        b, lila = self.browsers[i], self.accounts["lila"]
        request = b.activation
        email = request["email"] if request and request != "finished" and right else "autre@example.fr"
        response = self.send(i, "POST", X.ACTIVATION[1], {"email": email})
        if request is None:
            self.check(response, 303, X.ACTIVATION[0])
        elif request == "finished":
            self.check(response, 303, X.ACTIVATION[2])
        elif request["state"] != "pending" or not right or self.email_owner(email, "lila"):
            self.check(response, 422)
        else:
            self.check(response, 303, X.ACTIVATION[2])
            request["state"] = "used"
            lila.mode, lila.email, lila.password = "password", request["email"], request["password"]
            lila.question, lila.answer = request["question"], request["answer"]
            lila.answer_failures, lila.answers_locked = 0, False
            b.activation = "finished"
            return self.done(("activated", {"login": lila.email}))
        self.expect_mails()

    # --- sign-in: password, then the e-mailed code ----------------------------------------------

    @rule(i=st.integers(0, BROWSERS - 1), who=st.sampled_from(("lila", "bernard")), right=st.booleans())
    def signin_password(self, i, who, right):
        account, b = self.accounts[who], self.browsers[i]
        password = account.password if right else "Mauvais2026MotDePasseFaux"
        email = account.email or "lila.rosemonde@orange.fr"
        response = self.send(i, "POST", X.LOGIN, {"email": email, "password": password})
        if self.valid_space(i) is not None:  # already signed in: the login leads to the space
            self.check(response, 303, X.SPACE)
            return self.done()
        if not password:  # a certificate space has none: the form refuses, nothing is checked
            self.check(response, 422)
            return self.done()
        known = account.uses_password      # the address opens this space
        trusted = known and b.device == who  # a remembered browser is never asked the captcha
        if not trusted and email in self.captcha:
            self.check(response, 422)        # no password checked: nothing counted
            return self.done()
        if known and right:
            if not trusted:  # a remembered browser leaves the count of guesses made elsewhere
                self.address_failures.pop(email, None)
                self.captcha.discard(email)
            if trusted:
                self.check(response, 303, X.SPACE)
                b.forget_session()
                b.space, b.epoch = who, account.epoch
                b.seen.add(who)
                return self.done()
            self.check(response, 303, X.SIGNIN_CODE)
            b.signin = {"who": who, "epoch": account.epoch, "codes": [], "tries": 0, "dead": False}
            self.send_signin_code(i)
            return None
        self.check(response, 422)
        self.address_failures[email] += 1
        if self.address_failures[email] < X.LOGIN_FAILURES:
            return self.done()
        # The threshold: the captcha from now on (the counter starts again); the holder is told.
        self.address_failures[email] = 0
        self.captcha.add(email)
        self.done(*([("signin_throttled", {"login": account.email})] if known else []))

    def send_signin_code(self, i):
        """A new code for browser i's pending sign-in, unless it had its resends or the space its
        hourly ceiling; returns whether one went."""
        pending = self.browsers[i].signin
        account = self.accounts[pending["who"]]
        if len(pending["codes"]) > X.SIGNIN_RESENDS or account.codes_sent >= X.SIGNIN_CODES_PER_HOUR:
            self.expect_mails()
            return False
        rows = self.expect_mails(("signin_code", {"login": account.email}))
        pending["codes"].append(re.search(r"code de confirmation : (\d{6})", rows[0].text_body).group(1))
        pending["tries"], pending["dead"] = 0, False
        account.codes_sent += 1
        return True

    def signin_guard(self, i):
        """The code step's guard and the pending space's epoch: None if the code step runs."""
        b = self.browsers[i]
        if b.signin is None:
            return X.LOGIN
        if b.signin["epoch"] != self.accounts[b.signin["who"]].epoch and X.ENDS_PENDING_SIGNINS:
            b.signin = None
            return X.LOGIN
        return None

    @rule(pick=st.integers(0, 99), which=st.sampled_from(("current", "wrong", "old", "another")),
          remember=st.booleans())
    def signin_code(self, pick, which, remember):
        """The code typed: this sign-in's, a replaced one, a wrong one, or another browser's."""
        i = self.choose(pick, lambda k, b: b.signin is not None)
        b = self.browsers[i]
        pending = b.signin
        codes = pending["codes"] if pending else []
        current = codes[-1] if codes else None
        others = [o.signin["codes"][-1] for k, o in enumerate(self.browsers) if k != i and o.signin and o.signin["codes"]]
        code = {"current": current, "old": codes[-2] if len(codes) > 1 else None,
                "another": others[0] if others else None}.get(which) or "000000"
        if which != "current" and code == current:
            code = "000000" if current != "000000" else "111111"
        data = {"code": code, **({"remember": "y"} if remember else {})}
        response = self.send(i, "POST", X.SIGNIN_CODE, data)
        redirect = self.signin_guard(i)
        if redirect:
            self.check(response, 303, redirect)
            return self.done()
        if current is None or code in codes[:-1]:
            self.check(response, 422)  # no code yet, or a replaced one: said, nothing counted
            return self.done()
        if pending["dead"] or pending["tries"] >= X.SIGNIN_CODE_TRIES:
            self.check(response, 422)  # the code can no longer be used: nothing counted
            return self.done()
        pending["tries"] += 1
        if code != current:
            self.check(response, 422)
            return self.done()
        self.check(response, 303, X.SPACE)
        who, account = pending["who"], self.accounts[pending["who"]]
        b.forget_session()
        b.space, b.epoch = who, account.epoch
        if remember:
            b.device = who
        first_time_here = who not in b.seen
        b.seen.add(who)
        self.done(*([("signin_new_browser", {"login": account.email})] if first_time_here else []))

    @rule(pick=st.integers(0, 99))
    def signin_resend(self, pick):
        i = self.choose(pick, lambda k, b: b.signin is not None)
        response = self.send(i, "POST", X.SIGNIN_CODE, {"action": "renvoyer"})
        redirect = self.signin_guard(i)
        if redirect:
            self.check(response, 303, redirect)
            return self.done()
        if self.send_signin_code(i):
            self.check(response, 303, X.SIGNIN_CODE)
        else:
            self.check(response, 422)

    @rule(i=st.integers(0, BROWSERS - 1))
    def signin_quit(self, i):
        self.check(self.send(i, "POST", "/connexion/quitter"), 303, X.LOGIN)
        self.browsers[i].signin = None
        self.expect_mails()

    @rule(i=st.integers(0, BROWSERS - 1))
    def logout(self, i):
        self.check(self.send(i, "POST", "/deconnexion"), 303, X.LOGIN)
        self.browsers[i].forget_session()
        self.expect_mails()

    @rule(pick=st.integers(0, 99), path=st.sampled_from((X.SPACE, X.COORDINATES)))
    def open_space(self, pick, path):
        i = self.choose(pick, lambda k, b: self.valid_space(k))
        """A signed-out browser sees no space; a signed-in one only its own."""
        response = self.send(i, "GET", path)
        name = self.signed_in_request(i)
        if name is None:
            self.check(response, 303, X.LOGIN)
        else:
            self.check(response, 200)
            page = response.get_data(as_text=True)
            assert self.accounts[name].number in page and self.other(name).number not in page
        self.expect_mails()

    # --- EP 6 « Mot de passe oublié » ------------------------------------------------------------

    @rule(i=st.integers(0, BROWSERS - 1), who=st.sampled_from(("lila", "bernard", "unknown")))
    def reset_request(self, i, who):
        account = self.accounts.get(who)
        email = account.email if account and account.email else "personne@exemple.fr"
        self.send(i, "GET", X.RESET[0])
        response = self.send(i, "POST", X.RESET[0], {"email": email, "captcha": CAPTCHA})
        self.check(response, 303, X.RESET[1])
        self.browsers[i].reset = {"done": 1}
        if account is None or not account.uses_password or account.links_sent >= X.RESET_LINKS_PER_HOUR:
            return self.done()
        rows = self.expect_mails(("reset_link", {"login": account.email}))
        token = re.search(r"/mot-de-passe-oublie/lien\?jeton=([\w-]+)", rows[0].text_body).group(1)
        account.links = {t: ("superseded" if s == "pending" else s) for t, s in account.links.items()}
        account.links[token] = "pending"
        account.links_sent += 1

    def all_links(self):
        return [(name, token) for name, account in self.accounts.items() for token in account.links]

    @precondition(lambda self: self.all_links())
    @rule(i=st.integers(0, BROWSERS - 1), pick=st.integers(0, 20))
    def reset_open_link(self, i, pick):
        """Open an e-mailed link, the latest or an older one (used, superseded), in any browser."""
        links = self.all_links()
        name, token = links[pick % len(links)]
        response = self.send(i, "GET", f"/mot-de-passe-oublie/lien?jeton={token}")
        self.check(response, 303, X.RESET[2])
        self.browsers[i].reset = {"done": 2, "token": token, "account": name}
        self.expect_mails()

    def reset_link_state(self, progress):
        return self.accounts[progress["account"]].links[progress["token"]]

    def reset_guard(self, i, step):
        """requires_step of EP 6, then the link: None if the step runs, else (status, location)."""
        b = self.browsers[i]
        progress = b.reset or {"done": 0}
        if progress["done"] < step - 1:
            return 303, X.RESET[progress["done"]]
        if "token" not in progress:
            return 303, X.RESET[1]  # the address, no link yet: « message envoyé »
        if self.reset_link_state(progress) != "pending":
            b.reset = None
            return 410, None
        return None

    @rule(i=st.integers(0, BROWSERS - 1), step=st.integers(2, 4))
    def reset_open_step(self, i, step):
        """Back or a typed URL in EP 6 (the fault of issue 18: « message envoyé » after the link)."""
        b = self.browsers[i]
        progress = b.reset or {"done": 0}
        response = self.send(i, "GET", X.RESET[step - 1])
        if step == 2:
            if progress["done"] < 1:
                self.check(response, 303, X.RESET[0])
            elif "token" in progress:  # the link replaced the address: the furthest step it allows
                self.check(response, 303, X.RESET[progress["done"]])
            else:
                self.check(response, 200)
            return self.done()
        refused = self.reset_guard(i, step)
        if refused:
            self.check(response, *refused)
        else:
            self.check(response, 200)
        self.expect_mails()

    @rule(pick=st.integers(0, 99), right=st.booleans())
    def reset_answer(self, pick, right):
        i = self.choose(pick, lambda k, b: b.reset and 'token' in b.reset)
        b = self.browsers[i]
        progress = b.reset
        answer = self.accounts[progress["account"]].answer if progress and "account" in progress and right else "Non"
        response = self.send(i, "POST", X.RESET[2], {"answer": answer})
        refused = self.reset_guard(i, 3)
        if refused:
            self.check(response, *refused)
        elif self.answer_attempt(self.accounts[progress["account"]], right):
            self.check(response, 303, X.RESET[3])
            b.reset = {**progress, "done": 3}
        else:
            self.check(response, 422)
        self.expect_mails()

    @rule(pick=st.integers(0, 99), password=st.sampled_from(PASSWORDS))
    def reset_password(self, pick, password):
        i = self.choose(pick, lambda k, b: b.reset and 'token' in b.reset)
        b = self.browsers[i]
        progress = b.reset
        response = self.send(i, "POST", X.RESET[3], {"password": password, "password_confirm": password})
        refused = self.reset_guard(i, 4)
        if refused:
            self.check(response, *refused)
            return self.done()
        name = progress["account"]
        account = self.accounts[name]
        if password == account.password:
            self.check(response, 422)
            return self.done()
        self.check(response, 303, X.LOGIN)
        account.links[progress["token"]] = "used"
        account.password = password
        self.password_changed(name, None)
        b.forget_session()
        self.expect_mails(("password_reset", {"login": account.email}))

    @rule(i=st.integers(0, BROWSERS - 1))
    def reset_quit(self, i):
        self.check(self.send(i, "POST", "/mot-de-passe-oublie/quitter"), 303, X.LOGIN)
        self.browsers[i].reset = None
        self.expect_mails()

    # --- EP 5 and EP 3, from the signed-in space -------------------------------------------------

    @rule(pick=st.integers(0, 99), right=st.booleans(), password=st.sampled_from(PASSWORDS))
    def change_password(self, pick, right, password):
        i = self.choose(pick, lambda k, b: self.valid_space(k))
        b = self.browsers[i]
        name = self.valid_space(i)
        current = self.accounts[name].password if name and right else "Mauvais2026MotDePasseFaux"
        response = self.send(i, "POST", X.PASSWORD_CHANGE, {"current_password": current, "password": password,
                                                            "password_confirm": password})
        if self.signed_in_request(i) is None:
            self.check(response, 303, X.LOGIN)
            return self.done()
        account = self.accounts[name]
        if not self.password_check(account, current) or password == account.password:
            self.check(response, 422)
            return self.done()
        self.check(response, 303, X.SPACE)
        account.password = password
        self.password_changed(name, i)
        if X.ENDS_OTHER_SESSIONS:
            b.epoch = account.epoch  # this browser stays signed in
        self.expect_mails(("password_changed", {"login": account.email}))

    @rule(pick=st.integers(0, 99), email=st.sampled_from(NEW_EMAILS), right=st.booleans())
    def change_email_request(self, pick, email, right):
        i = self.choose(pick, lambda k, b: self.valid_space(k))
        name = self.valid_space(i)
        current = self.accounts[name].password if name and right else "Mauvais2026MotDePasseFaux"
        response = self.send(i, "POST", X.EMAIL_CHANGE[0], {"email": email, "email_confirm": email,
                                                            "current_password": current})
        if self.signed_in_request(i) is None:
            self.check(response, 303, X.LOGIN)
            return self.done()
        account = self.accounts[name]
        if not self.password_check(account, current) or self.email_change_refused(name, email):
            self.check(response, 422)
            return self.done()
        self.check(response, 303, X.EMAIL_CHANGE[1])
        rows = self.expect_mails(("email_change_requested", {"new": email, "login": account.email}))
        body = next(r.text_body for r in rows if r.recipient == email)
        if account.change:
            account.dead_changes.append(account.change)
        account.change = {"email": email, "code": re.search(r"code de changement d'adresse : (\w{12})", body).group(1)}

    def email_change_refused(self, name, email):
        account, other = self.accounts[name], self.other(name)
        return (email == account.email or self.email_owner(email, name)
                or (name == "lila" and any(r["state"] == "pending" and r["email"] == email
                                           for r in account.requests))
                or (other.change is not None and other.change["email"] == email))

    @rule(pick=st.integers(0, 99), which=st.sampled_from(("current", "old", "wrong")))
    def change_email_confirm(self, pick, which):
        i = self.choose(pick, lambda k, b: self.valid_space(k))
        name = self.valid_space(i)
        account = self.accounts[name] if name else None
        code = "ZZZZZZZZZZZZ"
        if account and which == "current" and account.change:
            code = account.change["code"]
        elif account and which == "old" and account.dead_changes:
            code = account.dead_changes[-1]["code"]
        response = self.send(i, "POST", X.EMAIL_CHANGE[1], {"code": code})
        if self.signed_in_request(i) is None:
            self.check(response, 303, X.LOGIN)
            return self.done()
        change = account.change
        if change is None or code != change["code"] or self.email_owner(change["email"], name) or (
                name == "lila" and any(r["state"] == "pending" and r["email"] == change["email"]
                                       for r in account.requests)):
            self.check(response, 422)
            return self.done()
        self.check(response, 303, X.EMAIL_CHANGE[2])
        old, account.email = account.email, change["email"]
        account.dead_changes.append(change)
        account.change = None
        self.credentials_changed(name)
        self.expect_mails(("email_changed", {"old": old, "login": account.email}))

    @rule(pick=st.integers(0, 99))
    def change_email_quit(self, pick):
        i = self.choose(pick, lambda k, b: self.valid_space(k))
        name = self.valid_space(i)
        response = self.send(i, "POST", "/espace/adresse-electronique/quitter")
        if self.signed_in_request(i) is None:
            self.check(response, 303, X.LOGIN)
        else:
            self.check(response, 303, X.SPACE)
            account = self.accounts[name]
            if account.change:
                account.dead_changes.append(account.change)
            account.change = None
        self.expect_mails()

    @rule(pick=st.integers(0, 99), which=st.integers(0, 1))
    def change_coordinates(self, pick, which):
        i = self.choose(pick, lambda k, b: self.valid_space(k))
        name = self.valid_space(i)
        lines, postcode, city = ADDRESSES[which]
        response = self.send(i, "POST", "/espace/coordonnees/modifier",
                             {"phone": "02 33 47 67 96", "address": lines, "postcode": postcode, "city": city})
        if self.signed_in_request(i) is None:
            self.check(response, 303, X.LOGIN)
            return self.done()
        self.check(response, 303, X.COORDINATES)
        account = self.accounts[name]
        if account.coordinates == which:
            return self.done()
        account.coordinates = which
        self.expect_mails(("coordinates_changed", {"login": account.email}))

    @rule(pick=st.integers(0, 99), question=st.sampled_from(TRUST_QUESTIONS[:3]),
          answer=st.sampled_from(ANSWERS), right=st.booleans())
    def change_trust_question(self, pick, question, answer, right):
        i = self.choose(pick, lambda k, b: self.valid_space(k))
        name = self.valid_space(i)
        current = self.accounts[name].password if name and right else "Mauvais2026MotDePasseFaux"
        response = self.send(i, "POST", "/espace/coordonnees/question-de-confiance",
                             {"question": question, "answer": answer, "current_password": current})
        if self.signed_in_request(i) is None:
            self.check(response, 303, X.LOGIN)
            return self.done()
        account = self.accounts[name]
        if not self.password_check(account, current):
            self.check(response, 422)
            return self.done()
        self.check(response, 303, X.COORDINATES)
        account.question, account.answer = question, answer
        self.credentials_changed(name, links_only=True)
        self.expect_mails(("trust_question_changed", {"login": account.email}))

    # --- whole journeys: the deep states, reached often (each step is a rule above too) ---------

    @rule(i=st.integers(0, BROWSERS - 1), who=st.sampled_from(("lila", "bernard")), remember=st.booleans())
    def journey_sign_in(self, i, who, remember):
        self.signin_password(i, who, True)
        if self.browsers[i].signin is not None:
            self.signin_code(self.pick_of(i), "current", remember)

    @rule(i=st.integers(0, BROWSERS - 1), k=st.integers(1, BROWSERS - 1), who=st.sampled_from(("lila", "bernard")),
          password=st.sampled_from(PASSWORDS))
    def journey_password_changed_on_another_browser(self, i, k, who, password):
        """Two browsers of one holder (one remembered); a new password on the first ends the other's session
        and forgets it."""
        k = (i + k) % BROWSERS
        self.journey_sign_in(i, who, False)
        self.journey_sign_in(k, who, True)
        if self.valid_space(i) == who:
            self.change_password(self.pick_of(i), True, password)

    @staticmethod
    def pick_of(i):
        """The `pick` that makes `choose` take browser i itself."""
        return 100 + i

    @rule(i=st.integers(0, BROWSERS - 1), email=st.sampled_from(LILA_EMAILS[:2]), password=st.sampled_from(PASSWORDS[:2]))
    def journey_option(self, i, email, password):
        self.option_start(i)
        self.option_number(i, "lila")
        for action in (lambda: self.option_answers(self.pick_of(i), True),
                       lambda: self.option_credentials(self.pick_of(i), email, password),
                       lambda: self.option_question(self.pick_of(i), TRUST_QUESTIONS[2], ANSWERS[0])):
            if self.browsers[i].option is None:
                return
            action()

    @precondition(lambda self: self.accounts["lila"].requests)
    @rule(i=st.integers(0, BROWSERS - 1))
    def journey_activate(self, i):
        self.activation_code(i, "latest")
        if isinstance(self.browsers[i].activation, dict):
            self.activation_email(self.pick_of(i), True)

    @rule(i=st.integers(0, BROWSERS - 1), who=st.sampled_from(("lila", "bernard")),
          password=st.sampled_from((None,) + PASSWORDS))
    def journey_reset(self, i, who, password):
        """The whole « Mot de passe oublié », to the new password unless `password` is None."""
        self.reset_request(i, who)
        account = self.accounts[who]
        live = [t for t, state in account.links.items() if state == "pending"]
        if live:
            self.send(i, "GET", f"/mot-de-passe-oublie/lien?jeton={live[0]}")
            self.browsers[i].reset = {"done": 2, "token": live[0], "account": who}
            self.expect_mails()
            self.reset_answer(self.pick_of(i), True)
            if password and self.browsers[i].reset and self.browsers[i].reset["done"] == 3:
                self.reset_password(self.pick_of(i), password)

    # --- invariants: the database holds what the model says ------------------------------------

    @invariant()
    def count_steps(self):
        """Invariants run once at the start and after every rule: the steps walked, for the soak."""
        if getattr(self, "started", False):
            STATS["steps"] += 1
        self.started = True

    @invariant()
    def database_is_the_models(self):
        """One connection, each space read once: credentials, counters and locks, links and codes."""
        with self.db():
            for name, account in self.accounts.items():
                space = Space.by_number(account.number)
                self.credentials_are_the_models(name, account, space)
                self.limits_and_locks_are_counted_exactly(name, account, space)
                self.used_and_superseded_links_and_codes_are_dead(name, account, space)

    def credentials_are_the_models(self, name, account, space):
        assert (space.access_mode == ACCESS_PASSWORD) == account.uses_password, name
        if not account.uses_password:
            return
        assert space.login_email == account.email, (name, space.login_email, account.email)
        for password in PASSWORDS:  # the one the model says, and no other
            accepted = self.hasher.check(password, space.password_hash)
            assert accepted == (password == account.password), f"{name}: {password} accepted: {accepted}"
        assert space.trust_question == account.question
        assert self.encryptor.decrypt(space.trust_answer_encrypted) == account.answer
        assert space.session_epoch == self.first_epoch[name] + account.epoch, (name, "session epoch")

    def limits_and_locks_are_counted_exactly(self, name, account, space):
        assert space.failed_login_count == account.login_failures, (name, "login", space.failed_login_count)
        assert (space.login_locked_until is not None) == account.login_locked, (name, "login lock")
        assert space.failed_answer_count == account.answer_failures, (name, "answers", space.failed_answer_count)
        assert (space.answers_locked_until is not None) == account.answers_locked, (name, "answers lock")
        codes = {c.code_hash: c for c in SigninCode.select().where(SigninCode.space == space.id)}
        assert len(codes) == account.codes_sent, (name, "sign-in codes", len(codes))
        for b in self.browsers:  # each pending sign-in: its current code live (or ended), the replaced ones dead
            if not (b.signin and b.signin["who"] == name and b.signin["codes"]):
                continue
            *replaced, current = [codes[code_digest(c, self.app.secret_key)] for c in b.signin["codes"]]
            assert all(r.state != "pending" for r in replaced), (name, "a replaced code is live")
            if b.signin["dead"] or b.signin["epoch"] != account.epoch:
                assert current.state != "pending", (name, "an ended code is live")
            else:
                assert (current.state, current.tries) == ("pending", b.signin["tries"]), (name, "code tries")

    def used_and_superseded_links_and_codes_are_dead(self, name, account, space):
        states = {r.token_hash: r.state for r in PasswordReset.select().where(PasswordReset.space == space.id)}
        for token, state in account.links.items():
            assert states[sha256_hex(token)] == state, (name, "link", states[sha256_hex(token)], state)
        changes = {c.code_hash: c.state for c in EmailChange.select().where(EmailChange.space == space.id)}
        if account.change:
            assert changes[sha256_hex(account.change["code"])] == "pending", (name, "EP 5 code")
        for dead in account.dead_changes:
            assert changes[sha256_hex(dead["code"])] != "pending", (name, "EP 5 dead code live")
        remembered = [b for b in self.browsers if b.device == name]
        assert Device.select().where(Device.space == space.id).count() >= len(remembered), (name, "remembered")

    @invariant()
    def the_login_counts_each_address_exactly(self):
        """Wrong passwords per address (known or not), and which addresses need the captcha."""
        with self.db():
            rows = {r.address_hash: r for r in LoginFailure.select()}
        tracked = set(self.address_failures) | self.captcha
        for email in tracked:
            row = rows.get(address_key(email))
            assert (row.failures if row else 0) == self.address_failures.get(email, 0), (email, "login failures")
            assert (row is not None and row.captcha_until is not None) == (email in self.captcha), (email, "captcha")
        for key in set(rows) - {address_key(email) for email in tracked}:
            assert rows[key].failures == 0 and rows[key].captcha_until is None, "an address counted unseen"

    @invariant()
    def signed_in_browsers_see_only_their_space(self):
        """Every browser that signed in: its own space while its session holds, else the login (a
        session ended elsewhere, e.g. by a password change, is over at its next request)."""
        for i in range(BROWSERS):
            if self.browsers[i].space is None:
                continue
            name = self.valid_space(i)
            response = self.send(i, "GET", X.SPACE)
            if name is None:
                self.check(response, 303, X.LOGIN)
                self.browsers[i].forget_session()
                continue
            self.check(response, 200)
            page = response.get_data(as_text=True)
            assert self.accounts[name].number in page and self.other(name).number not in page


class _Connected:
    """An app context with a database connection, for the invariants."""

    def __init__(self, app):
        self.context = app.app_context()

    def __enter__(self):
        self.context.push()
        db.connect(reuse_if_open=True)

    def __exit__(self, *exc):
        db.close()
        self.context.pop()
