"""WTForms forms shared by the site's views (CSRF by Flask-WTF)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional


class LoginForm(FlaskForm):
    login = StringField("账号", validators=[DataRequired(message="请输入账号。"), Length(max=64)])
    password = PasswordField("密码", validators=[DataRequired(message="请输入密码。")])


class ExplainForm(FlaskForm):
    class Meta:
        csrf = False  # a read-only GET form

    learner = StringField("学员账号或编号", validators=[DataRequired(message="请输入学员账号。")])
    year = IntegerField("年度", validators=[Optional(), NumberRange(2000, 2100, message="年度无效。")])
