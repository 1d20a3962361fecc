"""The Content-Security-Policy in a real browser: the ``page`` fixture fails any browser test whose
pages break it (the player, the exam, the sandbox cashier and the captcha are covered by their
own browser tests); here the captcha's 换一张 link, and proof that the fixture sees violations."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

LOADED = "(src) => { const i = document.querySelector('#captcha-image'); return i.complete && i.naturalWidth > 0 && i.src !== src; }"


def test_the_captcha_refresh_link_loads_a_new_image_under_the_policy(page, live_server):
    page.goto("/chaoyang/login")
    page.wait_for_function(LOADED, arg="")
    first = page.locator("#captcha-image").get_attribute("src")
    with page.expect_response(lambda r: "/chaoyang/captcha.png?" in r.url) as shown:
        page.get_by_role("link", name="换一张").click()
    assert shown.value.status == 200 and shown.value.headers["content-type"] == "image/png"
    page.wait_for_function(LOADED, arg=live_server + first)
    assert page.locator("input[name=captcha]").input_value() == ""
    assert page.url == f"{live_server}/chaoyang/login"  # the link did not navigate


def test_the_page_fixture_sees_a_violation(page, csp_violations):
    page.goto("/chaoyang/")
    page.evaluate("() => document.body.setAttribute('style', 'color: red')")
    page.wait_for_timeout(300)
    assert [v["directive"] for v in csp_violations] == ["style-src-attr"]
    csp_violations.clear()
