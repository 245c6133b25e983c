"""Replies survive storage (the outbox keeps them as JSON)."""

from __future__ import annotations

import json

from core.chat import (
    Attachment,
    Audience,
    Button,
    ButtonStyle,
    Card,
    Field,
    Form,
    FormField,
    FormFieldKind,
    Pager,
    Reply,
)


def test_a_full_reply_round_trips_through_json() -> None:
    reply = Reply(
        text="Hello <b>&",
        cards=(
            Card(
                title="Zoë",
                subtitle="Hà Nội",
                fields=(Field("School", "X"),),
                buttons=(Button("Go", action="a", payload="p", style=ButtonStyle.PRIMARY),),
            ),
        ),
        buttons=(Button("Site", url="https://example.org"),),
        pager=Pager(label="Page 1", next=Button("Next", action="n", payload="c")),
        form=Form(
            action="f",
            title="Form",
            fields=(FormField("kind", "Kind", kind=FormFieldKind.CHOICE, choices=(("a", "A"),)),),
        ),
        attachments=(Attachment("data.json", b"\x00\xff{}", "application/json"),),
        audience=Audience.PUBLIC,
    )
    restored = Reply.from_dict(json.loads(json.dumps(reply.to_dict())))
    assert restored == reply


def test_all_buttons_lists_cards_then_reply_then_pager() -> None:
    reply = Reply(
        cards=(Card(title="c", buttons=(Button("1", action="a"),)),),
        buttons=(Button("2", action="b"),),
        pager=Pager(previous=Button("3", action="c"), next=Button("4", action="d")),
    )
    assert [b.label for b in reply.all_buttons()] == ["1", "2", "3", "4"]
