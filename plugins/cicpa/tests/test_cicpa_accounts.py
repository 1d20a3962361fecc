"""CICPA sign-up: member number (12 digits), member type and password, with a captcha."""
from __future__ import annotations

import re

from cpe_cicpa import accounts, rules


def test_members_sign_in_with_a_12_digit_member_number():
    spec = accounts.REGISTRATION
    assert spec.identity_field == "member_number" and spec.captcha
    assert re.fullmatch(spec.identity_pattern, "110000123456")
    assert not re.fullmatch(spec.identity_pattern, "11000012345")


def test_member_type_offers_practising_cpas_and_non_practising_members():
    member_type = next(f for f in accounts.REGISTRATION.fields if f.name == "member_type")
    assert member_type.required and dict(member_type.choices) == dict(rules.MEMBER_TYPES)
