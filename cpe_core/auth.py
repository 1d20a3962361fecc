"""Signing in and out, and the role checks staff pages use."""
from __future__ import annotations

from functools import wraps

from flask import Flask, abort, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user

from . import clock
from .extensions import db, login_manager
from .regions import rules_for
from .security import idle_message
from .forms import LoginForm
from .models import User
from .services.accounts import authenticate


def init_app(app: Flask) -> None:
    login_manager.login_message = _l("请先登录。")
    login_manager.login_view = None  # region-aware: see unauthorized()


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    return db.session.get(User, int(user_id))


@login_manager.unauthorized_handler
def unauthorized():
    region = getattr(g, "region", None)
    if request.blueprint == "api" or request.path.startswith("/api/"):
        from .views.api import error

        # The JSON API's messages are Chinese whatever the visitor's language (see views.api).
        return error("login_required", "请先登录。", 401)
    target = url_for("region.login", region=region.code) if region else url_for("site.login")
    return redirect(f"{target}?next={request.full_path}")


def login_page(region_code: str | None, login_label: str):
    """The login form for a region (or, with ``None``, for the deployment's site admins).

    :param login_label: the label of the account field, already translated.
    """
    from .services import captcha
    from .services.signin import LoginRefused, sign_in

    form = LoginForm()
    form.login.label.text = login_label
    error = None
    status = 200
    # Regions ask a captcha at sign-in (their RegistrationSpec says so); site admins do not.
    needs_captcha = region_code is not None and rules_for(region_code).registration_spec().captcha
    if form.validate_on_submit():
        try:
            user = sign_in(
                region_code, form.login.data, form.password.data,
                captcha_answer=request.form.get("captcha"), needs_captcha=needs_captcha,
                address=request.remote_addr,
            )
        except LoginRefused as refusal:
            user, status = None, refusal.status
            error = _("账号或密码错误。") if refusal.code == "bad_credentials" else refusal.message
        else:
            login_user(user)
            session["seen"] = clock.now().timestamp()
            nxt = request.args.get("next", "")
            if nxt.startswith("/") and not nxt.startswith("//"):
                return redirect(nxt)
            home = url_for("region.home", region=region_code) if region_code else url_for("site.index")
            return redirect(home)
    notice = idle_message() if session.pop("idle_notice", None) else None
    return render_template(
        "login.html", form=form, error=error, notice=notice, needs_captcha=needs_captcha,
        captcha_prefill=captcha.test_answer() or "",
    ), status


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
