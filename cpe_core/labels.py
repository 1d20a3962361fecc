"""Status labels made in services: Chinese everywhere but on a page, where they are translated.

A service's label (``"待审核"``) is used three ways: in the JSON API (which keeps its documented
Chinese), inside Chinese messages built with f-strings, and on the site's pages, which follow
``?lang=``. :class:`Label` is a plain ``str`` for the first two; Jinja renders it through
``__html__``, which looks it up in the catalogue at render time. :func:`N_` makes one and marks
the text for extraction (Babel's default keywords include ``N_``), so ``tests/test_i18n.py``
insists on its English.
"""
from __future__ import annotations

from markupsafe import escape


class Label(str):
    """A Chinese msgid that a page shows in the page's language and everything else as is."""

    __slots__ = ()

    def __html__(self) -> str:
        from flask_babel import gettext

        return str(escape(gettext(str(self))))


def N_(text: str) -> Label:
    """A :class:`Label` for ``text`` (a Chinese msgid found by message extraction)."""
    return Label(text)
