"""The hook contract of cpe: the pluggy markers, the hook specifications, and the value types
they pass and return.

Plugins depend on this package only::

    from hookspecs import hookimpl, RegionInfo, Requirements

Each hook lives in a module named for its concern; :data:`SPEC_MODULES` lists them in the order
the reference documentation presents them.
"""
from __future__ import annotations

from . import certificates, demo, exams, export, messaging, offsets, payments, pricing, region, rules
from . import accounts
from . import study
from . import years
from .markers import (
    CONTRACT_VERSION,
    ENTRY_POINT_GROUP,
    PROJECT_NAME,
    CpeDeprecationWarning,
    deprecated,
    hookimpl,
    hookspec,
)
from . import types as _types
from .types import *  # noqa: F401,F403  (the value types are part of this package's surface)

#: In the order an author meets them: who the region is and who may register, what a year asks,
#: where and what to study, what it costs and how it is paid, what else counts, the exam and the
#: certificate, what reaches the authority, messages, and the demo.
SPEC_MODULES = (region, accounts, rules, years, study, pricing, payments, offsets, exams, certificates, export, messaging, demo)

__all__ = [
    "CONTRACT_VERSION", "ENTRY_POINT_GROUP", "PROJECT_NAME", "SPEC_MODULES", "CpeDeprecationWarning",
    "deprecated", "hookimpl", "hookspec",
] + list(_types.__all__)
