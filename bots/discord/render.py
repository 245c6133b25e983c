"""Reply -> Discord message and modal payloads, within Discord's limits. Pure functions.

Every string from a reply is plain text (see ``core.chat.replies``): it is escaped for
Discord's Markdown and its mentions neutralised here, and every message carries
``allowed_mentions: {"parse": []}`` so that nothing pings @everyone, @here, roles or users.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from discord.utils import escape_markdown, escape_mentions

from core.chat import Button, ButtonStyle, Card, Form, FormField, FormFieldKind, Reply
from core.i18n import N_, gettext, ngettext

__all__ = [
    "EPHEMERAL",
    "NO_MENTIONS",
    "escape",
    "fit",
    "modal_parts",
    "modal_values",
    "render_message",
    "render_modal",
]

EPHEMERAL = 64
NO_MENTIONS: dict[str, Any] = {"parse": []}

CONTENT_LIMIT = 2000
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_COUNT = 25
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FOOTER_LIMIT = 2048
EMBEDS_TOTAL = 6000
EMBED_COUNT = 10
ROW_WIDTH = 5
ROW_COUNT = 5
LABEL_LIMIT = 80
CUSTOM_ID_LIMIT = 100
MODAL_TITLE_LIMIT = 45
MODAL_FIELDS = 5
MODAL_LABEL_LIMIT = 45
PLACEHOLDER_LIMIT = 100
TEXT_INPUT_LIMIT = 4000
SELECT_OPTIONS = 25

COLOUR = 0x000091  # bleu France
ERROR_COLOUR = 0xE1000F  # rouge Marianne
EMPTY = "\u200b"  # Discord refuses empty field names and values

_BUTTON_STYLES = {ButtonStyle.DEFAULT: 2, ButtonStyle.PRIMARY: 1, ButtonStyle.DANGER: 4}
_LINK_STYLE = 5
ACTION_ROW = 1
BUTTON = 2
STRING_SELECT = 3
TEXT_INPUT = 4
LABEL = 18
SHORT = 1
PARAGRAPH = 2
DATE_HINT = N_("YYYY-MM-DD")


def escape(text: str) -> str:
    """User text as literal Discord Markdown that mentions nobody."""
    return escape_mentions(escape_markdown(text))


def fit(text: str, limit: int, *, escaped: bool = True) -> str:
    """Escape (unless told not to) and cut to ``limit`` characters, ending with "…" if cut."""
    out = escape(text) if escaped else text
    if len(out) <= limit:
        return out
    cut = out[: limit - 1]
    # never leave half an escape (a lone trailing backslash) before the ellipsis
    trailing = len(cut) - len(cut.rstrip("\\"))
    if trailing % 2:
        cut = cut[:-1]
    return cut + "…"


def render_message(
    reply: Reply, tokens: Mapping[tuple[str, str], str], *, ephemeral: bool | None = None
) -> dict[str, Any]:
    """A message payload (interaction response data, webhook or channel message body).

    ``tokens`` maps each button's (action, payload) to its custom_id (``CallbackStore.issue``);
    buttons without one are left out. ``ephemeral`` defaults to "unless the reply is public".
    """
    content = escape(reply.text) if reply.text else ""
    embeds: list[dict[str, Any]] = []
    if len(content) > CONTENT_LIMIT:
        embeds.append(_embed(description=fit(reply.text, DESCRIPTION_LIMIT), error=reply.error))
        content = ""
    cards = [_card_embed(card, error=reply.error) for card in reply.cards]
    embeds, dropped = _within_budget(embeds, cards)
    notes: list[str] = []
    if reply.pager is not None and reply.pager.label:
        notes.append(reply.pager.label)
    if dropped:
        notes.append(ngettext("{count} more not shown.", "{count} more not shown.", dropped))
    if notes:
        footer = fit(" · ".join(notes), FOOTER_LIMIT, escaped=False)  # footers show no Markdown
        if embeds and _size(embeds) + len(footer) <= EMBEDS_TOTAL:
            embeds[-1]["footer"] = {"text": footer}
        else:
            content = fit("\n".join(filter(None, (content, *map(escape, notes)))), CONTENT_LIMIT)
    payload: dict[str, Any] = {
        "content": content,
        "embeds": embeds,
        "components": _rows(reply, tokens),
        "allowed_mentions": dict(NO_MENTIONS),
    }
    if (not reply.is_public) if ephemeral is None else ephemeral:
        payload["flags"] = EPHEMERAL
    return payload


def _embed(*, description: str = "", error: bool = False) -> dict[str, Any]:
    embed: dict[str, Any] = {"type": "rich", "color": ERROR_COLOUR if error else COLOUR}
    if description:
        embed["description"] = description
    return embed


def _card_embed(card: Card, *, error: bool) -> dict[str, Any]:
    parts = []
    if card.subtitle:
        parts.append(f"*{fit(card.subtitle, DESCRIPTION_LIMIT // 4)}*")
    if card.body:
        parts.append(escape(card.body))
    embed = _embed(
        description=fit("\n\n".join(parts), DESCRIPTION_LIMIT, escaped=False), error=error
    )
    embed["title"] = fit(card.title, TITLE_LIMIT) or EMPTY
    if card.url and card.url.startswith(("https://", "http://")):
        embed["url"] = card.url
    fields = [
        {
            "name": fit(f.name, FIELD_NAME_LIMIT) or EMPTY,
            "value": fit(f.value, FIELD_VALUE_LIMIT) or EMPTY,
            "inline": f.inline,
        }
        for f in card.fields[:FIELD_COUNT]
    ]
    if fields:
        embed["fields"] = fields
    return embed


def _size(embeds: Iterable[Mapping[str, Any]]) -> int:
    """Characters Discord counts towards the 6000 of a message's embeds."""
    total = 0
    for embed in embeds:
        total += len(embed.get("title", "")) + len(embed.get("description", ""))
        total += len(embed.get("footer", {}).get("text", ""))
        total += sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields", ()))
    return total


def _within_budget(
    head: list[dict[str, Any]], cards: Sequence[dict[str, Any]]
) -> tuple[list[dict[str, Any]], int]:
    """As many cards as fit in 10 embeds and 6000 characters (the last one shortened if need
    be); and how many were dropped."""
    embeds = list(head)
    kept = 0
    reserve = 60  # room for a footer ("Page 12 · 3 more not shown.")
    for card in cards:
        if len(embeds) >= EMBED_COUNT:
            break
        room = EMBEDS_TOTAL - reserve - _size(embeds)
        if _size([card]) > room:
            shortened = _shrink(card, room)
            if shortened is not None:
                embeds.append(shortened)
                kept += 1
            break
        embeds.append(card)
        kept += 1
    return embeds, len(cards) - kept


def _shrink(embed: dict[str, Any], room: int) -> dict[str, Any] | None:
    """The embed within ``room`` characters: fields dropped from the end, then the description
    cut; None if not even its title fits with a little text."""
    if room < len(embed.get("title", "")) + 50:
        return None
    shrunk = {**embed, "fields": list(embed.get("fields", ()))}
    while shrunk["fields"] and _size([shrunk]) > room:
        shrunk["fields"].pop()
    if not shrunk["fields"]:
        del shrunk["fields"]
    excess = _size([shrunk]) - room
    if excess > 0:
        description = shrunk.get("description", "")
        shrunk["description"] = fit(description, len(description) - excess, escaped=False)
    return shrunk


def _rows(reply: Reply, tokens: Mapping[tuple[str, str], str]) -> list[dict[str, Any]]:
    pager_buttons: tuple[Button, ...] = ()
    if reply.pager is not None:
        pager_buttons = tuple(b for b in (reply.pager.previous, reply.pager.next) if b)
    others = (*(b for card in reply.cards for b in card.buttons), *reply.buttons)
    seen: set[str] = set()

    def components(buttons: Iterable[Button]) -> list[dict[str, Any]]:
        out = []
        for button in buttons:
            component = _button(button, tokens)
            if component is None:
                continue
            key = str(component.get("custom_id") or component.get("url"))
            if key in seen:
                continue  # custom_ids must be unique within a message
            seen.add(key)
            out.append(component)
        return out

    rows = _chunk(components(others), ROW_WIDTH)
    pager_row = components(pager_buttons)
    room = ROW_COUNT - (1 if pager_row else 0)
    rows = rows[:room]
    if pager_row:
        rows.append(pager_row)
    return [{"type": ACTION_ROW, "components": row} for row in rows]


def _chunk(items: list[dict[str, Any]], size: int) -> list[list[dict[str, Any]]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _button(button: Button, tokens: Mapping[tuple[str, str], str]) -> dict[str, Any] | None:
    label = fit(button.label, LABEL_LIMIT, escaped=False) or EMPTY  # labels show no Markdown
    if button.url:
        if not button.url.startswith(("https://", "http://")):
            return None
        return {"type": BUTTON, "style": _LINK_STYLE, "label": label, "url": button.url}
    token = tokens.get((button.action, button.payload))
    if not token or len(token) > CUSTOM_ID_LIMIT:
        return None
    return {
        "type": BUTTON,
        "style": _BUTTON_STYLES.get(button.style, 2),
        "label": label,
        "custom_id": token,
    }


# --- forms as modals ------------------------------------------------------------------------


def render_modal(form: Form, custom_id: str) -> dict[str, Any] | None:
    """The data of a MODAL response, or None when the form does not fit in one (> 5 fields)."""
    if len(form.fields) > MODAL_FIELDS or not form.fields:
        return None
    return {
        "custom_id": custom_id,
        "title": fit(form.title, MODAL_TITLE_LIMIT, escaped=False) or EMPTY,
        "components": [_labelled(field) for field in form.fields],
    }


def modal_parts(form: Form) -> tuple[Form, ...]:
    """The modals a form takes: itself when it fits in one, else parts of at most five
    fields, as even as possible, each titled like "Post an offer (2/3)"."""
    fields = form.fields
    if len(fields) <= MODAL_FIELDS:
        return (form,)
    count = -(-len(fields) // MODAL_FIELDS)
    size = -(-len(fields) // count)
    chunks = [fields[i : i + size] for i in range(0, len(fields), size)]
    parts = []
    for number, chunk in enumerate(chunks, 1):
        suffix = f" ({number}/{len(chunks)})"
        title = fit(form.title, MODAL_TITLE_LIMIT - len(suffix), escaped=False) + suffix
        parts.append(dataclasses.replace(form, title=title, fields=chunk))
    return tuple(parts)


def _labelled(field: FormField) -> dict[str, Any]:
    """A Label component around a text input, or a select for a short list of choices."""
    label: dict[str, Any] = {
        "type": LABEL,
        "label": fit(field.label, MODAL_LABEL_LIMIT, escaped=False) or EMPTY,
    }
    if field.kind is FormFieldKind.CHOICE and 0 < len(field.choices) <= SELECT_OPTIONS:
        label["component"] = {
            "type": STRING_SELECT,
            "custom_id": field.name,
            "required": field.required,
            "min_values": 1 if field.required else 0,
            "max_values": 1,
            "options": [
                {
                    "label": fit(text, 100, escaped=False) or value,
                    "value": value[:100],
                    **({"default": True} if field.initial == value else {}),
                }
                for value, text in field.choices
            ],
        }
        return label
    placeholder = field.placeholder
    if not placeholder and field.kind is FormFieldKind.CHOICE:
        placeholder = " / ".join(text for _, text in field.choices)
    elif not placeholder and field.kind is FormFieldKind.DATE:
        placeholder = gettext(DATE_HINT)
    text_input: dict[str, Any] = {
        "type": TEXT_INPUT,
        "custom_id": field.name,
        "style": PARAGRAPH if field.kind is FormFieldKind.LONG_TEXT else SHORT,
        "required": field.required,
        "max_length": max(1, min(field.max_length, TEXT_INPUT_LIMIT)),
    }
    if placeholder:
        text_input["placeholder"] = fit(placeholder, PLACEHOLDER_LIMIT, escaped=False)
    if field.initial:
        text_input["value"] = field.initial[:TEXT_INPUT_LIMIT]
    label["component"] = text_input
    return label


def modal_values(data: Mapping[str, Any]) -> dict[str, str]:
    """``{custom_id: value}`` from a modal submission, with or without Label wrappers."""
    values: dict[str, str] = {}

    def walk(component: Mapping[str, Any]) -> None:
        custom_id = component.get("custom_id")
        if isinstance(custom_id, str):
            if "value" in component:
                values[custom_id] = str(component.get("value") or "")
            elif "values" in component:
                chosen = component.get("values") or []
                values[custom_id] = str(chosen[0]) if chosen else ""
        inner = component.get("component")
        if isinstance(inner, Mapping):
            walk(inner)
        for child in component.get("components") or ():
            if isinstance(child, Mapping):
                walk(child)

    for top in data.get("components") or ():
        if isinstance(top, Mapping):
            walk(top)
    return values
