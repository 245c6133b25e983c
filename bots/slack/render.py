"""Core replies and forms as Block Kit: pure functions, within Slack's limits.

Every string from a reply is user text: it is escaped for mrkdwn (``&``, ``<``, ``>``), which
also neutralises ``<!channel>``, ``<!here>``, ``<!everyone>`` and ``<@U123>`` mentions. A
button carries only a server-side token (``value``); its ``action_id`` says which kind of
button it is (``alumni:btn:N``, ``alumni:page:N``, ``alumni:link:N``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from core.chat import Button, ButtonStyle, Card, Form, FormField, FormFieldKind, Reply
from core.i18n import gettext

__all__ = [
    "BUTTON_PREFIX",
    "FORM_CALLBACK_ID",
    "LINK_PREFIX",
    "MAX_BLOCKS",
    "MAX_VIEW_BLOCKS",
    "PAGE_PREFIX",
    "VALUE_ACTION_ID",
    "SlackMessage",
    "clip",
    "escape",
    "mentioned_users",
    "plain_text",
    "render_home",
    "render_message",
    "render_modal",
    "slack_command_names",
    "unescape",
    "values_from_state",
]

MAX_BLOCKS = 50  # per message
MAX_VIEW_BLOCKS = 100  # per modal or Home tab
MAX_SECTION_TEXT = 3000
MAX_FIELD_TEXT = 2000
MAX_FIELDS = 10
MAX_ACTIONS = 25  # elements per actions block
MAX_BUTTON_LABEL = 75
MAX_URL = 3000
MAX_FALLBACK_TEXT = 3000
MAX_MODAL_TITLE = 24
MAX_MODAL_BUTTON = 24
MAX_PLACEHOLDER = 150
MAX_INPUT_LABEL = 2000
MAX_INPUT_LENGTH = 3000
MAX_OPTIONS = 100
MAX_OPTION_TEXT = 75
MAX_OPTION_VALUE = 150
MAX_METADATA = 3000

BUTTON_PREFIX = "alumni:btn:"
PAGE_PREFIX = "alumni:page:"
LINK_PREFIX = "alumni:link:"
FORM_CALLBACK_ID = "alumni_form"
VALUE_ACTION_ID = "value"  # every input element of a modal; its block_id is the field name

_ENTITY_TAIL = re.compile(r"&[a-z]{0,4}$")
_SAFE_URL = re.compile(r"^https?://[^\s<>|]+$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class SlackMessage:
    """``text`` is the notification fallback (escaped mrkdwn), ``blocks`` the Block Kit."""

    text: str
    blocks: list[dict[str, Any]]


def escape(text: str) -> str:
    """Escape user text for mrkdwn: no markup, links or mentions can come through."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    """Undo Slack's escaping of slash-command text (``&lt;`` -> ``<``...)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


_SLACK_ENTITY = re.compile(r"<([@#!]?)([^<>|]*)(?:\|([^<>]*))?>")


def plain_text(text: str, names: Mapping[str, str] | None = None) -> str:
    """A channel message as its readers saw it, for copies on other platforms.

    ``<@U123>`` becomes ``@name`` (``names`` maps user ids to display names), ``<#C1|general>``
    ``#general``, ``<https://x|label>`` ``label (https://x)``, ``<!here>`` ``@here`` (the
    copies' renderers neutralise it), and ``&lt;`` ``&gt;`` ``&amp;`` their characters."""
    names = names or {}

    def entity(match: re.Match[str]) -> str:
        sigil, target, label = match.group(1), match.group(2), match.group(3)
        if sigil == "@":
            return "@" + (label or names.get(target) or target)
        if sigil == "#":
            return "#" + (label or target)
        if sigil == "!":
            return "@" + (label or target.split("^", 1)[0])
        if label and label != target and label != target.removeprefix("mailto:"):
            return f"{label} ({target})"
        return target.removeprefix("mailto:")

    return unescape(_SLACK_ENTITY.sub(entity, text))


def mentioned_users(text: str) -> list[str]:
    """The user ids of the ``<@U123>`` mentions of a message, in order, once each."""
    found = [m.group(2) for m in _SLACK_ENTITY.finditer(text) if m.group(1) == "@"]
    return list(dict.fromkeys(found))


def clip(text: str, limit: int) -> str:
    """At most ``limit`` characters, ending with an ellipsis when cut, never mid-entity."""
    if len(text) <= limit:
        return text
    cut = _ENTITY_TAIL.sub("", text[: limit - 1])
    return cut.rstrip() + "…"


def _plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": clip(text, limit) or " ", "emoji": True}


def _mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def slack_command_names(reply: Reply, names: Collection[str], umbrella: str = "alumni") -> Reply:
    """``/search`` in a core reply becomes ``/alumni search``: the command as typed on Slack."""
    if not names:
        return reply
    pattern = re.compile(
        r"(?<![\w/])/("
        + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
        + r")\b"
    )

    def fix(text: str) -> str:
        return pattern.sub(rf"/{umbrella} \1", text) if "/" in text else text

    def fix_card(card: Card) -> Card:
        return dataclasses.replace(
            card,
            title=fix(card.title),
            subtitle=fix(card.subtitle),
            body=fix(card.body),
            fields=tuple(
                dataclasses.replace(f, name=fix(f.name), value=fix(f.value)) for f in card.fields
            ),
        )

    return dataclasses.replace(
        reply, text=fix(reply.text), cards=tuple(fix_card(c) for c in reply.cards)
    )


# --- messages ---------------------------------------------------------------------------------
class _Buttons:
    """Numbers the buttons of one message so every action_id in it is unique."""

    def __init__(self, tokens: Mapping[tuple[str, str], str]) -> None:
        self._tokens = tokens
        self._count = 0

    def element(self, button: Button, prefix: str = BUTTON_PREFIX) -> dict[str, Any] | None:
        self._count += 1
        element: dict[str, Any] = {
            "type": "button",
            "text": _plain(button.label, MAX_BUTTON_LABEL),
        }
        if button.url:
            if len(button.url) > MAX_URL or not _SAFE_URL.match(button.url):
                return None
            element["action_id"] = f"{LINK_PREFIX}{self._count}"
            element["url"] = button.url
        else:
            token = self._tokens.get((button.action, button.payload))
            if not button.action or token is None:
                return None
            element["action_id"] = f"{prefix}{self._count}"
            element["value"] = token
        if button.style is not ButtonStyle.DEFAULT:
            element["style"] = button.style.value
        return element

    def actions(
        self, buttons: Iterable[Button], prefix: str = BUTTON_PREFIX
    ) -> list[dict[str, Any]]:
        elements = [e for e in (self.element(b, prefix) for b in buttons) if e is not None]
        return [
            {"type": "actions", "elements": elements[i : i + MAX_ACTIONS]}
            for i in range(0, len(elements), MAX_ACTIONS)
        ]


def _text_sections(text: str) -> list[dict[str, Any]]:
    """Escaped text in sections of at most 3,000 characters, cut between lines."""
    sections: list[str] = []
    current = ""
    for line in escape(text).split("\n"):
        line = clip(line, MAX_SECTION_TEXT)
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > MAX_SECTION_TEXT:
            sections.append(current)
            current = line
        else:
            current = candidate
    if current.strip():
        sections.append(current)
    return [{"type": "section", "text": _mrkdwn(s)} for s in sections if s.strip()]


def _card_blocks(card: Card, buttons: _Buttons) -> list[dict[str, Any]]:
    title = f"*{escape(card.title)}*" if card.title else ""
    if title and card.url and len(card.url) <= MAX_URL and _SAFE_URL.match(card.url):
        title = f"*<{card.url}|{escape(card.title)}>*"
    lines = [title] if title else []
    if card.subtitle:
        lines.append(escape(card.subtitle))
    if card.body:
        lines.append(escape(card.body))
    text = clip("\n".join(lines), MAX_SECTION_TEXT)
    fields = [
        _mrkdwn(clip(f"*{escape(f.name)}*\n{escape(f.value)}", MAX_FIELD_TEXT)) for f in card.fields
    ]
    sections: list[dict[str, Any]] = [
        {"type": "section", "fields": fields[i : i + MAX_FIELDS]}
        for i in range(0, len(fields), MAX_FIELDS)
    ]
    if text:
        if sections:
            sections[0] = {"type": "section", "text": _mrkdwn(text), **sections[0]}
        else:
            sections.append({"type": "section", "text": _mrkdwn(text)})
    blocks = sections
    blocks.extend(buttons.actions(card.buttons))
    return blocks


def _body_units(reply: Reply, buttons: _Buttons) -> list[list[dict[str, Any]]]:
    """The reply's blocks, grouped in units that are kept or dropped whole."""
    units: list[list[dict[str, Any]]] = []
    text = reply.text
    if text and reply.error:
        text = f":warning: {text}"
    units.extend([s] for s in _text_sections(text))
    for card in reply.cards:
        card_blocks = _card_blocks(card, buttons)
        if card_blocks:
            units.append(([{"type": "divider"}] if units else []) + card_blocks)
    actions = buttons.actions(reply.buttons)
    if actions:
        units.append(actions)
    return units


def _pager_blocks(reply: Reply, buttons: _Buttons) -> list[dict[str, Any]]:
    pager = reply.pager
    if pager is None:
        return []
    blocks: list[dict[str, Any]] = []
    if pager.label:
        blocks.append({"type": "context", "elements": [_mrkdwn(escape(pager.label))]})
    blocks.extend(
        buttons.actions((b for b in (pager.previous, pager.next) if b is not None), PAGE_PREFIX)
    )
    if len(blocks) == 1 and not pager.previous and not pager.next:
        return []  # a lone "Page 1" says nothing
    return blocks


def _fallback(reply: Reply) -> str:
    text = reply.text or ", ".join(c.title for c in reply.cards if c.title)
    if not text and reply.form is not None:
        text = reply.form.title
    return clip(escape(text), MAX_FALLBACK_TEXT) or " "


def render_message(
    reply: Reply,
    tokens: Mapping[tuple[str, str], str],
    *,
    max_blocks: int = MAX_BLOCKS,
) -> SlackMessage:
    """A reply as a Slack message; ``tokens`` from ``app.callbacks.issue(reply.all_buttons())``.

    Over ``max_blocks``, whole cards are dropped from the end and a translated note says so;
    the pager is always kept. A form is not part of a message (it opens as a modal).
    """
    buttons = _Buttons(tokens)
    units = _body_units(reply, buttons)
    tail = _pager_blocks(reply, buttons)
    blocks = [b for unit in units for b in unit]
    if len(blocks) + len(tail) > max_blocks:
        budget = max_blocks - len(tail) - 1
        blocks = []
        for unit in units:
            if len(blocks) + len(unit) > budget:
                break
            blocks.extend(unit)
        note = gettext("More results are not shown here.")
        blocks.append({"type": "context", "elements": [_mrkdwn(escape(note))]})
    return SlackMessage(text=_fallback(reply), blocks=blocks + tail)


def render_home(
    header: str, replies: Iterable[Reply], tokens: Mapping[tuple[str, str], str]
) -> dict[str, Any]:
    """The App Home view: a header line, then the replies (within the view's block limit)."""
    blocks: list[dict[str, Any]] = [{"type": "header", "text": _plain(header, 150)}]
    for reply in replies:
        room = MAX_VIEW_BLOCKS - len(blocks)
        if room < 2:
            break
        blocks.extend(render_message(reply, tokens, max_blocks=room).blocks)
    return {"type": "home", "blocks": blocks}


# --- modals -------------------------------------------------------------------------------------
def _element(field: FormField) -> dict[str, Any]:
    element: dict[str, Any] = {"action_id": VALUE_ACTION_ID}
    match field.kind:
        case FormFieldKind.CHOICE:
            options = [
                {"text": _plain(label, MAX_OPTION_TEXT), "value": value[:MAX_OPTION_VALUE]}
                for value, label in field.choices[:MAX_OPTIONS]
            ]
            element.update(type="static_select", options=options)
            initial = next((o for o in options if o["value"] == field.initial), None)
            if initial is not None:
                element["initial_option"] = initial
        case FormFieldKind.NUMBER:
            element.update(type="number_input", is_decimal_allowed=False)
            if re.fullmatch(r"-?\d{1,9}", field.initial):
                element["initial_value"] = field.initial
        case FormFieldKind.DATE:
            element["type"] = "datepicker"
            with contextlib.suppress(ValueError):
                element["initial_date"] = dt.date.fromisoformat(field.initial).isoformat()
        case FormFieldKind.EMAIL | FormFieldKind.URL:
            kind = "email_text_input" if field.kind is FormFieldKind.EMAIL else "url_text_input"
            element["type"] = kind
            if field.initial:
                element["initial_value"] = field.initial
        case _:
            element.update(
                type="plain_text_input",
                multiline=field.kind is FormFieldKind.LONG_TEXT,
                max_length=max(1, min(field.max_length, MAX_INPUT_LENGTH)),
            )
            if field.initial:
                element["initial_value"] = field.initial[:MAX_INPUT_LENGTH]
    if field.placeholder:
        element["placeholder"] = _plain(field.placeholder, MAX_PLACEHOLDER)
    return element


def render_modal(form: Form, private_metadata: str) -> dict[str, Any]:
    """A form as a modal view; ``private_metadata`` says what the submission calls."""
    if len(private_metadata) > MAX_METADATA:
        raise ValueError("private_metadata is over Slack's 3,000 characters")
    return {
        "type": "modal",
        "callback_id": FORM_CALLBACK_ID,
        "title": _plain(form.title, MAX_MODAL_TITLE),
        "submit": _plain(form.submit_label or gettext("Submit"), MAX_MODAL_BUTTON),
        "close": _plain(gettext("Cancel"), MAX_MODAL_BUTTON),
        "private_metadata": private_metadata,
        "blocks": [
            {
                "type": "input",
                "block_id": field.name,
                "optional": not field.required,
                "label": _plain(field.label, MAX_INPUT_LABEL),
                "element": _element(field),
            }
            for field in form.fields[:MAX_VIEW_BLOCKS]
        ],
    }


def values_from_state(state: Mapping[str, Any]) -> dict[str, str]:
    """A view submission's ``state`` as values by field name (empty inputs as "")."""
    values: dict[str, str] = {}
    for block_id, actions in (state.get("values") or {}).items():
        element = (actions or {}).get(VALUE_ACTION_ID)
        if not isinstance(element, dict):
            continue
        selected = element.get("selected_option")
        if isinstance(selected, dict):
            value = selected.get("value")
        elif "selected_date" in element:
            value = element.get("selected_date")
        else:
            value = element.get("value")
        values[str(block_id)] = "" if value is None else str(value)
    return values
