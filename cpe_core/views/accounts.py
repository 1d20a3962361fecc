"""A learner's own pages in a region: captcha, registration, profile, eligibility, info
collection, password change (staff of the region use it too) and password reset. Thin: every rule is in :mod:`cpe_core.services`."""
from __future__ import annotations

from functools import wraps

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from ..auth import notify_next_page, signed_in, start_session
from ..extensions import db, login_manager
from ..models import User
from ..regions import RuleError
from ..forms import SmsLoginForm
from ..services import accounts, captcha, collection, password_reset, sms_login
from ..services import personal_data as personal_data_service
from ..services.capabilities import NotOffered
from ..services.signin import LoginRefused
from ..services.eligibility import eligibility_for
from ..services.identity import InvalidInput
from ..services.registration import FormRejected, fields_of, privacy_notice, register as register_learner
from .binding import bind_region
from ..services.years import current_year

bp = Blueprint("accounts", __name__, url_prefix="/<region>")
bind_region(bp)


def learner_required(view):
    """Only a learner of this region gets through: another region's learner gets 403."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if current_user.role != "learner" or current_user.region != g.region.code:
            abort(403)
        return view(*args, **kwargs)

    return wrapper


@bp.get("/captcha.png")
def captcha_image():
    """A new captcha image; the session keeps only its challenge id (see services.captcha)."""
    try:
        answer = captcha.new_challenge(request.remote_addr)
    except captcha.TooManyChallenges as refused:
        response = Response(refused.message, status=429, mimetype="text/plain")
    else:
        response = Response(captcha.png(answer), mimetype="image/png")
    response.cache_control.no_store = True
    return response


@bp.route("/register", methods=["GET", "POST"])
def register():
    spec = g.region.registration_spec()
    answers_key = f"reg_answers:{g.region.code}"
    errors: dict[str, str] = {}
    if spec.questions and answers_key not in session:
        refusal = None
        if request.method == "POST" and request.form.get("stage") == "questions":
            from ..services.registration import check_questions

            try:
                session[answers_key] = check_questions(spec, request.form)
                return redirect(url_for(".register"))
            except FormRejected as rejected:
                refusal = rejected.message
        return render_template("accounts/questions.html", spec=spec, refusal=refusal), (422 if refusal else 200)
    if request.method == "POST":
        data = {**request.form.to_dict(), **{k: "1" if v else "0" for k, v in session.get(answers_key, {}).items()}}
        if spec.captcha and not captcha.check(request.form.get("captcha")):
            errors["captcha"] = captcha.MSG_WRONG
        else:
            try:
                user = register_learner(g.region, data)
            except FormRejected as rejected:
                errors = rejected.errors
            else:
                session.pop(answers_key, None)
                start_session(user)
                return redirect(url_for(".me", registered=1))
    return render_template(
        "accounts/register.html", spec=spec, fields=fields_of(spec), values=request.form, errors=errors,
        captcha_prefill=captcha.test_answer() or "", notice=privacy_notice(g.region),
    ), (422 if errors else 200)


@bp.get("/privacy")
def privacy():
    """The region's privacy notice (个人信息保护政策), the one accepted at registration."""
    return render_template("accounts/privacy.html", notice=privacy_notice(g.region))


@bp.get("/me/personal-data.zip")
@learner_required
def personal_data():
    """The learner's copy of their personal data (PIPL), as one ZIP archive; audited."""
    response = Response(personal_data_service.archive(current_user), mimetype="application/zip")
    response.headers["Content-Disposition"] = 'attachment; filename="personal-data.zip"'
    response.cache_control.private = True
    response.cache_control.no_store = True
    return response


@bp.post("/me/close")
@learner_required
def close_account():
    """注销账号: the learner's own, confirmed by password; they are signed out at once."""
    try:
        personal_data_service.close_account(current_user, request.form.get("password", ""))
    except InvalidInput as refused:
        db.session.rollback()
        flash(refused.message, "error")
        return redirect(url_for(".me"))
    logout_user()
    flash(_("账号已注销。学分、订单和证书记录依法保留，证书仍可核验。"), "success")
    return redirect(url_for("region.home"))


@bp.get("/me")
@learner_required
def me():
    year = request.args.get("year", type=int) or current_year(g.region.code)
    return render_template(
        "accounts/me.html", user=current_user, year=year, eligibility=eligibility_for(current_user, year),
        steps=g.region.collection_steps(), status_labels=collection.STATUS_LABELS,
        registered=bool(request.args.get("registered")),
    )


@bp.route("/me/collection/<step>", methods=["GET", "POST"])
@learner_required
def collection_step(step: str):
    steps = g.region.collection_steps()
    try:
        current = collection.step_for(g.region, step)
    except RuleError:
        abort(404)
    errors: dict[str, str] = {}
    values = {k: ("" if v is None else v) for k, v in collection.answers_of(current_user).items()}
    if request.method == "POST":
        files = {name: storage.read() for name, storage in request.files.items() if storage and storage.filename}
        try:
            collection.save_step(g.region, current_user, step, request.form, files)
        except FormRejected as rejected:
            errors = rejected.errors
            values = request.form  # a failed step keeps what the learner typed
        else:
            index = [s.code for s in steps].index(step)
            nxt = steps[index + 1].code if index + 1 < len(steps) else step
            return redirect(url_for(".collection_step", step=nxt))
    return render_template(
        "accounts/collection.html", steps=steps, step=current, values=values, errors=errors,
        attachments=collection.attachments_of(current_user), problems=collection.missing(g.region, current_user),
        status_labels=collection.STATUS_LABELS,
    ), (422 if errors else 200)


@bp.get("/collection/<int:learner_id>/files/<code>")
@login_required
def collection_file(learner_id: int, code: str):
    """An info-collection attachment (ID card, photo) for its owner and the region's reviewers
    and admins; anyone else is told it does not exist."""
    owner = db.session.get(User, learner_id)
    allowed = owner is not None and owner.region == g.region.code and owner.role == "learner" and (
        current_user.id == owner.id or current_user.may_review(g.region.code))
    path = collection.attachment_file(owner, code) if allowed else None
    if path is None:
        abort(404)
    data = path.read_bytes()
    response = Response(data, mimetype=collection.sniff(data) or "application/octet-stream")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.cache_control.private = True
    return response


@bp.post("/me/collection/submit")
@learner_required
def collection_submit():
    steps = g.region.collection_steps()
    if not steps:
        abort(404)
    try:
        collection.submit(g.region, current_user)
    except FormRejected:
        return redirect(url_for(".collection_step", step=steps[-1].code))
    return redirect(url_for(".me"))


@bp.route("/me/password", methods=["GET", "POST"])
def change_password():
    """Change one's own password (learners and the region's staff); every session of the account
    ends, this one too, and the next page asks to sign in with the new password."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if current_user.region != g.region.code:
        abort(403)
    error = None
    if request.method == "POST":
        try:
            accounts.change_password(current_user, request.form.get("current_password", ""),
                                     request.form.get("password", ""), request.form.get("password2", ""))
        except InvalidInput as refused:
            error = refused.message
        else:
            logout_user()
            notify_next_page("password_changed")
            return redirect(url_for("region.login"))
    return render_template("accounts/password.html", error=error), (422 if error else 200)


@bp.route("/login/sms", methods=["GET", "POST"])
def sms_login_page():
    """验证码登录: 获取验证码 (after the captcha) texts a code to the phone; 登录 signs in with it."""
    if not sms_login.offered(g.region):
        raise NotOffered("sms_login_not_offered", sms_login.MSG_NOT_OFFERED)
    form = SmsLoginForm()
    error = sent = None
    status = 200
    if form.validate_on_submit():
        try:
            if request.form.get("action") == "send":
                sms_login.send_login_code(g.region, form.phone.data, captcha_answer=request.form.get("captcha"))
                sent = True
            else:
                user = sms_login.sign_in_with_code(g.region, form.phone.data, form.code.data or "",
                                                   address=request.remote_addr)
                return signed_in(user, g.region.code)
        except LoginRefused as refusal:
            error, status = refusal.message, refusal.status
    elif form.errors:
        status = 422
    return render_template(
        "accounts/sms_login.html", form=form, error=error, sent=sent,
        needs_captcha=g.region.registration_spec().captcha, captcha_prefill=captcha.test_answer() or "",
        daily_limit=password_reset.daily_limit(g.region), minutes=password_reset.CODE_MINUTES,
    ), status


@bp.route("/password/reset", methods=["GET", "POST"])
def reset_request():
    error = None
    if request.method == "POST":
        try:
            password_reset.send_reset_code(g.region, request.form.get("login", ""), request.form.get("phone", ""))
        except InvalidInput as refused:
            error = refused.message
        else:
            return redirect(url_for(".reset_confirm", login=request.form.get("login"), phone=request.form.get("phone")))
    return render_template("accounts/reset_request.html", error=error, values=request.form,
                           daily_limit=password_reset.daily_limit(g.region)), (422 if error else 200)


@bp.route("/password/reset/confirm", methods=["GET", "POST"])
def reset_confirm():
    error = None
    values = request.form if request.method == "POST" else request.args
    if request.method == "POST":
        try:
            password_reset.reset_with_code(
                g.region, values.get("login", ""), values.get("phone", ""), values.get("code", ""),
                values.get("password", ""), values.get("password2", ""),
            )
        except InvalidInput as refused:
            error = refused.message
        else:
            return redirect(url_for("region.login", reset=1))
    return render_template("accounts/reset_confirm.html", error=error, values=values), (422 if error else 200)
