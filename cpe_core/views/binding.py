"""Binding a blueprint to the ``<region>`` in its URLs: ``g.region`` is that region's rules."""
from __future__ import annotations

from flask import Blueprint, abort, g

from ..regions import UnknownRegion, rules_for


def bind_region(bp: Blueprint) -> None:
    @bp.url_value_preprocessor
    def pull_region(_endpoint, values):
        code = values.pop("region", None) if values else None
        try:
            g.region = rules_for(code)
        except UnknownRegion:
            abort(404)

    @bp.url_defaults
    def add_region(_endpoint, values):
        if "region" not in values and getattr(g, "region", None) is not None:
            values["region"] = g.region.code

    @bp.context_processor
    def region_context():
        # Absent when the region in the URL was unknown and a 404 page is being rendered.
        region = getattr(g, "region", None)
        if region is None:
            return {}
        from ..services.years import current_year

        # A callable, so a page that never shows the year never asks the hooks for it.
        return {"region": region, "info": region.info, "current_year": lambda: current_year(region.code)}
