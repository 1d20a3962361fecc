"""The Liaoning plugin object: the rulebook's functions registered as cpe hooks.

The hub sells nothing itself (payment and study happen at the institution's site), offsets no
credits and sets no exam: those hooks are left to the core's defaults.
"""
from __future__ import annotations

from hookspecs import kit

from . import accounts, content, rules

plugin = kit.region_plugin(
    content.REGION_INFO,
    contract=">=1.4,<2",
    year_requirements=rules.year_requirements,
    registration_form=accounts.registration_form,
    check_eligibility=rules.check_eligibility,
    institution_policy=rules.institution_policy,
    sms_policy=rules.sms_policy,
    rating_policy=rules.rating_policy,
    credit_export=rules.credit_export,
    demo_data=content.demo_data,
)
