"""Deployment-wide pages: the list of regions, site-admin login, health, error pages."""
from __future__ import annotations

import flask_babel
import re
from pathlib import Path

from flask import Blueprint, Flask, g, jsonify, render_template, request, send_from_directory, url_for
from flask_babel import gettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext

from hookspecs import KIND_LABELS, UNIT_LABELS

from .. import auth, clock
from ..regions import regions
from ..services.capabilities import NotOffered, capabilities
from ..services import credit_reviews, privacy, profiles
from ..services.money import format_fen

bp = Blueprint("site", __name__)


def N_(message: str) -> str:
    """Mark ``message`` for extraction only; it is translated later, where it is shown."""
    return message


# hookspecs' labels are Chinese msgids like the rest of the UI; named here so extraction finds them.
LABEL_MSGIDS = (N_("专业科目"), N_("公需科目"), N_("学分"), N_("学时"), N_("学分抵免"), N_("学时抵免"))


@bp.get("/")
def index():
    return render_template("index.html", regions=list(regions()))


@bp.route("/login", methods=["GET", "POST"])
def login():
    return auth.login_page(None, _("管理员账号"))


@bp.post("/logout")
def logout():
    return auth.logout_page(url_for("site.index"))


@bp.get("/favicon.ico")
def favicon():
    """The core's icon where a browser asks for it unbidden (a region's pages link its logo)."""
    return send_from_directory(Path(__file__).parent.parent / "static", "favicon.ico",
                               mimetype="image/vnd.microsoft.icon", max_age=86400)


@bp.get("/healthz")
def healthz():
    return jsonify(status="ok", regions=regions().codes())


def html_lang() -> str:
    """The ``<html lang>`` value for the locale Flask-Babel selected for this request."""
    locale = flask_babel.get_locale()
    if locale is None or locale.language == "zh":
        return "zh-CN"
    return str(locale).replace("_", "-")


def shanghai(instant, seconds: bool = False, date_only: bool = False) -> str:
    """The Jinja filter every time on a page goes through: Asia/Shanghai wall time
    (``{{ order.paid_at|shanghai }}``; stored naive values are UTC)."""
    pattern = "%Y-%m-%d" if date_only else (clock.SECONDS if seconds else clock.MINUTES)
    return clock.shanghai_text(instant, pattern)


def qty(amount: object, unit: str) -> str:
    """``amount`` in a region's unit (``RegionInfo.unit``: ``credit`` or ``hour``) as a page says it:
    "90学分", or under ``?lang=en`` "90 credits" (a unit glued to its number reads as one word)."""
    if unit == "hour":
        return gettext("%(amount)s学时", amount=amount)
    return gettext("%(amount)s学分", amount=amount)


#: What separates numbers in ``Contact.phone`` ("0421-2558456，0421-2880899"); a space does not
#: (it groups digits: "020-8888 0000").
PHONE_SEPARATORS = re.compile(r"[，,、;；/]+")


def phone_numbers(text: str) -> list[str]:
    """The numbers of a contact's phone field, one ``tel:`` link each."""
    return [number.strip() for number in PHONE_SEPARATORS.split(text or "") if number.strip()]


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.filters["fen"] = format_fen
    app.jinja_env.filters["shanghai"] = shanghai
    app.jinja_env.filters["phone_numbers"] = phone_numbers
    app.jinja_env.filters["mask_id"] = privacy.mask_id_number
    app.jinja_env.filters["mask_phone"] = privacy.mask_phone
    app.jinja_env.globals["capabilities"] = capabilities
    app.jinja_env.globals["credit_review_years"] = credit_reviews.review_years
    app.jinja_env.globals["qty"] = qty
    app.jinja_env.globals["collection_place"] = profiles.collection_place

    app.jinja_env.globals["dev_outbox"] = bool(app.config.get("CPE_DEV_OUTBOX"))

    @app.context_processor
    def profile_helpers():
        # A profile value in the words of the region whose page this is.
        region = getattr(g, "region", None)
        if region is None:
            return {}
        return {"profile_value": lambda name, value: profiles.value_label(region, name, value)}
    app.jinja_env.globals.update(
        KIND_LABELS={kind: lazy_gettext(label) for kind, label in KIND_LABELS.items()},
        UNIT_LABELS={unit: lazy_gettext(label) for unit, label in UNIT_LABELS.items()},
        html_lang=html_lang,
    )

    @app.before_request
    def select_locale_afresh():
        # Flask-Babel caches the locale on ``g``, which belongs to the app context: a request
        # pushed inside an existing app context (tests, embedding) would inherit the previous
        # request's language. Each request chooses its own.
        flask_babel.refresh()

    @app.errorhandler(403)
    def forbidden(_error):
        return _error_page(403, N_("没有权限"), N_("您没有权限访问此页面。"))

    @app.errorhandler(404)
    def not_found(_error):
        if isinstance(_error, NotOffered):
            # The region's hooks say it has no such thing: say so, rather than "no such page".
            if request.path.startswith("/api/"):
                from .api import error

                return error(_error.code, _error.message, 404)
            return render_template("error.html", title=_("本地区未开设此项"), message=_error.message), 404
        return _error_page(404, N_("页面不存在"), N_("您访问的页面不存在或已被删除。"))

    @app.errorhandler(413)
    def too_large(_error):
        return _error_page(413, N_("上传内容过大"), N_("上传的内容超过了允许的大小，请压缩或减少文件后重试。"))


def _error_page(status: int, title: str, message: str):
    """``title`` and ``message`` are msgids: the JSON API answers in Chinese, pages translate."""
    if request.path.startswith("/api/"):
        from .api import error

        codes = {403: "forbidden", 404: "not_found", 413: "request_too_large"}
        return error(codes[status], message, status)
    return render_template("error.html", title=_(title), message=_(message)), status
