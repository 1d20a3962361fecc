"""A learner's copy of their personal data (《个人信息保护法》第四十五条: the right to obtain a
copy): one ZIP archive of the profile, the info-collection answers and attachments, orders,
credits and certificates. Each download is written to the audit log."""
from __future__ import annotations

import io
import json
import secrets
import shutil
import zipfile
from typing import Any

from sqlalchemy import delete, select
from werkzeug.security import check_password_hash

from .. import clock
from ..extensions import db
from ..models import Certificate, CreditRecord, Order, User, WechatBinding
from . import audit, collection, sessions
from .accounts import hash_password
from .identity import InvalidInput


def _when(value) -> str | None:
    return clock.shanghai_text(value, clock.SECONDS) if value is not None else None


def _json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)


def archive(user: User) -> bytes:
    """The learner's data as a ZIP (UTF-8 JSON files, attachments as stored); audited, committed."""
    profile = user.profile
    orders = db.session.scalars(select(Order).where(Order.user_id == user.id).order_by(Order.id)).all()
    credits = db.session.scalars(select(CreditRecord).where(CreditRecord.user_id == user.id)
                                 .order_by(CreditRecord.year, CreditRecord.id)).all()
    certificates = db.session.scalars(select(Certificate).where(Certificate.user_id == user.id)
                                      .order_by(Certificate.id)).all()
    files = {
        "profile.json": {
            "region": user.region, "login": user.login, "name": user.name, "phone": user.phone,
            "email": getattr(user, "email", None), "registered_at": _when(getattr(user, "created_at", None)),
            "id_number": profile.id_number if profile else None,
            "collection_status": profile.collection_status if profile else None,
            "privacy_notice_accepted": (profile.details or {}).get("privacy_notice") if profile else None,
        },
        "collection/answers.json": collection.answers_of(user) if profile else {},
        "orders.json": [{
            "number": o.number, "year": o.year, "mode": o.mode, "total_fen": o.total_fen, "status": o.status,
            "ordered_at": _when(o.created_at), "paid_at": _when(o.paid_at),
            "lines": [{"description": line.description, "quantity": line.quantity, "amount_fen": line.amount_fen}
                      for line in o.lines],
        } for o in orders],
        "credits.json": [{
            "year": c.year, "kind": c.kind, "credits": c.credits, "source": c.source, "description": c.description,
            "recorded_at": _when(c.created_at),
        } for c in credits],
        "certificates.json": [{
            "year": c.year, "serial": c.serial, "issued_at": _when(c.issued_at), "revoked_at": _when(c.revoked_at),
            "fields": c.fields,
        } for c in certificates],
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, data in files.items():
            bundle.writestr(name, _json(data))
        for code in (collection.attachments_of(user) if profile else {}):
            path = collection.attachment_file(user, code)
            if path is not None:
                bundle.writestr(f"collection/{code}.jpg", path.read_bytes())
    audit.record("learner.personal_data_export", f"user:{user.id}", actor=user, region=user.region,
                 after={"files": sorted(files)})
    db.session.commit()
    return buffer.getvalue()


#: What closing an account keeps: what the credit records, payments and certificates need to
#: stay verifiable (name, ID or member number, the region that collected the learner); the
#: rest of the personal data is erased.
KEPT_PROFILE = ("id_number", "member_number", "member_type", "collection_region", "qualification_level",
                "qualified_year", "work_start_year")


def close_account(user: User, password: str) -> None:
    """The learner closes their account (注销账号): checked by password; every session ends,
    sign-in is no longer possible, and the personal data not needed for the credit record is
    erased (phone, e-mail, employer, info-collection answers and attachment files). Orders,
    payments, credits and certificates stay, so what was issued can still be verified. Audited;
    commit.

    :raises InvalidInput: ``wrong_password``.
    """
    if not check_password_hash(user.password_hash, password or ""):
        raise InvalidInput("wrong_password", "密码不正确，账号未注销。")
    folder = collection.upload_dir(user)
    user.is_active_account = False
    user.closed_at = clock.to_utc_naive(clock.now())
    user.phone = None
    user.email = None
    # A random password no one knows: the account cannot be signed into even if re-enabled.
    user.password_hash = hash_password(secrets.token_urlsafe(32))
    profile = user.profile
    if profile is not None:
        profile.employer = None
        profile.collection_area = None
        profile.is_student = False
        profile.details = {"closed_at": clock.shanghai_text(clock.now(), clock.SECONDS)}
    sessions.end(user)
    # The WeChat identity is personal data, and a closed account must not be signed into.
    db.session.execute(delete(WechatBinding).where(WechatBinding.user_id == user.id))
    audit.record("account.closed", f"user:{user.id}", actor=user, region=user.region,
                 after={"kept": list(KEPT_PROFILE) + ["name", "orders", "credits", "certificates"]})
    db.session.commit()
    shutil.rmtree(folder, ignore_errors=True)
