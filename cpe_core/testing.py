"""pytest support for cpe and for region plugins written outside this repository.

Installed as the pytest plugin ``cpe`` (entry point ``pytest11``), it offers:

- ``app``: a fresh app per test on a migrated, empty database. The database is
  ``CPE_DATABASE_URL`` if set (PostgreSQL in CI), else a SQLite file in the test's tmp folder.
  Override the ``cpe_plugins`` fixture (a ``CPE_PLUGINS`` string) or ``extra_plugins`` (a list
  of ``(name, plugin)``) to choose the plugins.
- ``testapp``: a WebTest ``TestApp`` on ``app``; ``clock``: the app's controllable clock.
- ``make_learner``, ``make_staff`` and ``make_course``: factories that commit.
- :class:`RegionContract`: a test class a region plugin subclasses to check its answers are well
  formed (``class TestMyRegion(RegionContract): region = "xiamen"``).
- :func:`require_or_skip`: skip when a server or browser is missing, except under
  ``CPE_REQUIRE_SERVICES=1`` (set by ``.ci/run``), where the same condition fails the test.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from hookspecs import (
    KINDS,
    ROLES,
    Cart,
    CartItem,
    Eligibility,
    LearnerFacts,
    LearnerYear,
    Quote,
    RegionInfo,
)

from .clock import FixedClock, SHANGHAI

#: A moment inside most programme years, so tests do not depend on today's date.
DEFAULT_NOW = dt.datetime(2024, 6, 15, 10, 0, tzinfo=SHANGHAI)
CAPTCHA_TEST_ANSWER = "7K3P"
FAST_HASH = "pbkdf2:sha256:1000"  # tests create many users; production keeps scrypt
CJK = re.compile(r"[\u4e00-\u9fff]")
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def require_or_skip(reason: str) -> None:
    """Skip with a loud reason on a laptop; fail in CI (``CPE_REQUIRE_SERVICES=1``)."""
    if os.environ.get("CPE_REQUIRE_SERVICES") == "1":
        pytest.fail(f"required in CI but missing: {reason}")
    pytest.skip(f"SKIPPED, NOT TESTED: {reason}")


def id_number(area: str = "110101", birth: str = "19900307", sequence: int = 1) -> str:
    """A GB 11643 ID number with a correct check character, for tests and demo data."""
    body = f"{area}{birth}{sequence:03d}"
    total = sum(int(digit) * weight for digit, weight in zip(body, ID_WEIGHTS))
    return body + "10X98765432"[total % 11]


# --- database ------------------------------------------------------------------------------


def _is_postgres(url: str) -> bool:
    return url.startswith("postgresql")


def _migrate(url: str) -> None:
    from flask_migrate import upgrade

    from . import create_app

    app = create_app({"TESTING": True, "CPE_ENV": "testing", "CPE_DATABASE_URL": url, "CPE_PLUGINS": ""})
    with app.app_context():
        from .extensions import db

        if _is_postgres(url):
            with db.engine.begin() as connection:
                connection.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        upgrade(revision="heads")  # issues may add parallel migration branches
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def cpe_database_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Migrate once per session: PostgreSQL in place, SQLite into a template file to copy."""
    url = os.environ.get("CPE_DATABASE_URL", "")
    if url:
        if _is_postgres(url):
            _check_postgres(url)
            url = _worker_database(url)
        _migrate(url)
        return url
    template = tmp_path_factory.mktemp("db") / "template.sqlite3"
    _migrate(f"sqlite:///{template}")
    return str(template)


def _worker_database(url: str) -> str:
    """Under pytest-xdist each worker process truncates tables before every test, so each gets a
    database of its own (``<name>_gw0``, ...), created next to ``url``'s on first use."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    import sqlalchemy

    base = sqlalchemy.engine.make_url(url)
    name = f"{base.database}_{worker}"
    engine = sqlalchemy.create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        exists = connection.execute(sqlalchemy.text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                    {"name": name}).scalar()
        if not exists:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def _check_postgres(url: str) -> None:
    import sqlalchemy

    try:
        engine = sqlalchemy.create_engine(url)
        with engine.connect():
            pass
        engine.dispose()
    except sqlalchemy.exc.OperationalError as error:
        pytest.exit(f"CPE_DATABASE_URL is set but PostgreSQL cannot be reached: {error}", 3)


@pytest.fixture
def cpe_database_url(cpe_database_template: str, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database for one test."""
    if os.environ.get("CPE_DATABASE_URL"):
        url = cpe_database_template
        _truncate(url)
        yield url
        return
    target = tmp_path / "cpe.sqlite3"
    shutil.copyfile(cpe_database_template, target)
    yield f"sqlite:///{target}"


def _truncate(url: str) -> None:
    import sqlalchemy

    from .extensions import db

    engine = sqlalchemy.create_engine(url)
    tables = [t.name for t in db.metadata.sorted_tables]
    with engine.begin() as connection:
        if _is_postgres(url):
            quoted = ", ".join(f'"{name}"' for name in tables)
            connection.exec_driver_sql(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE")
        else:
            for name in reversed(tables):
                connection.exec_driver_sql(f'DELETE FROM "{name}"')
    engine.dispose()


# --- app -----------------------------------------------------------------------------------


@pytest.fixture
def cpe_plugins() -> str:
    """``CPE_PLUGINS`` for the test's app: every installed plugin unless overridden."""
    return "*"


@pytest.fixture
def extra_plugins() -> list[tuple[str, object]]:
    """Plugins registered directly (throwaway test plugins)."""
    return []


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(DEFAULT_NOW)


@pytest.fixture
def cpe_test_config(cpe_database_url: str, clock: FixedClock, cpe_plugins: str) -> dict[str, Any]:
    return {
        "TESTING": True,
        "CPE_ENV": "testing",
        "CPE_DATABASE_URL": cpe_database_url,
        "CPE_PLUGINS": cpe_plugins,
        "CPE_PASSWORD_METHOD": FAST_HASH,
        "CPE_CLOCK": clock,
        "SECRET_KEY": "test-secret",
        # Every captcha's answer, pre-filled in the forms (honoured only when TESTING).
        "CPE_CAPTCHA_TEST_ANSWER": CAPTCHA_TEST_ANSWER,
    }


@pytest.fixture
def app(cpe_test_config: dict[str, Any], extra_plugins: list[tuple[str, object]]):
    from . import create_app
    from .extensions import db

    app = create_app(cpe_test_config, plugins=extra_plugins)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def testapp(app):
    from webtest import TestApp

    return TestApp(FreshRequestGlobals(app))


class FreshRequestGlobals:
    """Give every WebTest request an empty ``g``, as a real server does.

    The ``app`` fixture keeps an app context pushed for the test body, and Flask reuses a pushed
    context for requests, so ``g`` (Flask-Login's user, Flask-Babel's locale) would otherwise
    leak from one request into the next and hide bugs.
    """

    def __init__(self, app) -> None:
        self.app = app

    def __getattr__(self, name: str):
        # ``testapp.app.extensions`` and the like still reach the Flask app.
        return getattr(self.app, name)

    def __call__(self, environ, start_response):
        from flask import g

        from .extensions import db

        g.__dict__.clear()
        try:
            return self.app(environ, start_response)
        finally:
            # A real server's request ends its database session (Flask-SQLAlchemy's teardown),
            # so the next one reads afresh. Here the request shares the test's session: end its
            # transaction as the teardown would, else its old SQLite snapshot outlives writes
            # made meanwhile on other pooled connections (the quick heartbeat's), and its next
            # write fails with "database is locked".
            db.session.rollback()


@pytest.fixture
def make_learner(app) -> Callable[..., Any]:
    """``make_learner(region, **fields)`` -> a committed learner with a valid ID number.

    Returns the :class:`cpe_core.models.User` (its ``login`` is the ID number unless ``login``
    is given; ``.profile`` holds the fields, e.g. ``collection_region=region``)."""
    from .extensions import db
    from .services.accounts import create_user

    counter = iter(range(1, 1000))

    def make(region: str, *, login: str | None = None, name: str = "测试学员", password: str = "Passw0rd!", **profile: Any):
        number = next(counter)
        identity = profile.pop("id_number", None) or id_number(sequence=number)
        user = create_user(
            region=region,
            login=login or identity,
            name=name,
            password=password,
            phone=profile.pop("phone", f"1380000{number:04d}"),
            role=profile.pop("role", "learner"),
            **({"id_number": identity, **profile}),
        )
        db.session.commit()
        return user

    return make


@pytest.fixture
def make_staff(app) -> Callable[..., Any]:
    """``make_staff(region, role="admin")`` -> a committed staff account (password Passw0rd!)."""
    from .extensions import db
    from .services.accounts import create_user

    def make(region: str | None, role: str = "admin", login: str | None = None, name: str = "工作人员"):
        user = create_user(
            region=region, login=login or f"{region or 'site'}-{role}", name=name, password="Passw0rd!", role=role
        )
        db.session.commit()
        return user

    return make


@pytest.fixture
def make_course(app) -> Callable[..., Any]:
    """``make_course(region, year, kind, credits, **fields)`` -> a committed course with one chapter."""
    from .extensions import db
    from .models import Chapter, Course

    counter = iter(range(1, 10000))

    def make(region: str, year: int, kind: str = "professional", credits: int = 10, **fields: Any):
        number = next(counter)
        course = Course(
            region=region,
            year=year,
            kind=kind,
            credits=credits,
            code=fields.pop("code", f"T{number:04d}"),
            title=fields.pop("title", f"测试课程{number}"),
            **fields,
        )
        course.chapters.append(Chapter(position=1, title="第一章", duration_seconds=120))
        db.session.add(course)
        db.session.commit()
        return course

    return make


@pytest.fixture
def make_institution(app) -> Callable[..., Any]:
    """``make_institution(region, name, level=None, **details)`` -> a committed
    :class:`cpe_core.models.Institution` (培训机构), for regions whose ``cpe_institution_policy``
    lets learners choose or enrol; ``level`` for a school of one level only; ``details``:
    ``url`` (where 进入网校 leads), ``introduction``, ``contact``, ``fees``."""
    from .extensions import db
    from .models import Institution

    def make(region: str, name: str, level: str | None = None, **details: str):
        institution = Institution(region=region, name=name, level=level, **details)
        db.session.add(institution)
        db.session.commit()
        return institution

    return make


def login(testapp, region: str | None, login_name: str, password: str = "Passw0rd!"):
    """Sign in through the real login form; where the region asks a choice at sign-in (e.g.
    a 用户类型), the account's own is chosen, as its owner would."""
    path = f"/{region}/login" if region else "/login"
    form = testapp.get(path).forms["login"]
    form["login"] = login_name
    form["password"] = password
    if "login_choice" in form.fields:
        form["login_choice"] = own_login_choice(region, login_name)
    return form.submit()


def own_login_choice(region: str, login_name: str) -> str:
    """The login choice (``RegistrationSpec.login_choice``) the account ``login_name`` of
    ``region`` would choose: its profile's value for a learner, ``staff`` for staff."""
    from sqlalchemy import select

    from .extensions import db
    from .models import User
    from .regions import rules_for
    from .services.signin import STAFF_CHOICE

    field = rules_for(region).registration_spec().login_choice_field()
    user = db.session.scalar(select(User).where(User.region == region, User.login == login_name))
    if user is None or field is None or user.role != "learner":
        choice = STAFF_CHOICE
    else:  # a learner whose profile holds no value may choose any (the first, here)
        own = getattr(user.profile, field.name, None) if user.profile is not None else None
        choice = own or field.choices[0][0]
    db.session.rollback()  # no read transaction left open (SQLite would block the app's write)
    return choice


def api_captcha(testapp) -> dict[str, str]:
    """A fresh API captcha challenge answered: ``{"captcha_id", "captcha"}``, to merge into a
    ``/api/v1`` register or login body (the answer is ``CAPTCHA_TEST_ANSWER``)."""
    challenge = testapp.post("/api/v1/captcha", status=201).json
    return {"captcha_id": challenge["captcha_id"], "captcha": CAPTCHA_TEST_ANSWER}


# --- the contract every region plugin must meet --------------------------------------------


def openapi_body_properties(document: dict[str, Any], operation: dict[str, Any]) -> dict[str, Any]:
    """The properties of an OpenAPI operation's JSON request body (its ``$ref`` followed)."""
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    if "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema["properties"]


class RegionContract:
    """Checks that a region plugin's answers are well formed. Subclass it in your tests::

        from cpe_core.testing import RegionContract

        class TestXiamen(RegionContract):
            region = "xiamen"

    Override ``cpe_plugins`` in your conftest if the app should load only some plugins.
    """

    region: str = ""

    @pytest.fixture
    def rules(self, app):
        from .regions import rules_for

        return rules_for(self.region)

    @pytest.fixture
    def year(self, rules) -> int:
        from .services.years import current_year

        return current_year(rules.code)

    def test_region_info_is_complete(self, rules):
        info: RegionInfo = rules.info
        assert info.code == self.region, f"cpe_regions declares {info.code!r}, but this contract test is for {self.region!r}"
        assert CJK.search(info.name) and CJK.search(info.authority), "RegionInfo.name and .authority (主管部门) must be Chinese"
        for colour in (info.branding.primary_color, info.branding.accent_color):
            assert re.fullmatch(r"#[0-9a-fA-F]{6}", colour), colour
        assert info.branding.logo_svg.lstrip().startswith(("<svg", "<?xml")), "Branding.logo_svg must be inline SVG markup"
        assert info.contact.phone, "RegionInfo.contact needs a phone number (联系我们)"
        assert info.unit in ("credit", "hour"), f"RegionInfo.unit is {info.unit!r}: use \"credit\" (学分) or \"hour\" (学时)"
        slugs = [notice.slug for notice in info.notices]
        assert len(slugs) == len(set(slugs)), "notice slugs must be unique"
        assert all(CJK.search(n.title) for n in info.notices), "every notice (通知公告) needs a Chinese title"
        assert all(CJK.search(q.question) and q.answer for q in info.faq), "every FAQ entry needs a Chinese question and an answer"

    def test_requirements_are_well_formed(self, rules, year):
        req = rules.requirements(year)
        assert (req.region, req.year) == (self.region, year), f"cpe_year_requirements({year}) answered for {req.region!r} {req.year}"
        assert req.period_start <= req.period_end, f"{year}: the period ends ({req.period_end}) before it starts ({req.period_start})"
        assert req.total > 0 and req.unit == rules.info.unit, f"{year}: total must be positive and the unit {rules.info.unit!r} of RegionInfo (got {req.total}, {req.unit!r})"
        assert set(req.minimums) <= set(KINDS), f"{year}: minimums name unknown kinds {sorted(set(req.minimums) - set(KINDS))}; kinds are {KINDS}"
        assert sum(req.minimums.values()) <= req.total, f"{year}: the minimums add up to more than the total {req.total}"

    def test_eligibility_gives_chinese_reasons(self, rules, year):
        blank = LearnerFacts(learner_id=0, region=self.region)
        answer = rules.eligibility(blank, year)
        assert isinstance(answer, Eligibility) and answer.reasons, "cpe_check_eligibility must return an Eligibility with at least one reason when it refuses"
        assert all(reason.code and CJK.search(reason.message) for reason in answer.reasons), f"each eligibility reason needs a code and a Chinese message: {answer.reasons}"

    def test_quotes_are_integer_fen(self, rules, year):
        facts = LearnerFacts(learner_id=0, region=self.region)
        item = CartItem(sku="course:contract", title="合同测试课程", kind="professional", credits=10, course_id=1)
        for mode in rules.purchase_modes(facts, year):
            assert mode.code and CJK.search(mode.name), f"purchase mode {mode!r} needs a code and a Chinese name"
            cart = Cart(region=self.region, year=year, mode=mode.code, learner=facts, items=(item,))
            quote = rules.quote(cart)
            assert isinstance(quote, Quote) and quote.lines, f"cpe_quote for mode {mode.code!r} must return a Quote with lines"
            for line in quote.lines:
                assert isinstance(line.unit_price_fen, int) and line.unit_price_fen >= 0, f"{mode.code}: prices are integer fen, not negative: {line!r}"
                assert isinstance(line.quantity, int) and line.quantity >= 0, f"{mode.code}: quantities are whole numbers: {line!r}"
            assert isinstance(quote.total_fen, int), f"{mode.code}: the total is integer fen"

    def test_offset_types_are_well_formed(self, rules, year):
        types = rules.offset_types(year)
        codes = [t.code for t in types]
        assert len(codes) == len(set(codes)), f"codes must be unique: {codes}"
        for offset_type in types:
            assert offset_type.kind in KINDS and offset_type.roles, f"offset type {offset_type.code!r}: kind must be one of {KINDS} and roles not empty"
            assert offset_type.evidence.max_files >= offset_type.evidence.min_files, f"offset type {offset_type.code!r}: max_files below min_files"
            for role in offset_type.roles:
                assert role.credits >= 0 and offset_type.credits_for(role.code) >= 0, f"offset type {offset_type.code!r}, role {role.code!r}: credits cannot be negative"
            if any(role.per_unit for role in offset_type.roles):
                # The form asks for the units in an int field that quantity_field names.
                ints = {f.name for f in offset_type.fields if f.type == "int"}
                assert offset_type.quantity_field in ints, offset_type.code

    def test_application_statuses_name_known_codes_in_chinese(self, rules):
        labels = rules.application_statuses()  # raises on an unknown code
        blank = sorted(code for code, label in labels.items() if not (isinstance(label, str) and label.strip()))
        assert blank == [], f"cpe_application_statuses: the label of {blank} must be a non-empty string"

    def test_exam_policy_is_consistent(self, rules, year):
        policy = rules.exam_policy(year)
        if policy is None:
            return
        assert (policy.region, policy.year) == (self.region, year), f"cpe_exam_policy({year}) answered for {policy.region!r} {policy.year}"
        assert policy.sections and policy.time_limit_minutes > 0, f"{year}: an exam needs sections and a positive time limit"
        assert 0 < policy.pass_mark <= policy.full_marks, f"{year}: the pass mark {policy.pass_mark} must lie in 1..{policy.full_marks}"
        if policy.opens_at and policy.closes_at:
            assert policy.opens_at < policy.closes_at, f"{year}: the exam closes ({policy.closes_at}) before it opens ({policy.opens_at})"
            assert policy.opens_at.tzinfo is not None, f"{year}: exam times must be timezone-aware (Asia/Shanghai)"

    def test_credit_export_rows_match_columns(self, rules, year):
        export = rules.credit_export(year)
        if export is None:
            return
        sample = LearnerYear(
            learner_id=1, region=self.region, year=year, name="张三", id_number=id_number(),
            credits={"professional": 60, "public": 30}, total=90, complete=True, exam_score=80,
            study_minutes=2000,
        )
        assert len(export.row(sample)) == len(export.columns), f"{year}: an export row has {len(export.row(sample))} cells for {len(export.columns)} columns"
        assert set(export.formats) <= {"csv", "xlsx", "push"}, f"{year}: export formats are csv, xlsx or push, not {export.formats}"

    def test_demo_data_loads_twice_without_change(self, rules):
        from .services import demo

        from .clock import today_in_shanghai

        today = today_in_shanghai()
        year = rules.current_year(today)
        data = rules.demo_data(year, today)
        if data is None:
            return
        assert data.year == year, "cpe_demo_data must fill the year it is asked for"
        assert all(course.kind in KINDS and course.credits > 0 for course in data.courses), f"demo courses need a kind of {KINDS} and positive credits"
        assert all(account.role in ROLES for account in data.accounts), f"demo accounts' roles must be among {ROLES}"
        first = demo.load(rules)
        second = demo.load(rules)
        assert first.courses == len(data.courses), f"the demo loaded {first.courses} of {len(data.courses)} courses"
        assert not any("stopped" in line or "refused" in line for line in first.stages), first.stages
        assert (second.courses, second.accounts, second.institutions, second.settings) == (0, 0, 0, 0), f"loading the demo twice added rows: {second}"


# --- live server and browser ---------------------------------------------------------------

#: Debian's Chromium; Playwright's own download cannot be fetched on these machines.
CHROMIUM = os.environ.get("CPE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def live_server(app) -> Iterator[str]:
    """Serve the test's ``app`` on 127.0.0.1 (a free port) from a thread; yields the base URL.

    Each request runs in its own app context and database session, so the browser sees only
    what the test has committed (the factories commit). Before driving the browser, leave no
    transaction open in the test's session (touching a committed object opens one): on SQLite
    it would block the server's writes, on PostgreSQL the next test's TRUNCATE. Call
    ``db.session.commit()`` or ``db.session.remove()`` after setting up data.
    """
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    # Chromium keeps connections alive; closing the server must not wait for their threads.
    server.block_on_close = False
    thread = threading.Thread(target=server.serve_forever, name="cpe-live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium driven by Playwright, one per test session.

    Missing Chromium or Playwright, or a failed launch, skips on a laptop and fails in CI.
    """
    if not Path(CHROMIUM).exists():
        require_or_skip(f"{CHROMIUM} not found (apt-get install chromium fonts-wqy-microhei)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require_or_skip("Python playwright is not installed (pip install -e '.[test]')")
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=list(CHROMIUM_ARGS), headless=True
        )
    except Exception as error:  # noqa: BLE001 - any launch failure means "no browser here"
        playwright.stop()
        require_or_skip(f"Chromium did not start: {error}")
    try:
        yield chromium
    finally:
        chromium.close()
        playwright.stop()


@pytest.fixture
def browser_viewport() -> dict[str, int]:
    """The ``page`` fixture's viewport; override or parametrize it, e.g. with :data:`PHONE`."""
    return dict(DESKTOP)


#: Reports every Content-Security-Policy violation of every document to the test.
CSP_REPORTER = """document.addEventListener("securitypolicyviolation", (event) => {
  window.__cpeCspViolation({directive: event.violatedDirective, blocked: event.blockedURI,
                            page: event.documentURI, sample: event.sample});
});"""


@pytest.fixture
def csp_violations() -> list[dict]:
    """The Content-Security-Policy violations the ``page`` fixture's documents reported (directive,
    blocked URI, page, sample). ``page`` fails the test if any are left at its end: clear the
    list in a test that provokes one on purpose."""
    return []


@pytest.fixture
def page(browser, live_server: str, browser_viewport: dict[str, int], csp_violations: list[dict]) -> Iterator[Any]:
    """A fresh browser context and page on ``live_server``: ``page.goto("/<region>/")``.

    A viewport narrower than a tablet is emulated as a phone (touch, honours the viewport meta).
    Every page must keep to the site's Content-Security-Policy (see :func:`csp_violations`).
    """
    phone = browser_viewport["width"] < 768
    context = browser.new_context(
        base_url=live_server,
        viewport=browser_viewport,
        is_mobile=phone,
        has_touch=phone,
        device_scale_factor=2 if phone else 1,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
    )
    context.set_default_timeout(10_000)
    context.expose_function("__cpeCspViolation", lambda violation: csp_violations.append(violation))
    context.add_init_script(CSP_REPORTER)
    try:
        yield context.new_page()
    finally:
        # Closed before live_server shuts down (page depends on it): no request is in flight.
        context.close()
    assert csp_violations == [], "the page broke the Content-Security-Policy"


@pytest.fixture(scope="session")
def artifact_dir() -> Path:
    """Where browser tests put screenshots for a person to look at (``test-artifacts/``)."""
    path = Path(os.environ.get("CPE_ARTIFACT_DIR", "test-artifacts"))
    path.mkdir(parents=True, exist_ok=True)
    return path
