"""The typed façade over the hooks: the only module that calls ``manager.hook``.

Services ask :func:`rules_for` for a region's :class:`RegionRules` and call its methods. Each
method routes the call to the region's own plugin plus the region-agnostic ones (so one region's
price can never answer for another), and turns a missing answer into a named default or
a :class:`RuleError` with a stable code.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from types import MappingProxyType
from typing import Any

import pluggy

from hookspecs import (
    APPLICATION_STATUS_CODES,
    CollectionStep,
    RegistrationSpec,
    SmsGateway,
    SmsMessage,
    SmsPolicy,
    Cart,
    CertificateTemplate,
    CreditExport,
    DemoData,
    Eligibility,
    InstitutionPolicy,
    InvoiceDelivery,
    ExamPolicy,
    LearnerFacts,
    LearningResources,
    OffsetType,
    PaymentProvider,
    PurchaseMode,
    Quote,
    RatingPolicy,
    Reason,
    RegionInfo,
    Requirements,
    StudyPlanPolicy,
    YearSetting,
    YearSettings,
    UNIT_LABELS,
)

from .plugins import PluginSet


class UnknownRegion(LookupError):
    """No enabled plugin serves this region code."""


class RuleError(ValueError):
    """A rule refused the request; ``code`` is stable, ``message`` is Chinese."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


#: Where a region's admin-set year values come from: ``(region, year, declarations)`` to the
#: values the admin changed, by key (typed). None: every value is the plugin's default.
OverrideSource = Callable[[str, int, Sequence[YearSetting]], Mapping[str, Any]]

#: The make-up and period states of a programme year on a given day (see
#: :meth:`RegionRules.year_status`).
UPCOMING, OPEN, MAKEUP, CLOSED = "upcoming", "open", "makeup", "closed"


@dataclass(frozen=True)
class YearStatus:
    """Where programme ``year`` stands on ``day``: ``state`` is ``upcoming`` (its period has not
    begun), ``open`` (inside its period), ``makeup`` (after its period, until ``makeup_until``,
    the next year's make-up deadline) or ``closed``. Study, offsets and exams count for the year
    only while it is ``open`` or ``makeup``."""

    year: int
    day: dt.date
    state: str
    period_start: dt.date
    period_end: dt.date
    makeup_until: dt.date | None = None

    @property
    def counts(self) -> bool:
        return self.state in (OPEN, MAKEUP)

    @property
    def last_day(self) -> dt.date:
        """The last day anything counts for the year (its make-up deadline, if later)."""
        if self.makeup_until is not None and self.makeup_until > self.period_end:
            return self.makeup_until
        return self.period_end


class RegionRules:
    """The hooks of one region, typed."""

    def __init__(self, plugins: PluginSet, info: RegionInfo, overrides: OverrideSource | None = None) -> None:
        self.info = info
        self.code = info.code
        self._plugins = plugins
        self._callers: dict[str, Any] = {}
        self._overrides = overrides

    @property
    def unit_label(self) -> str:
        """学分 or 学时: what the region counts in (``RegionInfo.unit``), as a Chinese msgid."""
        return UNIT_LABELS[self.info.unit]

    @property
    def offsets_title(self) -> str:
        """What the region calls its offset section (``RegionInfo.offsets_title``), by default
        "<unit>抵免" (学分抵免)."""
        return self.info.offsets_title or f"{self.unit_label}抵免"

    @property
    def courses_title(self) -> str:
        """What the region calls its course catalogue (``RegionInfo.courses_title``), by default
        课程中心."""
        return self.info.courses_title or "课程中心"

    @cached_property
    def _foreign_plugins(self) -> Sequence[object]:
        own = self._plugins.region_plugins[self.code]
        return [p for p in self._plugins.all_region_plugins if p is not own]

    def _hook(self, name: str) -> Any:
        """The hook caller restricted to this region's plugin and the region-agnostic ones."""
        caller = self._callers.get(name)
        if caller is None:
            manager: pluggy.PluginManager = self._plugins.manager
            caller = manager.subset_hook_caller(name, remove_plugins=self._foreign_plugins)
            self._callers[name] = caller
        return caller

    # --- programme years -------------------------------------------------------------------

    def year_settings(self, year: int) -> list[YearSetting]:
        """What the region's admin may set for ``year`` (年度设置), in display order."""
        return list(self._hook("cpe_year_settings")(region=self.code, year=year) or ())

    def settings(self, year: int) -> YearSettings:
        """``year``'s values: each declaration's default unless the admin set another."""
        declared = self.year_settings(year)
        if not declared:
            return MappingProxyType({})
        changed = self._overrides(self.code, year, declared) if self._overrides is not None else {}
        return MappingProxyType({
            setting.key: changed[setting.key] if setting.key in changed else setting.default
            for setting in declared
        })

    def requirements(self, year: int) -> Requirements:
        answer = self._hook("cpe_year_requirements")(region=self.code, year=year, settings=self.settings(year))
        if answer is None:
            raise RuleError("year_not_offered", f"{self.info.name}未开放{year}年度继续教育。")
        return answer

    def _offered(self, year: int) -> Requirements | None:
        try:
            return self.requirements(year)
        except RuleError:
            return None

    def current_year(self, today: dt.date) -> int:
        """The programme year the region's site opens on ``today``: the one whose period
        contains it (the newer when two overlap); else the newest that has already begun;
        else ``RegionInfo.current_year``. Follows the calendar with no plugin release."""
        started = None
        for year in (today.year + 1, today.year, today.year - 1):
            requirements = self._offered(year)
            if requirements is None or requirements.period_start > today:
                continue
            if today <= requirements.period_end:
                return year
            if started is None:
                started = year
        return started if started is not None else self.info.current_year

    def year_status(self, year: int, today: dt.date) -> YearStatus:
        """Whether study, offsets and exams count for ``year`` on ``today``: inside its period,
        or after it until the make-up deadline the next year's requirements give."""
        requirements = self.requirements(year)
        following = self._offered(year + 1)
        makeup_until = following.makeup_deadline if following is not None else None
        if today < requirements.period_start:
            state = UPCOMING
        elif today <= requirements.period_end:
            state = OPEN
        elif makeup_until is not None and today <= makeup_until:
            state = MAKEUP
        else:
            state = CLOSED
        return YearStatus(year, today, state, requirements.period_start, requirements.period_end, makeup_until)

    def open_years(self, today: dt.date) -> list[int]:
        """The years a learner may study on ``today``, newest first: the current one and any
        earlier year still open for making up."""
        current = self.current_year(today)
        found = [current]
        for year in (current - 1, current - 2):
            if self._offered(year) is not None and self.year_status(year, today).counts:
                found.append(year)
        return found

    def eligibility(self, learner: LearnerFacts, year: int) -> Eligibility:
        answer = self._hook("cpe_check_eligibility")(learner=learner, year=year)
        return answer if answer is not None else Eligibility.ok()

    def purchase_modes(self, learner: LearnerFacts, year: int) -> list[PurchaseMode]:
        """The modes on offer; an empty list means study here is free."""
        return list(self._hook("cpe_purchase_modes")(learner=learner, year=year, settings=self.settings(year)) or ())

    def quote(self, cart: Cart) -> Quote:
        try:
            answer = self._hook("cpe_quote")(cart=cart, settings=self.settings(cart.year))
        except ValueError as error:
            raise RuleError("cart_not_sellable", str(error)) from error
        if answer is None:
            raise RuleError("unknown_purchase_mode", f"本地区没有“{cart.mode}”购买方式。")
        if any(line.unit_price_fen < 0 or line.quantity < 0 for line in answer.lines):
            raise RuleError("invalid_quote", "价格计算有误，请联系管理员。")
        return answer

    def offset_types(self, year: int) -> list[OffsetType]:
        return list(self._hook("cpe_offset_types")(region=self.code, year=year) or ())

    def offset_type(self, year: int, code: str) -> OffsetType:
        for offset_type in self.offset_types(year):
            if offset_type.code == code:
                return offset_type
        raise RuleError("unknown_offset_type", "本地区没有这种学分抵免类型。")

    def application_statuses(self) -> dict[str, str]:
        """The region's own words for application status codes (only those it renames).

        :raises ValueError: when the plugin names a code that is not an application status.
        """
        answer = dict(self._hook("cpe_application_statuses")(region=self.code) or {})
        unknown = sorted(set(answer) - set(APPLICATION_STATUS_CODES))
        if unknown:
            raise ValueError(
                f"cpe_application_statuses of region {self.code!r} names unknown status code(s) "
                f"{', '.join(unknown)}; the codes are {', '.join(APPLICATION_STATUS_CODES)}."
            )
        return answer

    def exam_policy(self, year: int) -> ExamPolicy | None:
        """None: the region holds no exam that year."""
        return self._hook("cpe_exam_policy")(region=self.code, year=year, settings=self.settings(year))

    def certificate_template(self, year: int) -> CertificateTemplate | None:
        """None: the region issues no certificate that year."""
        return self._hook("cpe_certificate_template")(region=self.code, year=year)

    def credit_export(self, year: int) -> CreditExport | None:
        return self._hook("cpe_credit_export")(region=self.code, year=year)

    def institution_policy(self, year: int) -> InstitutionPolicy | None:
        """How learners choose an institution in ``year``; None: they do not choose one."""
        return self._hook("cpe_institution_policy")(region=self.code, year=year)

    def learning_resources(self, year: int) -> LearningResources | None:
        """The providers of the region's 学习资源 page for ``year``; None: no such page."""
        return self._hook("cpe_learning_resources")(region=self.code, year=year)

    def study_plan_policy(self, year: int) -> StudyPlanPolicy:
        """What learners may remove from their ``year`` plan; the default lets a started course
        be removed (its record kept)."""
        answer = self._hook("cpe_study_plan_policy")(region=self.code, year=year)
        return answer if answer is not None else StudyPlanPolicy(region=self.code, year=year)

    def rating_policy(self, year: int) -> RatingPolicy:
        """What learners may rate for ``year``; the default: nothing."""
        answer = self._hook("cpe_rating_policy")(region=self.code, year=year)
        return answer if answer is not None else RatingPolicy()

    def demo_data(self, year: int, today: dt.date) -> DemoData | None:
        return self._hook("cpe_demo_data")(region=self.code, year=year, today=today)

    def registration_spec(self) -> RegistrationSpec:
        """How learners register and sign in; the default asks an ID number, name and password."""
        answer = self._hook("cpe_registration_form")(region=self.code)
        return answer if answer is not None else RegistrationSpec()

    def collection_steps(self) -> list[CollectionStep]:
        """The info-collection steps; empty when the region collects nothing itself."""
        return list(self._hook("cpe_collection_steps")(region=self.code) or ())

    def sms_policy(self) -> SmsPolicy:
        """Whether learners may sign in with an SMS code, and the region's daily limit of codes
        per phone (None: the deployment's)."""
        answer = self._hook("cpe_sms_policy")(region=self.code)
        return answer if answer is not None else SmsPolicy()

    def send_sms(self, phone: str, sms: SmsMessage) -> bool:
        """Text ``sms`` to ``phone``: a plugin's own ``cpe_send_sms`` first (the development
        outbox), else the core's default, the region's gateway (``CPE_SMS_REGIONS``,
        :mod:`cpe_core.sms`). True once accepted."""
        return bool(self._hook("cpe_send_sms")(region=self.code, phone=phone, message=sms.text, sms=sms))

    def payment_providers(self) -> list[PaymentProvider]:
        """The providers this region offers, in its order (``RegionInfo.payment_providers``,
        matched against each provider's ``kind``, by default its code; empty there means every
        enabled provider), keeping those whose merchant account serves the region
        (``serves(region)``, by default every region)."""
        serving = [p for p in regions().payment_providers().values() if _serves(p, self.code)]
        wanted = self.info.payment_providers
        if not wanted:
            return serving
        return [p for kind in wanted for p in serving if getattr(p, "kind", p.code) == kind]

    def payment_provider(self, code: str) -> PaymentProvider:
        for provider in self.payment_providers():
            if provider.code == code:
                return provider
        raise RuleError("unknown_provider", "本地区不支持这种支付方式。")

    def invoice_deadline(self, paid_on: dt.date, year: int) -> dt.date | None:
        """The last day to request an invoice for an order of ``year`` paid on ``paid_on``;
        None: no limit."""
        return self._hook("cpe_invoice_deadline")(
            region=self.code, paid_on=paid_on, year=year, settings=self.settings(year)
        )

    def invoice_delivery(self, requested_on: dt.date, year: int) -> InvoiceDelivery | None:
        """By when an e-invoice requested on ``requested_on`` is sent; None: no promised date."""
        return self._hook("cpe_invoice_delivery")(region=self.code, requested_on=requested_on, year=year)


def _serves(provider: PaymentProvider, region: str) -> bool:
    serves = getattr(provider, "serves", None)
    return True if serves is None else bool(serves(region))


class Regions:
    """Every enabled region of one app, stored in ``app.extensions["cpe"]``."""

    def __init__(self, plugins: PluginSet, overrides: OverrideSource | None = None) -> None:
        self.plugins = plugins
        self._rules = {code: RegionRules(plugins, info, overrides) for code, info in plugins.regions.items()}
        self._providers: dict[str, PaymentProvider] | None = None
        self._sms_routes: dict | None = None

    def sms_gateways(self, settings: Mapping[str, Any]) -> dict[str, SmsGateway]:
        """Every declared SMS gateway by code (``cpe_sms_gateways``), keys missing or not.

        :param settings: a :class:`cpe_core.keys.DeploymentSettings` (config, environment, files).
        """
        found: dict[str, SmsGateway] = {}
        for answer in self.plugins.manager.hook.cpe_sms_gateways(settings=settings):
            for gateway in answer or ():
                if gateway.code in found:
                    raise RuleError("duplicate_gateway", f"短信网关代码重复：{gateway.code}")
                found[gateway.code] = gateway
        return found

    def route_sms(self, config: Mapping[str, Any]) -> dict:
        """Decide once, at start-up, where each region's texts go (:func:`cpe_core.sms.routes`);
        :class:`~cpe_core.errors.PluginError` when a region cannot send where it must."""
        from .keys import DeploymentSettings
        from .sms import refuse_unroutable, routes

        settings = DeploymentSettings(config)
        found = routes(settings, self.sms_gateways(settings), self.codes())
        refuse_unroutable(found, settings)
        self._sms_routes = found
        return found

    def sms_routes(self) -> dict:
        """Each region's :class:`cpe_core.sms.Route`, as :meth:`route_sms` decided."""
        if self._sms_routes is None:
            from flask import current_app

            self.route_sms(current_app.config)
        return self._sms_routes

    def payment_providers(self) -> dict[str, PaymentProvider]:
        """Every enabled payment provider by code, asked once per app (with its settings)."""
        if self._providers is None:
            found: dict[str, PaymentProvider] = {}
            from flask import current_app

            answers = self.plugins.manager.hook.cpe_payment_providers(settings=current_app.config)
            for answer in answers:
                for provider in answer or ():
                    if provider.code in found:
                        raise RuleError("duplicate_provider", f"支付方式代码重复：{provider.code}")
                    found[provider.code] = provider
            self._providers = found
        return self._providers

    def missing_payment_settings(self, settings: Mapping[str, object]) -> list[str]:
        """What the provider plugins' begun merchant accounts still lack, one line each (a
        provider and a setting name, never a value): ``cpe_payment_missing_settings``."""
        answers = self.plugins.manager.hook.cpe_payment_missing_settings(settings=settings)
        return [line for answer in answers for line in answer or ()]

    def __contains__(self, code: str) -> bool:
        return code in self._rules

    def __iter__(self):
        return iter(self._rules.values())

    def codes(self) -> list[str]:
        return list(self._rules)

    def get(self, code: str) -> RegionRules:
        try:
            return self._rules[code]
        except KeyError:
            raise UnknownRegion(code) from None


def regions() -> Regions:
    """The current app's regions."""
    # Imported here: ``cpe export --format csv`` uses :class:`Regions` without Flask.
    from flask import current_app

    return current_app.extensions["cpe"]


def rules_for(code: str) -> RegionRules:
    """The typed hooks of region ``code``; raises :class:`UnknownRegion`."""
    return regions().get(code)


def reason(code: str, message: str) -> Reason:
    return Reason(code, message)
