"""Finding a region's learners among a province's million, as staff type it.

What was typed decides the search (:func:`shape_of`):

- an identifier — ASCII letters, digits and ``-_.@`` without spaces: an 18-character ID number,
  an 11-digit phone, a member number or a login — is matched **exactly** against the login,
  the ID number, the member number and the phone, each an index lookup (migration 0022);
- anything else (Chinese characters) is **part of a name**: ``LIKE '%…%'``, which PostgreSQL
  answers from the trigram GIN index on ``user.name`` (pg_trgm) and other databases by a scan.
  A part of one or two characters — a surname, a given name — has no trigram of its own, so
  the search is spelled as the three places it can be (:func:`name_part`), each of which the
  trigram indexes serve;
- nothing lists every learner.

Results come a page at a time in learner order, the next page after the last id shown (keyset
paging): no ``COUNT(*)`` over a million rows and no ``OFFSET`` that reads every row before it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, String, and_, bindparam, func, literal_column, or_, select, union
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import LearnerProfile, User

PAGE_SIZE = 50
#: What an identifier may look like: logins, ID numbers (…X), phones, member numbers.
IDENTIFIER = re.compile(r"[0-9A-Za-z._@-]+")


@dataclass(frozen=True)
class LearnerPage:
    learners: list[User]
    #: What was searched: ``all``, ``identifier`` (exact) or ``name`` (part of a name).
    shape: str
    #: The id to pass as ``after`` for the next page; None on the last page.
    next_after: int | None


def shape_of(q: str) -> str:
    """``all``, ``identifier`` or ``name`` (see the module's docstring)."""
    q = q.strip()
    if not q:
        return "all"
    return "identifier" if IDENTIFIER.fullmatch(q) else "name"


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def name_part(q: str) -> ColumnElement[bool]:
    """Names containing ``q``. Three characters or more: ``LIKE '%q%'``, whose trigrams the GIN
    index looks up. Fewer: the name starts with ``q`` or ends with it (trigrams padded at the
    name's edge), or ``q`` sits inside a name long enough to have a character on either side.
    For two characters that is a name of 4 or more, few among Chinese names, which a partial
    trigram index holds on its own. One character (a surname) matches so many names that the
    database reads learners in order and stops at the page's last match."""
    escaped = _like_escape(q)
    if len(q) >= 3:
        return _like(f"%{escaped}%")
    # A constant, not a parameter: the planner must see that ``length(name) >= 4`` implies the
    # partial index's condition.
    longer = literal_column(str(max(3, len(q) + 2)))
    return or_(_like(f"{escaped}%"), _like(f"%{escaped}"),
               and_(func.length(User.name) >= longer, _like(f"%{escaped}%")))


def _like(pattern: str) -> ColumnElement[bool]:
    """``name LIKE pattern``, the pattern written into the statement (safely quoted by
    SQLAlchemy) rather than bound: PostgreSQL then plans each search for its own pattern, and
    never reuses a generic plan that cannot weigh the trigrams."""
    return User.name.like(bindparam(None, pattern, type_=String, literal_execute=True), escape="\\")


def identifier_ids(region: str, q: str) -> Select:
    """The ids of the learners whose login, ID number, member number or phone is ``q`` exactly
    (an ID number's final X in either case): four index lookups, united."""
    keys = {q, q.upper()}
    return union(
        select(User.id).where(User.region == region, User.login.in_(keys)),
        select(User.id).where(User.phone == q),
        select(LearnerProfile.user_id).where(LearnerProfile.id_number.in_(keys)),
        select(LearnerProfile.user_id).where(LearnerProfile.member_number == q),
    )


def search(region: str, q: str = "", *, collection_status: str | None = None, after: int | None = None,
           limit: int = PAGE_SIZE) -> LearnerPage:
    """One page of ``region``'s learners matching ``q`` (and the collection status, if given),
    in id order after ``after``. Two statements whatever the page holds: the page, and the
    profiles shown with it (one ``IN``)."""
    q = (q or "").strip()
    query = search_query(region, q, collection_status=collection_status, after=after, limit=limit)
    rows = list(db.session.scalars(query.options(selectinload(User.profile))))
    more = len(rows) > limit
    rows = rows[:limit]
    return LearnerPage(rows, shape_of(q), rows[-1].id if more else None)


def search_query(region: str, q: str, *, collection_status: str | None = None, after: int | None = None,
                 limit: int = PAGE_SIZE) -> Select:
    """The statement of :func:`search`: ``limit + 1`` learners (the extra one says whether a
    next page exists)."""
    shape = shape_of(q)
    query = select(User).where(User.region == region, User.role == "learner")
    if shape == "identifier":
        query = query.where(User.id.in_(identifier_ids(region, q)))
    elif shape == "name":
        query = query.where(name_part(q))
    if collection_status:
        query = query.where(User.id.in_(
            select(LearnerProfile.user_id).where(LearnerProfile.collection_status == collection_status)))
    if after:
        query = query.where(User.id > after)
    return query.order_by(User.id).limit(limit + 1)
