"""The core registry as Discord application commands, and invocations back as command lines."""

from __future__ import annotations

import re
from typing import Any

import pytest

from bots.discord.commands import application_commands, command_line, quote
from bots.discord.locales import discord_locales_for
from core.bootstrap import build_registry
from core.chat import parse
from core.chat.parser import tokenize
from core.i18n import use_locale

NAME_RE = re.compile(r"^[-_\w]{1,32}$")


@pytest.fixture(scope="module")
def commands() -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in application_commands(build_registry())}


def _options(command: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {o["name"]: o for o in command.get("options", [])}


def test_only_available_commands_are_synced_as_chat_input_commands(
    commands: dict[str, dict[str, Any]],
) -> None:
    registry = build_registry()
    assert set(commands) == {c.name for c in registry if c.available}
    registry.reserve("later", "A command a later feature fills in")
    assert "later" not in {c["name"] for c in application_commands(registry)}
    assert all(c["type"] == 1 for c in commands.values())
    assert commands["search"]["description"] == "Search the alumni directory"


def test_every_command_and_option_is_localized_in_french(
    commands: dict[str, dict[str, Any]],
) -> None:
    search = commands["search"]
    assert search["description_localizations"]["fr"] == "Rechercher dans l'annuaire des alumni"
    assert search["name_localizations"]["fr"] == "search"  # the name the help texts use
    options = _options(search)
    assert options["query"]["description_localizations"]["fr"] == "Noms à rechercher"
    assert options["country"]["description_localizations"]["fr"] == (
        "Pays de résidence (nom ou code)"
    )
    for command in commands.values():
        assert "fr" in command["description_localizations"]
        for option in command.get("options", []):
            assert "fr" in option["description_localizations"]


def test_search_declares_query_and_typed_filters(commands: dict[str, dict[str, Any]]) -> None:
    options = _options(commands["search"])
    assert list(options) == ["query", "country", "city", "school", "field", "sector", "year"]
    assert options["query"]["type"] == 3
    assert options["query"]["max_length"] == 200
    assert options["country"]["autocomplete"] is True
    assert options["year"]["type"] == 4
    assert (options["year"]["min_value"], options["year"]["max_value"]) == (1900, 2100)
    assert "max_length" not in options["year"]


def test_required_options_come_first_and_choices_are_listed(
    commands: dict[str, dict[str, Any]],
) -> None:
    profile = _options(commands["profile"])
    assert list(profile) == ["show", "edit", "visibility"]  # "show" runs the bare /profile
    assert all(sub["type"] == 1 for sub in profile.values())
    [setting] = profile["visibility"]["options"]
    assert setting["required"] is True
    assert setting["choices"] == [
        {"name": "listed", "value": "listed"},
        {"name": "hidden", "value": "hidden"},
    ]
    assert "autocomplete" not in setting
    for command in commands.values():
        flags = [o.get("required", False) for o in command.get("options", []) if o["type"] != 1]
        assert flags == sorted(flags, reverse=True)


def test_names_and_descriptions_fit_discords_limits(commands: dict[str, dict[str, Any]]) -> None:
    assert len(commands) <= 100

    def check(item: dict[str, Any]) -> None:
        assert NAME_RE.match(item["name"]) and item["name"] == item["name"].lower()
        assert 1 <= len(item["description"]) <= 100
        assert all(1 <= len(d) <= 100 for d in item["description_localizations"].values())
        assert len(item.get("options", [])) <= 25
        for option in item.get("options", []):
            check(option)

    for command in commands.values():
        check(command)


@pytest.mark.parametrize(
    ("catalog", "expected"),
    [
        ("fr", ("fr",)),
        ("de", ("de",)),
        ("pt_BR", ("pt-BR",)),
        ("es", ("es-ES", "es-419")),
        ("zh_Hans", ("zh-CN",)),
        ("vi", ("vi",)),
        ("ar", ()),  # Discord has no Arabic
        ("en", ()),  # English is the default text itself
    ],
)
def test_catalog_locales_map_onto_discord_locales(catalog: str, expected: tuple[str, ...]) -> None:
    assert discord_locales_for(catalog) == expected


def _data(name: str, **values: object) -> dict[str, Any]:
    return {
        "name": name,
        "type": 1,
        "options": [{"name": k, "type": 3, "value": v} for k, v in values.items()],
    }


@pytest.mark.parametrize(
    "query",
    [
        "zoe nguyen",
        'Marie "la Curie"',
        "country:BR year:2019",
        "«Zoë» „Nguyễn“ l'École",
        '"',
        'a"""b',
        "  padded  ",
        "//not-an-option",
        "ends with a backslash \\",
    ],
)
def test_option_values_read_back_exactly_through_the_core_parser(query: str) -> None:
    registry = build_registry()
    line = command_line(registry, _data("search", query=query, city='São "Paulo": centre'))
    with use_locale("en"):
        args = parse(line, registry).args
    assert args["query"] == query.strip()
    assert args["city"] == 'São "Paulo": centre'


def test_integer_and_country_options_are_converted_by_the_parser() -> None:
    registry = build_registry()
    line = command_line(registry, _data("search", country="VN", year=2019))
    assert line == '/search country:"VN" year:"2019"'
    args = parse(line, registry).args
    assert (args["country"], args["year"]) == ("VN", 2019)


def test_a_subcommand_and_the_bare_command_become_their_command_lines() -> None:
    registry = build_registry()
    visibility = {
        "name": "profile",
        "options": [
            {"name": "visibility", "type": 1, "options": [{"name": "setting", "value": "hidden"}]}
        ],
    }
    invocation = parse(command_line(registry, visibility), registry)
    assert invocation.path == ("profile", "visibility")
    assert invocation.args["setting"] == "hidden"
    bare = {"name": "profile", "options": [{"name": "show", "type": 1}]}
    assert command_line(registry, bare) == "/profile"


def test_a_quoted_value_is_one_token() -> None:
    for value in ['a "b" c', "«»", '""']:
        [token] = tokenize(quote(value))
        assert token.value == value
        assert token.quoted
