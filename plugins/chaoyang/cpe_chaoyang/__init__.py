"""朝阳会计在线: the cpe region plugin for Chaoyang city (朝阳市), Liaoning.

Carries the rules of 朝阳市财政局's yearly notice (朝财〔2024〕6号) and the 2021 training flow of
朝阳市会计学会: who may study, the 90-credit year, the two purchase modes at 1 yuan per credit,
the seven credit offsets, the online exam and the export to the Liaoning provincial platform.
"""
from __future__ import annotations

__version__ = "0.1.0"
