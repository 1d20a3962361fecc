"""The HTML site and the JSON API: thin views over :mod:`cpe_core.services`."""
from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter

from ..services.input_rules import INT_MAX

from . import catalogue_admin, study, study_api  # noqa: F401  (study_api adds routes to api.bp)
from . import certificates, exams  # noqa: F401  (exams adds routes to api.bp)
from . import api_accounts  # noqa: F401  (adds the accounts routes to api.bp)
from . import learner_admin
from . import accounts, admin, api, offsets, orders, region, site
from . import offsets_api  # noqa: F401  (adds the offset routes to api.bp)
from . import commerce_admin, orders_api  # noqa: F401  (orders_api adds the order routes to api.bp)
from . import exports_api  # noqa: F401  (adds the export job routes to api.bp)
from . import registrations_api  # noqa: F401  (adds the credit registration receiver to api.bp)
from . import wechat_api  # noqa: F401  (adds the WeChat mini-program routes to api.bp)


class DatabaseInt(IntegerConverter):
    """``<int:...>`` in a URL is an id or a year: a number beyond the database's INTEGER names
    nothing there, so the URL is a 404 rather than a query that fails."""

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False) -> None:  # noqa: A002 (werkzeug's names)
        super().__init__(map, fixed_digits, min, INT_MAX if max is None else max, signed)


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = DatabaseInt
    app.register_blueprint(site.bp)
    app.register_blueprint(region.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(offsets.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(accounts.bp)
    app.register_blueprint(learner_admin.bp)
    app.register_blueprint(exams.bp)
    app.register_blueprint(exams.review_bp)
    app.register_blueprint(certificates.bp)
    app.register_blueprint(certificates.verify_bp)
    app.register_blueprint(study.bp)
    app.register_blueprint(catalogue_admin.bp)
    app.register_blueprint(orders.bp)
    app.register_blueprint(orders.notify_bp)
    app.register_blueprint(orders.link_bp)
    app.register_blueprint(orders.enrol_bp)
    app.register_blueprint(orders.scan_bp)
    app.register_blueprint(commerce_admin.bp)
    from ..payments import sandbox

    app.register_blueprint(sandbox.bp)
    from . import reporting

    app.register_blueprint(reporting.bp)
    if app.config.get("CPE_DEV_OUTBOX"):
        from . import dev_outbox

        app.register_blueprint(dev_outbox.bp)
    site.register_template_helpers(app)
    # A JSON body refused by its schema, wherever the endpoint lives (the site's player and
    # exam paper post JSON too).
    from ..services.input_rules import BodyRejected

    app.register_error_handler(BodyRejected, api.body_rejected)
    if app.config.get("CPE_HEARTBEAT_GATEWAY", True):
        from ..speed import heartbeat_gateway

        heartbeat_gateway.install(app)
