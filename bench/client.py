"""A virtual user: one browser-like HTTP client (keep-alive, cookies, CSRF tokens), standard library only."""
import html
import http.client
import re
import time
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
CODE_RE = re.compile(r"code d'activation : (\w{12})")


class Response:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def header(self, name):
        return self.headers.get(name.lower())


class VirtualUser:
    """Talks to one base URL; `switch_to` moves the same cookies to another server."""

    def __init__(self, base_url, timeout=60):
        self.timeout = timeout
        self.cookies = {}
        self.csrf = None
        self.timings = []  # (step, seconds)
        self._connect(base_url)

    def _connect(self, base_url):
        parts = urlsplit(base_url)
        self.scheme, self.host, self.port = parts.scheme, parts.hostname, parts.port
        self.connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)

    def switch_to(self, base_url):
        self.connection.close()
        self._connect(base_url)

    def close(self):
        self.connection.close()

    def request(self, method, path, form=None, headers=None, step=None):
        body = None
        sent = {"Host": f"{self.host}:{self.port}", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if form is not None:
            # Every current browser says where a form comes from (espace/csrf.py relies on it).
            sent.setdefault("Origin", f"{self.scheme}://{self.host}:{self.port}")
            if self.csrf and "csrf_token" not in form:
                form = {**form, "csrf_token": self.csrf}
            body = urlencode(form).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        try:
            self.connection.request(method, path, body=body, headers=sent)
            raw = self.connection.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            # The server closed a kept-alive connection (worker recycled): one new attempt.
            self.connection.close()
            self.connection.request(method, path, body=body, headers=sent)
            raw = self.connection.getresponse()
        response = Response(raw.status, {k.lower(): v for k, v in raw.getheaders()}, raw.read())
        if step:
            self.timings.append((step, time.perf_counter() - started))
        for value in raw.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(value).items():
                self.cookies[name] = morsel.value
        found = CSRF_RE.search(response.text) if "html" in (response.header("content-type") or "") else None
        if found:
            self.csrf = found.group(1)
        return response

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, form, **kw):
        return self.request("POST", path, form=form, **kw)


class ProcedureFailed(Exception):
    pass


ERROR_RE = re.compile(r'class="error-message"[^>]*>(?:<span[^>]*>[^<]*</span>)?([^<]+)')


def expect(response, status, what):
    if response.status != status:
        said = ERROR_RE.search(response.text)
        raise ProcedureFailed(f"{what}: HTTP {response.status}, expected {status}"
                              + (f" ({html.unescape(said.group(1)).strip()})" if said else ""))
    return response


def option(user, number, answers, email, password, question="Votre sport préféré ?", answer="Équitation"):
    """The five steps of « Opter pour l'accès sans certificat », as a person would submit them."""
    expect(user.get("/opter/numero", step="1 numéro (GET)"), 200, "number page")
    expect(user.post("/opter/numero", {"number": number}, step="1 numéro"), 303, "number")
    expect(user.post("/opter/verification", dict(zip(("answer1", "answer2", "answer3"), answers)),
                     step="2 vérification"), 303, "answers")
    expect(user.post("/opter/identifiants", {"email": email, "email_confirm": email, "password": password,
                                             "password_confirm": password}, step="3 identifiants"),
           303, "credentials")
    expect(user.post("/opter/question", {"question": question, "answer": answer}, step="4 question"),
           303, "question")
    expect(user.get("/opter/validation", step="5 validation"), 200, "validation")


def activate(user, code, email, captcha="KAWRTY"):
    """« Activez votre espace »: code + captcha, connection address, recap."""
    expect(user.get("/activation/", step="6 code (GET)"), 200, "code page")
    expect(user.post("/activation/", {"code": code, "captcha": captcha}, step="6 code"), 303, "code")
    expect(user.post("/activation/identifiants", {"email": email}, step="7 adresse"), 303, "address")
    expect(user.get("/activation/recapitulatif", step="8 récapitulatif"), 200, "recap")


def login(user, email, password, read_code):
    """Password, then the 6-digit code e-mailed to the address (`read_code(email)`), then the space."""
    expect(user.get("/connexion", step="9 connexion (GET)"), 200, "login page")
    expect(user.post("/connexion", {"email": email, "password": password}, step="9 connexion"), 303, "login")
    expect(user.post("/connexion/code", {"code": read_code(email)}, step="9 code de connexion"), 303, "code")
    expect(user.get("/espace/", step="10 espace"), 200, "space")
