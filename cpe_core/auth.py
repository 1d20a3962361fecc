"""Signing in and out, and the role checks staff pages use."""
from __future__ import annotations

from functools import wraps

from flask import Flask, abort, g, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user

from .extensions import db, login_manager
from .forms import LoginForm
from .models import User
from .services.accounts import authenticate


def init_app(app: Flask) -> None:
    login_manager.login_message = "请先登录。"
    login_manager.login_view = None  # region-aware: see unauthorized()


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    return db.session.get(User, int(user_id))


@login_manager.unauthorized_handler
def unauthorized():
    region = getattr(g, "region", None)
    if request.blueprint == "api" or request.path.startswith("/api/"):
        from .views.api import error

        return error("login_required", "请先登录。", 401)
    target = url_for("region.login", region=region.code) if region else url_for("site.login")
    return redirect(f"{target}?next={request.full_path}")


def login_page(region_code: str | None, login_label: str):
    """The login form for a region (or, with ``None``, for the deployment's site admins)."""
    form = LoginForm()
    form.login.label.text = login_label
    error = None
    if form.validate_on_submit():
        user = authenticate(region_code, form.login.data, form.password.data)
        if user is None:
            error = "账号或密码错误。"
        else:
            login_user(user)
            nxt = request.args.get("next", "")
            if nxt.startswith("/") and not nxt.startswith("//"):
                return redirect(nxt)
            home = url_for("region.home", region=region_code) if region_code else url_for("site.index")
            return redirect(home)
    return render_template("login.html", form=form, error=error), (401 if error else 200)


def logout_page(target: str):
    logout_user()
    return redirect(target)


def admin_required(view):
    """Only an admin of the current region (or a site admin) gets through; others get 403."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not current_user.may_administer(g.region.code):
            abort(403)
        return view(*args, **kwargs)

    return wrapper
