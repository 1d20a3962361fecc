"""Security headers (flask-talisman) on a site page, a JSON API answer, a static file and an error
page: a Content-Security-Policy with frame-ancestors and a per-request nonce for the few inline
blocks, X-Frame-Options, nosniff, Referrer-Policy, and HSTS in production over HTTPS only."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from cpe_core import create_app
from cpe_core.settings import ENV_SETTINGS

TEMPLATES = Path(__file__).resolve().parents[1] / "cpe_core" / "templates"
PATHS = {
    "site page": "/chaoyang/",
    "api": "/api/v1/regions/chaoyang/registration-form",
    "static file": "/static/site.css",
    "error page": "/chaoyang/no-such-page",
}


def csp(response) -> dict[str, str]:
    return {
        part.split(" ", 1)[0]: part.split(" ", 1)[1] if " " in part else ""
        for part in (p.strip() for p in response.headers["Content-Security-Policy"].split(";"))
    }


@pytest.mark.parametrize("path", PATHS.values(), ids=PATHS.keys())
def test_every_kind_of_response_carries_the_headers(testapp, path):
    response = testapp.get(path, expect_errors=True)
    policy = csp(response)
    assert policy["frame-ancestors"] == "'none'" and policy["object-src"] == "'none'"
    assert policy["default-src"] == "'self'" and policy["base-uri"] == "'self'"
    assert re.fullmatch(r"'self' 'nonce-[\w-]{20,}'", policy["script-src"])
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in response.headers  # not production


@pytest.mark.parametrize("path", ["/", "/chaoyang/", "/chaoyang/notices/no-such-notice"])
def test_inline_style_blocks_carry_this_requests_nonce(testapp, path):
    first = testapp.get(path, expect_errors=True)
    nonce = re.search(r"'nonce-([\w-]+)'", first.headers["Content-Security-Policy"]).group(1)
    styles = re.findall(r"<style([^>]*)>", first.text)
    assert styles and all(f'nonce="{nonce}"' in attributes for attributes in styles)
    second = testapp.get(path, expect_errors=True)
    assert nonce not in second.headers["Content-Security-Policy"]  # a new one each request


def test_no_template_has_inline_handlers_or_style_attributes():
    """The policy allows neither: they would be blocked in the browser."""
    offenders = []
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        if re.search(r"\son[a-z]+\s*=", text) or re.search(r"\sstyle\s*=", text) or "javascript:" in text:
            offenders.append(template.name)
        for tag in re.findall(r"<(?:script|style)(?![^>]*\bsrc=)[^>]*>", text):
            if "csp_nonce()" not in tag:
                offenders.append(f"{template.name}: {tag}")
    assert offenders == []


def test_the_session_cookie_keeps_the_settings_flags(testapp, make_learner):
    """talisman would force Secure (breaking plain-HTTP development) and rewrite SameSite."""
    learner = make_learner("chaoyang")
    form = testapp.get("/chaoyang/login").forms["login"]
    form["login"], form["password"] = learner.login, "Passw0rd!"
    cookie = form.submit().headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


@pytest.fixture
def production(tmp_path, monkeypatch, cpe_database_url):
    for key in ENV_SETTINGS:
        monkeypatch.delenv(key, raising=False)
    app = create_app({"CPE_DATABASE_URL": cpe_database_url, "SECRET_KEY": "s" * 32, "CPE_PLUGINS": "chaoyang",
                      "CPE_SMS_LOG_IN_PRODUCTION": True},
                     instance_path=str(tmp_path))
    return app.test_client()


def test_production_sends_hsts_over_https_only(production):
    plain = production.get("/static/site.css")
    assert "Strict-Transport-Security" not in plain.headers
    assert plain.status_code == 200  # no redirect: HTTPS is the proxy's job
    secure = production.get("/static/site.css", base_url="https://cpe.example.cn")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31556926; includeSubDomains"
    proxied = production.get("/static/site.css", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" in proxied.headers
    assert "Secure" in production.get("/chaoyang/login", base_url="https://cpe.example.cn").headers["Set-Cookie"]


def test_the_media_sources_are_configurable(testapp, cpe_test_config):
    assert csp(testapp.get("/chaoyang/"))["media-src"] == "'self' https:"
    app = create_app({**cpe_test_config, "CPE_CSP_MEDIA_SRC": "'self' https://video.example.cn"})
    response = app.test_client().get("/chaoyang/")
    assert csp(response)["media-src"] == "'self' https://video.example.cn"
