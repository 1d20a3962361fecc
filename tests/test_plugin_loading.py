"""Plugins are found through entry points, enabled by name, and checked before start-up."""
from __future__ import annotations

import pytest

from cpe_core import PluginError, create_app
from hookspecs import hookimpl


def build(**config):
    return create_app({"TESTING": True, "CPE_ENV": "testing", "CPE_DATABASE_URL": "sqlite://", **config})


def test_in_tree_plugins_are_discovered_through_the_entry_point_group():
    app = build(CPE_PLUGINS="chaoyang,guangdong,cicpa")
    records = {r.name: r for r in app.extensions["cpe"].plugins.records}
    assert set(records) == {"chaoyang", "guangdong", "cicpa"}
    assert records["chaoyang"].distribution == "cpe-chaoyang"
    assert records["chaoyang"].regions == ("chaoyang",)


def test_only_the_plugins_named_in_cpe_plugins_are_enabled():
    app = build(CPE_PLUGINS="guangdong")
    assert app.extensions["cpe"].codes() == ["guangdong"]


def test_cpe_plugins_is_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("CPE_PLUGINS", "cicpa")
    app = create_app({"TESTING": True, "CPE_ENV": "testing", "CPE_DATABASE_URL": "sqlite://"})
    assert app.extensions["cpe"].codes() == ["cicpa"]


def test_unknown_plugin_name_stops_start_up_and_lists_the_installed_ones():
    with pytest.raises(PluginError) as error:
        build(CPE_PLUGINS="chaoyang,shenzhen")
    message = str(error.value)
    assert "shenzhen" in message
    assert "chaoyang, cicpa, guangdong" in message


class Misspelled:
    @hookimpl
    def cpe_quot(self, cart):
        return None


class WrongArgument:
    @hookimpl
    def cpe_quote(self, kart):
        return None


def test_hook_without_specification_stops_start_up_with_a_suggestion():
    with pytest.raises(PluginError) as error:
        create_app(
            {"TESTING": True, "CPE_ENV": "testing", "CPE_DATABASE_URL": "sqlite://", "CPE_PLUGINS": ""},
            plugins=[("typo", Misspelled())],
        )
    message = str(error.value)
    assert "'cpe_quot'" in message and "Did you mean 'cpe_quote'?" in message
    assert "cpe_year_requirements" in message  # names what is available


def test_misspelled_argument_stops_start_up_naming_the_offered_arguments():
    with pytest.raises(PluginError) as error:
        create_app(
            {"TESTING": True, "CPE_ENV": "testing", "CPE_DATABASE_URL": "sqlite://", "CPE_PLUGINS": ""},
            plugins=[("typo", WrongArgument())],
        )
    assert "kart" in str(error.value) and "offers: cart" in str(error.value)


def test_two_plugins_claiming_one_region_stop_start_up(recorder):
    Recorder = type(recorder)
    with pytest.raises(PluginError, match="Region 'testland' is declared by both"):
        create_app(
            {"TESTING": True, "CPE_ENV": "testing", "CPE_DATABASE_URL": "sqlite://", "CPE_PLUGINS": ""},
            plugins=[("one", recorder), ("two", Recorder())],
        )


def test_cpe_plugins_is_read_from_the_instance_config(tmp_path, monkeypatch):
    monkeypatch.delenv("CPE_PLUGINS", raising=False)
    (tmp_path / "cpe.cfg").write_text('CPE_PLUGINS = "guangdong"\n', encoding="utf-8")
    app = create_app({"TESTING": True, "CPE_ENV": "testing", "CPE_DATABASE_URL": "sqlite://"}, instance_path=str(tmp_path))
    assert app.extensions["cpe"].codes() == ["guangdong"]


def test_environment_wins_over_the_instance_config(tmp_path, monkeypatch):
    monkeypatch.setenv("CPE_PLUGINS", "cicpa")
    (tmp_path / "cpe.cfg").write_text('CPE_PLUGINS = "guangdong"\n', encoding="utf-8")
    app = create_app({"TESTING": True, "CPE_ENV": "testing", "CPE_DATABASE_URL": "sqlite://"}, instance_path=str(tmp_path))
    assert app.extensions["cpe"].codes() == ["cicpa"]
