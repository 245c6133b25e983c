"""Core replies as Telegram messages: HTML with every string escaped, split under 4,096
characters, inline keyboards whose callback data are server-side tokens.

Pure functions: no network, no database. The caller issues the tokens
(``await app.callbacks.issue(reply.all_buttons())``) and passes them in.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions
from telegram.constants import ParseMode

from core.chat import Attachment, Button, Reply

__all__ = [
    "MAX_CALLBACK_DATA",
    "MAX_TEXT",
    "PAGER_PREFIX",
    "RenderedReply",
    "TelegramMessage",
    "escape",
    "keyboard",
    "render_reply",
    "reply_html",
    "split_html",
]

MAX_TEXT = 4096  # Telegram counts UTF-16 code units of the parsed text; we count the HTML
MAX_CALLBACK_DATA = 64  # bytes
PAGER_PREFIX = "p:"  # marks a pager button: pressing it edits the message in place
ROW_WIDTH = 2
ERROR_MARK = "⚠️ "
EMPTY_TEXT = "…"  # Telegram refuses an empty message; a reply with only buttons shows this
_LINK_SCHEMES = ("http://", "https://", "tg://")
# One atom: a tag, an entity, or one character. A split never falls inside an atom.
_ATOM = re.compile(r"<[^<>]*>|&#?[0-9A-Za-z]+;|.", re.DOTALL)
_TAG = re.compile(r"<(/?)([a-zA-Z0-9-]+)")


@dataclass(frozen=True, slots=True)
class TelegramMessage:
    """One sendMessage (or editMessageText): HTML text and maybe an inline keyboard."""

    text: str
    reply_markup: InlineKeyboardMarkup | None = None

    @property
    def params(self) -> dict[str, Any]:
        """Keyword arguments for ``bot.send_message`` / ``bot.edit_message_text``."""
        return {
            "text": self.text,
            "parse_mode": ParseMode.HTML,
            "reply_markup": self.reply_markup,
            "link_preview_options": LinkPreviewOptions(is_disabled=True),
        }


@dataclass(frozen=True, slots=True)
class RenderedReply:
    messages: tuple[TelegramMessage, ...]
    documents: tuple[Attachment, ...] = ()


def escape(text: str) -> str:
    """Escape a plain string for Telegram's HTML parse mode (``< > & " '``)."""
    return html.escape(text, quote=True)


def reply_html(reply: Reply) -> str:
    """The reply's text, cards and pager label as one HTML string (may exceed 4,096)."""
    lines: list[str] = []
    if reply.text:
        lines.append((ERROR_MARK if reply.error else "") + escape(reply.text))
    for card in reply.cards:
        if lines:
            lines.append("")
        title = f"<b>{escape(card.title)}</b>"
        if card.url and card.url.startswith(_LINK_SCHEMES):
            title = f'<a href="{escape(card.url)}">{title}</a>'
        lines.append(title)
        if card.subtitle:
            lines.append(f"<i>{escape(card.subtitle)}</i>")
        if card.body:
            lines.append(escape(card.body))
        lines.extend(f"<b>{escape(f.name)}</b>: {escape(f.value)}" for f in card.fields)
    if reply.form is not None:  # the dispatcher asks Telegram forms step by step; a fallback
        if lines:
            lines.append("")
        lines.append(f"<b>{escape(reply.form.title)}</b>")
    if reply.pager is not None and reply.pager.label:
        lines.append("")
        lines.append(f"<i>{escape(reply.pager.label)}</i>")
    return "\n".join(lines)


def _units(atom: str) -> int:
    """UTF-16 code units: what Telegram counts."""
    return len(atom.encode("utf-16-le")) // 2


def _closing(stack: Sequence[str]) -> str:
    return "".join(f"</{_tag_name(tag)}>" for tag in reversed(stack))


def _tag_name(tag: str) -> str:
    match = _TAG.match(tag)
    return match.group(2).lower() if match else ""


def _apply(stack: tuple[str, ...], atom: str) -> tuple[str, ...]:
    """The open tags after ``atom``."""
    if not atom.startswith("<") or len(atom) < 3:
        return stack
    match = _TAG.match(atom)
    if match is None:
        return stack
    closing, name = match.group(1), match.group(2).lower()
    if not closing:
        return (*stack, atom)
    for index in range(len(stack) - 1, -1, -1):
        if _tag_name(stack[index]) == name:
            return stack[:index] + stack[index + 1 :]
    return stack


def _visible(chunk: str) -> bool:
    return bool(re.sub(r"<[^<>]*>", "", chunk).strip())


def split_html(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Cut HTML into pieces of at most ``limit`` UTF-16 units, at line ends where possible
    (else at a space, else anywhere), never inside a tag or an entity. Tags open at a cut are
    closed before it and opened again after it."""
    if _units(text) <= limit:
        return [text] if _visible(text) else []
    atoms = _ATOM.findall(text)
    chunks: list[str] = []
    start = 0
    opened: tuple[str, ...] = ()
    while start < len(atoms):
        prefix = "".join(opened)
        size, stack, index = _units(prefix), opened, start
        at_line: tuple[int, int, tuple[str, ...]] | None = None  # (end, next start, stack)
        at_space: tuple[int, int, tuple[str, ...]] | None = None
        while index < len(atoms):
            atom = atoms[index]
            after = _apply(stack, atom)
            if size + _units(atom) + _units(_closing(after)) > limit:
                break
            if atom == "\n":
                at_line = (index, index + 1, stack)
            elif atom == " ":
                at_space = (index + 1, index + 1, after)
            size, stack, index = size + _units(atom), after, index + 1
        else:
            chunks.append(prefix + "".join(atoms[start:]) + _closing(stack))
            break
        end, resume, end_stack = _best_cut(start, index, at_line, at_space) or (index, index, stack)
        if resume == start:
            raise ValueError(f"the limit {limit} is too small for the markup")
        chunks.append(prefix + "".join(atoms[start:end]) + _closing(end_stack))
        start, opened = resume, end_stack
    return [c for c in chunks if _visible(c)]


def _best_cut(
    start: int,
    index: int,
    at_line: tuple[int, int, tuple[str, ...]] | None,
    at_space: tuple[int, int, tuple[str, ...]] | None,
) -> tuple[int, int, tuple[str, ...]] | None:
    """A line end in the second half of the piece, else the latest line end or space."""
    if at_line is not None and at_line[0] - start >= (index - start) // 2:
        return at_line
    found = [cut for cut in (at_line, at_space) if cut is not None]
    return max(found, key=lambda cut: cut[0]) if found else None


def _button(button: Button, tokens: Mapping[tuple[str, str], str], prefix: str = "") -> Any:
    label = button.label or EMPTY_TEXT
    if button.url:
        if not button.url.startswith(_LINK_SCHEMES):
            return None
        return InlineKeyboardButton(label, url=button.url)
    token = tokens.get((button.action, button.payload))
    if token is None:
        return None
    data = prefix + token
    if len(data.encode()) > MAX_CALLBACK_DATA:
        raise ValueError("callback data over 64 bytes: tokens must be short")
    return InlineKeyboardButton(label, callback_data=data)


def _rows(
    buttons: Iterable[Button], tokens: Mapping[tuple[str, str], str]
) -> list[list[InlineKeyboardButton]]:
    made = [b for b in (_button(button, tokens) for button in buttons) if b is not None]
    return [made[i : i + ROW_WIDTH] for i in range(0, len(made), ROW_WIDTH)]


def keyboard(reply: Reply, tokens: Mapping[tuple[str, str], str]) -> InlineKeyboardMarkup | None:
    """Card buttons (a row or two per card), the reply's buttons, then previous/next."""
    rows: list[list[InlineKeyboardButton]] = []
    for card in reply.cards:
        rows.extend(_rows(card.buttons, tokens))
    rows.extend(_rows(reply.buttons, tokens))
    if reply.pager is not None:
        pager = [
            made
            for made in (
                _button(b, tokens, PAGER_PREFIX)
                for b in (reply.pager.previous, reply.pager.next)
                if b is not None
            )
            if made is not None
        ]
        if pager:
            rows.append(pager)
    return InlineKeyboardMarkup(rows) if rows else None


def render_reply(
    reply: Reply, tokens: Mapping[tuple[str, str], str], *, limit: int = MAX_TEXT
) -> RenderedReply:
    """The messages to send for ``reply`` (the keyboard rides on the last one)."""
    chunks = split_html(reply_html(reply), limit)
    markup = keyboard(reply, tokens)
    if markup is not None and not chunks:
        chunks = [EMPTY_TEXT]
    messages = [TelegramMessage(text) for text in chunks]
    if markup is not None:
        messages[-1] = TelegramMessage(messages[-1].text, markup)
    return RenderedReply(messages=tuple(messages), documents=reply.attachments)
