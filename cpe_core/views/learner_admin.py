"""A region's staff pages for learners: search, profile and collection status with history,
the password reset staff do after checking name, ID number and phone, and disabling or enabling
an account (both audited; both end every session of the account).

Reviewers and admins of the region see its learners; only admins reset passwords and disable
accounts. A learner of
another region is "not found", whatever id is typed into the URL.
"""
from __future__ import annotations

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ..auth import staff_required
from ..extensions import db
from ..labels import N_
from ..models import AuditEntry, User
from ..services import accounts, collection, learner_search, privacy
from ..services.identity import InvalidInput
from ..services.password_reset import staff_reset
from .binding import bind_region

bp = Blueprint("learner_admin", __name__, url_prefix="/<region>/admin/learners")
bind_region(bp)
PAGE_SIZE = learner_search.PAGE_SIZE
#: What the audit entries about a learner are called on the learner's page.
HISTORY_LABELS = {"learner.collection_reviewed": N_("审核信息采集"), "learner.password_reset": N_("重置密码"),
                  "learner.reveal": N_("查看完整证件号和手机号")}


def region_learner(learner_id: int) -> User:
    user = db.session.get(User, learner_id)
    if user is None or user.region != g.region.code or user.role != "learner":
        abort(404)
    return user


@bp.get("")
@staff_required
def search():
    """Exact ID number, member number, login or phone, or part of a name; a page at a time
    (``?after=<last id shown>``), see :mod:`cpe_core.services.learner_search`."""
    q = (request.args.get("q") or "").strip()
    # ?collection=submitted: the dashboard's queue of collections waiting for a reviewer.
    status = request.args.get("collection") or ""
    page = learner_search.search(
        g.region.code, q, collection_status=status if status in collection.STATUS_LABELS else None,
        after=request.args.get("after", type=int), limit=PAGE_SIZE)
    same = {"q": q or None, "collection": status or None}
    return render_template(
        "accounts/admin_search.html", learners=page.learners, q=q, status=status,
        status_labels=collection.STATUS_LABELS,
        next_url=url_for(".search", after=page.next_after, **same) if page.next_after else None,
        first_url=url_for(".search", **same) if request.args.get("after") else None)


def _detail(user: User, error: str | None = None, done: bool = False, status: int = 200,
            review_error: str | None = None, revealed: bool = False):
    history = db.session.scalars(
        select(AuditEntry).where(AuditEntry.target == f"user:{user.id}").order_by(AuditEntry.id.desc())
    ).all()
    return render_template(
        "accounts/admin_learner.html", learner=user, history=history, error=error, done=done,
        review_error=review_error, revealed=revealed,
        answers=collection.answers_of(user), attachments=collection.attachments_of(user),
        attachment_labels=collection.attachment_labels(g.region),
        steps=g.region.collection_steps(), status_labels=collection.STATUS_LABELS, history_labels=HISTORY_LABELS,
    ), status


@bp.get("/<int:learner_id>")
@staff_required
def detail(learner_id: int):
    return _detail(region_learner(learner_id), done=bool(request.args.get("reset")))


@bp.post("/<int:learner_id>/reveal")
@staff_required
def reveal(learner_id: int):
    """The learner's ID number and phone whole, for this page only; audited (PIPL)."""
    user = region_learner(learner_id)
    if not current_user.may_administer(g.region.code):
        abort(403)
    privacy.reveal(current_user, user)
    return _detail(user, revealed=True)


@bp.post("/<int:learner_id>/password")
@staff_required
def reset_password(learner_id: int):
    user = region_learner(learner_id)
    if not current_user.may_administer(g.region.code):
        abort(403)
    form = request.form
    try:
        staff_reset(current_user, user, name=form.get("name", ""), id_number=form.get("id_number", ""),
                    phone=form.get("phone", ""), password=form.get("password", ""))
    except InvalidInput as refused:
        db.session.rollback()
        return _detail(user, error=refused.message, status=422)
    return redirect(url_for(".detail", learner_id=user.id, reset=1))


@bp.post("/<int:learner_id>/active")
@staff_required
def set_active(learner_id: int):
    """Disable (``active=0``) or enable (``active=1``) the learner's account."""
    user = region_learner(learner_id)
    if not current_user.may_administer(g.region.code):
        abort(403)
    accounts.set_active(current_user, user, request.form.get("active") == "1")
    return redirect(url_for(".detail", learner_id=user.id))


@bp.post("/<int:learner_id>/collection")
@staff_required
def review_collection(learner_id: int):
    user = region_learner(learner_id)
    try:
        collection.review(current_user, user, approve=request.form.get("decision") == "approve",
                          comment=request.form.get("comment", ""))
    except InvalidInput as refused:
        db.session.rollback()
        return _detail(user, review_error=refused.message, status=422)
    return redirect(url_for(".detail", learner_id=user.id))
