"""WTForms forms shared by the site's views (CSRF by Flask-WTF)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional


# Labels and messages are lazy: the form classes are built at import, the language per request.


class LoginForm(FlaskForm):
    login = StringField(_l("账号"), validators=[DataRequired(message=_l("请输入账号。")), Length(max=64)])
    password = PasswordField(_l("密码"), validators=[DataRequired(message=_l("请输入密码。"))])


class ExplainForm(FlaskForm):
    class Meta:
        csrf = False  # a read-only GET form

    learner = StringField(_l("学员账号或编号"), validators=[DataRequired(message=_l("请输入学员账号。"))])
    year = IntegerField(_l("年度"), validators=[Optional(), NumberRange(2000, 2100, message=_l("年度无效。"))])
