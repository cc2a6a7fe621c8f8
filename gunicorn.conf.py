"""gunicorn settings: gunicorn -c gunicorn.conf.py wsgi:app (every value can come from the environment)."""
import multiprocessing
import os

# Reached only by nginx: 127.0.0.1 when it runs on the same machine, else the host's private
# address (GUNICORN_BIND in deploy/espace.env). Never exposed to clients directly.
bind = os.environ.get("GUNICORN_BIND") or f"127.0.0.1:{os.environ.get('PORT') or '8000'}"

# Sync workers: the work is bcrypt (CPU) and short database calls.
# An empty value (deploy/espace.env) means the default.
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
threads = int(os.environ.get("GUNICORN_THREADS") or "1")
timeout = int(os.environ.get("GUNICORN_TIMEOUT") or "30")
graceful_timeout = 20
keepalive = 5
# Recycle workers now and then so a slow leak never becomes an outage.
max_requests = 5000
max_requests_jitter = 500

# The app writes one JSON line per request (espace/logs.py): no second access log.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL") or "info"

# Client address and scheme come from ProxyFix, set by TRUSTED_PROXIES, and nothing else.
secure_scheme_headers = {}
forwarded_allow_ips = "127.0.0.1"

# gunicorn's control socket has one default path per user: several servers on a host would fight.
control_socket_disable = os.environ.get("GUNICORN_CONTROL_SOCKET", "") == ""
if not control_socket_disable:
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]


def post_worker_init(worker):
    """Before a worker's first request: what would otherwise make its first sign-in slow."""
    from espace.domain.security import warm_up

    warm_up()
