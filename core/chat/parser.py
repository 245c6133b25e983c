"""From a line of text to a command and its bound arguments.

``/search "Marie Curie" country:BR year:2019`` -> command ``search``, text ``Marie Curie``,
options ``country=BR``, ``year=2019``. Straight and typographic quotes group words
(``"…"``, ``“…”``, ``«…»``, ``„…“``); a quoted ``key:value`` is plain text. Every problem is
a ``ParseError`` carrying a translatable message; no input makes the parser raise anything
else.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from babel import Locale

from ..domain import fold
from ..errors import CountedUserError, UserError
from ..i18n import N_, current_locale
from .commands import Arguments, Command, CommandRegistry, Param, ParamKind

__all__ = ["MAX_INPUT_LENGTH", "Invocation", "ParseError", "Token", "parse", "tokenize"]

MAX_INPUT_LENGTH = 4000
_OPTION_RE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]{0,31}):(.*)$", re.DOTALL)
_QUOTES = {'"': '"', "“": "”", "”": "”", "«": "»", "„": "“", "‘": "’", "'": "'"}
_COMMAND_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,31}$")


class ParseError(UserError):
    """The input cannot be understood; the message says why, in the user's language."""


class CountedParseError(CountedUserError, ParseError):
    """A ``ParseError`` whose wording depends on a number."""


@dataclass(frozen=True, slots=True)
class Token:
    value: str
    quoted: bool = False


@dataclass(frozen=True, slots=True)
class Invocation:
    command: Command  # the command or subcommand that runs
    path: tuple[str, ...]  # ("profile", "edit")
    args: Arguments


def _clean(text: str) -> str:
    """NFC, and control/format characters (but newlines and tabs) dropped."""
    text = unicodedata.normalize("NFC", text)
    return "".join(
        ch
        for ch in text
        if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co")
    )


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        start = i
        buf: list[str] = []
        quoted = False
        while i < n and not text[i].isspace():
            ch = text[i]
            # An apostrophe inside a word ("l'École", "O'Neil") is a letter, not a quote.
            is_opening = ch in _QUOTES and (ch not in "'‘" or not buf)
            if is_opening:
                closer = _QUOTES[ch]
                end = text.find(closer, i + 1)
                if closer == "”" and end < 0:
                    end = text.find("“", i + 1)
                if end < 0:
                    if ch in "'‘":  # a lone apostrophe: keep it as a letter
                        buf.append(ch)
                        i += 1
                        continue
                    raise ParseError(
                        N_("A quote is not closed: {quote} opened here: {fragment}"),
                        quote=ch,
                        fragment=text[start : start + 30],
                    )
                buf.append(text[i + 1 : end])
                quoted = quoted or i == start
                i = end + 1
                continue
            buf.append(ch)
            i += 1
        tokens.append(Token("".join(buf), quoted))
    return tokens


def parse(text: str, registry: CommandRegistry) -> Invocation:
    """Parse one command line; a leading ``/`` and a ``@botname`` suffix are optional."""
    if len(text) > MAX_INPUT_LENGTH:
        raise CountedParseError(
            "That message is too long ({count} character); the limit is {limit}.",
            "That message is too long ({count} characters); the limit is {limit}.",
            len(text),
            limit=MAX_INPUT_LENGTH,
        )
    text = _clean(text).strip()
    if not text:
        raise ParseError(N_("Type a command, for example /help."))
    head, _, rest = text.partition(" ")
    if "\n" in head:
        head, _, more = head.partition("\n")
        rest = more + " " + rest
    name = head.removeprefix("/").split("@", 1)[0].lower()
    if not _COMMAND_RE.match(name):
        raise ParseError(N_("Commands start with / and a name, for example /help."))
    command = registry.get(name)
    if command is None:
        suggestion = difflib.get_close_matches(name, registry.names(), n=1, cutoff=0.6)
        if suggestion:
            raise ParseError(
                N_("Unknown command /{name}. Did you mean /{suggestion}? Send /help for the list."),
                name=name,
                suggestion=suggestion[0],
            )
        raise ParseError(N_("Unknown command /{name}. Send /help for the list."), name=name)
    tokens = tokenize(rest)
    path: tuple[str, ...] = (command.name,)
    if command.subcommands and tokens and not tokens[0].quoted:
        sub = command.subcommand(tokens[0].value.lower())
        if sub is not None:
            command, tokens, path = sub, tokens[1:], (*path, sub.name)
            words = rest.split(None, 1)
            rest = words[1] if len(words) > 1 else ""
    raw_rest = rest.strip() if not command.options else None
    return Invocation(command=command, path=path, args=bind(command, tokens, raw_rest, path=path))


def bind(
    command: Command,
    tokens: list[Token],
    raw_rest: str | None = None,
    *,
    path: tuple[str, ...] = (),
) -> Arguments:
    """Give each token to a parameter, check and convert the values. ``path`` (e.g.
    ``("offer", "post")``) names a subcommand with its command in the error messages."""
    name = " ".join(path) or command.name
    usage = command.usage(prefix="/" + "".join(f"{p} " for p in path[:-1]))
    values: dict[str, object] = {}
    positional: list[Token] = []
    for token in tokens:
        match = _OPTION_RE.match(token.value) if command.options and not token.quoted else None
        if match is None or match.group(2).startswith("//"):
            positional.append(token)
            continue
        key, value = match.group(1).lower(), match.group(2)
        option = command.option(key)
        if option is None:
            raise ParseError(
                N_("Unknown filter {key}: for /{command}. Filters you can use: {available}."),
                key=key,
                command=name,
                available=", ".join(f"{o.name}:" for o in command.options),
            )
        if key in values:
            raise ParseError(N_("The filter {key}: is given twice."), key=key)
        values[key] = _convert(option, value)

    params = list(command.params)
    for index, param in enumerate(params):
        if param.kind is ParamKind.TEXT:
            rest = positional[index:]
            if raw_rest is not None and index == 0:
                text = raw_rest
            else:
                text = " ".join(t.value for t in rest)
            positional = positional[:index]
            values[param.name] = _convert(param, text) if text.strip() else None
            break
        if index < len(positional):
            values[param.name] = _convert(param, positional[index].value)
    extra = len(positional) - len([p for p in params if p.kind is not ParamKind.TEXT])
    if extra > 0 and not any(p.kind is ParamKind.TEXT for p in params):
        raise ParseError(
            N_("Too many words for /{command}. Usage: {usage}"),
            command=name,
            usage=usage,
        )
    for param in params:
        if param.required and values.get(param.name) is None:
            raise ParseError(
                N_("/{command} needs {param}. Usage: {usage}"),
                command=name,
                param=param.name,
                usage=usage,
            )
    return Arguments(values)


def _convert(param: Param, raw: str) -> object:
    value = raw.strip()
    if not value:
        raise ParseError(N_("{param} is empty."), param=param.name)
    if len(value) > param.max_length:
        raise CountedParseError(
            "{param} is too long ({count} character); the limit is {limit}.",
            "{param} is too long ({count} characters); the limit is {limit}.",
            len(value),
            param=param.name,
            limit=param.max_length,
        )
    if param.kind is ParamKind.INTEGER:
        digits = unicodedata.normalize("NFKC", value)
        if not re.fullmatch(r"[+-]?\d{1,9}", digits, flags=re.ASCII):
            raise ParseError(
                N_("{param} must be a whole number, not {value}."), param=param.name, value=value
            )
        number = int(digits)
        low, high = param.min_value, param.max_value
        if (low is not None and number < low) or (high is not None and number > high):
            raise ParseError(
                N_("{param} must be between {low} and {high}."),
                param=param.name,
                low=low if low is not None else "…",
                high=high if high is not None else "…",
            )
        return number
    if param.kind is ParamKind.COUNTRY:
        code = resolve_country(value)
        if code is None:
            raise ParseError(
                N_("Unknown country {value}. Use a country name or a two-letter code such as BR."),
                value=value,
            )
        return code
    if param.kind is ParamKind.CHOICE:
        choice = value.lower()
        if choice not in param.choices:
            raise ParseError(
                N_("{param} must be one of: {choices}."),
                param=param.name,
                choices=", ".join(param.choices),
            )
        return choice
    return value


@lru_cache(maxsize=32)
def _country_index(locale: str) -> dict[str, str]:
    """Folded country names -> ISO code, in the locale, English and French."""
    index: dict[str, str] = {}
    for lang in ("en", "fr", locale):
        for code, name in Locale.parse(lang).territories.items():
            if len(code) == 2 and code.isalpha() and code not in ("ZZ", "EU", "UN", "EZ", "QO"):
                index.setdefault(fold(str(name)), code)
    return index


def resolve_country(value: str) -> str | None:
    """ "br", "BR", "Brazil", "Brésil", "البرازيل" (in an Arabic session) -> "BR"."""
    index = _country_index(current_locale())
    if len(value) == 2 and value.isascii() and value.isalpha():
        code = value.upper()
        return code if code in index.values() else None
    return index.get(fold(value))
