"""Registering learners, the way each region's :class:`~hookspecs.RegistrationSpec` says.

The site and the JSON API both call :func:`register`; every rule and message lives here.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy.exc import IntegrityError

from hookspecs import PROFILE_COLUMNS, FormField, PrivacyNotice, RegistrationSpec

from .. import clock
from ..extensions import db
from ..models import User
from ..regions import RegionRules
from .accounts import create_user, find_user
from .identity import InvalidInput, check_password, normalise_id_number, normalise_phone
from .input_rules import CONTROL, SHORT_TEXT, check_email, check_text, declared_text, parse_date, parse_int

YES = ("1", "true", "yes", "y", "on", "是")
NO = ("0", "false", "no", "n", "off", "否")
NAME_FIELD = FormField("name", "姓名", max_length=32)


class FormRejected(ValueError):
    """Input refused: ``errors`` maps each field to its Chinese message (in form order)."""

    def __init__(self, errors: Mapping[str, str], code: str = "invalid_input") -> None:
        self.errors = dict(errors)
        self.code = code
        self.message = next(iter(self.errors.values()))
        super().__init__(self.message)


def fields_of(spec: RegistrationSpec) -> tuple[FormField, ...]:
    """The spec's fields, with ``name`` first if the region did not list it."""
    names = {f.name for f in spec.fields}
    return spec.fields if "name" in names else (NAME_FIELD, *spec.fields)


def clean_field(field: FormField, raw: Any) -> Any:
    """The typed value of one field, None when empty; raises :class:`InvalidInput` (the rules
    of :mod:`cpe_core.services.input_rules`, the codes ``field_*`` of the JSON API)."""
    if field.type == "bool":
        if isinstance(raw, bool):
            return raw
        text = (declared_text(field.label, raw) or "").lower()
        if text in YES:
            return True
        if text in NO:
            return False
        if field.required:
            raise InvalidInput("field_required", f"请选择“{field.label}”。")
        return None
    text = declared_text(field.label, raw, field.max_length if field.type == "text" else SHORT_TEXT)
    if text is None:
        if field.required:
            verb = "选择" if field.type == "choice" else "填写"
            raise InvalidInput("field_required", f"请{verb}“{field.label}”。")
        return None
    if field.type == "int":
        return parse_int(field.label, text, 0, 9999)
    if field.type == "choice":
        if text not in {value for value, _label in field.choices}:
            raise InvalidInput("field_bad_choice", f"“{field.label}”的选项无效，请重新选择。")
        return text
    if field.type == "phone":
        return normalise_phone(text)
    if field.type == "id_number":
        return normalise_id_number(text)
    if field.type == "date":
        return parse_date(field.label, text).isoformat()
    if field.type == "email":
        return check_email(field.label, text)
    return text


def clean_fields(fields: tuple[FormField, ...], data: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field in fields:
        try:
            values[field.name] = clean_field(field, data.get(field.name))
        except InvalidInput as error:
            errors[field.name] = error.message
    return values, errors


def clean_identity(spec: RegistrationSpec, raw: str | None) -> str:
    text = declared_text(spec.identity_label, raw, 64) or ""
    if not text:
        raise InvalidInput("field_required", f"请填写{spec.identity_label}。")
    if spec.identity_field == "id_number":
        return normalise_id_number(text)
    if spec.identity_pattern and not re.fullmatch(spec.identity_pattern, text):
        raise InvalidInput("invalid_identity", spec.identity_error or f"{spec.identity_label}格式不正确。")
    return text


def check_questions(spec: RegistrationSpec, answers: Mapping[str, Any]) -> dict[str, bool]:
    """The yes/no answers; refuses when questions are asked and none is answered yes."""
    if not spec.questions:
        return {}
    given: dict[str, bool] = {}
    errors: dict[str, str] = {}
    for question in spec.questions:
        value = answers.get(question.code, "")
        raw = value if isinstance(value, str) else str(value) if isinstance(value, (bool, int)) else ""
        raw = "" if CONTROL.search(raw) else raw.strip().lower()
        if raw in YES:
            given[question.code] = True
        elif raw in NO:
            given[question.code] = False
        else:
            errors[question.code] = "请回答注册前的提示问题。"
    if errors:
        raise FormRejected(errors)
    if not any(given.values()):
        refusal = spec.questions_refusal
        code = refusal.code if refusal else "registration_not_eligible"
        message = refusal.message if refusal else "您不符合本地区的注册条件。"
        raise FormRejected({"questions": message}, code=code)
    return given


#: The version of the core's general notice (change it with the text below).
DEFAULT_NOTICE_VERSION = "core-1"
MSG_PRIVACY_REQUIRED = "请阅读并同意《{title}》后再注册。"


def privacy_notice(rules: RegionRules) -> PrivacyNotice:
    """The notice a learner of ``rules``' region accepts at registration: the region plugin's
    (``RegistrationSpec.privacy_notice``), else the core's general one naming the region's site."""
    given = rules.registration_spec().privacy_notice
    if given is not None:
        return given
    info = rules.info
    return PrivacyNotice(
        version=DEFAULT_NOTICE_VERSION,
        title="个人信息保护政策",
        text=(
            f"{info.name}（由{info.authority}主管，以下简称“本平台”）依照《中华人民共和国个人信息保护法》处理您的个人信息。\n\n"
            "我们收集：注册与信息采集时您填写的身份证号或会员编号、姓名、手机号码、工作单位、资格信息及上传的证明材料；"
            "学习、考试、订单与发票记录。用途：确认您的继续教育资格、记录学分、开具发票与证书，并依规定向主管部门报送学分。\n\n"
            "保存期限：学分、订单与证书记录依法保存；验证码、导出文件与操作日志按本平台设定的期限到期删除。\n\n"
            "您的权利：登录后可在“个人中心”下载个人信息副本、注销账号；注销后除学分记录核验所需外的个人信息即被删除。"
            f"如有疑问请联系：{info.contact.phone}。"
        ),
    )


def privacy_accepted(data: Mapping[str, Any]) -> bool:
    value = data.get("privacy_accepted")
    if isinstance(value, bool):
        return value
    return isinstance(value, str) and value.strip().lower() in YES


def duplicate_message(spec: RegistrationSpec) -> str:
    return f"该{spec.identity_label}已在本地区注册，请直接登录；忘记密码可通过“忘记密码”找回。"


def register(rules: RegionRules, data: Mapping[str, Any]) -> User:
    """Create a learner of ``rules``' region from ``data`` and commit.

    ``data`` holds ``login`` (the identity), ``password``, ``password2``, the spec's fields,
    the answers to its questions and ``privacy_accepted`` (the learner accepted
    :func:`privacy_notice`; its version and the time are kept in the profile's ``details``).
    Raises :class:`FormRejected` with every field's message, and saves nothing then.
    """
    spec = rules.registration_spec()
    answers = check_questions(spec, data)
    errors: dict[str, str] = {}
    identity = None
    try:
        identity = clean_identity(spec, data.get("login"))
    except InvalidInput as error:
        errors["login"] = error.message
    try:
        password = data.get("password")
        if not isinstance(password, str):
            password = ""
        check_text("密码", password, 128)
        check_password(password)
        if data.get("password") != data.get("password2"):
            errors["password2"] = "两次输入的密码不一致。"
    except InvalidInput as error:
        errors["password"] = error.message
    values, field_errors = clean_fields(fields_of(spec), data)
    errors.update(field_errors)
    notice = privacy_notice(rules)
    if not privacy_accepted(data):
        errors["privacy_accepted"] = MSG_PRIVACY_REQUIRED.format(title=notice.title)
    if errors:
        raise FormRejected(errors)
    if find_user(rules.code, identity) is not None:
        raise FormRejected({"login": duplicate_message(spec)}, code="already_registered")

    profile: dict[str, Any] = {spec.identity_field: identity}
    details: dict[str, Any] = {"registration_answers": answers} if answers else {}
    # The consent 《个人信息保护法》 asks the handler to be able to show: which text, and when.
    details["privacy_notice"] = {"version": notice.version,
                                 "accepted_at": clock.shanghai_text(clock.now(), clock.SECONDS)}
    for name, value in values.items():
        if name in ("name", "phone", "email"):
            continue
        if name in PROFILE_COLUMNS:
            if value is not None:
                profile[name] = value
        else:
            details[name] = value
    user = create_user(
        region=rules.code,
        login=identity,
        name=values["name"],
        password=str(data["password"]),
        phone=values.get("phone"),
        details=details,
        **profile,
    )
    try:
        db.session.commit()
    except IntegrityError:
        # Two registrations of the same identity raced: the unique (region, login) decided.
        db.session.rollback()
        raise FormRejected({"login": duplicate_message(spec)}, code="already_registered") from None
    return user
