"""Meta-tests in Datasette's style: the hook contract, its documentation and its implementations
cannot drift apart."""
from __future__ import annotations

import configparser
import inspect
import re
from pathlib import Path

import pytest

import hookspecs
from cpe_core import builtin
from cpe_core.plugins import BUILTIN_NAME, hook_functions, load_plugins

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "plugins.md"


def hook_specs() -> list[tuple[str, object]]:
    """Every ``(name, function)`` hook specification, in the order of SPEC_MODULES."""
    found = []
    for module in hookspecs.SPEC_MODULES:
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if hasattr(function, "cpe_spec"):
                found.append((name, function))
    return found


SPECS = hook_specs()
SPEC_NAMES = [name for name, _ in SPECS]


@pytest.fixture(scope="module")
def guide() -> str:
    return GUIDE.read_text(encoding="utf-8")


def in_tree_plugin_names() -> set[str]:
    """The entry-point names declared by the distributions under ``plugins/``."""
    names = set()
    for setup_cfg in ROOT.glob("plugins/*/setup.cfg"):
        parser = configparser.ConfigParser()
        parser.read(setup_cfg, encoding="utf-8")
        for line in parser["options.entry_points"]["cpe.plugins"].strip().splitlines():
            names.add(line.split("=")[0].strip())
    return names


def test_the_spec_modules_hold_every_hook():
    assert len(SPEC_NAMES) == len(set(SPEC_NAMES)) >= 10
    assert all(name.startswith("cpe_") for name in SPEC_NAMES)


def signature_block(name: str, spec) -> str:
    """The signature block a hook's section opens with, as the spec declares it today."""
    marker = "@hookspec(firstresult=True)" if spec.cpe_spec["firstresult"] else "@hookspec"
    signature = inspect.signature(spec)
    params = ", ".join(f"{arg}: {param.annotation}" for arg, param in signature.parameters.items())
    return f"```python\n{marker}\ndef {name}({params}) -> {signature.return_annotation}\n```"


def hooks_in_source_order(module) -> list[str]:
    specs = [(name, f) for name, f in inspect.getmembers(module, inspect.isfunction) if hasattr(f, "cpe_spec")]
    return [name for name, f in sorted(specs, key=lambda item: item[1].__code__.co_firstlineno)]


@pytest.mark.parametrize("name, spec", SPECS, ids=SPEC_NAMES)
def test_every_hook_has_its_section_opening_with_its_current_signature(guide: str, name: str, spec):
    heading = f"#### `{name}`\n\n"
    assert heading in guide, f"docs/plugins.md has no section {heading.strip()}"
    section = guide.split(heading, 1)[1].split("\n#### ", 1)[0].split("\n## ", 1)[0]
    assert section.startswith(signature_block(name, spec)), f"{name}: the signature in docs/plugins.md is stale"
    assert "None" in section, f"{name}: the section does not say what None means"


def test_the_guide_presents_the_hooks_in_the_order_of_spec_modules(guide: str):
    expected = [name for module in hookspecs.SPEC_MODULES for name in hooks_in_source_order(module)]
    sections = re.findall(r"(?m)^#### `(cpe_\w+)`$", guide)
    table = re.findall(r"(?m)^\| `(cpe_\w+)` \|", guide.split("## The hooks", 1)[1].split("\n### ", 1)[0])
    assert sections == expected
    assert table == expected


def test_the_sample_start_up_error_is_the_one_the_core_raises(guide: str):
    from cpe_core.plugins import PluginError

    class Typo:
        @hookspecs.hookimpl
        def cpe_quot(self, cart):
            return None

    with pytest.raises(PluginError) as raised:
        load_plugins("", extra=[("typo", Typo())])
    assert f"PluginError: {raised.value}" in guide


@pytest.mark.parametrize("name, spec", SPECS, ids=SPEC_NAMES)
def test_every_hook_spec_has_a_docstring_saying_what_it_returns(name: str, spec):
    doc = inspect.getdoc(spec) or ""
    assert ":returns:" in doc, f"{name}'s docstring does not say what it returns"


@pytest.mark.parametrize("name", SPEC_NAMES)
def test_every_hook_is_implemented_in_tree_or_by_the_core(name: str):
    plugin_set = load_plugins("*")
    in_tree = in_tree_plugin_names()
    implemented = {
        hook for record in plugin_set.records if record.name in in_tree for hook in record.hooks
    }
    implemented |= {attr for attr, _ in hook_functions(plugin_set.manager, builtin)}
    assert plugin_set.manager.get_plugin(BUILTIN_NAME) is builtin
    assert name in implemented, f"no in-tree plugin nor cpe_core/builtin.py implements {name}"


@pytest.mark.parametrize(
    "path",
    [
        "examples/hainan/cpe_hainan/hooks.py",
        "examples/hainan/cpe_hainan/rules.py",
        "examples/hainan/cpe_hainan/content.py",
        "examples/hainan/tests/test_hainan_contract.py",
        "examples/hainan/setup.cfg",
        "examples/hainan/pyproject.toml",
    ],
)
def test_the_guide_shows_the_example_plugin_as_it_is(guide: str, path: str):
    source = (ROOT / path).read_text(encoding="utf-8").rstrip("\n")
    assert source in guide, f"docs/plugins.md shows an outdated copy of {path}"


def test_the_guide_names_the_entry_point_group_and_the_setting(guide: str):
    assert f"`{hookspecs.ENTRY_POINT_GROUP}`" in guide
    assert "CPE_PLUGINS" in guide and "instance/cpe.cfg" in guide


def testing_fixtures() -> list[str]:
    """Every fixture the ``cpe`` pytest plugin offers plugin authors."""
    import cpe_core.testing
    from _pytest.fixtures import FixtureFunctionDefinition

    return sorted(name for name, value in vars(cpe_core.testing).items()
                  if isinstance(value, FixtureFunctionDefinition) and not name.startswith("_"))


@pytest.mark.parametrize("fixture", testing_fixtures() + ["RegionContract", "require_or_skip"])
def test_the_guide_documents_every_testing_fixture(guide: str, fixture: str):
    import cpe_core.testing

    assert hasattr(cpe_core.testing, fixture)
    assert f"`{fixture}`" in guide or f"`{fixture}(" in guide


def test_the_readme_architecture_tree_matches_cpe_core():
    """Every module and folder of ``cpe_core`` is placed in README's Architecture tree, and
    every ``cpe_core`` name the tree gives exists."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Architecture", 1)[1].split("\n## ", 1)[0]
    tree = next(block for block in re.findall(r"```\n(.*?)```", section, re.S) if block.startswith("hookspecs/"))
    core = tree.split("\ncpe_core/", 1)[1].split("\nplugins/", 1)[0]
    named = set(re.findall(r"(?m)^\s+((?:[\w.]+/?,\s*)*[\w.]+/?)(?=\s{2,}|\s*$)", core))
    names = {part.strip().rstrip("/") for entry in named for part in entry.split(",")}
    package = ROOT / "cpe_core"
    present = {path.name for path in package.iterdir() if path.name != "__pycache__" and not path.name.endswith(".pyc")}
    assert sorted(present - names) == [], "cpe_core entries missing from README's Architecture tree"
    assert sorted(names - present) == [], "README's Architecture tree names what cpe_core does not hold"


def settings_the_code_reads() -> set[str]:
    """Every ``CPE_*`` name the core or the contract reads: a quoted name (``config["CPE_X"]``,
    ``environ.get("CPE_X")``) or a default's keyword (``CPE_X=...`` in settings.py)."""
    found = set()
    for folder in ("cpe_core", "hookspecs"):
        for path in (ROOT / folder).rglob("*.py"):
            source = path.read_text(encoding="utf-8")
            found.update(re.findall(r"""["'](CPE_[A-Z0-9_]+)["']""", source))
            found.update(re.findall(r"\b(CPE_[A-Z0-9_]+)=", source))
    return found


def test_every_setting_the_code_reads_is_documented(guide: str):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    settings = settings_the_code_reads()
    assert len(settings) > 40
    undocumented = sorted(name for name in settings if f"`{name}`" not in readme + guide)
    assert undocumented == [], "settings read by the code but named in neither README nor docs/plugins.md"


def test_every_check_of_region_contract_says_what_is_wrong():
    """A plugin author whose contract test fails reads why, not a bare ``assert``."""
    import ast

    import cpe_core.testing

    source = inspect.getsource(cpe_core.testing.RegionContract)
    bare = [node.lineno for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Assert) and node.msg is None]
    assert bare == [], f"RegionContract asserts without a message at lines {bare} of the class"
