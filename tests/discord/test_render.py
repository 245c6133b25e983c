"""Replies as Discord messages and modals: escaping, mentions, and every limit."""

from __future__ import annotations

from typing import Any

from bots.discord.autocomplete import country_choices, suggestions
from bots.discord.render import fit, modal_parts, modal_values, render_message, render_modal
from core.chat import (
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


def _tokens(reply: Reply) -> dict[tuple[str, str], str]:
    return {(b.action, b.payload): f"t:{i:022d}" for i, b in enumerate(reply.all_buttons())}


def _embed_chars(embeds: list[dict[str, Any]]) -> int:
    return sum(
        len(e.get("title", ""))
        + len(e.get("description", ""))
        + len(e.get("footer", {}).get("text", ""))
        + sum(len(f["name"]) + len(f["value"]) for f in e.get("fields", []))
        for e in embeds
    )


def test_a_member_named_everyone_bold_pings_nobody_and_shows_literally() -> None:
    name = "@everyone **bold**"
    reply = Reply(
        text=f"{name} <@&123456789012345678> @here",
        cards=(Card(title=name, subtitle=name, fields=(Field(name, name),)),),
    )
    message = render_message(reply, {})
    assert message["allowed_mentions"] == {"parse": []}
    assert "@everyone" not in message["content"]
    assert "@here" not in message["content"]
    assert "<@&1" not in message["content"]
    assert "@\u200beveryone \\*\\*bold\\*\\*" in message["content"]
    [embed] = message["embeds"]
    assert embed["title"] == "@\u200beveryone \\*\\*bold\\*\\*"
    assert embed["fields"][0] == {
        "name": "@\u200beveryone \\*\\*bold\\*\\*",
        "value": "@\u200beveryone \\*\\*bold\\*\\*",
        "inline": True,
    }


def test_markdown_in_user_text_is_escaped_but_links_stay_usable() -> None:
    message = render_message(Reply(text="# big _it_ ||spoiler|| https://ex.org/a_b"), {})
    assert message["content"] == "\\# big \\_it\\_ \\|\\|spoiler\\|\\| https://ex.org/a_b"


def test_cards_are_cut_to_embed_limits() -> None:
    card = Card(
        title="T" * 300,
        body="b" * 5000,
        fields=tuple(Field("n" * 300, "v" * 2000) for _ in range(40)),
    )
    [embed] = render_message(Reply(cards=(card,)), {})["embeds"]
    assert len(embed["title"]) == 256 and embed["title"].endswith("…")
    assert len(embed["description"]) <= 4096
    assert all(len(f["name"]) <= 256 and len(f["value"]) <= 1024 for f in embed["fields"])
    assert _embed_chars([embed]) <= 6000  # fields dropped from the end to fit


def test_a_card_keeps_at_most_25_fields() -> None:
    card = Card(title="Member", fields=tuple(Field(f"f{i}", "v") for i in range(40)))
    [embed] = render_message(Reply(cards=(card,)), {})["embeds"]
    assert [f["name"] for f in embed["fields"]] == [f"f{i}" for i in range(25)]


def test_many_cards_stay_within_ten_embeds_and_6000_characters() -> None:
    cards = tuple(Card(title=f"Member {i}", body="x" * 900) for i in range(20))
    reply = Reply(cards=cards, pager=Pager(label="Page 1"))
    message = render_message(reply, {})
    assert 1 <= len(message["embeds"]) <= 10
    assert _embed_chars(message["embeds"]) <= 6000
    footer = message["embeds"][-1]["footer"]["text"]
    assert footer.startswith("Page 1 · ")
    assert "more not shown" in footer


def test_a_long_text_moves_into_an_embed_description() -> None:
    message = render_message(Reply(text="word " * 600), {})
    assert message["content"] == ""
    assert len(message["embeds"][0]["description"]) <= 4096


def test_cutting_never_leaves_half_an_escape() -> None:
    cut = fit("a" * 9 + "*" * 10, 12)
    assert cut.endswith("…")
    assert not cut[:-1].endswith("\\") or cut[:-1].endswith("\\\\")


def test_buttons_fill_rows_of_five_with_the_pager_last() -> None:
    buttons = tuple(Button(f"B{i}", action="a", payload=str(i)) for i in range(30))
    reply = Reply(
        buttons=(*buttons, Button("Dup", action="a", payload="0")),
        pager=Pager(
            label="Page 2",
            previous=Button("Previous", action="search.page", payload="p"),
            next=Button("Next", action="search.page", payload="n", style=ButtonStyle.PRIMARY),
        ),
    )
    rows = render_message(reply, _tokens(reply))["components"]
    assert len(rows) == 5
    assert all(len(r["components"]) <= 5 for r in rows)
    assert [b["label"] for b in rows[-1]["components"]] == ["Previous", "Next"]
    assert rows[-1]["components"][1]["style"] == 1
    custom_ids = [b["custom_id"] for r in rows for b in r["components"]]
    assert len(custom_ids) == len(set(custom_ids))


def test_link_buttons_need_no_token_and_untokened_buttons_are_left_out() -> None:
    reply = Reply(
        buttons=(
            Button("Site", url="https://france-alumni.example"),
            Button("Bad", url="javascript:alert(1)"),
            Button("Press", action="x", payload="1"),
        )
    )
    [row] = render_message(reply, {})["components"]
    assert row["components"] == [
        {"type": 2, "style": 5, "label": "Site", "url": "https://france-alumni.example"}
    ]


def test_replies_are_ephemeral_unless_public() -> None:
    assert render_message(Reply(text="x"), {})["flags"] == 64
    assert "flags" not in render_message(Reply(text="x", audience=Audience.PUBLIC), {})


FORM = Form(
    action="offer.post",
    title="Post an offer for your organisation, with all details",
    fields=(
        FormField("title", "Title", max_length=80),
        FormField(
            "kind", "Kind", kind=FormFieldKind.CHOICE, choices=(("job", "Job"), ("vie", "VIE"))
        ),
        FormField("description", "Description", kind=FormFieldKind.LONG_TEXT, max_length=9000),
        FormField("starts", "Start date", kind=FormFieldKind.DATE, required=False),
    ),
)


def test_a_form_becomes_a_modal_with_a_select_for_choices() -> None:
    modal = render_modal(FORM, "t:abc")
    assert modal is not None
    assert modal["custom_id"] == "t:abc"
    assert len(modal["title"]) <= 45
    title, kind, description, starts = modal["components"]
    assert title["type"] == 18 and title["label"] == "Title"
    assert title["component"] == {
        "type": 4,
        "custom_id": "title",
        "style": 1,
        "required": True,
        "max_length": 80,
    }
    assert kind["component"]["type"] == 3
    assert [o["value"] for o in kind["component"]["options"]] == ["job", "vie"]
    assert description["component"]["style"] == 2
    assert description["component"]["max_length"] == 4000
    assert starts["component"]["placeholder"] == "YYYY-MM-DD"
    assert starts["component"]["required"] is False


def test_a_form_with_more_than_five_fields_does_not_fit_a_modal() -> None:
    big = Form(action="a", title="t", fields=tuple(FormField(f"f{i}", "F") for i in range(6)))
    assert render_modal(big, "t:abc") is None


def test_a_big_form_is_cut_into_even_modal_parts_with_numbered_titles() -> None:
    big = Form(
        action="a",
        title="Post an offer for your organisation abroad today",
        payload="new:1",
        fields=tuple(FormField(f"f{i}", "F") for i in range(11)),
    )
    parts = modal_parts(big)
    assert [len(p.fields) for p in parts] == [4, 4, 3]
    assert [f.name for p in parts for f in p.fields] == [f.name for f in big.fields]
    assert all(render_modal(p, "t:abc") is not None for p in parts)
    assert [p.title[-5:] for p in parts] == ["(1/3)", "(2/3)", "(3/3)"]
    assert all(len(p.title) <= 45 for p in parts)
    assert {(p.action, p.payload) for p in parts} == {("a", "new:1")}
    assert modal_parts(FORM) == (FORM,)


def test_modal_values_are_read_with_or_without_label_wrappers() -> None:
    data = {
        "custom_id": "t:abc",
        "components": [
            {"type": 18, "component": {"type": 4, "custom_id": "title", "value": "Analyst"}},
            {"type": 18, "component": {"type": 3, "custom_id": "kind", "values": ["vie"]}},
            {"type": 1, "components": [{"type": 4, "custom_id": "url", "value": ""}]},
        ],
    }
    assert modal_values(data) == {"title": "Analyst", "kind": "vie", "url": ""}


def test_countries_are_suggested_in_the_users_language_by_name_or_code() -> None:
    french = country_choices("vi", "fr")
    assert {"name": "Viêt Nam", "value": "VN"} in french
    assert country_choices("bré", "fr")[0] == {"name": "Brésil", "value": "BR"}
    assert country_choices("BR", "pt-BR")[0] == {"name": "Brasil", "value": "BR"}
    assert len(country_choices("", "en")) == 25
    assert suggestions("school", "poly", "fr") == []
