"""Alibaba Cloud SMS and Tencent Cloud SMS, each through its official SDK.

Each gateway is built from the deployment's settings (keys, endpoint, timeout) and sends with
the :class:`~hookspecs.SmsAccount` of the region the core passes in (signature, template per
purpose). The SDKs are imported on the first send, so a deployment that loads this plugin but
sends nothing (``cpe plugins``, ``cpe export``) does not pay for them.

Endpoints are settings so tests can point them at fake servers on 127.0.0.1: a URL with its
scheme, ``https://dysmsapi.aliyuncs.com`` by default. Neither gateway retries: a send that
failed is reported to the learner, who may ask for a new code, and a retried send could reach
the phone twice.

Alibaba Cloud's SDK sends ``SendSms`` with the phone and the template variables (a code) in the
query string: the core keeps query strings out of urllib3's DEBUG lines (``cpe_core.keys``), and
``plugins/sms/tests/test_sms_secrets.py`` checks every log line of a send.
"""
from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from hookspecs import SmsAccount, SmsMessage
from hookspecs.secrets import secret, setting

TIMEOUT_SETTING = "CPE_SMS_TIMEOUT"
DEFAULT_TIMEOUT = 10.0


def _endpoint(url: str) -> tuple[str, str]:
    """``(scheme, host[:port])`` of an endpoint URL (a bare host means HTTPS)."""
    parts = urlsplit(url if "://" in url else f"https://{url}")
    return parts.scheme or "https", parts.netloc


def _timeout(settings: Mapping[str, object]) -> float:
    return float(setting(settings, TIMEOUT_SETTING) or DEFAULT_TIMEOUT)


def _template(message: SmsMessage, account: SmsAccount) -> str | None:
    template = account.templates.get(message.purpose)
    return template if template and account.sign_name else None


@dataclass(repr=False)
class AliyunGateway:
    """阿里云短信服务 (Dysmsapi 2017-05-25, ``SendSms``): named template variables, sent as JSON."""

    access_key_id: str
    access_key_secret: str
    endpoint: str = "https://dysmsapi.aliyuncs.com"
    timeout: float = DEFAULT_TIMEOUT
    code: str = "aliyun"
    name: str = "阿里云短信"
    missing: tuple[str, ...] = ()
    _client: object = field(default=None, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    KEY_ID = "CPE_ALIYUN_SMS_ACCESS_KEY_ID"
    KEY_SECRET = "CPE_ALIYUN_SMS_ACCESS_KEY_SECRET"
    ENDPOINT = "CPE_ALIYUN_SMS_ENDPOINT"

    @classmethod
    def from_settings(cls, settings: Mapping[str, object]) -> AliyunGateway:
        key_id, key_secret = setting(settings, cls.KEY_ID), secret(settings, cls.KEY_SECRET)
        missing = tuple(name for name, value in ((cls.KEY_ID, key_id), (cls.KEY_SECRET, key_secret)) if not value)
        return cls(key_id, key_secret, setting(settings, cls.ENDPOINT) or cls.endpoint, _timeout(settings),
                   missing=missing)

    def client(self):
        with self._lock:
            if self._client is None:
                from alibabacloud_dysmsapi20170525.client import Client
                from alibabacloud_tea_openapi.utils_models import Config

                scheme, host = _endpoint(self.endpoint)
                self._client = Client(Config(access_key_id=self.access_key_id,
                                             access_key_secret=self.access_key_secret,
                                             endpoint=host, protocol=scheme.upper()))
            return self._client

    def send(self, phone: str, message: SmsMessage, account: SmsAccount) -> bool:
        template = _template(message, account)
        if template is None:
            return False
        from alibabacloud_dysmsapi20170525.models import SendSmsRequest
        from darabonba.runtime import RuntimeOptions

        milliseconds = int(self.timeout * 1000)
        response = self.client().send_sms_with_options(
            SendSmsRequest(phone_numbers=phone, sign_name=account.sign_name, template_code=template,
                           template_param=json.dumps(dict(message.params), ensure_ascii=False)),
            RuntimeOptions(autoretry=False, max_attempts=0, read_timeout=milliseconds, connect_timeout=milliseconds),
        )
        return getattr(response.body, "code", None) == "OK"

    def __repr__(self) -> str:
        return f"<AliyunGateway {self.endpoint}>"


@dataclass(repr=False)
class TencentGateway:
    """腾讯云短信 (SMS 2021-01-11, ``SendSms``): numbered template variables (``{1}``, ``{2}``),
    sent in the order of :attr:`SmsMessage.params`."""

    secret_id: str
    secret_key: str
    app_id: str
    endpoint: str = "https://sms.tencentcloudapi.com"
    region: str = "ap-guangzhou"
    timeout: float = DEFAULT_TIMEOUT
    code: str = "tencent"
    name: str = "腾讯云短信"
    missing: tuple[str, ...] = ()
    _client: object = field(default=None, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    SECRET_ID = "CPE_TENCENT_SMS_SECRET_ID"
    SECRET_KEY = "CPE_TENCENT_SMS_SECRET_KEY"
    APP_ID = "CPE_TENCENT_SMS_SDK_APP_ID"
    ENDPOINT = "CPE_TENCENT_SMS_ENDPOINT"
    REGION = "CPE_TENCENT_SMS_REGION"

    @classmethod
    def from_settings(cls, settings: Mapping[str, object]) -> TencentGateway:
        values = {cls.SECRET_ID: setting(settings, cls.SECRET_ID), cls.SECRET_KEY: secret(settings, cls.SECRET_KEY),
                  cls.APP_ID: setting(settings, cls.APP_ID)}
        missing = tuple(name for name, value in values.items() if not value)
        return cls(values[cls.SECRET_ID], values[cls.SECRET_KEY], values[cls.APP_ID],
                   setting(settings, cls.ENDPOINT) or cls.endpoint, setting(settings, cls.REGION) or cls.region,
                   _timeout(settings), missing=missing)

    def client(self):
        with self._lock:
            if self._client is None:
                from tencentcloud.common.credential import Credential
                from tencentcloud.common.profile.client_profile import ClientProfile
                from tencentcloud.common.profile.http_profile import HttpProfile
                from tencentcloud.sms.v20210111.sms_client import SmsClient

                scheme, host = _endpoint(self.endpoint)
                profile = ClientProfile(httpProfile=HttpProfile(protocol=scheme, endpoint=host,
                                                                reqTimeout=int(self.timeout)))
                self._client = SmsClient(Credential(self.secret_id, self.secret_key), self.region, profile)
            return self._client

    def send(self, phone: str, message: SmsMessage, account: SmsAccount) -> bool:
        template = _template(message, account)
        if template is None:
            return False
        from tencentcloud.sms.v20210111.models import SendSmsRequest

        request = SendSmsRequest()
        request.PhoneNumberSet = [f"+86{phone}"]
        request.SmsSdkAppId = self.app_id
        request.SignName = account.sign_name
        request.TemplateId = template
        request.TemplateParamSet = [str(value) for value in message.params.values()]
        response = self.client().SendSms(request)
        statuses = response.SendStatusSet or []
        return bool(statuses) and all(status.Code == "Ok" for status in statuses)

    def __repr__(self) -> str:
        return f"<TencentGateway {self.endpoint}>"
