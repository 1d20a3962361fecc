"""Info collection (信息采集), step by step, as the region's :class:`~hookspecs.CollectionStep`
list says: answers go to profile columns or ``details``; attachments are checked by content.

A step is saved whole or not at all; submitting checks every step and every required
attachment, then marks the collection ``submitted`` in the region. Editing a submitted or
approved collection sends it back to ``draft`` until it is submitted again.
"""
from __future__ import annotations

import hashlib
import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import current_app
from PIL import Image, UnidentifiedImageError

from hookspecs import PROFILE_COLUMNS, AttachmentRule, CollectionStep

from .. import clock
from ..extensions import db
from ..labels import N_
from ..models import User
from ..regions import RegionRules, RuleError
from .registration import FormRejected, clean_fields

STATUS_LABELS = {"draft": N_("未提交"), "submitted": N_("已提交，待审核"), "approved": N_("审核通过"),
                 "rejected": N_("审核未通过")}
#: Pillow's format names for the content types rules may allow.
FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png"}
TYPE_LABELS = {"image/jpeg": "jpg/jpeg", "image/png": "png"}


def step_for(rules: RegionRules, code: str) -> CollectionStep:
    for step in rules.collection_steps():
        if step.code == code:
            return step
    raise RuleError("unknown_step", "没有这个信息采集步骤。")


def answers_of(user: User) -> dict[str, Any]:
    """Every answer given so far, by field name (profile columns and details together)."""
    profile = user.profile
    answers = dict((profile.details or {}).get("collection", {}))
    for name in PROFILE_COLUMNS:
        if name in ("name", "phone", "email"):
            answers[name] = getattr(user, name, None)
        elif hasattr(profile, name):
            answers[name] = getattr(profile, name)
    return answers


def attachments_of(user: User) -> dict[str, dict]:
    return dict((user.profile.details or {}).get("attachments", {}))


def attachment_file(user: User, code: str) -> Path | None:
    """The stored file of ``user``'s attachment ``code`` (an ID card side, a photo), or None.
    Only codes recorded in the profile are looked up, so no name reaches the file system."""
    if code not in attachments_of(user):
        return None
    path = upload_dir(user) / f"{code}.jpg"
    return path if path.is_file() else None


def attachment_labels(rules: RegionRules) -> dict[str, str]:
    """Each attachment code of the region's collection steps, with its label (身份证正面...)."""
    return {rule.code: rule.label for step in rules.collection_steps() for rule in step.attachments}


def sniff(data: bytes) -> str | None:
    """The content type of an image by its bytes (never its name), or None."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
            return FORMATS.get(image.format or "")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return None


def check_attachment(rule: AttachmentRule, data: bytes) -> None:
    allowed = "、".join(TYPE_LABELS.get(t, t) for t in rule.content_types)
    if len(data) > rule.max_bytes:
        megabytes = rule.max_bytes / (1024 * 1024)
        raise ValueError(f"“{rule.label}”文件大小不能超过{megabytes:g}M。")
    if sniff(data) not in rule.content_types:
        raise ValueError(f"“{rule.label}”格式不正确，只能上传{allowed}格式的图片。")


def upload_dir(user: User) -> Path:
    root = Path(current_app.config.get("CPE_UPLOAD_DIR") or Path(current_app.instance_path) / "uploads")
    return root / "collection" / str(user.id)


def save_step(rules: RegionRules, user: User, code: str, data: Mapping[str, Any],
              files: Mapping[str, bytes] | None = None) -> None:
    """Check and save one step; raises :class:`FormRejected` and saves nothing on bad input."""
    step = step_for(rules, code)
    values, errors = clean_fields(step.fields, data)
    uploads: dict[str, bytes] = {}
    for rule in step.attachments:
        content = (files or {}).get(rule.code)
        if not content:
            continue
        try:
            check_attachment(rule, content)
        except ValueError as error:
            errors[rule.code] = str(error)
        else:
            uploads[rule.code] = content
    if errors:
        raise FormRejected(errors)

    profile = user.profile
    details = dict(profile.details or {})
    collected = dict(details.get("collection", {}))
    for name, value in values.items():
        if name in ("name", "phone", "email"):
            if value is not None:
                setattr(user, name, value)
        elif name in PROFILE_COLUMNS:
            setattr(profile, name, value if value is not None or name != "is_student" else False)
        else:
            collected[name] = value
    stored = dict(details.get("attachments", {}))
    folder = upload_dir(user)
    for rule_code, content in uploads.items():
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{rule_code}.jpg").write_bytes(content)
        stored[rule_code] = {
            "bytes": len(content),
            "sha256": hashlib.sha256(content).hexdigest(),
            "uploaded_at": clock.now().isoformat(),
        }
    steps_done = set(details.get("steps_done", []))
    steps_done.add(step.code)
    details.update(collection=collected, attachments=stored, steps_done=sorted(steps_done))
    profile.details = details  # a new dict: JSON columns track assignment, not mutation
    if profile.collection_status in ("submitted", "approved", "rejected"):
        profile.collection_status = "draft"
    db.session.commit()


def missing(rules: RegionRules, user: User) -> list[str]:
    """What still blocks submitting, as Chinese sentences."""
    answers = answers_of(user)
    attachments = attachments_of(user)
    problems = []
    for step in rules.collection_steps():
        for field in step.fields:
            value = answers.get(field.name)
            if field.required and (value is None or value == ""):
                problems.append(f"请完成“{step.title}”中的“{field.label}”。")
        for rule in step.attachments:
            if rule.students_only and not user.profile.is_student:
                continue
            if rule.required and rule.code not in attachments:
                problems.append(f"请在“{step.title}”中上传{rule.label}。")
    return problems


def submit(rules: RegionRules, user: User) -> None:
    problems = missing(rules, user)
    if problems:
        raise FormRejected({f"missing_{i}": p for i, p in enumerate(problems)}, code="collection_incomplete")
    user.profile.collection_region = rules.code
    user.profile.collection_status = "submitted"
    db.session.commit()


MSG_NOT_SUBMITTED = "该学员的信息采集尚未提交，不能审核。"
MSG_REASON_NEEDED = "审核不通过时请填写原因。"


def review(staff: User, user: User, *, approve: bool, comment: str = "") -> None:
    """A reviewer's decision on a submitted collection, audited in the same transaction."""
    from . import audit
    from .identity import InvalidInput
    from .input_rules import check_text

    profile = user.profile
    if profile.collection_status != "submitted":
        raise InvalidInput("not_submitted", MSG_NOT_SUBMITTED)
    comment = check_text("审核意见", comment or "", 1000).strip()
    if not approve and not comment:
        raise InvalidInput("reason_needed", MSG_REASON_NEEDED)
    before = profile.collection_status
    profile.collection_status = "approved" if approve else "rejected"
    profile.details = {**(profile.details or {}), "review_comment": comment}
    audit.record("learner.collection_reviewed", f"user:{user.id}", actor=staff, region=user.region,
                 before={"status": before}, after={"status": profile.collection_status, "comment": comment})
    db.session.commit()
