"""The credit ledger: what a learner has earned in a year against the region's requirement."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from hookspecs import KIND_LABELS, UNIT_LABELS, Reason, Requirements

from ..extensions import db
from ..models import Chapter, ChapterProgress, Course, CreditRecord
from ..regions import rules_for
from .completion import complete_sql, is_complete  # noqa: F401 (complete_sql: callers read the rule here too)


@dataclass(frozen=True)
class YearProgress:
    """Earned amounts per kind and source, and what is still missing, for one learner-year."""

    requirements: Requirements
    earned: dict[str, int]
    from_offsets: dict[str, int]
    missing: dict[str, int] = field(default_factory=dict)
    missing_total: int = 0

    @property
    def total(self) -> int:
        return sum(self.earned.values())

    @property
    def complete(self) -> bool:
        return is_complete(self.requirements, self.earned)

    def reasons(self) -> list[Reason]:
        """Chinese explanations of what is missing, with stable codes."""
        unit = UNIT_LABELS[self.requirements.unit]
        if self.complete:
            return [Reason("requirement_met", f"已完成本年度要求的{self.requirements.total}{unit}。")]
        found = []
        if self.missing_total:
            found.append(
                Reason(
                    "total_missing",
                    f"本年度共需{self.requirements.total}{unit}，已取得{self.total}{unit}，"
                    f"还差{self.missing_total}{unit}。",
                )
            )
        for kind, amount in self.missing.items():
            if amount:
                found.append(
                    Reason(
                        f"{kind}_missing",
                        f"{KIND_LABELS.get(kind, kind)}至少需{self.requirements.minimums[kind]}{unit}，"
                        f"还差{amount}{unit}。",
                    )
                )
        return found


def earned_by_source(user_id: int, year: int) -> tuple[dict[str, int], dict[str, int]]:
    """Ledger sums per kind: all sources, and offsets (``offset`` and ``import``) alone."""
    rows = db.session.execute(
        select(CreditRecord.kind, CreditRecord.source, func.sum(CreditRecord.credits))
        .where(CreditRecord.user_id == user_id, CreditRecord.year == year)
        .group_by(CreditRecord.kind, CreditRecord.source)
    )
    earned: dict[str, int] = defaultdict(int)
    offsets: dict[str, int] = defaultdict(int)
    for kind, source, credits in rows:
        earned[kind] += int(credits or 0)
        if source in ("offset", "import"):
            offsets[kind] += int(credits or 0)
    return dict(earned), dict(offsets)


def progress(user_id: int, region: str, year: int) -> YearProgress:
    """The learner's year measured by the region's requirements hook."""
    requirements = rules_for(region).requirements(year)
    earned, offsets = earned_by_source(user_id, year)
    return measure(requirements, earned, offsets)


def measure(
    requirements: Requirements, earned: dict[str, int], offsets: dict[str, int] | None = None
) -> YearProgress:
    """Measure amounts already summed (e.g. by an export's aggregated query) against the
    requirements: the one place that decides what "complete" means."""
    offsets = offsets or {}
    missing = {
        kind: max(0, minimum - earned.get(kind, 0)) for kind, minimum in requirements.minimums.items()
    }
    missing_total = max(0, requirements.total - sum(earned.values()))
    return YearProgress(requirements, earned, offsets, missing, missing_total)


def course_entries(user_id: int, year: int) -> list[tuple[CreditRecord, Course | None]]:
    """The ledger's entries for completed online courses in ``year`` (继续教育在线学时), with
    their course, in the order they were earned. A course is complete when it has its entry:
    nothing here decides it again."""
    return [
        (entry, course)
        for entry, course in db.session.execute(
            select(CreditRecord, Course)
            .outerjoin(Course, Course.id == CreditRecord.source_id)
            .where(
                CreditRecord.user_id == user_id, CreditRecord.year == year,
                CreditRecord.source == "course",
            )
            .order_by(CreditRecord.id)
        )
    ]


def study_minutes(user_id: int, year: int) -> int:
    """Minutes of video the learner has played in ``year``'s courses."""
    seconds = db.session.scalar(
        select(func.coalesce(func.sum(ChapterProgress.watched_seconds), 0))
        .join(Chapter, Chapter.id == ChapterProgress.chapter_id)
        .join(Course, Course.id == Chapter.course_id)
        .where(ChapterProgress.user_id == user_id, Course.year == year)
    )
    return int(seconds or 0) // 60


def record_credit(
    *,
    user_id: int,
    region: str,
    year: int,
    kind: str,
    credits: int,
    source: str,
    source_id: int,
    description: str = "",
) -> CreditRecord | None:
    """Write one ledger entry inside the caller's transaction, at most once per source.

    Every source (``course``, ``offset``, ``exam``, ``import``) calls this; a second call for the
    same ``(user_id, year, source, source_id)`` — a retry, a double click, a concurrent request —
    writes nothing and returns None, so credits are never counted twice.
    """
    exists = db.session.scalar(
        select(CreditRecord.id).where(
            CreditRecord.user_id == user_id,
            CreditRecord.year == year,
            CreditRecord.source == source,
            CreditRecord.source_id == source_id,
        )
    )
    if exists is not None:
        return None
    entry = CreditRecord(
        user_id=user_id, region=region, year=year, kind=kind, credits=credits,
        source=source, source_id=source_id, description=description,
    )
    try:
        with db.session.begin_nested():
            db.session.add(entry)
    except IntegrityError:
        return None
    return entry
