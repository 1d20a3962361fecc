"""Smoke tests in real headless Chromium: the pages render, fit a phone, and sign-in works.

Screenshots go to ``test-artifacts/`` for a person to look at.
"""
from __future__ import annotations

import re

import pytest

from cpe_core.testing import PHONE, id_number

pytestmark = pytest.mark.browser

# Draws each character on a canvas in the body's font: real glyphs differ from one another and
# from the "missing glyph" box drawn for an unassigned code point; tofu all look alike.
GLYPH_CHECK = """(text) => {
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = 48;
  const ctx = canvas.getContext("2d");
  ctx.font = "32px " + getComputedStyle(document.body).fontFamily;
  ctx.textBaseline = "top";
  const draw = (ch) => {
    ctx.clearRect(0, 0, 48, 48);
    ctx.fillText(ch, 8, 8);
    return Array.from(ctx.getImageData(0, 0, 48, 48).data).join(",");
  };
  const glyphs = Array.from(text).map(draw);
  const missing = draw("\\u{10FFFD}");
  return {
    distinct: new Set(glyphs).size,
    inked: glyphs.filter((g) => /[1-9]/.test(g)).length,
    missing: glyphs.filter((g) => g === missing).length,
  };
}"""


def platform_fonts(page, selector: str) -> list[str]:
    """The fonts Chromium actually used for the text in ``selector`` (for failure messages)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    cdp.detach()
    return [font["familyName"] for font in fonts]


@pytest.mark.parametrize("browser_viewport", [PHONE], ids=["phone"])
def test_chaoyang_home_fits_a_phone_and_shows_chinese(page, artifact_dir):
    from playwright.sync_api import expect

    page.goto("/chaoyang/")
    expect(page.locator(".hero h1")).to_have_text("朝阳会计在线")
    notices = page.get_by_role("heading", name="通知公告")
    expect(notices).to_be_visible()
    notices.scroll_into_view_if_needed()
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=artifact_dir / "chaoyang-home-phone.png", full_page=True)

    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"the page scrolls sideways on a phone: {width}"
    assert page.evaluate("window.innerWidth") == PHONE["width"], "the viewport meta tag is honoured"

    text = "朝阳会计在线通知公告"
    glyphs = page.evaluate(GLYPH_CHECK, text)
    fonts = platform_fonts(page, ".hero h1")
    boxes = f"Chinese renders as boxes with fonts {fonts} ({glyphs}): install fonts-wqy-microhei"
    assert glyphs["inked"] == len(text) and glyphs["missing"] == 0, boxes
    assert glyphs["distinct"] == len(set(text)), boxes


def test_region_admin_signs_in_through_the_form_and_reaches_the_rule_explorer(
    page, live_server, make_staff, make_learner, artifact_dir
):
    from playwright.sync_api import expect

    from cpe_core.extensions import db

    learner_login = id_number(sequence=42)
    make_staff("chaoyang", "admin", login="cy-admin")
    make_learner("chaoyang", login=learner_login, name="李会计")
    db.session.remove()  # no transaction left open while the server thread answers

    page.goto("/chaoyang/")
    page.locator(".mainnav").get_by_role("link", name="登录").click()
    expect(page).to_have_url(f"{live_server}/chaoyang/login")
    page.get_by_label("身份证号（工作人员填写账号）").fill("cy-admin")
    page.get_by_label("密码").fill("Passw0rd!")
    page.get_by_role("button", name="登录").click()
    # Staff land on their dashboard, not the public home page.
    expect(page).to_have_url(f"{live_server}/chaoyang/admin/")
    expect(page.locator(".usermenu summary")).to_be_visible()

    page.get_by_role("link", name="规则演示").click()
    expect(page).to_have_url(f"{live_server}/chaoyang/admin/explain")
    expect(page.get_by_role("heading", name=re.compile("^规则演示"))).to_be_visible()

    page.get_by_label("学员账号或编号").fill(learner_login)
    page.get_by_role("button", name="试算").click()
    expect(page.get_by_role("heading", name=re.compile("李会计"))).to_be_visible()
    expect(page.locator("table.findings tbody tr").first).to_be_visible()
    page.screenshot(path=artifact_dir / "chaoyang-admin-explain.png", full_page=True)
