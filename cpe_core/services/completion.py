"""What "complete" means for a year, the one home of the rule: the year's total reached and
each kind's minimum. The ledger's progress, the exports' Python rows and the CSV export's SQL
all ask here. It imports no models, so the CSV export without the app can use it too."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, Integer, and_, literal

from hookspecs import Requirements


def _checks(requirements: Requirements, earned: Mapping[str, Any], zero: Any) -> list[Any]:
    # ``earned`` holds ints (Python) or column expressions (SQL): the same comparisons serve both.
    total = sum(earned.values(), zero)
    return [total >= requirements.total,
            *[earned.get(kind, zero) >= minimum for kind, minimum in requirements.minimums.items()]]


def is_complete(requirements: Requirements, earned: Mapping[str, int]) -> bool:
    """Whether ``earned`` credits (per kind) complete the year."""
    return all(_checks(requirements, earned, 0))


def complete_sql(requirements: Requirements, earned: Mapping[str, ColumnElement]) -> ColumnElement:
    """:func:`is_complete` as an SQL condition over per-kind credit columns."""
    return and_(*_checks(requirements, earned, literal(0, Integer)))
