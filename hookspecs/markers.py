"""The pluggy markers of the ``cpe`` project and the version of its hook contract.

Plugins decorate their hooks with :data:`hookimpl`, and say which contract versions they were
written for with a ``CPE_CONTRACT`` specifier in the module (or object) they register, e.g.
``CPE_CONTRACT = ">=1.2,<2"``.
"""
from __future__ import annotations

import pluggy

PROJECT_NAME = "cpe"
#: The entry-point group plugins are discovered through.
ENTRY_POINT_GROUP = "cpe.plugins"

#: The version of the hook contract (the specs, their arguments and the value types), as
#: ``major.minor``. A minor release only adds: a hook, an argument (implementations may leave
#: it out), a field with a default. A major release may remove or change; a hook or argument is
#: removed only after a whole major version marked deprecated (see :func:`deprecated`).
#: 1.2 added ``QuoteLine.opens_year`` and ``QuoteLine.opens_kind`` (what a paid line opens);
#: 1.3 added :mod:`hookspecs.kit` (helpers for short plugins), ``DemoInstitution``'s details
#: and ``InstitutionPolicy.studies_at_institution``;
#: 1.4 added ``cpe_application_statuses`` (a region's words for application statuses),
#: ``OffsetField.filter_label`` (a field the learner's list is queried by),
#: ``RegionInfo.courses_title`` (what the course catalogue is called), ``cpe_sms_policy``
#: (sign-in by SMS code, the daily code limit) and ``cpe_rating_policy`` (ratings);
#: 1.5 added ``CreditExport.push_required``, the export fields ``institution``, ``level`` and
#: ``department`` and the profile column ``department``;
#: 1.6 added ``cpe_payment_missing_settings``, ``BillEntry``, ``PaymentRequest``'s ``client``,
#: ``payer_ip``, ``payer_openid`` and ``region``, ``PaymentInstruction``'s ``"jsapi"`` kind and
#: ``params``, and a payment provider's optional ``kind``, ``serves``, ``close`` and ``bill``;
#: 1.7 added ``cpe_learning_resources`` (学习资源: providers by subject, distance and
#: face-to-face), ``cpe_invoice_delivery`` (by when a requested e-invoice is sent) and
#: ``PurchaseMode.combinable`` and ``closes_on`` (several modes in one order; 关闭时间) and
#: ``ExamPolicy.credit_review`` (staff review and merge credits before the exam opens) and
#: ``RegionInfo.help`` (the 帮助中心 page), ``DemoCourse.category`` (课程分类),
#: ``RegistrationSpec.login_choice`` (a choice such as 用户类型 asked at sign-in),
#: ``RegionInfo.record_stages`` (往年继续教育查询 and imported past records) and ``check_in``
#: (我的签到);
#: 1.8 added ``cpe_sms_gateways`` (SMS providers) and the ``sms`` argument of ``cpe_send_sms``
#: (:class:`~hookspecs.types.SmsMessage`: purpose and template variables).
CONTRACT_VERSION = "1.8"


class CpeDeprecationWarning(DeprecationWarning):
    """A plugin implements a hook (or takes an argument) the contract will remove."""


def deprecated(what: str, *, since: str, removed_in: str, instead: str = "") -> CpeDeprecationWarning:
    """The warning a deprecated hook or argument raises in its implementers at registration
    (pluggy's ``warn_on_impl`` / ``warn_on_impl_args``), saying since when, until when, and
    what to use instead."""
    hint = f"; use {instead} instead" if instead else ""
    return CpeDeprecationWarning(
        f"{what} is deprecated since cpe hook contract {since} and will be removed in {removed_in}{hint}."
    )

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)
