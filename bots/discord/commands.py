"""The core registry as Discord application commands, and an invocation back as a command line.

Every available command becomes a chat-input command with the names declared in core (the
help texts and every reply speak of ``/search``, in every language) and descriptions in each
supported language. A command that has both a handler and subcommands (``/profile``) gets a
``show`` subcommand for the bare command, because Discord cannot invoke a parent that has
subcommands.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from core.chat import Command, CommandRegistry, Param, ParamKind
from core.i18n import gettext, use_locale

from .locales import localizations

__all__ = [
    "BARE_SUBCOMMAND",
    "application_commands",
    "command_line",
    "command_payload",
    "find_param",
    "quote",
]

CHAT_INPUT = 1
SUB_COMMAND = 1
SUB_COMMAND_GROUP = 2
STRING = 3
INTEGER = 4
BARE_SUBCOMMAND = "show"
MAX_DESCRIPTION = 100
MAX_STRING_LENGTH = 6000
MAX_CHOICES = 25


def application_commands(registry: CommandRegistry) -> list[dict[str, Any]]:
    """The body of ``PUT /applications/{id}/commands``: one entry per available command."""
    return [command_payload(command) for command in registry if command.available]


def command_payload(command: Command) -> dict[str, Any]:
    payload: dict[str, Any] = {"type": CHAT_INPUT, **_texts(command.name, command.help)}
    options = _command_options(command)
    if options:
        payload["options"] = options
    return payload


def _texts(name: str, msgid: str) -> dict[str, Any]:
    def description() -> str:
        return _clip(gettext(msgid), MAX_DESCRIPTION)

    with use_locale("en"):
        english = description()
    return {
        "name": name,
        "name_localizations": localizations(lambda: name),
        "description": english,
        "description_localizations": localizations(description),
    }


def _command_options(command: Command) -> list[dict[str, Any]]:
    if not command.subcommands:
        return _param_options((*command.params, *command.options))
    subs: list[dict[str, Any]] = []
    if command.handler is not None and command.subcommand(BARE_SUBCOMMAND) is None:
        subs.append(_subcommand(command, name=BARE_SUBCOMMAND))
    subs.extend(_subcommand(sub) for sub in command.subcommands if sub.available)
    return subs


def _subcommand(command: Command, *, name: str | None = None) -> dict[str, Any]:
    payload: dict[str, Any] = {"type": SUB_COMMAND, **_texts(name or command.name, command.help)}
    options = _param_options((*command.params, *command.options))
    if options:
        payload["options"] = options
    return payload


def _param_options(params: Iterable[Param]) -> list[dict[str, Any]]:
    options = [_param(p) for p in params]
    # Discord requires every required option before the optional ones.
    return sorted(options, key=lambda option: not option["required"])


def _param(param: Param) -> dict[str, Any]:
    option: dict[str, Any] = {
        "type": INTEGER if param.kind is ParamKind.INTEGER else STRING,
        **_texts(param.name, param.help),
        "required": param.required,
    }
    if param.kind is ParamKind.INTEGER:
        if param.min_value is not None:
            option["min_value"] = param.min_value
        if param.max_value is not None:
            option["max_value"] = param.max_value
        return option
    option["max_length"] = min(param.max_length, MAX_STRING_LENGTH)
    if param.kind is ParamKind.CHOICE and len(param.choices) <= MAX_CHOICES:
        option["choices"] = [{"name": choice, "value": choice} for choice in param.choices]
    elif param.autocomplete:
        option["autocomplete"] = True
    return option


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- an invocation back into the command line the core parser reads ------------------------


def quote(value: str) -> str:
    """One parser token that reads back as exactly ``value`` (quotes inside included)."""
    pieces = value.split('"')
    out: list[str] = []
    for index, piece in enumerate(pieces):
        if index:
            out.append('«"»')
        if piece:
            out.append(f'"{piece}"')
    return "".join(out) or '""'


def _target(
    registry: CommandRegistry, data: Mapping[str, Any]
) -> tuple[list[str], Command | None, Sequence[Mapping[str, Any]]]:
    """The words naming the command, the command that runs, and its options."""
    name = str(data.get("name", ""))
    words = ["/" + name]
    command = registry.get(name)
    options: Sequence[Mapping[str, Any]] = data.get("options") or ()
    if command is not None and options and options[0].get("type") == SUB_COMMAND:
        sub_name = str(options[0].get("name", ""))
        options = options[0].get("options") or ()
        sub = command.subcommand(sub_name)
        if sub is not None:
            words.append(sub_name)
            command = sub
        elif sub_name != BARE_SUBCOMMAND:
            words.append(sub_name)  # unknown: the parser explains
    return words, command, options


def find_param(registry: CommandRegistry, data: Mapping[str, Any], name: str) -> Param | None:
    """The declared parameter behind option ``name`` of an invocation (for autocomplete)."""
    _words, command, _options = _target(registry, data)
    if command is None:
        return None
    return next((p for p in (*command.params, *command.options) if p.name == name), None)


def command_line(registry: CommandRegistry, data: Mapping[str, Any]) -> str:
    """``/search "zoe nguyen" country:"VN"`` from an application command's ``data``.

    Positional parameters go in their declared order, options as ``name:value``; every value
    is quoted so that the parser reads back exactly what the user typed in Discord's fields.
    """
    words, command, options = _target(registry, data)
    values = {str(o.get("name")): o.get("value") for o in options if o.get("value") is not None}
    if command is None:
        return " ".join(words)
    for index, param in enumerate(command.params):
        value = values.get(param.name)
        if value is None or str(value).strip() == "":
            continue
        text = str(value)
        raw_rest = param.kind is ParamKind.TEXT and index == 0 and not command.options
        # Without options the parser gives a first TEXT parameter the raw rest of the line.
        words.append(text.strip() if raw_rest else quote(text))
    for option in command.options:
        value = values.get(option.name)
        if value is None or str(value).strip() == "":
            continue
        words.append(f"{option.name}:{quote(str(value))}")
    return " ".join(words)
