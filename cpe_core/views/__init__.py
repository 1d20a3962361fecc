"""The HTML site and the JSON API: thin views over :mod:`cpe_core.services`."""
from __future__ import annotations

from flask import Flask

from . import admin, api, region, site


def init_app(app: Flask) -> None:
    app.register_blueprint(site.bp)
    app.register_blueprint(region.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(api.bp)
    site.register_template_helpers(app)
