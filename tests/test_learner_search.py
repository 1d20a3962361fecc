"""Staff search among a province's learners (issue: staff pages at a million): what was typed
decides the search — identifiers (ID number, member number, login, phone) match whole, anything
else is part of a name — results come a page at a time after the last id shown, and on
PostgreSQL each shape is answered from an index (the trigram indexes for names), never by
reading every learner. Runs on SQLite and PostgreSQL."""
from __future__ import annotations

import pytest
from sqlalchemy import select, text

from cpe_core.extensions import db
from cpe_core.models import User
from cpe_core.services.learner_search import name_part, search, search_query, shape_of
from cpe_core.testing import id_number, login

#: An ID number whose check character is X.
ID_X = next(number for number in (id_number("211302", "19880516", n) for n in range(1, 100)) if number.endswith("X"))


@pytest.fixture
def learners(app, make_learner):
    """Six learners with names of 2, 3 and 4 characters (and one of another region)."""
    made = {
        "zhang": make_learner("chaoyang", name="张伟", phone="13800000001", member_number="110000010001"),
        "li": make_learner("chaoyang", name="李秀英", phone="13800000002"),
        "ouyang": make_learner("chaoyang", name="欧阳明月", phone="13800000003"),
        "wang": make_learner("chaoyang", name="王明", phone="13800000004"),
        "percent": make_learner("chaoyang", name="百分%号", phone="13800000005"),
        "elsewhere": make_learner("guangdong", name="张伟", phone="13800000006"),
    }
    return made


def names(q: str, **kwargs) -> list[str]:
    return [user.name for user in search("chaoyang", q, **kwargs).learners]


def test_what_was_typed_decides_the_shape_of_the_search():
    assert shape_of("") == shape_of("  ") == "all"
    for identifier in ("211302198805161828", "21130219880516182x", "13800000001", "110000010001", "cy-admin",
                       "a.b@example.org"):
        assert shape_of(identifier) == "identifier", identifier
    for name in ("张", "秀英", "李秀英", "欧阳 明月", "王5"):
        assert shape_of(name) == "name", name


def test_an_exact_id_number_finds_its_one_learner_and_a_part_of_one_finds_none(learners):
    learner = learners["li"]
    page = search("chaoyang", learner.profile.id_number)
    assert [user.id for user in page.learners] == [learner.id] and page.shape == "identifier"
    assert names(learner.profile.id_number[:10]) == []


def test_an_id_number_ending_in_x_is_found_whichever_case_staff_type(make_learner):
    learner = make_learner("chaoyang", name="谢晓", id_number=ID_X, login=ID_X)
    assert [u.id for u in search("chaoyang", ID_X.lower()).learners] == [learner.id]


def test_a_whole_phone_number_finds_its_learner_in_this_region_only(learners):
    assert names("13800000001") == ["张伟"]
    assert names("13800000006") == []  # the Guangdong learner's phone: another region
    assert names("0000000") == []  # part of a phone


def test_a_member_number_and_a_login_are_matched_whole(learners, make_learner):
    assert names("110000010001") == ["张伟"]
    member = make_learner("chaoyang", name="会员甲", login="M2024001")
    assert [u.id for u in search("chaoyang", "M2024001").learners] == [member.id]


@pytest.mark.parametrize(("q", "expected"), [
    ("张", ["张伟"]),                          # one character: a surname
    ("秀英", ["李秀英"]),                       # two at the end of a name
    ("李秀", ["李秀英"]),                       # two at the start
    ("阳明", ["欧阳明月"]),                     # two in the middle of a four-character name
    ("明", ["欧阳明月", "王明"]),                # one, in the middle and at the end
    ("李秀英", ["李秀英"]),                     # three: the trigram index
    ("欧阳明月", ["欧阳明月"]),
    ("%", ["百分%号"]),                         # LIKE's wildcards are searched for as text
    ("分_号", []),                            # not a wildcard either
    ("李'; --", []),                          # a quote is text too (the pattern is written into the SQL)
])
def test_part_of_a_name_finds_every_learner_whose_name_contains_it(learners, q, expected):
    page = search("chaoyang", q)
    assert page.shape == "name"
    assert sorted(user.name for user in page.learners) == sorted(expected)


def test_results_come_a_page_at_a_time_after_the_last_id_shown(make_learner):
    made = [make_learner("chaoyang", name=f"翻页{n}") for n in range(7)]
    seen, after = [], None
    while True:
        page = search("chaoyang", "翻页", after=after, limit=3)
        seen += [user.id for user in page.learners]
        if page.next_after is None:
            break
        after = page.next_after
    assert seen == [user.id for user in made]


def test_the_site_links_the_next_page_and_back_to_the_first(testapp, make_learner, make_staff, monkeypatch):
    monkeypatch.setattr("cpe_core.views.learner_admin.PAGE_SIZE", 2)
    for n in range(3):
        make_learner("chaoyang", name=f"翻页{n}")
    make_staff("chaoyang", "admin")
    login(testapp, "chaoyang", "chaoyang-admin")
    first = testapp.get("/chaoyang/admin/learners", {"q": "翻页"})
    assert [a.text for a in first.html.select("nav.pager a")] == ["下一页"]
    second = first.click(linkid=None, href="after=")
    assert "翻页2" in second.text and "翻页0" not in second.text
    assert [a.text for a in second.html.select("nav.pager a")] == ["第一页"]


def _plan(query) -> str:
    """PostgreSQL's plan for ``query`` when it may not read a table whole: sequential scans
    and walks of a whole index in key order are switched off, so what remains shows whether an
    index can answer the query's own condition."""
    sql = str(query.compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True})).replace("%%", "%")
    db.session.execute(text("SET LOCAL enable_seqscan = off"))
    db.session.execute(text("SET LOCAL enable_indexscan = off"))
    try:
        return "\n".join(db.session.scalars(text("EXPLAIN " + sql)))
    finally:
        db.session.rollback()


def test_on_postgresql_an_identifier_is_looked_up_in_the_indexes(learners):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the search indexes of migration 0022 are measured on PostgreSQL")
    plan = _plan(search_query("chaoyang", "211302198805161828"))
    assert "Seq Scan" not in plan, plan
    # (the login's lookup uses the region's unique key or, on a table this small, the region's index)
    for index in ("ix_user_phone", "ix_learner_profile_id_number", "ix_learner_profile_member_number"):
        assert index in plan, plan


@pytest.mark.parametrize(("q", "indexes"), [
    ("李秀英", ("ix_user_name_trgm",)),
    ("秀英", ("ix_user_name_trgm", "ix_user_long_name_trgm")),
])
def test_on_postgresql_part_of_a_name_is_found_through_the_trigram_indexes(learners, q, indexes):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("pg_trgm is PostgreSQL's")
    plan = _plan(select(User.id).where(name_part(q)))
    assert "Seq Scan" not in plan, plan
    for index in indexes:
        assert index in plan, plan
