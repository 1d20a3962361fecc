"""The UI speaks Chinese by default and English on request (``?lang=en``, kept in the session).

Chinese texts are the msgids, so Chinese needs no catalogue; English has one, committed compiled.
"""
from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_keywords, parse_mapping_cfg
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from cpe_core.regions import rules_for
from cpe_core.testing import login
from hookspecs import KIND_LABELS, UNIT_LABELS

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = ROOT / "cpe_core" / "translations" / "en" / "LC_MESSAGES"


def test_pages_are_chinese_by_default(testapp):
    page = testapp.get("/chaoyang/")
    assert '<html lang="zh-CN">' in page.text
    assert "通知公告" in page.text and "常见问题" in page.text
    assert "Notices" not in page.text


def test_lang_en_gives_english_and_the_session_remembers_it(testapp):
    page = testapp.get("/chaoyang/?lang=en")
    assert '<html lang="en">' in page.text
    assert "Notices" in page.text and "Featured courses" in page.text
    assert "通知公告" not in page.text
    # The region's own content is not translated: its name and notices stay Chinese.
    assert "朝阳会计在线" in page.text

    later = testapp.get("/chaoyang/faq")
    assert '<html lang="en">' in later.text
    assert "<h1 class=\"page-title\">FAQ</h1>" in later.text


def test_lang_zh_switches_back_within_the_same_session(testapp):
    assert "Notices" in testapp.get("/chaoyang/?lang=en").text
    page = testapp.get("/chaoyang/?lang=zh")
    assert '<html lang="zh-CN">' in page.text and "通知公告" in page.text
    assert '<html lang="zh-CN">' in testapp.get("/").text


def test_unknown_lang_is_ignored(testapp):
    page = testapp.get("/chaoyang/?lang=fr")
    assert '<html lang="zh-CN">' in page.text and "通知公告" in page.text


def test_login_form_labels_and_errors_are_english_under_en(testapp, make_staff):
    make_staff("chaoyang", "admin", login="cy-admin")
    page = testapp.get("/chaoyang/login?lang=en")
    assert "ID card number (staff: your account name)" in page.text
    assert "Password" in page.text and "Sign in" in page.text

    form = page.forms["login"]
    empty = form.submit()
    assert "Please enter your account." in empty.text
    assert "Please enter your password." in empty.text

    form["login"], form["password"] = "cy-admin", "not-the-password"
    wrong = form.submit(status=401)
    assert "Wrong account or password." in wrong.text
    assert "账号或密码错误" not in wrong.text


def test_staff_sign_in_under_en_lands_on_an_english_page(testapp, make_staff):
    make_staff("chaoyang", "admin", login="cy-admin")
    testapp.get("/chaoyang/?lang=en")
    home = login(testapp, "chaoyang", "cy-admin").follow()
    assert home.request.path == "/chaoyang/admin/"
    assert "Dashboard" in home.text and "Rule explorer" in home.text and "Sign out" in home.text


def test_login_form_is_chinese_by_default(testapp, make_staff):
    make_staff("chaoyang", "admin", login="cy-admin")
    form = testapp.get("/chaoyang/login").forms["login"]
    form["login"], form["password"] = "cy-admin", "not-the-password"
    wrong = form.submit(status=401)
    assert '<html lang="zh-CN">' in wrong.text
    assert "身份证号（工作人员填写账号）" in wrong.text
    assert "账号或密码错误。" in wrong.text


def test_error_pages_follow_the_language_but_the_api_stays_chinese(testapp):
    assert "Page not found" in testapp.get("/atlantis/?lang=en", status=404).text
    missing = testapp.get("/api/v1/no-such-thing", status=404).json
    assert missing["error"]["message"] == "您访问的页面不存在或已被删除。"


def test_course_labels_from_hookspecs_are_translated(testapp, make_course):
    year = rules_for("chaoyang").info.current_year
    make_course("chaoyang", year, kind="public", title="公需测试课程")
    page = testapp.get("/chaoyang/courses?lang=en")
    assert "General" in page.text and "Credits" in page.text
    assert "公需科目" not in page.text
    # The course itself is the region's content.
    assert "公需测试课程" in page.text
    assert "公需科目" in testapp.get("/chaoyang/courses?lang=zh").text


# --- the catalogue -------------------------------------------------------------------------


def _messages(catalog) -> dict:
    return {(m.context, m.id): m.string for m in catalog if m.id}


def test_committed_mo_is_compiled_from_the_current_po():
    with (CATALOGUE / "messages.po").open("rb") as f:
        compiled = io.BytesIO()
        write_mo(compiled, read_po(f, locale="en"))
    compiled.seek(0)
    with (CATALOGUE / "messages.mo").open("rb") as f:
        committed = read_mo(f)
    assert _messages(committed) == _messages(read_mo(compiled)), (
        "messages.mo is stale: run `pybabel compile -d cpe_core/translations` and commit it"
    )


def _extracted_msgids() -> set[str]:
    with (ROOT / "babel.cfg").open(encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f, "babel.cfg")
    # The keywords babel.cfg names per section, also for a Babel too old to read them there.
    keywords = {**DEFAULT_KEYWORDS, **parse_keywords(["_l", "lazy_gettext"])}
    msgids = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=keywords
    ):
        msgids.add(message if isinstance(message, str) else message[0])
    return msgids


@pytest.fixture(scope="module")
def extracted() -> set[str]:
    return _extracted_msgids()


def test_every_extracted_msgid_has_an_english_translation(extracted):
    with (CATALOGUE / "messages.po").open("rb") as f:
        catalog = read_po(f, locale="en")
    english = {m.id: m.string for m in catalog if m.id and not m.fuzzy}
    untranslated = sorted(msgid for msgid in extracted if not english.get(msgid))
    assert not untranslated, f"add English for these to messages.po, then compile: {untranslated}"


def test_extraction_finds_the_core_texts(extracted):
    # Templates, views, forms (lazy) and the hookspecs labels all reach the catalogue.
    assert {"通知公告", "账号或密码错误。", "请输入账号。", "身份证号"} <= extracted
    assert set(KIND_LABELS.values()) | set(UNIT_LABELS.values()) <= extracted
    # Chinese source texts (full-width punctuation counts: "（%(hours)s）").
    assert all(not msgid.isascii() for msgid in extracted), "msgids are the Chinese source texts"


GLUED = re.compile(r"\d(?:Credits|credits|Hours|hours)\b")


@pytest.mark.parametrize("region", ["chaoyang", "cicpa"])
def test_english_pages_keep_a_space_between_an_amount_and_its_unit(testapp, make_learner, make_course, region):
    year = rules_for(region).info.current_year
    course = make_course(region, year, credits=10)
    user = make_learner(region, collection_region=region, qualified_year=2015, member_type="practising")
    login(testapp, region, user.login)
    testapp.get(f"/{region}/?lang=en")
    unit = {"chaoyang": "credits", "cicpa": "hours"}[region]
    pages = ["/", "/plan", "/offsets", f"/courses/{course.id}", "/offsets/new/" + rules_for(region).offset_types(year)[-1].code]
    for path in pages:
        text = testapp.get(f"/{region}{path}").html.select_one("main").text
        assert not GLUED.search(text), (path, GLUED.findall(text))
    assert f"10 {unit}" in testapp.get(f"/{region}/courses/{course.id}").text
    required = rules_for(region).requirements(year).total
    assert f"of the {required} {unit} required" in testapp.get(f"/{region}/").text
