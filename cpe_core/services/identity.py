"""Checking what learners type: GB 11643 ID numbers, mainland mobile numbers, passwords.

The messages are Chinese and shown as they are by the site and the JSON API.
"""
from __future__ import annotations

import re

from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric

PHONE = re.compile(r"1[3-9]\d{9}")
MSG_ID_LENGTH = "身份证号应为18位。"
MSG_ID_FORMAT = "身份证号格式不正确：前17位应为数字，最后一位为数字或X。"
MSG_ID_BIRTH = "身份证号中的出生日期不正确。"
MSG_ID_CHECKSUM = "身份证号校验位不正确，请核对后重新输入。"
MSG_PHONE = "手机号码应为11位中国大陆手机号码。"
PASSWORD_MIN_LENGTH = 8
MSG_PASSWORD = f"密码至少{PASSWORD_MIN_LENGTH}位，且须同时包含字母和数字。"


class InvalidInput(ValueError):
    """``message`` is Chinese; ``code`` is stable for the API."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def normalise_id_number(value: str) -> str:
    """The ID number in its stored form (18 characters, upper-case X), or :class:`InvalidInput`.

    Checked to GB 11643: length, birth date, check character. The 6-digit area code is not
    checked against a list: codes of abolished counties stay valid on cards issued before.
    """
    number = ric.compact(value or "").upper()
    if len(number) != 18:
        raise InvalidInput("invalid_id_number", MSG_ID_LENGTH)
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise InvalidInput("invalid_id_number", MSG_ID_FORMAT)
    try:
        ric.get_birth_date(number)
    except stdnum_errors.ValidationError:
        raise InvalidInput("invalid_id_number", MSG_ID_BIRTH) from None
    if ric.calc_check_digit(number) != number[17]:
        raise InvalidInput("invalid_id_number", MSG_ID_CHECKSUM)
    return number


def normalise_phone(value: str) -> str:
    phone = re.sub(r"[\s-]", "", value or "")
    if phone.startswith("+86"):
        phone = phone[3:]
    if not PHONE.fullmatch(phone):
        raise InvalidInput("invalid_phone", MSG_PHONE)
    return phone


def check_password(password: str) -> None:
    """Long enough, with letters and digits (the seeds ask only for one the learner remembers)."""
    if (
        len(password or "") < PASSWORD_MIN_LENGTH
        or not re.search(r"[A-Za-z]", password)
        or not re.search(r"\d", password)
    ):
        raise InvalidInput("weak_password", MSG_PASSWORD)
