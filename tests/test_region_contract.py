"""The contract suite from cpe_core.testing, run against every in-tree region."""
from __future__ import annotations

from cpe_core.testing import RegionContract


class TestChaoyangContract(RegionContract):
    region = "chaoyang"


class TestGuangdongContract(RegionContract):
    region = "guangdong"


class TestCicpaContract(RegionContract):
    region = "cicpa"
