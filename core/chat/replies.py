"""The platform-neutral reply every adapter renders.

All text in a reply is plain text: adapters escape every string for their markup (HTML on
Telegram, mrkdwn on Slack, Markdown on Discord). Emphasis comes from structure (a card's
title, a field's name), never from markup inside the strings, so user text cannot inject any.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

__all__ = [
    "Attachment",
    "Audience",
    "Button",
    "ButtonStyle",
    "Card",
    "Field",
    "Form",
    "FormField",
    "FormFieldKind",
    "Pager",
    "Reply",
]


class Audience(StrEnum):
    PRIVATE = "private"  # only the asker sees it (ephemeral, or a private chat)
    PUBLIC = "public"  # everyone in the channel sees it


class ButtonStyle(StrEnum):
    DEFAULT = "default"
    PRIMARY = "primary"
    DANGER = "danger"


@dataclass(frozen=True, slots=True)
class Button:
    """An action the reader can take.

    ``action`` names a registered action (``search.page``); ``payload`` is a short string the
    action reads back (a cursor, an id). Adapters keep payloads within their limits
    (Telegram's 64-byte callback data...) with server-side tokens where needed. A button with a
    ``url`` opens a link instead of calling back.
    """

    label: str
    action: str = ""
    payload: str = ""
    style: ButtonStyle = ButtonStyle.DEFAULT
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    value: str
    inline: bool = True


@dataclass(frozen=True, slots=True)
class Card:
    title: str
    subtitle: str = ""
    body: str = ""
    fields: tuple[Field, ...] = ()
    buttons: tuple[Button, ...] = ()
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Pager:
    """Cursor pagination: buttons to the previous/next page and a label such as "Page 2"."""

    label: str = ""
    previous: Button | None = None
    next: Button | None = None


class FormFieldKind(StrEnum):
    TEXT = "text"
    LONG_TEXT = "long_text"
    CHOICE = "choice"
    NUMBER = "number"
    DATE = "date"
    EMAIL = "email"
    URL = "url"


@dataclass(frozen=True, slots=True)
class FormField:
    name: str
    label: str
    kind: FormFieldKind = FormFieldKind.TEXT
    required: bool = True
    choices: tuple[tuple[str, str], ...] = ()  # (value, label)
    max_length: int = 200
    placeholder: str = ""
    initial: str = ""


@dataclass(frozen=True, slots=True)
class Form:
    """A form: a modal where the platform has them, else asked one field at a time.

    Submitting calls the action ``action`` with the values by field name.
    """

    action: str
    title: str
    fields: tuple[FormField, ...]
    submit_label: str = ""
    payload: str = ""


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    content: bytes
    mime_type: str = "application/octet-stream"


@dataclass(frozen=True, slots=True)
class Reply:
    text: str = ""
    cards: tuple[Card, ...] = ()
    buttons: tuple[Button, ...] = ()
    pager: Pager | None = None
    form: Form | None = None
    attachments: tuple[Attachment, ...] = ()
    audience: Audience = Audience.PRIVATE
    error: bool = False  # the command was refused or failed; adapters may style it
    # Answering a button: replaces the message the button was on, where the platform can
    # edit it (a pager's pages, a confirmation turning into its outcome).
    replaces: bool = False

    @property
    def is_public(self) -> bool:
        return self.audience is Audience.PUBLIC

    def all_buttons(self) -> tuple[Button, ...]:
        """Every button in reading order: cards', then the reply's, then the pager's."""
        found: list[Button] = [b for card in self.cards for b in card.buttons]
        found.extend(self.buttons)
        if self.pager is not None:
            found.extend(b for b in (self.pager.previous, self.pager.next) if b is not None)
        return tuple(found)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form (attachments as latin-1 text) for storing a reply, e.g. in the outbox."""
        data = asdict(self)
        data["attachments"] = [
            {**a, "content": a["content"].decode("latin-1")} for a in data["attachments"]
        ]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Reply:
        def button(d: dict[str, Any] | None) -> Button | None:
            return None if d is None else Button(**{**d, "style": ButtonStyle(d["style"])})

        def buttons(items: list[dict[str, Any]]) -> tuple[Button, ...]:
            return tuple(b for b in (button(d) for d in items) if b is not None)

        pager = data.get("pager")
        form = data.get("form")
        return cls(
            text=data.get("text", ""),
            cards=tuple(
                Card(
                    title=c["title"],
                    subtitle=c.get("subtitle", ""),
                    body=c.get("body", ""),
                    fields=tuple(Field(**f) for f in c.get("fields", ())),
                    buttons=buttons(c.get("buttons", [])),
                    url=c.get("url"),
                )
                for c in data.get("cards", ())
            ),
            buttons=buttons(data.get("buttons", [])),
            pager=None
            if pager is None
            else Pager(
                label=pager.get("label", ""),
                previous=button(pager.get("previous")),
                next=button(pager.get("next")),
            ),
            form=None
            if form is None
            else Form(
                action=form["action"],
                title=form["title"],
                fields=tuple(
                    FormField(
                        **{
                            **f,
                            "kind": FormFieldKind(f["kind"]),
                            "choices": tuple(tuple(c) for c in f.get("choices", ())),
                        }
                    )
                    for f in form["fields"]
                ),
                submit_label=form.get("submit_label", ""),
                payload=form.get("payload", ""),
            ),
            attachments=tuple(
                Attachment(
                    filename=a["filename"],
                    content=a["content"].encode("latin-1"),
                    mime_type=a.get("mime_type", "application/octet-stream"),
                )
                for a in data.get("attachments", ())
            ),
            audience=Audience(data.get("audience", Audience.PRIVATE)),
            error=bool(data.get("error", False)),
            replaces=bool(data.get("replaces", False)),
        )
