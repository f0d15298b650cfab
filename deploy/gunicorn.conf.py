"""gunicorn settings for casegrid's web (docker-compose's ``web`` and systemd's ``casegrid-web.service``).

Every worker is stateless: logins are signed session cookies (``CASEGRID_SECRET_KEY``, the same for all),
rate-limit counters live in Redis (``CASEGRID_RATELIMIT_STORAGE_URI``), everything else in the database.
Workers are not preloaded: each opens its own database pool after the fork. The SLA sweep runs in the Prefect
worker, not here (set ``CASEGRID_SWEEP_IN_BACKGROUND=true`` only for a setup without Prefect).
"""
import os

wsgi_app = "web:create_app()"
bind = os.environ.get("CASEGRID_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("CASEGRID_WEB_WORKERS", "4"))
threads = int(os.environ.get("CASEGRID_WEB_THREADS", "4"))
worker_class = "gthread"
preload_app = False
# An assessment PDF or a large export may take a while; a worker silent for longer than this is restarted.
timeout = int(os.environ.get("CASEGRID_WEB_TIMEOUT", "120"))
graceful_timeout = 30
# Behind a reverse proxy (set CASEGRID_PROXY_HOPS for the app too); gunicorn itself trusts none by default.
forwarded_allow_ips = os.environ.get("CASEGRID_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
errorlog = "-"
