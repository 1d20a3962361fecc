"""The hook contract has a version: a plugin says which versions it supports, start-up refuses
one written for another, and a deprecated hook warns the plugins that still implement it."""
from __future__ import annotations

import logging
import types

import pytest

import hookspecs
from cpe_core.plugins import PluginError, load_plugins, new_manager, register
from hookspecs import CONTRACT_VERSION, CpeDeprecationWarning, RegionInfo, deprecated, hookimpl


def plugin(contract: str | None) -> types.SimpleNamespace:
    @hookimpl
    def cpe_regions() -> list[RegionInfo]:
        return []

    namespace = types.SimpleNamespace(cpe_regions=cpe_regions)
    if contract is not None:
        namespace.CPE_CONTRACT = contract
    return namespace


def test_the_contract_version_is_major_dot_minor():
    major, minor = CONTRACT_VERSION.split(".")
    assert major.isdigit() and minor.isdigit()


def test_a_plugin_supporting_this_contract_loads_and_shows_its_range():
    loaded = load_plugins("", extra=[("mine", plugin(">=1.1,<2"))])
    assert [r.contract for r in loaded.records if r.name == "mine"] == [">=1.1,<2"]


@pytest.mark.parametrize("contract", [">=2.0", "<1.0", "==1.0"])
def test_a_plugin_for_another_contract_is_refused_saying_what_to_install(contract):
    with pytest.raises(PluginError) as refused:
        load_plugins("", extra=[("future", plugin(contract))])
    message = str(refused.value)
    assert f"Plugin 'future' supports cpe hook contract {contract}" in message
    assert f"this cpe offers contract {CONTRACT_VERSION}" in message


def test_a_range_that_is_not_a_specifier_is_refused():
    with pytest.raises(PluginError, match="not a version specifier"):
        load_plugins("", extra=[("typo", plugin("one point one"))])


def test_a_plugin_declaring_no_range_is_loaded_with_a_warning(caplog):
    with caplog.at_level(logging.WARNING, logger="cpe.plugins"):
        load_plugins("", extra=[("vague", plugin(None))])
    assert "plugin 'vague' declares no CPE_CONTRACT" in caplog.text


@pytest.mark.parametrize("name", ["chaoyang", "guangdong", "cicpa"])
def test_in_tree_plugins_declare_the_contract_they_support(name):
    loaded = load_plugins(name)
    (record,) = [r for r in loaded.records if r.name == name]
    assert record.contract is not None


def test_a_deprecated_hook_warns_its_implementers_at_registration():
    specs = types.ModuleType("old_specs")

    @hookspecs.hookspec(warn_on_impl=deprecated("cpe_old_hook", since="1.1", removed_in="2.0", instead="cpe_new_hook"))
    def cpe_old_hook(region: str) -> None:
        """An old hook."""

    specs.cpe_old_hook = cpe_old_hook
    manager = new_manager()
    manager.add_hookspecs(specs)

    @hookimpl
    def cpe_old_hook(region: str) -> None:  # noqa: F811 - the implementation of the spec above
        return None

    with pytest.warns(CpeDeprecationWarning, match="cpe_old_hook is deprecated since cpe hook contract 1.1 "
                                                   "and will be removed in 2.0; use cpe_new_hook instead"):
        manager.register(types.SimpleNamespace(cpe_old_hook=cpe_old_hook), name="old")
