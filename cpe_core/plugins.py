"""Finding, checking and registering plugins.

Each app builds its own :class:`pluggy.PluginManager` (no module-level manager), loads the
plugins named in ``CPE_PLUGINS`` from the ``cpe.plugins`` entry-point group, and refuses to start
when a name is unknown, a hook has no specification or takes an argument its spec does not offer,
or two plugins claim the same region. Every error names what is available.
"""
from __future__ import annotations

import difflib
import importlib.metadata as metadata
import inspect
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import pluggy
from packaging.specifiers import InvalidSpecifier, SpecifierSet

import hookspecs
from hookspecs import CONTRACT_VERSION, ENTRY_POINT_GROUP, PROJECT_NAME, RegionInfo

from . import builtin
from .errors import PluginError  # noqa: F401 (re-exported: plugin authors and the app catch it here)

#: The name under which the core's own default implementations are registered.
BUILTIN_NAME = "cpe.builtin"
REGION_CODE = re.compile(r"^[a-z][a-z0-9-]{1,31}$")
#: Where a plugin says which hook contract versions it was written for.
CONTRACT_ATTRIBUTE = "CPE_CONTRACT"
log = logging.getLogger("cpe.plugins")


@dataclass(frozen=True)
class PluginRecord:
    """What ``cpe plugins`` shows about one registered plugin."""

    name: str
    version: str
    distribution: str
    hooks: tuple[str, ...]
    regions: tuple[str, ...]
    #: The contract versions the plugin declares it supports (``CPE_CONTRACT``), if any.
    contract: str | None = None


@dataclass(frozen=True)
class PluginSet:
    """The result of loading: the manager, what is registered, and who serves which region."""

    manager: pluggy.PluginManager
    records: tuple[PluginRecord, ...]
    regions: dict[str, RegionInfo]
    region_plugins: dict[str, object]
    #: Every plugin that implements ``cpe_regions``, even one that declared no region: such a
    #: plugin is never called for a region it did not declare.
    all_region_plugins: tuple[object, ...] = ()


def available_entry_points() -> dict[str, metadata.EntryPoint]:
    """The installed plugins, by entry-point name."""
    return {ep.name: ep for ep in metadata.entry_points(group=ENTRY_POINT_GROUP)}


def parse_enabled(setting: str | Sequence[str] | None) -> list[str] | None:
    """``CPE_PLUGINS`` as a list of names; None means every installed plugin (``"*"``)."""
    if setting is None:
        return None
    if isinstance(setting, str):
        if setting.strip() == "*":
            return None
        return [name.strip() for name in setting.split(",") if name.strip()]
    return list(setting)


def spec_names() -> list[str]:
    """Every hook a plugin may implement."""
    return sorted(
        name
        for module in hookspecs.SPEC_MODULES
        for name, _ in inspect.getmembers(module, inspect.isfunction)
        if name.startswith("cpe_")
    )


def new_manager() -> pluggy.PluginManager:
    """A manager that knows the specs and the core's ``trylast`` defaults, and nothing else."""
    manager = pluggy.PluginManager(PROJECT_NAME)
    for module in hookspecs.SPEC_MODULES:
        manager.add_hookspecs(module)
    manager.register(builtin, name=BUILTIN_NAME)
    return manager


def load_plugins(
    enabled: str | Sequence[str] | None, extra: Iterable[tuple[str, object]] = ()
) -> PluginSet:
    """Build the manager for one app.

    :param enabled: the ``CPE_PLUGINS`` setting: comma-separated entry-point names, or ``"*"``.
    :param extra: ``(name, plugin)`` pairs registered directly, as tests and embedders do.
    """
    manager = new_manager()
    installed = available_entry_points()
    names = parse_enabled(enabled)
    if names is None:
        names = sorted(installed)
    unknown = [name for name in names if name not in installed]
    if unknown:
        raise PluginError(
            f"CPE_PLUGINS names plugin(s) that are not installed: {', '.join(unknown)}. "
            f"Installed plugins (entry-point group '{ENTRY_POINT_GROUP}'): "
            f"{', '.join(sorted(installed)) or 'none'}."
        )
    distributions: dict[str, tuple[str, str]] = {}
    for name in names:
        entry_point = installed[name]
        plugin = entry_point.load()
        dist = entry_point.dist
        distributions[name] = (dist.name, dist.version) if dist else (name, "unknown")
        register(manager, name, plugin)
    for name, plugin in extra:
        register(manager, name, plugin)
        distributions[name] = (name, getattr(plugin, "__version__", "unknown"))
    manager.check_pending()
    regions, region_plugins = collect_regions(manager)
    records = tuple(
        describe(manager, name, plugin, distributions.get(name, (name, "builtin")), regions, region_plugins)
        for name, plugin in manager.list_name_plugin()
        if name != BUILTIN_NAME
    )
    implementers = tuple(impl.plugin for impl in manager.hook.cpe_regions.get_hookimpls())
    return PluginSet(manager, records, regions, region_plugins, implementers)


def check_contract(name: str, plugin: object) -> str | None:
    """The contract range ``plugin`` declares; refuses one this core's contract is outside of.

    :raises PluginError: the declared range excludes :data:`hookspecs.CONTRACT_VERSION`, or is
        not a version specifier.
    """
    declared = getattr(plugin, CONTRACT_ATTRIBUTE, None)
    if declared is None:
        log.warning("plugin %r declares no %s; assumed to support hook contract %s", name,
                    CONTRACT_ATTRIBUTE, CONTRACT_VERSION)
        return None
    try:
        supported = SpecifierSet(str(declared))
    except InvalidSpecifier:
        raise PluginError(
            f"Plugin '{name}' declares {CONTRACT_ATTRIBUTE} = {declared!r}, which is not a version "
            "specifier; write e.g. \">=1.1,<2\"."
        ) from None
    if CONTRACT_VERSION not in supported:
        major = CONTRACT_VERSION.split(".")[0]
        raise PluginError(
            f"Plugin '{name}' supports cpe hook contract {declared}, but this cpe offers contract "
            f"{CONTRACT_VERSION}. Install a release of the plugin written for contract {major}.x, "
            f"or a cpe whose contract the plugin supports."
        )
    return str(declared)


def register(manager: pluggy.PluginManager, name: str, plugin: object) -> None:
    """Check ``plugin``'s contract range and hooks against the specs, then register it under
    ``name``."""
    check_contract(name, plugin)
    known = spec_names()
    for attr, function in hook_functions(manager, plugin):
        if attr not in known:
            close = difflib.get_close_matches(attr, known, n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            raise PluginError(
                f"Plugin '{name}' implements '{attr}', which is not a cpe hook.{hint} "
                f"Available hooks: {', '.join(known)}."
            )
        offered = getattr(manager.hook, attr).spec.argnames
        taken = [p for p in inspect.signature(function).parameters if p != "self"]
        stray = [arg for arg in taken if arg not in offered]
        if stray:
            raise PluginError(
                f"Plugin '{name}': hook '{attr}' takes argument(s) {', '.join(stray)} that its "
                f"specification does not offer. '{attr}' offers: {', '.join(offered)}."
            )
    if manager.has_plugin(name):
        raise PluginError(f"Two plugins are registered as '{name}'.")
    manager.register(plugin, name=name)


def hook_functions(manager: pluggy.PluginManager, plugin: object) -> list[tuple[str, Any]]:
    """The ``(name, function)`` pairs ``plugin`` marks as hook implementations."""
    found = []
    for attr in dir(plugin):
        if manager.parse_hookimpl_opts(plugin, attr) is not None:
            found.append((attr, getattr(plugin, attr)))
    return found


def collect_regions(manager: pluggy.PluginManager) -> tuple[dict[str, RegionInfo], dict[str, object]]:
    """Ask each region plugin, one by one, which regions it serves."""
    regions: dict[str, RegionInfo] = {}
    owners: dict[str, object] = {}
    owner_names: dict[str, str] = {}
    for impl in manager.hook.cpe_regions.get_hookimpls():
        for info in impl.function() or ():
            if not REGION_CODE.match(info.code):
                raise PluginError(
                    f"Plugin '{impl.plugin_name}' declares region code '{info.code}': use 2-32 "
                    "lowercase letters, digits or dashes, starting with a letter."
                )
            if info.code in regions:
                raise PluginError(
                    f"Region '{info.code}' is declared by both '{owner_names[info.code]}' and "
                    f"'{impl.plugin_name}'; enable only one of them."
                )
            regions[info.code] = info
            owners[info.code] = impl.plugin
            owner_names[info.code] = impl.plugin_name
    return dict(sorted(regions.items())), owners


def describe(
    manager: pluggy.PluginManager,
    name: str,
    plugin: object,
    distribution: tuple[str, str],
    regions: dict[str, RegionInfo],
    owners: dict[str, object],
) -> PluginRecord:
    hooks = tuple(sorted(attr for attr, _ in hook_functions(manager, plugin)))
    served = tuple(code for code, owner in owners.items() if owner is plugin)
    version = distribution[1]
    if isinstance(plugin, ModuleType) and version == "unknown":
        version = getattr(plugin, "__version__", version)
    contract = getattr(plugin, CONTRACT_ATTRIBUTE, None)
    return PluginRecord(name, version, distribution[0], hooks, served, str(contract) if contract else None)
