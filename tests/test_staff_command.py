"""``cpe staff add`` makes a fresh deployment's first staff accounts, which then sign in; it
refuses a weak password, a duplicate and a region no plugin serves. Audited."""
from __future__ import annotations

from sqlalchemy import select

from cpe_core.extensions import db
from cpe_core.models import AuditEntry, User
from cpe_core.testing import login


def add(app, *args: str, password: str = "Strong-Pass-2024"):
    return app.test_cli_runner().invoke(args=["staff", "add", *args, "--password-stdin"], input=password + "\n")


def test_the_first_admin_of_a_region_is_added_from_the_command_line_and_signs_in(app, testapp):
    result = add(app, "cy-admin", "--name", "管理员", "--region", "chaoyang")
    assert result.exit_code == 0, result.output
    admin = db.session.scalar(select(User).where(User.login == "cy-admin"))
    assert (admin.region, admin.role) == ("chaoyang", "admin")
    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.target == f"user:{admin.id}")) == "staff.added"
    db.session.rollback()
    assert login(testapp, "chaoyang", "cy-admin", "Strong-Pass-2024").status_int == 302


def test_refusals_say_why_and_add_no_one(app):
    assert "密码至少8位" in add(app, "cy-admin", "--name", "管理员", "--region", "chaoyang", password="short").output
    assert "no enabled plugin serves region 'atlantis'" in add(app, "x", "--name", "某", "--region", "atlantis").output
    assert "--region is required" in add(app, "x", "--name", "某").output
    assert "leave out --region" in add(app, "x", "--name", "某", "--role", "site_admin", "--region", "chaoyang").output
    assert db.session.scalar(select(User.id)) is None
    assert add(app, "ops", "--name", "运维", "--role", "site_admin").exit_code == 0
    assert "already exists" in add(app, "ops", "--name", "运维", "--role", "site_admin").output
