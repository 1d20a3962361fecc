"""gunicorn's settings for cpe (``gunicorn -c /srv/cpe/deploy/gunicorn.conf.py 'cpe_core:create_app()'``).

Each worker is one process with its own app and database pool; what they share (jobs, limits,
sessions) lives in PostgreSQL and Redis. See docs/deployment.md.
"""
import multiprocessing
import os

# nginx talks to gunicorn on loopback only. (GUNICORN_CMD_ARGS="--bind ..." overrides any of these.)
bind = "127.0.0.1:8000"
# Sync workers: 2 per core plus one (gunicorn's rule of thumb); WEB_CONCURRENCY overrides.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
# An export or a certificate batch runs in Celery, so no request should take long.
timeout = 60
graceful_timeout = 30
# Recycle workers now and then (a slow leak in any library stays small), not all at once.
max_requests = 2000
max_requests_jitter = 200
# nginx on this host sets X-Forwarded-Proto; gunicorn trusts it only from loopback.
forwarded_allow_ips = "127.0.0.1"
# Logs to the journal (systemd captures stdout and stderr).
accesslog = "-"
errorlog = "-"
loglevel = "info"
