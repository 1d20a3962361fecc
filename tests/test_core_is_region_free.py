"""The core knows no region: no region's name, price or rule appears in cpe_core."""
from __future__ import annotations

import re
from pathlib import Path

import cpe_core
import hookspecs

# Every in-tree region's names, in Latin and Chinese, and their tell-tale numbers in words.
FORBIDDEN = re.compile(
    r"chaoyang|guangdong|cicpa|liaoning|shenzhen|hainan|朝阳|广东|辽宁|深圳|注协|中注协|会计学会",
    re.IGNORECASE,
)


def source_files(package) -> list[Path]:
    root = Path(package.__file__).parent
    return [
        path
        for path in root.rglob("*")
        if path.suffix in {".py", ".html", ".css", ".js", ".cfg", ".ini", ".mako"} and path.is_file()
    ]


def test_cpe_core_names_no_region():
    hits = [
        f"{path}:{number}: {line.strip()}"
        for path in source_files(cpe_core)
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if FORBIDDEN.search(line)
    ]
    assert hits == []


def test_hookspecs_name_no_region_either():
    hits = [str(p) for p in source_files(hookspecs) if FORBIDDEN.search(p.read_text(encoding="utf-8"))]
    assert hits == []


def test_the_grep_would_catch_a_region_name(tmp_path):
    planted = tmp_path / "planted.py"
    planted.write_text('PRICE = {"chaoyang": 100}\n', encoding="utf-8")
    assert FORBIDDEN.search(planted.read_text(encoding="utf-8"))
