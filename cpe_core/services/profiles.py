"""How a learner's profile reads on a page: a choice by the label the region's form gives it
(``non_practising`` -> 非执业会员), never by its stored code."""
from __future__ import annotations

from hookspecs import FormField

from ..regions import RegionRules, regions


def _fields(rules: RegionRules) -> list[FormField]:
    fields = list(rules.registration_spec().fields)
    for step in rules.collection_steps():
        fields.extend(step.fields)
    return fields


def value_label(rules: RegionRules, name: str, value: object) -> str:
    """``value`` of profile field ``name`` as the region's registration or collection form
    labels it; booleans as 是/否; anything else as it is."""
    if value is None or value == "":
        return ""
    for field in _fields(rules):
        if field.name == name and field.choices:
            labels = dict(field.choices)
            if value in labels:
                return labels[value]
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def collection_place(rules: RegionRules, region_code: str | None, area: str | None) -> str:
    """Where a learner was collected (信息采集地), for people: the region's form label for the
    code; for this region's own code (set when collection is submitted here) just the area
    inside it; another enabled region by its name."""
    place = ""
    if region_code:
        place = value_label(rules, "collection_region", region_code)
        if place == region_code:
            if region_code == rules.code:
                place = ""
            elif region_code in regions():
                place = regions().get(region_code).info.name
    return " ".join(part for part in (place, area or "") if part)
