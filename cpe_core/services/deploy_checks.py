"""``cpe check --deploy``: what a deployer should fix before going live, in the manner of Django's
deployment checks. Each finding has a stable code, a level (``error`` stops the check with a
non-zero status, ``warning`` does not), what is wrong and the fix.

It reads the settings as the app does (:func:`cpe_core.settings.load_settings`), then builds the
app when it can, to ask the database, Redis and the plugins what they say."""
from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import PluginError
from ..settings import engine_url, instance_path, is_production, load_settings, test_switches_on

ERROR = "error"
WARNING = "warning"
#: The shortest secret key accepted: 32 random bytes, as ``secrets.token_hex(32)`` makes.
MIN_SECRET_LENGTH = 32


@dataclass(frozen=True)
class Finding:
    code: str
    level: str
    message: str
    fix: str


def check(instance: str | None = None) -> list[Finding]:
    """Every finding for the deployment whose instance folder is ``instance`` (default: the app's)."""
    folder = instance_path(instance)
    try:
        settings = load_settings(folder)
    except PluginError as error:
        return [Finding("cpe.E001", ERROR, f"设置无法加载：{error}", "按提示修改 instance/cpe.cfg 或环境变量。")]
    found = list(_settings_findings(settings))
    found.extend(_folder_findings(settings, folder))
    found.extend(_service_findings(settings, folder))
    return found


def _settings_findings(settings: dict[str, Any]):
    if not is_production(settings):
        yield Finding("cpe.E002", ERROR, f"CPE_ENV={settings.get('CPE_ENV')}：这是开发或测试环境的设置。",
                      "生产环境请删除 CPE_ENV 或设为 production。")
    secret = str(settings.get("SECRET_KEY") or "")
    if len(secret) < MIN_SECRET_LENGTH:
        yield Finding("cpe.E003", ERROR, f"CPE_SECRET_KEY 太短（{len(secret)}个字符）。",
                      "用 python -c 'import secrets; print(secrets.token_hex(32))' 生成，写入 instance/cpe.cfg。")
    switches = test_switches_on(settings)
    if switches:
        yield Finding("cpe.E004", ERROR, f"测试开关已打开：{', '.join(switches)}。", "在 instance/cpe.cfg 或环境变量中关闭它们。")
    yield from _retention_findings(settings)
    if not settings.get("SESSION_COOKIE_SECURE"):
        yield Finding("cpe.W001", WARNING, "会话 Cookie 未设置 Secure（CPE_SECURE_COOKIES 关闭）。",
                      "通过 HTTPS 提供服务，并删除 CPE_SECURE_COOKIES=False。")
    if str(settings.get("CPE_DATABASE_URL", "")).startswith("sqlite"):
        yield Finding("cpe.W002", WARNING, "数据库是 SQLite：只适合单机部署。",
                      "多进程或多台服务器部署请使用 PostgreSQL（pip install 'cpe[postgres]'）。")
    if str(settings.get("CPE_RATELIMIT_STORAGE_URI", "memory://")).startswith("memory"):
        yield Finding("cpe.W003", WARNING, "登录限速保存在进程内存中：多个 worker 各计各的。",
                      "设置 CPE_RATELIMIT_STORAGE_URI=redis://127.0.0.1:6379。")
    if not settings.get("CPE_SMTP_HOST"):
        yield Finding("cpe.W004", WARNING, "未设置 CPE_SMTP_HOST：电子发票无法通过邮件发送。", "设置 CPE_SMTP_HOST 等邮件服务器参数。")


def _retention_findings(settings: dict[str, Any]):
    from .retention import PERIODS

    for setting, default in PERIODS.values():
        value = settings.get(setting, default)
        if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).strip().isdigit():
            yield Finding("cpe.E005", ERROR, f"{setting}={value!r} 不是保存天数：定期清理任务将无法运行。",
                          f"将 {setting} 设为 0（永久保存）或正整数天数。")


def _folder_findings(settings: dict[str, Any], instance: str):
    font = settings.get("CPE_CJK_FONT") or "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
    if not Path(font).is_file():
        yield Finding("cpe.E010", ERROR, f"证书字体不存在：{font}。",
                      "安装 fonts-wqy-microhei，或将 CPE_CJK_FONT 指向一个中文 TrueType 字体。")
    static = (Path(__file__).resolve().parents[1] / "static").resolve()
    for key, default in (("CPE_UPLOAD_DIR", "uploads"), ("CPE_EXPORT_DIR", "exports")):
        path = Path(settings.get(key) or Path(instance) / default).resolve()
        if path == static or static in path.parents:
            yield Finding("cpe.E011", ERROR, f"{key}（{path}）在网站静态目录中，上传和导出的文件可被任何人下载。",
                          f"将 {key} 设为网站目录以外的路径。")
        elif not _writable(path):
            yield Finding("cpe.E012", ERROR, f"{key}（{path}）不可写。", f"创建该目录并授予运行 cpe 的用户写权限，或修改 {key}。")


def _writable(path: Path) -> bool:
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path):
            return True
    except OSError:
        return False


def _service_findings(settings: dict[str, Any], instance: str):
    from sqlalchemy import create_engine
    from sqlalchemy.exc import SQLAlchemyError

    url = engine_url(settings, instance)
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            current = set(_current_heads(connection))
    except SQLAlchemyError as error:
        yield Finding("cpe.E020", ERROR, f"无法连接数据库：{type(error).__name__}。", "检查 CPE_DATABASE_URL 和数据库服务。")
        return
    finally:
        engine.dispose()
    expected = set(_script_heads())
    if current != expected:
        yield Finding("cpe.E021", ERROR, f"数据库未迁移到最新版本（当前 {sorted(current) or '无'}，应为 {sorted(expected)}）。",
                      "运行 cpe db upgrade heads。")
    for key in ("CPE_CELERY_BROKER_URL", "CPE_RATELIMIT_STORAGE_URI"):
        value = str(settings.get(key) or "")
        if value.startswith("redis") and not _redis_answers(value):
            yield Finding("cpe.E030", ERROR, f"{key} 指向的 Redis 无法连接。", f"启动 Redis，或修改 {key}。")
    yield from _plugin_findings(settings)


def _current_heads(connection) -> list[str]:
    from alembic.runtime.migration import MigrationContext

    return list(MigrationContext.configure(connection).get_current_heads())


def _script_heads() -> list[str]:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from ..app import MIGRATIONS

    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    return list(ScriptDirectory.from_config(config).get_heads())


def _redis_answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


def _plugin_findings(settings: dict[str, Any]):
    from ..plugins import load_plugins
    from ..regions import Regions

    try:
        regions = Regions(load_plugins(settings["CPE_PLUGINS"]))
    except PluginError as error:
        yield Finding("cpe.E040", ERROR, f"插件无法加载：{error}", "按提示修改 CPE_PLUGINS 或安装缺少的插件。")
        return
    if not regions.codes():
        yield Finding("cpe.E041", ERROR, "没有启用任何地区插件。", "安装地区插件，并在 CPE_PLUGINS 中列出。")
    # A provider plugin names what its partly configured merchant accounts lack (never a value).
    for line in regions.missing_payment_settings(settings):
        yield Finding("cpe.E043", ERROR, f"支付方式缺少设置，未启用：{line}。",
                      "在 instance/cpe.cfg 或环境变量中补齐该设置（密钥可用 *_FILE 指向文件）。")
    for code in regions.codes():
        export = regions.get(code).credit_export(regions.get(code).current_year(_today()))
        if export is None or "push" not in export.formats:
            continue
        for key in (export.push_url_setting, export.push_token_setting):
            if key and not (settings.get(key) or os.environ.get(key)):
                if export.push_required:
                    yield Finding("cpe.E042", ERROR, f"地区 {code} 向省平台上报学分，但未设置 {key}。", f"在 instance/cpe.cfg 或环境变量中设置 {key}。")
                else:
                    yield Finding("cpe.W005", WARNING, f"地区 {code} 可回传学分，但未设置 {key}，不会回传。", f"需要回传时在 instance/cpe.cfg 或环境变量中设置 {key}。")
    yield from _sms_findings(settings, regions)
    yield from _wechat_findings(settings)


def _wechat_findings(settings: dict[str, Any]):
    """The mini-program sign-in needs its id and its secret, or neither (E046)."""
    from ..keys import DeploymentSettings

    resolved = DeploymentSettings(settings)
    given = {name: bool(resolved.get(name)) for name in ("CPE_WECHAT_APP_ID", "CPE_WECHAT_APP_SECRET")}
    if any(given.values()) and not all(given.values()):
        missing = [name for name, present in given.items() if not present]
        yield Finding("cpe.E046", ERROR, f"微信小程序登录缺少 {'、'.join(missing)}。",
                      "同时设置小程序的 AppID 与 AppSecret（密钥可用环境变量或 _FILE 文件），或都不设置。")


def _sms_findings(settings: dict[str, Any], regions):
    """Every region texts codes (password reset, for some sign-in) and invoice links: each needs
    a gateway with its keys (E044), a signature and a template per purpose it sends (E045)."""
    from ..keys import DeploymentSettings
    from ..sms import routes

    resolved = DeploymentSettings(settings)
    try:
        found = routes(resolved, regions.sms_gateways(resolved), regions.codes())
    except PluginError as error:
        yield Finding("cpe.E044", ERROR, f"短信设置无法读取：{error}", "按 README 的 CPE_SMS_REGIONS 示例修改。")
        return
    for code, route in found.items():
        if route.gateway is None:
            yield Finding("cpe.E044", ERROR, f"地区 {code} 要发送短信验证码，但没有可用的短信网关：{route.problem}。",
                          "在 CPE_SMS_REGIONS 中为该地区选择网关（aliyun 或 tencent），并设置该网关的密钥。")
            continue
        if route.gateway.code == "log":
            continue
        needed = ["password_reset", "invoice"] + (["login"] if regions.get(code).sms_policy().login else [])
        lacking = [purpose for purpose in needed if not route.account.templates.get(purpose)]
        if not route.account.sign_name or lacking:
            what = "、".join((["签名 sign_name"] if not route.account.sign_name else []) + [f"模板 {p}" for p in lacking])
            yield Finding("cpe.E045", ERROR, f"地区 {code} 的短信（{route.gateway.code}）缺少{what}。",
                          "在 CPE_SMS_REGIONS 中填写短信服务商审核通过的签名和模板编号。")


def _today():
    from .. import clock

    return clock.SystemClock().now().astimezone(clock.SHANGHAI).date()
