"""The certificate this region issues (cpe_certificate_template), from its seed's wording."""
from __future__ import annotations

import re

import pluggy

import cpe_guangdong.hooks
import hookspecs
from cpe_guangdong import rules


def manager() -> pluggy.PluginManager:
    pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    for module in hookspecs.SPEC_MODULES:
        pm.add_hookspecs(module)
    pm.register(cpe_guangdong.hooks, name="guangdong")
    return pm


def test_the_hook_answers_with_the_rules_template() -> None:
    template = manager().hook.cpe_certificate_template(region="guangdong", year=2024)
    assert template == rules.certificate_template(2024)
    assert (template.region, template.year) == ("guangdong", 2024)


def test_the_certificate_is_worded_in_chinese() -> None:
    template = rules.certificate_template(2024)
    assert template.title.endswith("合格证")
    assert template.selectable_records is False
    assert re.fullmatch(r"[A-Z0-9]+", template.serial_prefix) and template.serial_prefix == "GD"
    statement = template.statement.format(name="张三", year=2024)
    assert "张三" in statement and "2024年度" in statement and "公需课考试合格" in statement
    assert template.issuer
