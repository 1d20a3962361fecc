"""The Hainan plugin object: the rulebook's functions registered as cpe hooks.

The core calls them only for the ``hainan`` region, so none checks which region it serves.
Hooks left out fall back to the core's defaults: no offsets, no exam, SMS written to the log.
"""
from __future__ import annotations

from hookspecs import kit

from . import content, rules

plugin = kit.region_plugin(
    content.REGION_INFO,
    contract=">=1.3,<2",
    year_requirements=rules.year_requirements,
    check_eligibility=rules.check_eligibility,
    purchase_modes=rules.purchase_modes,
    quote=rules.quote,
    institution_policy=rules.institution_policy,
    credit_export=rules.credit_export,
    demo_data=content.demo_data,
)
