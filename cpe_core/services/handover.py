"""进入网校 when the institution is a region this deployment also serves: a signed, single-use,
short-lived hand-over signs the learner in there without a second registration.

A hub region (one whose institution policy says ``studies_at_institution``) lists institutions
with the address of their site. An address that is another region's path on this deployment
(``/<code>/``) makes the institution *served here*: its 进入网校 is a POST that mints a token
(itsdangerous, signed with the app's secret key, carrying a random nonce, valid for
``CPE_HANDOVER_MAX_AGE`` seconds) and sends the browser to ``/<code>/handover?token=…``. The
target redeems it once: the nonce's row is claimed by one conditional UPDATE, so a replayed or
raced link signs nobody in. The learner's account there is found by ID number, or created from
the hub's record (name, ID number, phone and collection facts; no usable password, a reset by
SMS gives one). Both steps are audited.

The hand-over rows also link the two accounts for what follows on the institution's site: paying
there makes the hub's enrolment 已缴费 (it can no longer be cancelled) and a refund there cancels
it (退费后自动取消报名), see :func:`follow_orders`. Credits come back through the institution's
push (:mod:`cpe_core.services.registrations`).
"""
from __future__ import annotations

import re
import secrets

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import exists, select, update

from .. import clock
from ..extensions import db
from ..models import Enrolment, Handover, Institution, Order, User
from ..regions import RuleError, regions, rules_for
from . import audit
from .accounts import create_user
from .not_found import RecordNotFound
from .tokens import timed_serializer

SALT = "cpe.handover"
#: How long a hand-over link works: long enough for a slow phone to follow a redirect.
DEFAULT_MAX_AGE = 120
#: The profile facts the hub collected that the institution's site needs to decide eligibility.
COPIED_FACTS = ("qualification_level", "qualified_year", "work_start_year", "employer",
                "collection_region", "collection_area", "collection_status", "department")
SITE_PATH = re.compile(r"/([a-z][a-z0-9_-]*)/?")


def served_region(institution: Institution | None) -> str | None:
    """The code of the region of this deployment whose site ``institution``'s address is, or
    None for an institution outside the deployment (a plain link)."""
    if institution is None:
        return None
    match = SITE_PATH.fullmatch((institution.url or "").strip())
    if match is None or match.group(1) == institution.region:
        return None
    code = match.group(1)
    return code if code in {region.code for region in regions()} else None


def _serializer() -> URLSafeTimedSerializer:
    return timed_serializer(SALT)


def max_age() -> int:
    return int(current_app.config.get("CPE_HANDOVER_MAX_AGE", DEFAULT_MAX_AGE))


def issue(user: User, enrolment_id: int) -> tuple[str, str]:
    """Mint a hand-over for the learner's live enrolment at an institution served here:
    ``(target region, token)``. Commits the nonce and the audit entry."""
    enrolment = db.session.get(Enrolment, enrolment_id)
    if enrolment is None or enrolment.user_id != user.id:
        raise RecordNotFound("enrolment_not_found", "没有找到该报名记录。")
    if enrolment.status == "cancelled":
        raise RuleError("enrolment_cancelled", "该报名已取消，不能进入网校。")
    target = served_region(enrolment.institution)
    if target is None:
        raise RuleError("institution_not_served_here", "该培训机构不在本平台，请通过其网址进入网校。")
    nonce = secrets.token_hex(16)
    db.session.add(Handover(nonce=nonce, enrolment_id=enrolment.id, source_user_id=user.id, target_region=target))
    audit.record("handover.issue", f"enrolment:{enrolment.id}", actor=user, region=user.region,
                 after={"target_region": target})
    db.session.commit()
    return target, _serializer().dumps({"n": nonce, "t": target})


def redeem(region: str, token: str) -> User:
    """Spend ``token`` on ``region``'s site: the learner's account there (found by ID number or
    created), to be signed in. Refused when expired, tampered with, meant for another site or
    used already; commits the claim, the account and the audit entry."""
    try:
        data = _serializer().loads(token, max_age=max_age())
    except SignatureExpired:
        raise RuleError("handover_expired", "进入网校的链接已过期，请回到报名记录重新点击【进入网校】。") from None
    except BadSignature:
        raise RuleError("handover_invalid", "进入网校的链接无效，请回到报名记录重新点击【进入网校】。") from None
    if not isinstance(data, dict) or data.get("t") != region or not isinstance(data.get("n"), str):
        raise RuleError("handover_invalid", "进入网校的链接无效，请回到报名记录重新点击【进入网校】。")
    claimed = db.session.execute(
        update(Handover).where(Handover.nonce == data["n"], Handover.used_at.is_(None))
        .values(used_at=clock.to_utc_naive(clock.now())).execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        db.session.rollback()
        raise RuleError("handover_used", "进入网校的链接已使用过，请回到报名记录重新点击【进入网校】。")
    handover = db.session.scalar(select(Handover).where(Handover.nonce == data["n"]))
    learner = db.session.get(User, handover.source_user_id)
    try:
        account = _account_for(learner, region)
    except RuleError:
        db.session.rollback()
        raise
    handover.target_user_id = account.id
    audit.record("handover.redeem", f"enrolment:{handover.enrolment_id}", actor=account, region=region,
                 after={"from_region": learner.region, "account": account.login})
    db.session.commit()
    return account


def _account_for(learner: User, region: str) -> User:
    """The learner's account on ``region``'s site by ID number; created from the hub's record
    when there is none (inside the caller's transaction)."""
    id_number = learner.profile.id_number if learner.profile else None
    if rules_for(region).registration_spec().identity_field != "id_number" or not id_number:
        raise RuleError("handover_unsupported", "该网校需要单独注册，请在网校注册后登录。")
    account = db.session.scalar(select(User).where(User.region == region, User.login == id_number))
    if account is None:
        facts = {name: getattr(learner.profile, name) for name in COPIED_FACTS}
        account = create_user(region=region, login=id_number, name=learner.name, phone=learner.phone,
                              password=secrets.token_urlsafe(32), id_number=id_number, **facts)
        db.session.flush()
    if account.role != "learner" or not account.is_active:
        raise RuleError("account_disabled", "您在该网校的账号已停用，请联系网校。")
    return account


def follow_orders(order: Order) -> None:
    """After ``order`` was paid, refunded or cancelled on an institution's site: the hub
    enrolments handed over to its learner follow, inside the caller's transaction. Paid there:
    已缴费 (no more 取消报名); no paid order left for the year (a refund): cancelled."""
    linked = select(Handover.enrolment_id).where(
        Handover.target_user_id == order.user_id, Handover.target_region == order.region
    )
    enrolments = db.session.scalars(
        select(Enrolment).where(Enrolment.id.in_(linked), Enrolment.year == order.year,
                                Enrolment.status.in_(("selected", "paid")))
    ).all()
    if not enrolments:
        return
    paid = db.session.scalar(select(exists().where(
        Order.user_id == order.user_id, Order.region == order.region, Order.year == order.year,
        Order.status == "paid")))
    for enrolment in enrolments:
        if paid and enrolment.status == "selected":
            enrolment.status = "paid"
        elif not paid and enrolment.status == "paid":
            enrolment.status = "cancelled"
