"""Deployment-wide pages: the list of regions, site-admin login, health, error pages."""
from __future__ import annotations

import flask_babel
from flask import Blueprint, Flask, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext

from hookspecs import KIND_LABELS, UNIT_LABELS

from .. import auth
from ..regions import regions
from ..services.explain import format_fen

bp = Blueprint("site", __name__)


def N_(message: str) -> str:
    """Mark ``message`` for extraction only; it is translated later, where it is shown."""
    return message


# hookspecs' labels are Chinese msgids like the rest of the UI; named here so extraction finds them.
LABEL_MSGIDS = (N_("专业科目"), N_("公需科目"), N_("学分"), N_("学时"))


@bp.get("/")
def index():
    return render_template("index.html", regions=list(regions()))


@bp.route("/login", methods=["GET", "POST"])
def login():
    return auth.login_page(None, _("管理员账号"))


@bp.post("/logout")
def logout():
    return auth.logout_page(url_for("site.index"))


@bp.get("/healthz")
def healthz():
    return jsonify(status="ok", regions=regions().codes())


def html_lang() -> str:
    """The ``<html lang>`` value for the locale Flask-Babel selected for this request."""
    locale = flask_babel.get_locale()
    if locale is None or locale.language == "zh":
        return "zh-CN"
    return str(locale).replace("_", "-")


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.filters["fen"] = format_fen
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
