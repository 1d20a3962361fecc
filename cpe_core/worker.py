"""The Celery worker's entry point: ``celery -A cpe_core.worker worker``.

Celery's command line needs a module-level app; this is the only one, built from the same
settings as the web app (``instance/cpe.cfg`` and the environment, ``CPE_CELERY_BROKER_URL``).
"""
from __future__ import annotations

from . import create_app

flask_app = create_app()
celery = flask_app.extensions["celery"]
