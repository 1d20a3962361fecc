"""In headless Chromium, at a phone's width (390 px) and a laptop's (1366 px): a learner of each
region visits every page the menu offers, a course and its player, and no page scrolls sideways;
on the laptop the menu keeps to one line; no page shows a raw code (``non_practising``).

Screenshots of every page go to ``test-artifacts/layout/`` for a person to look at.
"""
from __future__ import annotations

import re

import pytest

from cpe_core.extensions import db
from cpe_core.testing import PHONE, own_login_choice
from study_support import REGIONS, add_to_plan, course, learner

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1366, "height": 768}
WIDTHS = {"phone": PHONE, "laptop": LAPTOP}

# Where the page overflows: the widest elements, for the failure message.
OVERFLOW = """() => {
  const doc = document.documentElement;
  const wide = [...document.querySelectorAll("body *")]
    .filter((el) => el.getBoundingClientRect().right > doc.clientWidth + 1 && !el.closest(".table-scroll"))
    .map((el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\\s+/).join(".") : "") + " " + Math.round(el.getBoundingClientRect().right))
    .slice(0, 5);
  return {scroll: doc.scrollWidth, client: doc.clientWidth, wide};
}"""

# The menu's visible items and the rows they sit on.
MENU_ROWS = """() => {
  const items = [...document.querySelectorAll(".mainnav > *")].filter((el) => el.offsetParent !== null);
  const rows = new Set(items.map((el) => Math.round(el.getBoundingClientRect().top)));
  const head = document.querySelector(".masthead-inner").getBoundingClientRect();
  return {items: items.length, rows: rows.size, masthead: Math.round(head.height)};
}"""

# The visible text nodes outside <code> (where the rule explorer shows its reason codes on purpose).
VISIBLE_TEXT = """() => {
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const found = [];
  while (walker.nextNode()) {
    const parent = walker.currentNode.parentElement;
    if (!parent || parent.closest("code, script, style") || parent.offsetParent === null) continue;
    found.push(walker.currentNode.textContent);
  }
  return found.join("\\n");
}"""
RAW_CODE = re.compile(r"(?<![A-Za-z0-9_.@/-])[a-z]+_[a-z_]+(?![A-Za-z0-9_])")


@pytest.fixture
def cpe_test_config(cpe_test_config, tmp_path):
    return {**cpe_test_config, "CPE_UPLOAD_DIR": str(tmp_path / "uploads")}


def a_learner_with_a_course(make_learner, region: str) -> tuple[str, int, int]:
    """An eligible learner of ``region`` with a two-chapter course in the plan, paid for where the
    region sells: (login, course id, first chapter id), with the test's session let go before the
    browser starts."""
    user = learner(make_learner, region, name="王会计",
                   **({"member_type": "non_practising"} if region == "cicpa" else {}))
    c = course(region, chapters=2, duration=60, credits=4, title="政府会计准则制度解读与案例分析（第二版）")
    add_to_plan(user, c)
    found = (user.login, c.id, c.chapters[0].id)
    db.session.remove()
    return found


def sign_in(page, region: str, login_name: str) -> None:
    page.goto(f"/{region}/login")
    page.locator("input[name=login]").fill(login_name)
    if page.locator("input[name=login_choice]").count():  # CICPA: 选择用户类型
        page.locator(f"input[name=login_choice][value='{own_login_choice(region, login_name)}']").check()
    page.locator("input[name=password]").fill("Passw0rd!")
    page.locator("form#login button[type=submit], form[name=login] button").first.click()
    page.wait_for_url(re.compile(rf"/{region}/$"))


def menu_pages(page, region: str) -> list[str]:
    """Every page the signed-in menu links to (the user menu's too), on this region's site."""
    hrefs = page.eval_on_selector_all(".mainnav a[href]", "els => els.map(e => e.getAttribute('href'))")
    return sorted({h for h in hrefs if h.startswith(f"/{region}/")})


@pytest.mark.parametrize("browser_viewport", list(WIDTHS.values()), ids=list(WIDTHS))
@pytest.mark.parametrize("region", REGIONS)
def test_no_learner_page_scrolls_sideways_and_the_laptop_menu_keeps_to_one_line(
    page, live_server, make_learner, region, browser_viewport, artifact_dir
):
    login_name, course_id, chapter_id = a_learner_with_a_course(make_learner, region)
    width = "phone" if browser_viewport == PHONE else "laptop"
    folder = artifact_dir / "layout"
    folder.mkdir(exist_ok=True)

    sign_in(page, region, login_name)
    pages = menu_pages(page, region)
    assert f"/{region}/plan" in pages and f"/{region}/me" in pages, pages
    notices = page.eval_on_selector_all(".list a[href*='/notices/']", "els => els.map(e => e.getAttribute('href'))")
    pages += [f"/{region}/courses/{course_id}", f"/{region}/learn/{chapter_id}", notices[0]]

    problems = []
    for path in pages:
        response = page.goto(path)
        assert response.status == 200, f"{path} answered {response.status}"
        name = path.strip("/").replace("/", "_") or "home"
        page.screenshot(path=folder / f"{region}-{width}-{name}.png", full_page=True)
        overflow = page.evaluate(OVERFLOW)
        if overflow["scroll"] > overflow["client"]:
            problems.append(f"{path} scrolls sideways: {overflow}")
        if width == "laptop":
            menu = page.evaluate(MENU_ROWS)
            if menu["rows"] != 1 or menu["masthead"] > 80:
                problems.append(f"{path}: the menu wraps: {menu}")
        raw = RAW_CODE.findall(page.evaluate(VISIBLE_TEXT))
        if raw:
            problems.append(f"{path} shows raw codes: {sorted(set(raw))}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("browser_viewport", [PHONE], ids=["phone"])
def test_the_phone_menu_folds_behind_its_button(page, live_server, make_learner, artifact_dir):
    from playwright.sync_api import expect

    login_name, _course, _chapter = a_learner_with_a_course(make_learner, "chaoyang")
    sign_in(page, "chaoyang", login_name)
    menu = page.locator("#mainnav")
    expect(menu).to_be_hidden()
    page.get_by_role("button", name="菜单").click()
    expect(menu).to_be_visible()
    expect(menu.get_by_role("link", name="学习计划")).to_be_visible()
    page.locator(".usermenu summary").click()
    expect(menu.get_by_role("link", name="个人中心")).to_be_visible()
    page.screenshot(path=artifact_dir / "layout" / "chaoyang-phone-menu-open.png", full_page=True)
    menu.get_by_role("link", name="学习计划").click()
    expect(page).to_have_url(re.compile("/chaoyang/plan$"))
    expect(page.locator("#mainnav")).to_be_hidden()
