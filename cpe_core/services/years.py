"""Programme years: which year applies today, whether a year still counts, and the values a
region's admin changed on the 年度设置 page.

A plugin states its rule for any year (``cpe_year_requirements``, ``cpe_exam_policy`` ...) and
declares the values a yearly notice changes (``cpe_year_settings``) with their defaults and
bounds. This module stores what the admin changes (one audited row per value), checks it
against the declaration, and hands the values to :class:`~cpe_core.regions.RegionRules`, which
passes them to the hooks. Nothing here knows a region.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask import has_request_context, request
from sqlalchemy import select

from hookspecs import YearSetting

from .. import clock
from ..extensions import db
from ..labels import N_
from ..models import User, YearSettingValue
from ..regions import RuleError, YearStatus, rules_for
from . import audit
from .money import format_fen

#: Where a value came from, as ``cpe explain`` and the 年度设置 page say it.
DEFAULT, ADMIN = "default", "admin"
SOURCE_LABELS = {DEFAULT: N_("插件默认值"), ADMIN: N_("管理员设置")}
#: Per-request cache of the stored rows, in the WSGI environ: a page asks a region's year
#: values many times (requirements, exam policy, prices), and they change only on save.
_CACHE = "cpe.year_setting_rows"


# --- values as stored (JSON) and as hooks see them ----------------------------------------------


def encode(setting: YearSetting, value: Any) -> Any:
    """A typed value as the JSON column keeps it."""
    if value is None:
        return None
    if setting.type == "datetime":
        return value.astimezone(clock.SHANGHAI).isoformat()
    if setting.type == "date":
        return value.isoformat()
    return int(value)


def decode(setting: YearSetting, raw: Any) -> Any:
    """A stored value back to its type (a datetime in Asia/Shanghai)."""
    if raw is None:
        return None
    if setting.type == "datetime":
        return dt.datetime.fromisoformat(raw).astimezone(clock.SHANGHAI)
    if setting.type == "date":
        return dt.date.fromisoformat(raw)
    return int(raw)


def _rows(region: str) -> dict[tuple[int, str], YearSettingValue]:
    cache = request.environ.setdefault(_CACHE, {}) if has_request_context() else None
    if cache is not None and region in cache:
        return cache[region]
    rows = {
        (row.year, row.key): row
        for row in db.session.scalars(select(YearSettingValue).where(YearSettingValue.region == region))
    }
    if cache is not None:
        cache[region] = rows
    return rows


def _forget_cache() -> None:
    if has_request_context():
        request.environ.pop(_CACHE, None)


def stored_overrides(region: str, year: int, declared: Sequence[YearSetting]) -> dict[str, Any]:
    """The values the admin changed for ``year``, typed, by key (the regions' override source).
    A row whose key the plugin no longer declares is ignored."""
    rows = _rows(region)
    found = {}
    for setting in declared:
        row = rows.get((year, setting.key))
        if row is not None:
            found[setting.key] = decode(setting, row.value)
    return found


def shown(setting: YearSetting, value: Any) -> str:
    """A value as people read it: a date, a Shanghai time, yuan, or 不限 for an empty one."""
    if value is None:
        return "不限"
    if setting.type == "fen":
        return format_fen(value)
    if setting.type == "datetime":
        return value.astimezone(clock.SHANGHAI).strftime("%Y-%m-%d %H:%M")
    return value.isoformat() if setting.type == "date" else str(value)


# --- which year, and whether it counts -----------------------------------------------------------


def today() -> dt.date:
    return clock.today_in_shanghai()


def current_year(region: str) -> int:
    """The programme year ``region``'s site opens on today (see ``RegionRules.current_year``)."""
    return rules_for(region).current_year(today())


def open_years(region: str) -> list[int]:
    """The years a learner of ``region`` may study today, newest first."""
    return rules_for(region).open_years(today())


def status(region: str, year: int, day: dt.date | None = None) -> YearStatus:
    return rules_for(region).year_status(year, day or today())


def closed_message(status_: YearStatus, what: str = "学习") -> str:
    """Why nothing counts for a year on a day, in Chinese."""
    period = f"{status_.period_start:%Y年%m月%d日}至{status_.period_end:%Y年%m月%d日}"
    if status_.state == "upcoming":
        return f"{status_.year}年度{what}自{status_.period_start:%Y年%m月%d日}开始，尚未开放。"
    if status_.makeup_until is not None and status_.makeup_until > status_.period_end:
        return (
            f"{status_.year}年度学习期限为{period}，补学截止于{status_.makeup_until:%Y年%m月%d日}，"
            f"现已截止，{what}不再计入{status_.year}年度。"
        )
    return f"{status_.year}年度学习期限为{period}，现已截止，{what}不再计入{status_.year}年度。"


def require_counting(region: str, year: int, what: str = "学习") -> YearStatus:
    """The year's status today; raises ``year_closed`` (or ``year_not_started``) when nothing
    counts for it any more (or yet)."""
    found = status(region, year)
    if not found.counts:
        code = "year_not_started" if found.state == "upcoming" else "year_closed"
        raise RuleError(code, closed_message(found, what))
    return found


# --- the 年度设置 page ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SettingValue:
    """One declared value of a year as the admin page and ``cpe explain`` show it."""

    setting: YearSetting
    value: Any
    source: str
    changed_by: str | None = None
    changed_at: dt.datetime | None = None

    @property
    def source_label(self) -> str:
        return SOURCE_LABELS[self.source]


def values(region: str, year: int) -> list[SettingValue]:
    """Every declared value of ``year`` with where it came from."""
    rows = _rows(region)
    users = {}
    found = []
    for setting in rules_for(region).year_settings(year):
        row = rows.get((year, setting.key))
        if row is None:
            found.append(SettingValue(setting, setting.default, DEFAULT))
            continue
        if row.changed_by is not None and row.changed_by not in users:
            user = db.session.get(User, row.changed_by)
            users[row.changed_by] = user.name if user is not None else None
        found.append(SettingValue(
            setting, decode(setting, row.value), ADMIN, users.get(row.changed_by),
            clock.from_utc_naive(row.changed_at).astimezone(clock.SHANGHAI),
        ))
    return found


class SettingsRefused(RuleError):
    """What the admin entered breaks a declaration; ``problems`` maps keys to Chinese sentences."""

    def __init__(self, problems: Mapping[str, str]) -> None:
        super().__init__("invalid_year_settings", "；".join(problems.values()))
        self.problems = dict(problems)


def problems(declared: Sequence[YearSetting], proposed: Mapping[str, Any]) -> dict[str, str]:
    """Each declaration's own bounds, then every ``not_before`` between the proposed values."""
    found = {}
    for setting in declared:
        problem = setting.problem(proposed.get(setting.key))
        if problem is not None:
            found[setting.key] = problem
    by_key = {setting.key: setting for setting in declared}
    for setting in declared:
        other = by_key.get(setting.not_before) if setting.not_before else None
        if other is None or setting.key in found or other.key in found:
            continue
        mine, theirs = proposed.get(setting.key), proposed.get(other.key)
        if mine is not None and theirs is not None and mine < theirs:
            found[setting.key] = f"“{setting.label}”不能早于“{other.label}”。"
    return found


def save(staff: User | None, region: str, year: int, changes: Mapping[str, Any]) -> list[str]:
    """Store the admin's values for ``year`` (a value equal to the default removes the row, so
    the plugin's rule applies again), with one audit entry listing what changed; commit.

    :param staff: the admin; None for the system (``cpe demo load``).
    :param changes: new values by key, typed; keys not given keep their current value.
    :returns: the keys whose value changed.
    :raises SettingsRefused: a value out of its bounds, or before the one it may not precede;
        nothing is saved then.
    :raises RuleError: ``unknown_year_setting`` for a key the plugin does not declare.
    """
    declared = rules_for(region).year_settings(year)
    by_key = {setting.key: setting for setting in declared}
    unknown = [key for key in changes if key not in by_key]
    if unknown:
        raise RuleError("unknown_year_setting", f"没有这项年度设置：{'、'.join(unknown)}")
    current = {item.setting.key: item.value for item in values(region, year)}
    proposed = {**current, **changes}
    refused = problems(declared, proposed)
    if refused:
        raise SettingsRefused(refused)
    changed = [key for key in by_key if proposed[key] != current[key]]
    if not changed:
        return []
    now = clock.to_utc_naive(clock.now())
    staff_id = staff.id if staff is not None else None
    rows = _rows(region)
    for key in changed:
        setting = by_key[key]
        row = rows.get((year, key))
        if proposed[key] == setting.default:
            if row is not None:
                db.session.delete(row)
            continue
        if row is None:
            row = YearSettingValue(region=region, year=year, key=key)
        row.value = encode(setting, proposed[key])
        row.changed_by = staff_id
        row.changed_at = now
        db.session.add(row)
    audit.record(
        "year_settings.change", f"{region}:{year}", actor=staff, region=region,
        before={key: encode(by_key[key], current[key]) for key in changed},
        after={key: encode(by_key[key], proposed[key]) for key in changed},
    )
    db.session.commit()
    _forget_cache()
    return changed
