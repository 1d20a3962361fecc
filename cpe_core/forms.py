"""WTForms forms shared by the site's views (CSRF by Flask-WTF), and :class:`CpeForm`, the base
of every site form: it gives each field the rules of :mod:`cpe_core.services.input_rules`."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, IntegerField, PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from .services.identity import InvalidInput
from .services.input_rules import LONG_TEXT, SHORT_TEXT, check_date, check_int, check_text


class InputRules:
    """The validator :class:`CpeForm` puts first on every field: text without control
    characters and within its length (the field's own ``Length`` if it has one, else
    ``SHORT_TEXT``, or ``LONG_TEXT`` for a textarea), integers within the database's INTEGER,
    dates between 1900 and 2100. The message is the same Chinese one the JSON API gives."""

    def __call__(self, form, field: Field) -> None:
        label = str(field.label.text) if field.label else field.name
        values = field.data if isinstance(field.data, (list, tuple)) else [field.data]
        try:
            for value in values:
                if isinstance(value, str):
                    check_text(label, value, self.max_length(field))
                elif isinstance(value, bool):
                    continue
                elif isinstance(value, int):
                    check_int(label, value)
                elif isinstance(value, Decimal) and value.is_finite():
                    # The site's decimals are yuan, stored as integer fen.
                    check_int(label, int(value * 100))
                elif isinstance(value, dt.date):
                    check_date(label, value if not isinstance(value, dt.datetime) else value.date())
        except InvalidInput as refused:
            raise ValidationError(refused.message) from None

    @staticmethod
    def max_length(field: Field) -> int:
        for validator in field.validators:
            if isinstance(validator, Length) and validator.max not in (None, -1):
                return validator.max
        return LONG_TEXT if isinstance(field, TextAreaField) else SHORT_TEXT


class CpeForm(FlaskForm):
    """The base of every site form, declared or built from a region's fields."""

    class Meta(FlaskForm.Meta):
        def bind_field(self, form, unbound_field, options):
            field = super().bind_field(form, unbound_field, options)
            if field.type not in ("CSRFTokenField", "FileField", "MultipleFileField", "SubmitField"):
                field.validators = [InputRules(), *field.validators]
            return field


# Labels and messages are lazy: the form classes are built at import, the language per request.


class LoginForm(CpeForm):
    login = StringField(_l("账号"), validators=[DataRequired(message=_l("请输入账号。")), Length(max=64)])
    password = PasswordField(_l("密码"), validators=[DataRequired(message=_l("请输入密码。")), Length(max=128)])


class SmsLoginForm(CpeForm):
    """手机验证码登录: the phone on file, then the code texted to it (the captcha is the
    region's, drawn by the template like the login form's)."""

    phone = StringField(_l("手机号码"), validators=[DataRequired(message=_l("请输入手机号码。")), Length(max=32)])
    code = StringField(_l("短信验证码"), validators=[Length(max=16)])


class ExplainForm(CpeForm):
    class Meta:
        csrf = False  # a read-only GET form

    learner = StringField(_l("学员账号或编号"), validators=[DataRequired(message=_l("请输入学员账号。"))])
    year = IntegerField(_l("年度"), validators=[Optional(), NumberRange(2000, 2100, message=_l("年度无效。"))])


def year_settings_form(declared, values, formdata=None) -> CpeForm:
    """A form with one field per declared year setting (年度设置), filled with ``values``.

    Money (``fen``) is entered in yuan with two decimals; a datetime as a local Shanghai time.
    The declarations' own bounds are checked by the years service, which knows ``not_before``
    too, so every rule has one home; the form checks only that each value parses.
    """
    from decimal import Decimal

    from wtforms import DateField, DateTimeLocalField, DecimalField

    from . import clock

    class YearSettingsForm(CpeForm):
        pass

    data = {}
    for setting in declared:
        label = setting.label
        needed = Optional() if setting.optional else DataRequired(message=_l("请填写“%(label)s”。", label=label))
        value = values.get(setting.key)
        if setting.type == "date":
            field = DateField(label, validators=[needed], description=setting.help)
        elif setting.type == "datetime":
            field = DateTimeLocalField(label, validators=[needed], format="%Y-%m-%dT%H:%M", description=setting.help)
            value = value.astimezone(clock.SHANGHAI).replace(tzinfo=None) if value is not None else None
        elif setting.type == "fen":
            field = DecimalField(label, validators=[needed, NumberRange(min=0)], places=2, description=setting.help)
            value = (Decimal(value) / 100).quantize(Decimal("0.01")) if value is not None else None
        else:
            field = IntegerField(label, validators=[needed], description=setting.help)
        setattr(YearSettingsForm, setting.key, field)
        data[setting.key] = value
    return YearSettingsForm(formdata=formdata, data=data)


def year_settings_from(form, declared, current: dict) -> dict:
    """The typed values of a submitted :func:`year_settings_form` (fen as integer fen). A time
    shown to the minute and sent back unchanged keeps its seconds (a window closing at 23:59:59
    is not moved to 23:59:00 by saving another value)."""
    from . import clock

    found = {}
    for setting in declared:
        value = form[setting.key].data
        if value is not None and setting.type == "datetime":
            value = value.replace(tzinfo=clock.SHANGHAI)
            before = current.get(setting.key)
            if before is not None and before.replace(second=0, microsecond=0) == value:
                value = before
        elif value is not None and setting.type == "fen":
            value = int((value * 100).to_integral_value())
        found[setting.key] = value
    return found
