"""Signing in and out, the session checks of the user loaders, and the role checks staff pages
use. A session is honoured only while it is the account's live one (:mod:`.services.sessions`)."""
from __future__ import annotations

from functools import wraps

from flask import Flask, abort, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user

from . import clock
from .extensions import db, login_manager
from .regions import rules_for
from .security import idle_message, sign_out
from .forms import LoginForm
from .models import User
from .services import sessions

#: Where a session cookie told to sign in again says why, for the next page it shows.
NOTICE_KEY = "session_notice"
#: Session keys of a signed-in Flask-Login session (its ``logout_user`` pops the same).
SIGNED_IN_KEYS = ("_user_id", "_fresh", "_id", "_remember_seconds")


def init_app(app: Flask) -> None:
    login_manager.login_message = _l("请先登录。")
    login_manager.login_view = None  # region-aware: see unauthorized()
    sessions.install_identifier(login_manager)
    app.context_processor(lambda: {"session_notice": session_notice})


@login_manager.user_loader
def load_user(alternative_id: str) -> User | None:
    """The signed-in user of a session cookie, while its session is the account's live one."""
    claim = User.read_id(alternative_id)
    if claim is None:
        return _ended(sessions.ENDED, cookie=True)
    return live_user(*claim, cookie=True)


def live_user(user_id: int, token: str, *, cookie: bool) -> User | None:
    """The account of a session (``cookie``) or API token claiming ``token``, if that is the
    account's live session (:func:`sessions.verdict`); else None, noting why for
    :func:`unauthorized` (and, for a cookie, signing that browser out, with the reason shown
    on its next page)."""
    user = db.session.get(User, user_id)
    verdict = sessions.verdict(token, user.session_token if user else None, bool(user and user.is_active))
    if verdict != sessions.LIVE:
        return _ended(verdict, cookie=cookie)
    return user


def _ended(verdict: str, *, cookie: bool) -> None:
    g.cpe_session_ended = verdict
    if cookie:
        for key in SIGNED_IN_KEYS:
            session.pop(key, None)
        if verdict == sessions.REPLACED:
            notify_next_page(verdict)
    return None


#: What the next page says after this browser was signed out, by reason.
NOTICES = {
    sessions.REPLACED: _l("您的账号已在其他地方登录，请重新登录。"),
    "password_changed": _l("密码已修改，请使用新密码重新登录。"),
}


def notify_next_page(reason: str) -> None:
    """Have the next page this browser shows say ``reason`` (a key of :data:`NOTICES`)."""
    session[NOTICE_KEY] = reason


def session_notice() -> str | None:
    """Why this browser was signed out, once (templates call it: ``session_notice()``)."""
    reason = session.pop(NOTICE_KEY, None)
    return str(NOTICES[reason]) if reason in NOTICES else None


@login_manager.unauthorized_handler
def unauthorized():
    region = getattr(g, "region", None)
    if request.blueprint == "api" or request.path.startswith("/api/"):
        from .views.api import error

        # The JSON API's messages are Chinese whatever the visitor's language (see views.api).
        ended = g.get("cpe_session_ended", sessions.ENDED)
        return error(sessions.API_CODES[ended], sessions.API_MESSAGES[ended], 401)
    target = url_for("region.login", region=region.code) if region else url_for("site.login")
    return redirect(f"{target}?next={request.full_path}")


def start_session(user: User) -> None:
    """Sign ``user`` in on this browser: the account's one live session (any other ends)."""
    sessions.begin(user)
    login_user(user)
    session["seen"] = clock.now().timestamp()


def login_page(region_code: str | None, login_label: str):
    """The login form for a region (or, with ``None``, for the deployment's site admins).

    :param login_label: the label of the account field, already translated.
    """
    from .services import captcha
    from .services.signin import STAFF_CHOICE, LoginRefused, sign_in

    form = LoginForm()
    form.login.label.text = login_label
    error = None
    status = 200
    # Regions ask a captcha at sign-in (their RegistrationSpec says so); site admins do not.
    needs_captcha = region_code is not None and rules_for(region_code).registration_spec().captcha
    # 选择用户类型 where the region asks it at sign-in: its learners' values, and 工作人员.
    choice_field = rules_for(region_code).registration_spec().login_choice_field() if region_code else None
    chosen = request.form.get("login_choice", "")[:32] if choice_field is not None else None
    if form.validate_on_submit():
        try:
            user = sign_in(
                region_code, form.login.data, form.password.data,
                captcha_answer=request.form.get("captcha"), needs_captcha=needs_captcha,
                address=request.remote_addr, choice=chosen,
            )
        except LoginRefused as refusal:
            user, status = None, refusal.status
            error = _("账号或密码错误。") if refusal.code == "bad_credentials" else refusal.message
        else:
            return signed_in(user, region_code)
    notice = idle_message() if session.pop("idle_notice", None) else None
    sms_login = region_code is not None and rules_for(region_code).sms_policy().login
    return render_template(
        "login.html", form=form, error=error, notice=notice, needs_captcha=needs_captcha,
        captcha_prefill=captcha.test_answer() or "", sms_login=sms_login, choice_field=choice_field,
        chosen=chosen, staff_choice=STAFF_CHOICE,
    ), status


def signed_in(user: User, region_code: str | None):
    """Start ``user``'s session on this browser and go on: to ``next`` when it is this site's
    path, else the landing page (the password and SMS-code sign-ins alike)."""
    start_session(user)
    nxt = request.args.get("next", "")
    if nxt.startswith("/") and not nxt.startswith("//"):
        return redirect(nxt)
    return redirect(landing_page(user, region_code))


def landing_page(user: User, region_code: str | None) -> str:
    """Where a sign-in without ``next`` lands: staff on their region's dashboard (their queues
    and exports), learners on the region's home page, which shows their progress."""
    if region_code is None:
        return url_for("site.index")
    if user.may_review(region_code):
        return url_for("admin.dashboard", region=region_code)
    return url_for("region.home", region=region_code)


def logout_page(target: str):
    sign_out()
    return redirect(target)


def staff_required(view):
    """Reviewers and admins of the current region (and site admins) get through; others 403."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not current_user.may_review(g.region.code):
            abort(403)
        return view(*args, **kwargs)

    return wrapper


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
