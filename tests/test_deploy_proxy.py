"""The production front for real: nginx from deploy/nginx with TLS from an authority made for the
test, in front of two gunicorn hosts started with deploy/espace.env (TRUSTED_PROXIES=1, Secure
cookies) on PostgreSQL + Redis. The browser procedure runs through https:// end to end."""
import json
import os
import re
import ssl
import subprocess
import time
import urllib.request

import pytest

from bench.client import expect as expect_status
from bench.operations import DeployShape, sign_in
from bench.servers import NGINX_SOURCE, nginx_binary, read_env_file
from helpers import deploy_database, require_nginx

DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
REDIS_URL = os.environ.get("TEST_REDIS_URL")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

pytestmark = [
    pytest.mark.scale,
    pytest.mark.skipif(not (DATABASE_URL and REDIS_URL), reason="needs TEST_DATABASE_URL and TEST_REDIS_URL"),
]

FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
SAFARI_MAC = ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
              "Version/17.5 Safari/605.1.15")
BROWSER = "127.0.0.1"  # where the browser and the test clients connect from
OTHER_CLIENT = "127.0.0.3"  # a second person on another address


@pytest.fixture(scope="module")
def shape(tmp_path_factory):
    require_nginx()
    shape = DeployShape(tmp_path_factory.mktemp("deploy-proxy"), deploy_database(DATABASE_URL, "proxy"),
                        REDIS_URL, spaces=0, RATE_LOGIN="3 per minute")
    shape.start()
    yield shape
    shape.stop()


@pytest.fixture
def new_user(shape):
    """Virtual users over HTTPS (the test authority trusted), closed after the test."""
    made = []

    def make(**kw):
        made.append(shape.user(**kw))
        return made[-1]

    yield make
    for user in made:
        user.close()


@pytest.fixture
def fresh_limits(shape):
    import redis

    redis.from_url(REDIS_URL).flushdb()
    yield
    redis.from_url(REDIS_URL).flushdb()


def host_log(shape, since=None):
    """The requests the two hosts logged (JSON lines), after the point `since` (from `mark`)."""
    lines = []
    for n, host in enumerate(shape.hosts):
        logged = [json.loads(line) for line in host.log_lines() if line.startswith("{")]
        lines += [line for line in logged[since[n] if since else 0:] if "path" in line]
    return lines


def mark(shape):
    """Where each host's log is now."""
    return [sum(line.startswith("{") for line in host.log_lines()) for host in shape.hosts]


def test_the_settings_come_from_the_environment_template(shape):
    env = read_env_file()
    assert env["TRUSTED_PROXIES"] == "1" and env["SESSION_COOKIE_SECURE"] == "1"
    assert shape.env["TRUSTED_PROXIES"] == "1" and shape.env["SESSION_COOKIE_SECURE"] == "1"


def test_the_environment_template_lists_every_variable():
    read = set()
    for path in ("espace/config.py", "espace/__init__.py", "gunicorn.conf.py"):
        with open(os.path.join(ROOT, path), encoding="utf-8") as f:
            read |= set(re.findall(r"""(?:\benv|_int|environ\.get|environ)(?:\(|\[)\s*['"]([A-Z][A-Z0-9_]+)['"]""", f.read()))
    assert {"DATABASE_URL", "TRUSTED_PROXIES", "INSTANCE_PATH", "WEB_CONCURRENCY", "GUNICORN_BIND"} <= read
    assert set(read_env_file()) == read


def test_healthz_answers_through_nginx(shape, new_user):
    user = new_user()
    response = expect_status(user.get("/healthz"), 200, "health")
    assert json.loads(response.body) == {"database": "ok", "redis": "ok", "status": "ok"}


def test_tls_is_checked_against_the_authority_made_for_the_test(shape):
    with urllib.request.urlopen(shape.url + "/", context=shape.certificates.client_context()) as response:
        assert response.status == 200
    with pytest.raises(urllib.error.URLError, match="CERTIFICATE_VERIFY_FAILED"):
        urllib.request.urlopen(shape.url + "/", context=ssl.create_default_context())


def test_plain_http_is_redirected_to_https(shape, new_user):
    user = new_user()
    user.switch_to(shape.nginx.http_url)
    response = user.get("/connexion?suite=1")
    assert response.status == 301
    assert response.header("location") == "https://127.0.0.1/connexion?suite=1"


def test_every_answer_says_strict_transport_security_once(shape):
    for path in ("/", "/connexion", "/healthz", "/static/app.js"):
        with urllib.request.urlopen(shape.url + path, context=shape.certificates.client_context()) as response:
            assert response.headers.get_all("Strict-Transport-Security") == \
                ["max-age=63072000; includeSubDomains"], path


def static_urls(html):
    return re.findall(r'(?:href|src)="(/static/[^"]+)"', html)


def test_static_files_come_from_nginx_with_long_caching(shape, new_user):
    user = new_user()
    page = expect_status(user.get("/"), 200, "home")
    urls = static_urls(page.text)
    assert any(u.endswith(".css") for u in urls) and any(u.endswith(".js") for u in urls), urls
    before = mark(shape)
    for url in urls:
        response = user.get(url, headers={"Accept-Encoding": "gzip"})
        assert response.status == 200, url
        assert response.header("cache-control") == "public, max-age=31536000, immutable", url
        assert response.header("x-content-type-options") == "nosniff"
        assert response.header("content-security-policy") is None  # not an app answer
        if len(response.body) > 512:
            assert response.header("content-encoding") == "gzip", url
    # No host saw them: nginx read them from the release's static/ folder.
    assert [line["path"] for line in host_log(shape, since=before)] == []
    # A name not (yet) deployed is not remembered for a year.
    assert expect_status(user.get("/static/absent.css"), 404, "missing file").header("cache-control") is None


def test_a_request_too_large_is_refused_by_nginx(shape, new_user):
    user = new_user()
    expect_status(user.get("/connexion"), 200, "login page")
    before = mark(shape)
    response = user.post("/connexion", {"email": "x@example.fr", "password": "y" * 100_000})
    assert response.status == 413
    assert host_log(shape, since=before) == []


def test_limits_count_the_browser_address_not_nginx_nor_a_forged_header(shape, fresh_limits, new_user):
    person = new_user()
    expect_status(person.get("/connexion"), 200, "login page")
    wrong = {"email": "toto321@toto.toto", "password": "pas-le-bon-mot-de-passe"}
    # Three tries allowed per minute; each claims another address, which must change nothing.
    tries = [expect_status(person.post("/connexion", wrong, headers={"X-Forwarded-For": f"198.51.100.{n}"}),
                           422, "wrong password") for n in range(3)]
    refused = person.post("/connexion", wrong, headers={"X-Forwarded-For": "203.0.113.9"})
    assert refused.status == 429
    assert "Trop de tentatives" in refused.text
    # Someone else, on another address, behind the same nginx, is not refused.
    other = new_user(source=OTHER_CLIENT)
    expect_status(other.get("/connexion"), 200, "login page")
    allowed = expect_status(other.post("/connexion", wrong), 422, "another person's try")
    # The hosts logged the addresses nginx saw, never nginx's own nor the forged ones.
    logged = {line["request_id"]: line for line in host_log(shape)}
    assert [logged[r.header("x-request-id")]["client"] for r in tries + [refused, allowed]] == \
        [BROWSER] * 4 + [OTHER_CLIENT]
    assert not {line["client"] for line in logged.values()} & {NGINX_SOURCE, "198.51.100.0", "203.0.113.9"}


def test_cookies_are_secure_and_signing_in_works_through_nginx(shape, fresh_limits, new_user):
    user = new_user()
    # A visitor gets no cookie; starting a procedure does.
    assert user.get("/connexion").header("set-cookie") is None
    response = user.post("/opter/numero", {"number": "20050170000303"})
    cookie = response.header("set-cookie")
    assert cookie.startswith("__Host-espace_session=")  # Secure, path /, no Domain: nothing else can set it
    assert {"Secure", "HttpOnly", "SameSite=Lax"} <= {part.strip() for part in cookie.split(";")}
    sign_in(user, shape.outbox, "toto321@toto.toto", "Douasbin2015PecheEnMer")


# --- The browser ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def chromium(shape):
    from browser.conftest import CHROMIUM, CHROMIUM_ARGS

    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing: the browser tests must run in CI")
        pytest.skip(f"{CHROMIUM} is missing (install the chromium package)")
    from playwright.sync_api import sync_playwright

    # Chromium trusts the test server's key, and nothing else that is not in its own store.
    trust = f"--ignore-certificate-errors-spki-list={shape.certificates.spki_sha256}"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + [trust])
        yield browser
        browser.close()


def test_the_procedure_runs_in_the_browser_through_https(shape, chromium, fresh_limits):
    from browser.journey import Mouse, whole_procedure
    from playwright.sync_api import expect

    context = chromium.new_context(base_url=shape.url, locale="fr-FR", viewport={"width": 1024, "height": 800})
    context.set_default_timeout(10000)
    page = context.new_page()
    responses = []
    page.on("response", lambda response: responses.append(response))
    before = mark(shape)

    def arrived(path, title):
        expect(page).to_have_url(re.compile(re.escape(shape.url + path) + "$"))
        expect(page).to_have_title(title)
        expect(page.locator("#step-heading")).to_be_focused()  # came by an htmx swap: JavaScript ran

    try:
        whole_procedure(page, Mouse(page), arrived)
        cookies = context.cookies()
    finally:
        context.close()

    assert page.url == shape.url + "/espace/"
    session = [c for c in cookies if c["name"] == "__Host-espace_session"]
    assert session and session[0]["secure"] and session[0]["httpOnly"]
    assert all(r.url.startswith(shape.url) for r in responses)
    assert all(r.status < 400 for r in responses), [(r.url, r.status) for r in responses if r.status >= 400]
    static = [r for r in responses if "/static/" in r.url]
    assert static and all(r.headers["cache-control"] == "public, max-age=31536000, immutable" for r in static)
    # Every request of the procedure reached a host from the browser's address, through nginx.
    served = host_log(shape, since=before)
    assert len({line["path"] for line in served}) > 10
    assert {line["client"] for line in served} == {BROWSER}
    assert not any(line["path"].startswith("/static/") for line in served)
    for n, host in enumerate(shape.hosts):  # nginx shared the procedure out to both hosts
        assert len(host_log(shape, since=[before[n] if i == n else 10**9 for i in range(2)])) >= 3


def test_a_morning_of_bernards_with_a_stranger_beside_him_through_https(shape, chromium, fresh_limits, new_user):
    """Bernard's office (remembered, with JavaScript) and laptop (without) through nginx to two hosts,
    while a stranger guesses his password from four addresses: each address is stopped by its own
    limit, the address asks the captcha of browsers not remembered, never of the office, and a
    session closed from « Sécurité de mon espace » on one host is closed on the other."""
    from browser.journey import Mouse, log_in, log_in_past_the_captcha, newest_mail, signed_out_with
    from playwright.sync_api import expect

    def workstation(user_agent, javascript=True):
        context = chromium.new_context(base_url=shape.url, locale="fr-FR", user_agent=user_agent,
                                       java_script_enabled=javascript, viewport={"width": 1024, "height": 800})
        context.set_default_timeout(10000)
        return Mouse(context.new_page())

    office = workstation(FIREFOX_WINDOWS)
    laptop = workstation(SAFARI_MAC, javascript=False)
    before = mark(shape)
    try:
        log_in(office, BERNARD_EMAIL, BERNARD_PASSWORD, remember=True)
        log_in(laptop, BERNARD_EMAIL, BERNARD_PASSWORD)
        assert "Safari sur Mac OS X" in newest_mail(laptop.page.context, "Connexion depuis un nouveau navigateur")

        # The stranger: three wrong passwords a minute from each address (RATE_LOGIN), then 429.
        first_notice = last_text_for(shape, BERNARD_EMAIL)[0]
        guesses = []
        for n, source in enumerate(("127.0.0.3", "127.0.0.4", "127.0.0.5", "127.0.0.6")):
            stranger = new_user(source=source)
            expect_status(stranger.get("/connexion"), 200, "login page")
            for guess in range(3):
                answer = stranger.post("/connexion", {"email": BERNARD_EMAIL, "password": f"Devine{n}{guess}Devine"})
                guesses.append(answer.status)
            assert stranger.post("/connexion", {"email": BERNARD_EMAIL, "password": BERNARD_PASSWORD}).status == 429
        assert guesses == [422] * 12
        assert "Mot de passe oublié" in wait_for_message(shape, BERNARD_EMAIL, first_notice)
        # The stranger's first GETs left the login page kept on the hosts for browsers without
        # cookies (espace/visitor_pages.py): Bernard's browsers, signed in, are still sent to the space.
        for machine in (office, laptop):
            machine.page.goto("/connexion")
            expect(machine.page).to_have_url(re.compile(r"/espace/$"))

        # The office, remembered, is not concerned: the password alone, no captcha, no code.
        office.press("Se déconnecter")
        log_in(office, BERNARD_EMAIL, BERNARD_PASSWORD, expect_code=False)
        # A browser not remembered is asked the captcha, even with the right password, then comes in.
        laptop.press("Se déconnecter")
        log_in_past_the_captcha(laptop, BERNARD_EMAIL, BERNARD_PASSWORD)  # solved: the counts are forgotten

        # From the office, « Sécurité de mon espace » closes the laptop's session, wherever it was served.
        office.follow("Sécurité de mon espace")
        main = office.page.get_by_role("main")
        expect(main.get_by_role("heading", name=re.compile(r"^Firefox sur Windows cette session$"))).to_be_visible()
        laptop_row = main.get_by_role("button", name=re.compile(r"^Fermer la session Safari sur Mac OS X"))
        expect(laptop_row).to_have_count(1)
        laptop_row.click()
        expect(office.page.locator("#notices")).to_contain_text("a été fermée")
        signed_out_with(laptop.page, "Votre session a été fermée depuis la page")
        office.page.goto("/espace/")
        expect(office.page).to_have_url(re.compile(r"/espace/$"))  # this one stays
        # Twelve guesses from four addresses, one notice: when the captcha started, not for each guess.
        subjects = subjects_for(shape, BERNARD_EMAIL, after_id=first_notice)
        assert sum("Tentatives de connexion infructueuses" in subject for subject in subjects) == 1, subjects
    finally:
        office.page.context.close()
        laptop.page.context.close()
    served = host_log(shape, since=before)
    assert {line["client"] for line in served} >= {BROWSER, "127.0.0.3", "127.0.0.6"}
    for n in range(2):  # both hosts served the morning: the session, the limits and the counts are shared
        assert len(host_log(shape, since=[before[n] if i == n else 10**9 for i in range(2)])) >= 3


def test_nginx_configuration_is_valid_as_shipped(shape):
    """The site as shipped parses (nginx -t), paths aside: the test's rendering changes only them."""
    site = shape.nginx.site()
    assert "proxy_pass http://espace_hosts;" in site and "return 301 https://$host$request_uri;" in site
    done = subprocess.run([nginx_binary(), "-t", "-c", shape.nginx.conf], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


# --- Issue 14: links from PUBLIC_URL only, mail through the queue, no token in any log ------

EVIL = "evil.example"
BERNARD_EMAIL, BERNARD_PASSWORD = "toto321@toto.toto", "Douasbin2015PecheEnMer"
RESET_LINK = re.compile(r"https?://[^\s\"<>]+/mot-de-passe-oublie/lien\?jeton=([\w-]+)")


def last_text_for(shape, email):
    database = shape.outbox.database
    with database.connection_context():
        row = database.execute_sql(
            "SELECT id, text_body FROM outbox_message WHERE recipient = %s ORDER BY id DESC LIMIT 1", (email,)
        ).fetchone()
    return row or (0, "")


def subjects_for(shape, email, after_id):
    """The subjects of the messages sent to `email` after the message `after_id`, oldest first."""
    database = shape.outbox.database
    with database.connection_context():
        rows = database.execute_sql("SELECT subject FROM outbox_message WHERE recipient = %s AND id > %s ORDER BY id",
                                    (email, after_id)).fetchall()
    return [subject for subject, in rows]


def wait_for_message(shape, email, after_id, timeout=15):
    """The first message for `email` newer than `after_id`, once the sender has sent it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = last_text_for(shape, email)
        if found[0] > after_id:
            return found[1]
        time.sleep(0.1)
    raise LookupError(f"no new message for {email}")


def test_nginx_gives_no_answer_to_other_names(shape, new_user):
    """default_server: 444 for any Host but the service's, over HTTPS and plain HTTP."""
    import http.client

    for url in (shape.url, shape.nginx.http_url):
        user = new_user()
        user.switch_to(url)
        with pytest.raises((http.client.RemoteDisconnected, ConnectionResetError, ssl.SSLError)):
            user.get("/connexion", headers={"Host": EVIL})
    assert expect_status(new_user().get("/connexion"), 200, "the service's own name").text
    assert not any(EVIL in line and " 200 " in line for line in shape.nginx.access_lines())


def test_a_host_refuses_another_name_itself(shape, new_user):
    """Reached without nginx (a misrouted request): the app's TRUSTED_HOSTS answer a French 400."""
    from bench.load import ProxiedUser

    direct = ProxiedUser(shape.hosts[0].url)
    try:
        response = direct.get("/connexion", headers={"Host": EVIL})
        assert response.status == 400 and "Adresse du service inconnue" in response.text
    finally:
        direct.close()


def test_mail_goes_through_the_queue_and_the_sender(shape, fresh_limits, new_user):
    """Sender stopped: the sign-in code waits in the queue (flask mail-queue lists it); started: sent."""
    from bench.servers import flask_command

    before = last_text_for(shape, BERNARD_EMAIL)[0]
    shape.sender.stop()
    user = new_user()
    try:
        expect_status(user.get("/connexion"), 200, "login page")
        expect_status(user.post("/connexion", {"email": BERNARD_EMAIL, "password": BERNARD_PASSWORD}), 303, "password")
        time.sleep(1.5)
        assert last_text_for(shape, BERNARD_EMAIL)[0] == before  # the hosts sent nothing themselves
        listing = flask_command(shape.env, "mail-queue")
        # The code of this sign-in waits (a notice of an earlier test may wait beside it).
        assert re.search(r"\d+ message\(s\) en attente d.envoi", listing)
        assert f"« Votre code de confirmation de connexion – espace professionnel » à {BERNARD_EMAIL}" in listing
    finally:
        shape.sender.start()
    text = wait_for_message(shape, BERNARD_EMAIL, before)
    code = re.search(r"code de confirmation : (\d{6})", text).group(1)
    expect_status(user.post("/connexion/code", {"code": code}), 303, "code")
    deadline = time.monotonic() + 10
    while "0 message(s) en attente d'envoi" not in flask_command(shape.env, "mail-queue"):
        assert time.monotonic() < deadline, "the sender left mail in the queue"
        time.sleep(0.2)
    assert any("mail job" in line and "done" in line for line in shape.sender.log_lines())


def test_the_reset_link_ignores_a_forged_forwarded_host_and_no_log_holds_its_token(shape, fresh_limits,
                                                                                      new_user):
    user = new_user()
    before = last_text_for(shape, BERNARD_EMAIL)[0]
    expect_status(user.get("/mot-de-passe-oublie"), 200, "reset page")
    forged = {"X-Forwarded-Host": EVIL, "Forwarded": f"host={EVIL}"}
    expect_status(user.post("/mot-de-passe-oublie", {"email": BERNARD_EMAIL, "captcha": "KAWRTY"},
                            headers=forged), 303, "reset asked")
    text = wait_for_message(shape, BERNARD_EMAIL, before)
    link = RESET_LINK.search(text)
    assert link and link.group(0).startswith(shape.url + "/mot-de-passe-oublie/lien?jeton="), text
    assert EVIL not in text
    token = link.group(1)
    opened = user.get(link.group(0)[len(shape.url):])
    assert opened.status == 303 and token not in opened.header("location")
    expect_status(user.get(opened.header("location")), 200, "trust question")
    # Neither nginx (access and error logs), the hosts nor the sender wrote the token.
    lines = shape.nginx.access_lines()
    assert any('"GET /mot-de-passe-oublie/lien HTTP/' in line and "status=303" in line for line in lines)
    logs = {"nginx access": "\n".join(lines)}
    with open(shape.nginx.error_log, encoding="utf-8") as f:
        logs["nginx error"] = f.read()
    for n, host in enumerate(shape.hosts):
        logs[f"host {n}"] = "\n".join(host.log_lines())
    logs["sender"] = "\n".join(shape.sender.log_lines())
    assert [name for name, text in logs.items() if token in text or "jeton=" in text] == []
