"""Fixtures come from the ``cpe`` pytest plugin (:mod:`cpe_core.testing`); the fake providers
from :mod:`cpe_sms.testing`. Keys are made per test, so nothing here is a real key."""
from __future__ import annotations

import secrets

import pytest

from cpe_sms.testing import running_aliyun, running_tencent


@pytest.fixture
def cpe_plugins() -> str:
    return "chaoyang,guangdong,sms"


@pytest.fixture
def aliyun_keys() -> tuple[str, str]:
    return f"LTAI{secrets.token_hex(8)}", secrets.token_urlsafe(24)


@pytest.fixture
def tencent_keys() -> tuple[str, str]:
    return f"AKID{secrets.token_hex(8)}", secrets.token_urlsafe(24)


@pytest.fixture
def fake_aliyun(aliyun_keys):
    with running_aliyun(*aliyun_keys) as fake:
        yield fake


@pytest.fixture
def fake_tencent(tencent_keys):
    with running_tencent(*tencent_keys) as fake:
        yield fake


@pytest.fixture
def sms_settings(fake_aliyun, fake_tencent, aliyun_keys, tencent_keys) -> dict:
    """Guangdong texts through Alibaba Cloud, Chaoyang through Tencent Cloud, each with its
    own signature and templates."""
    return {
        "CPE_ALIYUN_SMS_ACCESS_KEY_ID": aliyun_keys[0],
        "CPE_ALIYUN_SMS_ACCESS_KEY_SECRET": aliyun_keys[1],
        "CPE_ALIYUN_SMS_ENDPOINT": fake_aliyun.url,
        "CPE_TENCENT_SMS_SECRET_ID": tencent_keys[0],
        "CPE_TENCENT_SMS_SECRET_KEY": tencent_keys[1],
        "CPE_TENCENT_SMS_SDK_APP_ID": "1400000001",
        "CPE_TENCENT_SMS_ENDPOINT": fake_tencent.url,
        "CPE_SMS_TIMEOUT": 5,
        "CPE_SMS_REGIONS": {
            "guangdong": {"gateway": "aliyun", "sign_name": "广东会计继续教育",
                          "templates": {"password_reset": "SMS_100", "login": "SMS_101", "invoice": "SMS_102"}},
            "chaoyang": {"gateway": "tencent", "sign_name": "朝阳会计在线",
                         "templates": {"password_reset": "2001", "login": "2002", "invoice": "2003"}},
        },
    }


@pytest.fixture
def cpe_test_config(cpe_test_config, sms_settings) -> dict:
    return {**cpe_test_config, **sms_settings}
