"""The command registry: declarations are checked once, names are reserved, help translated."""

from __future__ import annotations

import pytest
from babel.messages.pofile import read_po

from core.bootstrap import build_registry
from core.chat.builtin import RESERVED
from core.chat.commands import Command, CommandRegistry, Param, ParamKind
from core.i18n import locales_dir

REQUIRED_NAMES = [
    "start",
    "help",
    "profile",
    "search",
    "contact",
    "offers",
    "offer",
    "events",
    "event",
    "groups",
    "join",
    "leave",
    "alerts",
    "digest",
    "broadcast",
    "link",
    "lang",
    "stats",
    "privacy",
    "export",
    "erase",
]


def _fr() -> dict[str, str]:
    with (locales_dir() / "fr" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return {m.id: m.string for m in read_po(fh) if m.id}


def test_every_reserved_name_is_registered() -> None:
    assert set(REQUIRED_NAMES) <= set(build_registry().names())
    assert set(RESERVED) == set(REQUIRED_NAMES)


def test_every_command_and_parameter_help_has_a_french_translation() -> None:
    fr = _fr()
    for command in build_registry():
        assert fr.get(command.help), command.name
        for param in (*command.params, *command.options):
            assert fr.get(param.help), f"{command.name}.{param.name}"


def test_available_commands_have_handlers_and_reserved_ones_do_not() -> None:
    registry = build_registry()
    assert registry.get("search").available  # type: ignore[union-attr]
    assert all(c.available for c in registry)  # every promised command is built
    registry.reserve("later", "A command a later feature fills in")
    assert not registry.get("later").available  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "command",
    [
        Command(name="Search", help="x"),
        Command(name="a" * 33, help="x"),
        Command(name="ok", help=""),
        Command(name="ok", help="x" * 101),
        Command(name="ok", help="x", params=(Param("a", "a"), Param("a", "b"))),
        Command(
            name="ok", help="x", params=(Param("t", "t", kind=ParamKind.TEXT), Param("b", "b"))
        ),
        Command(name="ok", help="x", options=(Param("t", "t", kind=ParamKind.TEXT),)),
        Command(name="ok", help="x", params=(Param("a", "a"), Param("b", "b", required=True))),
        Command(name="ok", help="x", params=(Param("c", "c", kind=ParamKind.CHOICE),)),
        Command(name="ok", help="x", options=tuple(Param(f"o{i}", "o") for i in range(26))),
    ],
)
def test_invalid_declarations_are_refused(command: Command) -> None:
    with pytest.raises(ValueError):
        CommandRegistry().add(command)


def test_a_command_cannot_be_declared_twice() -> None:
    registry = CommandRegistry()

    async def handler(*_: object) -> None: ...

    registry.add(Command(name="x", help="x", handler=handler))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="twice"):
        registry.add(Command(name="x", help="x", handler=handler))  # type: ignore[arg-type]


def test_reserving_does_not_replace_a_real_command() -> None:
    registry = build_registry()
    before = registry.get("search")
    registry.reserve("search", "Search")
    assert registry.get("search") is before


def test_usage_lists_parameters_and_filters() -> None:
    search = build_registry().get("search")
    assert search is not None
    assert search.usage() == (
        "/search [query] [country:…] [city:…] [school:…] [field:…] [sector:…] [year:…]"
    )
