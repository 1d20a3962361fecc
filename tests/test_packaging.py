"""``pip install -e .`` (and of each in-tree plugin) is quiet: setuptools installs every folder of
the core it finds (templates, static files, translations and migrations are packages too), and
an editable install is a plain ``.pth`` file rather than an import hook it warns about."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from setuptools.config.setupcfg import read_configuration

ROOT = Path(__file__).resolve().parents[1]
#: What `make install` installs editable (the Hainan example stays as an outside author writes it).
DISTRIBUTIONS = [ROOT] + sorted((ROOT / "plugins").glob("*/"))


def configuration(folder: Path) -> dict:
    here = os.getcwd()
    os.chdir(folder)  # find: directives are read relative to the project
    try:
        return read_configuration("setup.cfg")["options"]
    finally:
        os.chdir(here)


def test_every_folder_of_the_core_is_a_package_setuptools_is_told_about():
    packages = set(configuration(ROOT)["packages"])
    folders = {
        ".".join(path.relative_to(ROOT).parts)
        for top in ("cpe_core", "hookspecs")
        for path in [ROOT / top, *(ROOT / top).rglob("*")]
        if path.is_dir() and path.name != "__pycache__" and any(p.is_file() for p in path.iterdir())
    }
    missing = sorted(folders - packages)
    assert not missing, f"setuptools warns 'Package would be ignored' for: {missing}"
    assert not any("__pycache__" in name for name in packages)


@pytest.mark.parametrize("folder", DISTRIBUTIONS, ids=lambda p: p.name)
def test_an_editable_install_is_a_plain_path_entry(folder):
    # With the packages at the top of the project and package_dir {"": "."}, setuptools writes a
    # .pth file; otherwise it installs an import hook and prints a warning block about it.
    assert configuration(folder).get("package_dir") == {"": "."}
