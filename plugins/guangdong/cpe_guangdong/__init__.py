"""cpe plugin for 广东省会计人员继续教育 (Guangdong province, excluding Shenzhen).

The rules (90 credits a year: 30 public, 60 professional; a ¥0 public package and a ¥90
professional package; a public-course exam only) live in :mod:`cpe_guangdong.rules`, the site
content in :mod:`cpe_guangdong.content`, the demo data in :mod:`cpe_guangdong.demo`, and
:mod:`cpe_guangdong.hooks` glues them to the ``cpe`` hook specifications.
"""
from __future__ import annotations

__version__ = "0.1.0"
