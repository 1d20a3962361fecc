"""我的签到: a learner's daily sign-in on the home page, where the region offers it
(``RegionInfo.check_in``); one per Asia/Shanghai day, however often the button is pressed."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from .. import clock
from ..extensions import db
from ..models import CheckIn, User
from ..regions import RuleError, rules_for

#: How many of the latest days the home page lists.
SHOWN_DAYS = 7


@dataclass(frozen=True)
class CheckIns:
    today: bool
    total: int
    recent: list[dt.date]


def _offered(user: User) -> None:
    if not rules_for(user.region or "").info.check_in:
        raise RuleError("no_check_in", "本地区没有签到。")


def check_in(user: User) -> bool:
    """Sign ``user`` in for today; False when they already had (nothing changes)."""
    _offered(user)
    day = clock.today_in_shanghai()
    if db.session.scalar(select(CheckIn.id).where(CheckIn.user_id == user.id, CheckIn.day == day)) is not None:
        return False
    db.session.add(CheckIn(user_id=user.id, day=day))
    try:
        db.session.commit()
    except IntegrityError:  # a double click: the other request signed in first
        db.session.rollback()
        return False
    return True


def of(user: User) -> CheckIns:
    """Whether ``user`` signed in today, on how many days in all, and the latest days."""
    days = list(db.session.scalars(
        select(CheckIn.day).where(CheckIn.user_id == user.id).order_by(CheckIn.day.desc()).limit(SHOWN_DAYS)
    ))
    total = db.session.scalar(select(func.count(CheckIn.id)).where(CheckIn.user_id == user.id)) or 0
    return CheckIns(today=bool(days) and days[0] == clock.today_in_shanghai(), total=total, recent=days)
