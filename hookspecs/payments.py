"""Payment hooks: the payment providers (WeChat Pay, Alipay, a sandbox...) and invoice windows.

A provider plugin is usually *region-agnostic* (it does not implement ``cpe_regions``): it
declares providers for every region, and each region chooses among them with
:attr:`~hookspecs.types.RegionInfo.payment_providers`.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from .markers import hookspec
from .types import InvoiceDelivery, PaymentProvider, YearSettings


@hookspec
def cpe_payment_providers(settings: Mapping[str, object]) -> list[PaymentProvider] | None:
    """Declare the payment providers this plugin offers.

    Called once when the app starts, on every plugin (all answers are collected). A provider is
    an object with the methods of :class:`~hookspecs.types.PaymentProvider` (create a payment,
    verify an asynchronous notification, query, refund); the core calls them, stores the
    payments and decides what a verified notification changes, so a provider never touches the
    database.

    :param settings: the app's configuration (read-only), where a provider finds its merchant
        id, keys and endpoints (e.g. ``CPE_WECHATPAY_MCH_ID``).
    :returns: the providers, each with a ``code`` unique across plugins; None or an empty list
        when the plugin is not configured (a provider without its keys must not be offered).
    """


@hookspec
def cpe_payment_missing_settings(settings: Mapping[str, object]) -> list[str] | None:
    """Name the settings a payment provider of this plugin still lacks.

    Called by ``cpe check --deploy`` on every plugin (all answers are collected), with the
    settings the app would start with. A provider the deployer began to configure (its merchant
    id is set, say) but whose keys are incomplete is not offered by
    :func:`cpe_payment_providers`; this hook says why, without the core knowing any provider.

    :param settings: the app's configuration (read-only); a provider also reads its settings
        from the environment.
    :returns: one line per missing setting, naming the provider (and the region, for a region's
        own merchant account) and the setting, never a value, e.g.
        ``"wechatpay_<region>: CPE_WECHATPAY_<REGION>_APIV3_KEY"``; None or an empty list when
        nothing is missing (or the provider is not configured at all).
    """


@hookspec(firstresult=True)
def cpe_invoice_deadline(region: str, paid_on: dt.date, year: int, settings: YearSettings) -> dt.date | None:
    """Return the last day (Asia/Shanghai, inclusive) a learner of ``region`` may request an
    invoice (发票) for an order paid on ``paid_on``.

    Called when the learner opens the invoice form and again when the request is saved. Only on
    ``region``'s plugin and region-agnostic ones.

    :param paid_on: the day (Asia/Shanghai) the order was paid.
    :param year: the programme year the order bought.
    :param settings: ``year``'s values of what :func:`~hookspecs.years.cpe_year_settings`
        declares (defaults, or what the region's admin set on 年度设置); empty when the region
        declares none.
    :returns: the last day; None when the region sets no deadline (invoices may be requested at
        any time after paying).
    """


@hookspec(firstresult=True)
def cpe_invoice_delivery(region: str, requested_on: dt.date, year: int) -> InvoiceDelivery | None:
    """Say by when a learner of ``region`` receives the e-invoice requested on ``requested_on``.

    Called when the learner's order page shows a requested invoice (after 申请发票, until it is
    sent) and for the API's order ``invoice.due``. Only on ``region``'s plugin and
    region-agnostic ones.

    :param requested_on: the day (Asia/Shanghai) the learner requested the invoice.
    :param year: the programme year the order bought.
    :returns: an :class:`~hookspecs.types.InvoiceDelivery`: the last day it is sent by and the
        region's promise in its own words (e.g. "电子发票会在申请后的7个工作日之内发送到邮箱。");
        None when the region promises no date (the page says only that it will be e-mailed).
    """
