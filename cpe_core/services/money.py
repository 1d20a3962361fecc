"""Money as people read it. Amounts are integer fen everywhere else; this is the one place
they become yuan text."""
from __future__ import annotations


def format_fen(fen: int) -> str:
    """Integer fen as yuan for people: ``9000`` -> ``¥90.00``."""
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}¥{fen // 100}.{fen % 100:02d}"
