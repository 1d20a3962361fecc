"""A region's branded site: home, notices, FAQ, courses, logo and sign-in."""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from flask_login import login_required
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from flask_login import current_user

from .. import auth
from ..extensions import db
from ..models import Course
from ..regions import RuleError
from ..services import handover as handovers
from ..services.capabilities import require
from ..forms import CpeForm
from ..services import check_ins
from ..services.dashboard import learner_home
from .binding import bind_region
from ..services.years import current_year

bp = Blueprint("region", __name__, url_prefix="/<region>")
bind_region(bp)

class CheckInForm(CpeForm):
    """Only the CSRF token: 签到 takes no input."""


LOGIN_LABELS = {"id_number": _l("身份证号"), "member_number": _l("会员编号")}


@bp.get("/")
def home():
    info = g.region.info
    courses = db.session.scalars(
        select(Course)
        .where(Course.region == info.code, Course.year == current_year(info.code))
        .order_by(Course.kind, Course.id)
        .limit(6)
    ).all()
    mine = signed = None
    if current_user.is_authenticated and current_user.region == info.code and current_user.role == "learner":
        mine = learner_home(current_user, current_year(info.code))
        signed = check_ins.of(current_user) if info.check_in else None
    return render_template("region/home.html", courses=courses, mine=mine, signed=signed, check_in_form=CheckInForm())


@bp.post("/check-in")
@login_required
def check_in():
    """签到: today's sign-in of a learner of a region that offers it."""
    if current_user.region != g.region.code or current_user.role != "learner" or not g.region.info.check_in:
        abort(404)
    if not CheckInForm().validate():
        flash(_("页面已过期，请刷新后重试。"), "error")
    elif check_ins.check_in(current_user):
        flash(_("签到成功。"), "success")
    else:
        flash(_("今日已签到。"), "success")
    return redirect(url_for("region.home"))


@bp.get("/notices")
def notices():
    return render_template("region/notices.html")


@bp.get("/notices/<slug>")
def notice(slug: str):
    for entry in g.region.info.notices:
        if entry.slug == slug:
            return render_template("region/notice.html", notice=entry)
    abort(404)


@bp.get("/faq")
def faq():
    return render_template("region/faq.html")


@bp.get("/help")
def help_page():
    """帮助中心: the region's user manual, recommended browsers and customer service."""
    if g.region.info.help is None:
        abort(404)
    return render_template("region/help.html", page=g.region.info.help)


@bp.get("/courses")
def courses():
    info = g.region.info
    require(info.code, current_year(info.code), "catalogue")
    rows = db.session.scalars(
        select(Course)
        .where(Course.region == info.code, Course.year == current_year(info.code))
        .order_by(Course.kind, Course.id)
    ).all()
    # Grouped by institution (the institutes whose courses a member tries before choosing one);
    # courses of no institution come first, as one group without a heading.
    groups: dict[object, list[Course]] = {}
    for course in sorted(rows, key=lambda c: (c.institution_id is not None, c.institution_id or 0)):
        groups.setdefault(course.institution, []).append(course)
    return render_template("region/courses.html", courses=rows, groups=list(groups.items()))


@bp.get("/logo.svg")
def logo():
    response = Response(g.region.info.branding.logo_svg, mimetype="image/svg+xml")
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    return response


@bp.route("/login", methods=["GET", "POST"])
def login():
    label = LOGIN_LABELS.get(g.region.info.login_field) or _("账号")
    return auth.login_page(g.region.code, _("%(label)s（工作人员填写账号）", label=label))


@bp.get("/handover")
def handover():
    """The end of 进入网校 from a hub: spend the signed link once and sign the learner in here."""
    try:
        account = handovers.redeem(g.region.code, request.args.get("token", ""))
    except RuleError as error:
        return render_template("error.html", title=_("无法进入网校"), message=error.message), 400
    auth.start_session(account)
    return redirect(url_for("region.home"))


@bp.post("/logout")
def logout():
    return auth.logout_page(url_for("region.home"))
