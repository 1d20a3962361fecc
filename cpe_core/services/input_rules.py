"""What every value a person or a client sends must keep before it goes near the database.

One home for the rules, used by every door:

- the site's WTForms forms (:class:`cpe_core.forms.CpeForm` adds them to every field);
- the fields a region plugin declares (``FormField``, ``OffsetField``), cleaned by the
  registration, information-collection and offset services for the site and the API alike;
- the JSON API's request bodies, declared per endpoint as a :class:`Body` (a marshmallow
  schema: strict JSON types, one set of stable codes, and the OpenAPI document can be generated
  from the same classes with apispec's ``MarshmallowPlugin``).

The rules: text holds no control characters (NUL and the rest of C0 and C1 except tab and line
breaks, nor lone surrogates, which no database stores) and keeps its length; integers fit the
database's 32-bit ``INTEGER``; years and dates lie in a range a person can mean. A refusal is a
:class:`~cpe_core.services.identity.InvalidInput` (code + Chinese message) here, a
:class:`BodyRejected` for a JSON body.

Codes (stable, for clients): ``json_required`` (the body is not a JSON object),
``field_required``, ``field_wrong_type``, ``field_control_characters``, ``field_too_long``,
``field_not_integer``, ``field_out_of_range``, ``field_not_date``, ``field_bad_choice``. An
endpoint that answered a code of its own before this module keeps it (``code=`` on the field).
"""
from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields

from ..regions import RuleError
from .identity import InvalidInput

#: Control characters (Unicode category Cc) but tab, line feed and carriage return, and lone
#: surrogates (JSON may escape one; no encoding carries it to the database).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
#: A one-line text field without a length of its own; long text (a textarea) gets LONG_TEXT.
SHORT_TEXT = 255
LONG_TEXT = 5000
#: PostgreSQL's INTEGER (int4), which every integer column is.
INT_MIN, INT_MAX = -(2**31), 2**31 - 1
#: Programme years, and any date a person types (a qualification, a course, a deadline).
YEAR_MIN, YEAR_MAX = 2000, 2100
DATE_MIN, DATE_MAX = dt.date(1900, 1, 1), dt.date(2100, 12, 31)

MSG_REQUIRED = "请填写“{label}”。"
MSG_CONTROL = "“{label}”含有不可见的控制字符，请删除后重新输入。"
MSG_TOO_LONG = "“{label}”不能超过{maximum}个字。"
MSG_NOT_INTEGER = "“{label}”须为整数。"
MSG_OUT_OF_RANGE = "“{label}”应在{minimum}至{maximum}之间。"
MSG_NOT_DATE = "“{label}”须为日期，如2024-05-01。"
MSG_BAD_CHOICE = "“{label}”的选项无效，请重新选择。"
TYPE_NAMES = {str: "文字", int: "整数", bool: "是或否", dict: "对象", list: "列表"}
MSG_WRONG_TYPE = "“{label}”应为{kind}。"


# --- the rules, one function each ------------------------------------------------------------


def text_problem(value: str, maximum: int) -> tuple[str, str] | None:
    """``(code, message template)`` when ``value`` breaks a text rule, else None."""
    if CONTROL.search(value):
        return "field_control_characters", MSG_CONTROL
    if len(value) > maximum:
        return "field_too_long", MSG_TOO_LONG
    return None


def check_text(label: str, value: str, maximum: int = SHORT_TEXT) -> str:
    """``value`` if it has no control characters and at most ``maximum`` characters."""
    problem = text_problem(value, maximum)
    if problem:
        code, template = problem
        raise InvalidInput(code, template.format(label=label, maximum=maximum))
    return value


def check_int(label: str, value: int, minimum: int = INT_MIN, maximum: int = INT_MAX) -> int:
    """``value`` if it lies in ``minimum``..``maximum`` (the database's INTEGER by default)."""
    if not minimum <= value <= maximum:
        raise InvalidInput("field_out_of_range", MSG_OUT_OF_RANGE.format(label=label, minimum=minimum, maximum=maximum))
    return value


def parse_int(label: str, value: Any, minimum: int = INT_MIN, maximum: int = INT_MAX) -> int:
    """An integer from a JSON number or the digits a form sends, within the bounds."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise InvalidInput("field_not_integer", MSG_NOT_INTEGER.format(label=label))
    if isinstance(value, str):
        text = value.strip()
        # At most 12 digits: a longer number is out of range anyway, and int() of a huge
        # string is slow.
        if not re.fullmatch(r"[+-]?\d{1,12}", text):
            if re.fullmatch(r"[+-]?\d+", text):
                raise InvalidInput("field_out_of_range",
                                   MSG_OUT_OF_RANGE.format(label=label, minimum=minimum, maximum=maximum))
            raise InvalidInput("field_not_integer", MSG_NOT_INTEGER.format(label=label))
        value = int(text)
    return check_int(label, value, minimum, maximum)


def check_date(label: str, value: dt.date) -> dt.date:
    """``value`` if it lies between 1900 and 2100."""
    if not DATE_MIN <= value <= DATE_MAX:
        raise InvalidInput("field_out_of_range", MSG_OUT_OF_RANGE.format(
            label=label, minimum=DATE_MIN.isoformat(), maximum=DATE_MAX.isoformat()))
    return value


def parse_date(label: str, value: Any) -> dt.date:
    """A date from ``YYYY-MM-DD`` text, within :func:`check_date`'s range."""
    if isinstance(value, dt.date):
        return check_date(label, value)
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        raise InvalidInput("field_not_date", MSG_NOT_DATE.format(label=label))
    try:
        day = dt.date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput("field_not_date", MSG_NOT_DATE.format(label=label)) from None
    return check_date(label, day)


#: An e-mail address as forms accept it: one @, no spaces, a dotted domain.
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")


def check_email(label: str, value: str) -> str:
    """``value`` if it looks like an e-mail address (at most 255 characters)."""
    value = value.strip()
    if len(value) > 255 or not EMAIL.match(value):
        raise InvalidInput("email_invalid", f"“{label}”不是有效的电子邮箱。")
    return value


def declared_text(label: str, value: Any, maximum: int = SHORT_TEXT) -> str | None:
    """The text of a field a region declared (registration, collection, offsets), stripped, or
    None when empty; the site sends text, the API any JSON value: a number is taken as its
    digits, anything else but text is refused."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise InvalidInput("field_wrong_type", MSG_WRONG_TYPE.format(label=label, kind="文字"))
    return check_text(label, value, maximum).strip() or None


def check_json_value(label: str, value: Any, depth: int = 0) -> Any:
    """Any JSON value (an object of free keys, a list) with every string and integer inside it
    kept to the rules."""
    if depth > 5:
        raise InvalidInput("field_wrong_type", MSG_WRONG_TYPE.format(label=label, kind="较浅的对象"))
    if isinstance(value, str):
        return check_text(label, value, LONG_TEXT)
    if isinstance(value, bool) or value is None or isinstance(value, float):
        return value
    if isinstance(value, int):
        return check_int(label, value)
    if isinstance(value, Mapping):
        if len(value) > 100:
            raise InvalidInput("field_too_long", MSG_TOO_LONG.format(label=label, maximum=100))
        return {check_text(label, str(k), SHORT_TEXT): check_json_value(label, v, depth + 1) for k, v in value.items()}
    if isinstance(value, Sequence):
        if len(value) > 100:
            raise InvalidInput("field_too_long", MSG_TOO_LONG.format(label=label, maximum=100))
        return [check_json_value(label, v, depth + 1) for v in value]
    return value


# --- JSON bodies -----------------------------------------------------------------------------


class BodyRejected(RuleError):
    """A JSON body refused: ``code`` and ``message`` of the first problem (in the schema's field
    order)."""


class Problem(str):
    """A Chinese message that keeps its stable code through marshmallow's error store."""

    code: str

    def __new__(cls, code: str, message: str) -> Problem:
        problem = super().__new__(cls, message)
        problem.code = code
        return problem


class _Rules:
    """Mixin for marshmallow fields: every refusal is a :class:`Problem` with a stable code;
    ``code=``/``message=`` keep an endpoint's older answer for any refusal of the field."""

    def __init__(self, *args: Any, label: str | None = None, code: str | None = None,
                 message: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.label_text, self.fixed_code, self.fixed_message = label, code, message

    @property
    def label(self) -> str:
        return self.label_text or self.name or ""

    def fail(self, code: str, message: str) -> ValidationError:
        if self.fixed_code:
            code, message = self.fixed_code, self.fixed_message or message
        return ValidationError(Problem(code, message))

    def make_error(self, key: str, **kwargs: Any) -> ValidationError:
        if key in ("required", "null"):
            return self.fail("field_required", MSG_REQUIRED.format(label=self.label))
        return self.fail("field_wrong_type", MSG_WRONG_TYPE.format(label=self.label, kind=self.kind_name))

    kind_name = "文字"

    def checked(self, call, *args: Any) -> Any:
        """``call(label, *args)`` with its :class:`InvalidInput` as this field's refusal."""
        try:
            return call(self.label, *args)
        except InvalidInput as refused:
            raise self.fail(refused.code, refused.message) from None


class Text(_Rules, fields.Field):
    """A JSON string without control characters, at most ``max_length`` characters, stripped;
    ``choices`` limits it to those values."""

    def __init__(self, *, max_length: int = SHORT_TEXT, choices: Sequence[str] | None = None,
                 strip: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.max_length, self.choices, self.strip = max_length, tuple(choices) if choices else None, strip
        self.metadata.setdefault("maxLength", max_length)
        if self.choices:
            self.metadata.setdefault("enum", list(self.choices))

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        if not isinstance(value, str):
            raise self.make_error("invalid")
        text = self.checked(check_text, value, self.max_length)
        text = text.strip() if self.strip else text
        if self.choices is not None and text not in self.choices:
            raise self.fail("field_bad_choice", MSG_BAD_CHOICE.format(label=self.label))
        return text


class Integer(_Rules, fields.Field):
    """A JSON integer (not a boolean, not a string) in ``minimum``..``maximum``; with
    ``from_text`` (a query string, which carries only text) its digits too."""

    kind_name = "整数"

    def __init__(self, *, minimum: int = INT_MIN, maximum: int = INT_MAX, from_text: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.minimum, self.maximum, self.from_text = minimum, maximum, from_text
        self.metadata.setdefault("minimum", minimum)
        self.metadata.setdefault("maximum", maximum)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if self.from_text and isinstance(value, str):
            return self.checked(parse_int, value, self.minimum, self.maximum)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail("field_not_integer", MSG_NOT_INTEGER.format(label=self.label))
        return self.checked(check_int, value, self.minimum, self.maximum)


class Number(_Rules, fields.Field):
    """A finite JSON number, integer or not, in ``minimum``..``maximum`` (seconds of a video)."""

    kind_name = "数字"

    def __init__(self, *, minimum: float = 0, maximum: float = 10**7, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.minimum, self.maximum = minimum, maximum

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> float | int:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise self.make_error("invalid")
        if not self.minimum <= value <= self.maximum:
            raise self.fail("field_out_of_range", MSG_OUT_OF_RANGE.format(
                label=self.label, minimum=self.minimum, maximum=self.maximum))
        return value


class Year(Integer):
    """A programme year, 2000..2100."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", "年度")
        super().__init__(minimum=YEAR_MIN, maximum=YEAR_MAX, **kwargs)


class Boolean(_Rules, fields.Field):
    """A JSON ``true`` or ``false``."""

    kind_name = "是或否"

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class Object(_Rules, fields.Field):
    """A JSON object whose keys and values the endpoint's service checks further; every string
    and integer inside keeps the rules (:func:`check_json_value`)."""

    kind_name = "对象"

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dict:
        if not isinstance(value, Mapping):
            raise self.make_error("invalid")
        return self.checked(check_json_value, value)


class Body(Schema):
    """A JSON request body. Declare one per endpoint with the fields above; fields it does not
    declare are ignored. :func:`load_body` checks a request's JSON against it."""

    class Meta:
        unknown = EXCLUDE


def load_body(schema: type[Body], data: Any) -> dict[str, Any]:
    """``data`` checked against ``schema``: the cleaned values, or :class:`BodyRejected`."""
    if not isinstance(data, Mapping):
        raise BodyRejected("json_required", "请以 JSON 格式提交。")
    instance = schema()
    try:
        return instance.load(data)
    except ValidationError as error:
        messages = error.messages if isinstance(error.messages, Mapping) else {}
        problems: dict[str, Problem | str] = {}
        for name in instance.fields:  # the schema's order, so the first refusal is stable
            found = messages.get(name)
            if found:
                problems[name] = found[0] if isinstance(found, list) else found
        if not problems:
            raise BodyRejected("json_required", "请以 JSON 格式提交。") from None
        first = next(iter(problems.values()))
        raise BodyRejected(getattr(first, "code", "invalid_input"), str(first)) from None
