"""Configuration from the environment; production refuses unsafe settings; key rotation; proxies."""
import pytest
from cryptography.fernet import Fernet

from conftest import BERNARD
from espace.config import DEV_ENCRYPTION_KEY, DEV_SECRET, Config, production_problems
from espace.domain.crypto import Encryptor
from espace.models import Space, db

SAFE_PRODUCTION = {
    "ESPACE_ENV": "production",
    "SECRET_KEY": "k" * 48,
    "ENCRYPTION_KEYS": [Fernet.generate_key().decode()],
    "CAPTCHA_TEST_TEXT": "",
    "MAIL_BACKEND": "smtp",
    "REDIS_URL": "redis://127.0.0.1:6379/15",
    "SEED_DEMO": False,
    "PUBLIC_URL": "https://espace.example.fr",
    "MAIL_SENDER": "worker",
}


def test_the_environment_chooses_the_shape(monkeypatch, tmp_path):
    new, old = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    monkeypatch.setenv("DATABASE_URL", "postgresql://espace@db.example/espace")
    monkeypatch.setenv("REDIS_URL", "redis://cache.example:6379/0")
    monkeypatch.setenv("ENCRYPTION_KEYS", f" {new} , {old},")
    monkeypatch.setenv("TRUSTED_PROXIES", "2")
    monkeypatch.setenv("SMTP_SECURITY", "starttls")
    config = Config(str(tmp_path)).as_flask()
    assert config["DATABASE_URL"] == "postgresql://espace@db.example/espace"
    assert config["REDIS_URL"] == "redis://cache.example:6379/0"
    assert config["ENCRYPTION_KEYS"] == [new, old]
    assert config["TRUSTED_PROXIES"] == 2
    assert config["SMTP_SECURITY"] == "starttls"


def test_nothing_set_is_the_embedded_default(monkeypatch, tmp_path):
    for name in ("DATABASE_URL", "REDIS_URL", "ESPACE_ENV", "MAIL_BACKEND", "TRUSTED_PROXIES"):
        monkeypatch.delenv(name, raising=False)
    config = Config(str(tmp_path)).as_flask()
    assert config["DATABASE_URL"].startswith("sqlite:///") and config["REDIS_URL"] == ""
    assert config["MAIL_BACKEND"] == "outbox" and config["TRUSTED_PROXIES"] == 0


def test_a_safe_production_configuration_has_no_problem():
    assert production_problems(SAFE_PRODUCTION) == []


@pytest.mark.parametrize("unsafe, says", [
    ({"SECRET_KEY": DEV_SECRET}, "SECRET_KEY"),
    ({"SECRET_KEY": "short"}, "SECRET_KEY"),
    ({"ENCRYPTION_KEYS": [Fernet.generate_key().decode(), DEV_ENCRYPTION_KEY]}, "ENCRYPTION_KEYS"),
    ({"CAPTCHA_TEST_TEXT": "KAWRTY"}, "CAPTCHA_TEST_TEXT"),
    ({"MAIL_BACKEND": "outbox"}, "MAIL_BACKEND"),
    ({"REDIS_URL": ""}, "REDIS_URL"),
    ({"SEED_DEMO": True}, "SEED_DEMO"),
])
def test_production_names_each_unsafe_setting(unsafe, says):
    problems = production_problems({**SAFE_PRODUCTION, **unsafe})
    assert len(problems) == 1 and says in problems[0]


def test_development_tolerates_what_production_refuses():
    assert production_problems({**SAFE_PRODUCTION, "ESPACE_ENV": "development", "SECRET_KEY": DEV_SECRET,
                                "CAPTCHA_TEST_TEXT": "KAWRTY", "MAIL_BACKEND": "outbox"}) == []


@pytest.mark.parametrize("unsafe", [
    {"SECRET_KEY": DEV_SECRET}, {"CAPTCHA_TEST_TEXT": "KAWRTY"}, {"MAIL_BACKEND": "outbox"},
])
def test_the_app_refuses_to_start_in_production_with_an_unsafe_setting(make_app, unsafe):
    assert make_app(**SAFE_PRODUCTION)
    with pytest.raises(RuntimeError, match="refusing to start"):
        make_app(**{**SAFE_PRODUCTION, **unsafe})


def test_production_has_no_outbox(make_app):
    production = make_app(**SAFE_PRODUCTION).test_client()
    public = SAFE_PRODUCTION["PUBLIC_URL"]  # the only Host production answers
    assert production.get("/outbox/", base_url=public).status_code == 404
    assert production.get("/outbox/1", base_url=public).status_code == 404
    assert make_app().test_client().get("/outbox/").status_code == 200


def test_production_defaults_to_secure_cookies_and_no_demo_data(monkeypatch, tmp_path):
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    monkeypatch.delenv("SEED_DEMO", raising=False)
    monkeypatch.setenv("ESPACE_ENV", "production")
    production = Config(str(tmp_path))
    assert production.SESSION_COOKIE_SECURE is True and production.SEED_DEMO is False
    monkeypatch.setenv("ESPACE_ENV", "development")
    development = Config(str(tmp_path))
    assert development.SESSION_COOKIE_SECURE is False and development.SEED_DEMO is True


def test_data_encrypted_under_an_old_key_stays_readable_after_a_new_key():
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    token = Encryptor([old]).encrypt("pêche à la ligne")
    rotated = Encryptor([new, old])
    assert rotated.decrypt(token) == "pêche à la ligne"
    # The newest key encrypts: without the old key, new data is still readable, old data is not.
    assert Encryptor([new]).decrypt(rotated.encrypt("surf")) == "surf"
    with pytest.raises(ValueError):
        Encryptor([new]).decrypt(token)


def test_rotate_keys_re_encrypts_stored_answers_with_the_newest_key(make_app):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    make_app(ENCRYPTION_KEYS=[old])  # the demo data is encrypted under the old key
    app = make_app(ENCRYPTION_KEYS=[new, old])
    result = app.test_cli_runner().invoke(args=["rotate-keys"])
    assert result.exit_code == 0 and "1 réponse(s)" in result.output
    with app.app_context(), db.connection_context():
        stored = Space.by_number(BERNARD).trust_answer_encrypted
    # Readable with the new key alone: the old one can now be withdrawn.
    assert Encryptor([new]).decrypt(stored) == "pêche"


@pytest.mark.parametrize("proxies, separate", [(1, True), (0, False)])
def test_limits_key_on_the_forwarded_address_only_behind_trusted_proxies(make_app, proxies, separate):
    app = make_app(TRUSTED_PROXIES=proxies, RATELIMIT_ENABLED=True, RATE_LOGIN="2 per minute")
    client = app.test_client()
    wrong = {"email": "personne@example.fr", "password": "pas-le-bon-mot-de-passe"}

    def attempt(address):
        return client.post("/connexion", data=wrong, headers={"X-Forwarded-For": address}).status_code

    assert [attempt("198.51.100.7"), attempt("198.51.100.7"), attempt("198.51.100.7")] == [422, 422, 429]
    # Another real client behind the proxy has its own allowance; without trust, it is the same one.
    assert attempt("203.0.113.9") == (422 if separate else 429)


def test_each_gunicorn_worker_warms_the_agent_parser_before_serving():
    """gunicorn.conf.py's post_worker_init calls security.warm_up (in a fresh interpreter)."""
    import subprocess
    import sys
    from pathlib import Path

    script = ("import runpy, ua_parser\n"
              "assert 'parser' not in vars(ua_parser)\n"
              "runpy.run_path('gunicorn.conf.py')['post_worker_init'](None)\n"
              "assert 'parser' in vars(ua_parser)\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=Path(__file__).parent.parent,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
