"""Deployment-wide pages: the list of regions, site-admin login, health, error pages."""
from __future__ import annotations

from flask import Blueprint, Flask, jsonify, render_template, request, url_for

from hookspecs import KIND_LABELS, UNIT_LABELS

from .. import auth
from ..regions import regions
from ..services.explain import format_fen

bp = Blueprint("site", __name__)


@bp.get("/")
def index():
    return render_template("index.html", regions=list(regions()))


@bp.route("/login", methods=["GET", "POST"])
def login():
    return auth.login_page(None, "管理员账号")


@bp.post("/logout")
def logout():
    return auth.logout_page(url_for("site.index"))


@bp.get("/healthz")
def healthz():
    return jsonify(status="ok", regions=regions().codes())


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.filters["fen"] = format_fen
    app.jinja_env.globals.update(KIND_LABELS=KIND_LABELS, UNIT_LABELS=UNIT_LABELS)

    @app.errorhandler(403)
    def forbidden(_error):
        return _error_page(403, "没有权限", "您没有权限访问此页面。")

    @app.errorhandler(404)
    def not_found(_error):
        return _error_page(404, "页面不存在", "您访问的页面不存在或已被删除。")


def _error_page(status: int, title: str, message: str):
    if request.path.startswith("/api/"):
        from .api import error

        return error("forbidden" if status == 403 else "not_found", message, status)
    return render_template("error.html", title=title, message=message), status
