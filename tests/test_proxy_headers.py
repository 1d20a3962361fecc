"""Behind the documented reverse proxy (``CPE_PROXY_COUNT = 1``) each visitor is counted at their
own address, taken from ``X-Forwarded-For``; without the setting every request seems to come from
the proxy, so one visitor's captchas would use up everyone's."""
from __future__ import annotations

import pytest


@pytest.fixture
def cpe_test_config(cpe_test_config, request):
    return {**cpe_test_config, "CPE_CAPTCHA_LIMIT_ADDRESS": "2 per 10 minutes",
            "CPE_PROXY_COUNT": getattr(request, "param", 1)}


def captcha_from(testapp, address: str) -> int:
    return testapp.post("/api/v1/captcha", extra_environ={"REMOTE_ADDR": "127.0.0.1"},
                        headers={"X-Forwarded-For": address}, expect_errors=True).status_int


def test_behind_one_proxy_each_visitor_is_limited_at_their_own_address(testapp):
    assert [captcha_from(testapp, "203.0.113.5") for _ in range(3)] == [201, 201, 429]
    assert captcha_from(testapp, "198.51.100.7") == 201


@pytest.mark.parametrize("cpe_test_config", [0], indirect=True)
def test_without_the_setting_every_visitor_shares_the_proxys_address(testapp):
    assert [captcha_from(testapp, "203.0.113.5") for _ in range(2)] == [201, 201]
    assert captcha_from(testapp, "198.51.100.7") == 429
