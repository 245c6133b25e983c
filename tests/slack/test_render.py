"""Block Kit rendering: escaping of user text and Slack's limits."""

from __future__ import annotations

import json

import pytest

from bots.slack.render import (
    MAX_BLOCKS,
    clip,
    escape,
    render_home,
    render_message,
    render_modal,
    slack_command_names,
    values_from_state,
)
from core.chat import (
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


def _all_text(blocks: list[dict[str, object]]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("<!channel> hello", "&lt;!channel&gt; hello"),
        ("<!here>", "&lt;!here&gt;"),
        ("<!everyone>", "&lt;!everyone&gt;"),
        ("<@U123> look", "&lt;@U123&gt; look"),
        ("<https://evil.example|click>", "&lt;https://evil.example|click&gt;"),
        ("Tom & Jerry", "Tom &amp; Jerry"),
        ("&lt;", "&amp;lt;"),
    ],
)
def test_user_text_is_escaped_so_no_mention_or_link_survives(raw: str, escaped: str) -> None:
    assert escape(raw) == escaped
    message = render_message(Reply(text=raw, cards=(Card(title=raw, body=raw),)), {})
    rendered = _all_text(message.blocks) + message.text
    assert escaped in rendered
    for dangerous in ("<!channel>", "<!here>", "<!everyone>", "<@U123>", "<https://evil"):
        assert dangerous not in rendered


def test_field_names_and_values_are_escaped_too() -> None:
    card = Card(title="A", fields=(Field("<!here>", "<@U1> & co"),))
    [section] = render_message(Reply(cards=(card,)), {}).blocks
    assert section["fields"][0]["text"] == "*&lt;!here&gt;*\n&lt;@U1&gt; &amp; co"


def test_card_titles_are_bold_and_subtitles_follow() -> None:
    card = Card(title="Zoë Nguyễn", subtitle="Hà Nội, Vietnam", fields=(Field("School", "X"),))
    [section] = render_message(Reply(cards=(card,)), {}).blocks
    assert section["text"]["text"] == "*Zoë Nguyễn*\nHà Nội, Vietnam"


def test_a_safe_card_url_links_the_title_and_an_unsafe_one_is_dropped() -> None:
    safe = render_message(Reply(cards=(Card(title="Site", url="https://a.example/x"),)), {})
    assert safe.blocks[0]["text"]["text"] == "*<https://a.example/x|Site>*"
    evil = render_message(Reply(cards=(Card(title="Site", url="javascript:x|<!here>"),)), {})
    assert evil.blocks[0]["text"]["text"] == "*Site*"


def test_more_than_ten_fields_spill_into_further_sections() -> None:
    card = Card(title="Many", fields=tuple(Field(f"f{i}", "v") for i in range(23)))
    blocks = render_message(Reply(cards=(card,)), {}).blocks
    assert [len(b.get("fields", [])) for b in blocks] == [10, 10, 3]


def test_section_text_and_field_text_stay_within_their_limits() -> None:
    long = "<" * 5000  # escapes to 20,000 characters
    card = Card(title="T", body=long, fields=(Field("name", long),))
    blocks = render_message(Reply(text=long, cards=(card,)), {}).blocks
    for block in blocks:
        if "text" in block:
            assert len(block["text"]["text"]) <= 3000
            assert not block["text"]["text"].rstrip("…").endswith(("&", "&l", "&lt"))
        for field in block.get("fields", []):
            assert len(field["text"]) <= 2000


def test_long_text_is_split_between_lines_not_dropped() -> None:
    lines = [f"line {i} " + "x" * 90 for i in range(80)]  # about 8,000 characters
    blocks = render_message(Reply(text="\n".join(lines)), {}).blocks
    assert len(blocks) >= 3
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks)
    joined = "\n".join(b["text"]["text"] for b in blocks)
    assert joined == "\n".join(lines)


def test_clip_never_cuts_an_entity_in_half() -> None:
    assert clip("abc&amp;def", 6) == "abc…"
    assert clip("short", 10) == "short"


def test_a_message_keeps_to_fifty_blocks_keeps_the_pager_and_says_more_is_hidden() -> None:
    cards = tuple(
        Card(title=f"Member {i}", buttons=(Button("Contact", "c", str(i)),)) for i in range(40)
    )
    pager = Pager(label="Page 1", next=Button("Next", "search.page", "cursor"))
    tokens = {("c", str(i)): f"t:{i}" for i in range(40)} | {("search.page", "cursor"): "t:next"}
    blocks = render_message(Reply(text="Results", cards=cards, pager=pager), tokens).blocks
    assert len(blocks) <= MAX_BLOCKS
    assert blocks[-1]["type"] == "actions"
    assert blocks[-1]["elements"][0]["value"] == "t:next"
    notes = [b["elements"][0]["text"] for b in blocks if b["type"] == "context"]
    assert notes == ["More results are not shown here.", "Page 1"]
    shown = [b for b in blocks if b["type"] == "section"]
    assert shown[-1]["text"]["text"].startswith("*Member ")  # whole cards, never half of one


def test_buttons_carry_only_tokens_and_unique_action_ids() -> None:
    reply = Reply(
        text="x",
        buttons=(
            Button("Accept", "intro.accept", "42", style=ButtonStyle.PRIMARY),
            Button("Accept again", "intro.accept", "42"),
            Button("Refuse", "intro.refuse", "42", style=ButtonStyle.DANGER),
            Button("Site", url="https://example.org"),
            Button("No token", "unknown", "1"),
        ),
    )
    tokens = {("intro.accept", "42"): "t:aaa", ("intro.refuse", "42"): "t:bbb"}
    [_, actions] = render_message(reply, tokens).blocks
    elements = actions["elements"]
    assert [e.get("value") for e in elements] == ["t:aaa", "t:aaa", "t:bbb", None]
    assert elements[0]["style"] == "primary"
    assert elements[2]["style"] == "danger"
    assert "style" not in elements[1]
    assert elements[3]["url"] == "https://example.org"
    assert elements[3]["action_id"].startswith("alumni:link:")
    ids = [e["action_id"] for e in elements]
    assert len(set(ids)) == len(ids)
    assert "42" not in json.dumps(elements)


def test_button_labels_are_clipped_and_actions_blocks_hold_at_most_25() -> None:
    buttons = tuple(Button("L" * 100, "a", str(i)) for i in range(30))
    tokens = {("a", str(i)): f"t:{i}" for i in range(30)}
    blocks = render_message(Reply(buttons=buttons), tokens).blocks
    assert [len(b["elements"]) for b in blocks] == [25, 5]
    assert all(len(e["text"]["text"]) <= 75 for b in blocks for e in b["elements"])


def test_pager_buttons_say_they_page() -> None:
    pager = Pager(
        label="Page 2",
        previous=Button("Previous", "search.page", "p"),
        next=Button("Next", "search.page", "n"),
    )
    blocks = render_message(
        Reply(pager=pager), {("search.page", "p"): "t:p", ("search.page", "n"): "t:n"}
    ).blocks
    assert blocks[0] == {"type": "context", "elements": [{"type": "mrkdwn", "text": "Page 2"}]}
    assert [e["action_id"].split(":")[1] for e in blocks[1]["elements"]] == ["page", "page"]


def test_the_fallback_text_is_escaped_plain_text() -> None:
    assert render_message(Reply(text="<!channel> hi"), {}).text == "&lt;!channel&gt; hi"
    assert render_message(Reply(cards=(Card("A"), Card("B"))), {}).text == "A, B"


def test_core_commands_become_the_slack_umbrella_command() -> None:
    reply = Reply(
        text="Send /help COMMAND. See https://x.example/search or /searching.",
        cards=(Card(title="/search [query]"),),
    )
    fixed = slack_command_names(reply, ("help", "search"))
    assert fixed.text == "Send /alumni help COMMAND. See https://x.example/search or /searching."
    assert fixed.cards[0].title == "/alumni search [query]"


FORM = Form(
    action="offer.post",
    title="Post a job, internship or VIE offer",
    payload="org-7",
    submit_label="Publish",
    fields=(
        FormField("title", "Title", max_length=80, placeholder="Data analyst"),
        FormField("body", "Description", kind=FormFieldKind.LONG_TEXT, max_length=2000),
        FormField(
            "kind",
            "Kind",
            kind=FormFieldKind.CHOICE,
            choices=(("job", "Job"), ("vie", "VIE")),
            initial="vie",
        ),
        FormField("seats", "Seats", kind=FormFieldKind.NUMBER, initial="2"),
        FormField("starts", "Starts", kind=FormFieldKind.DATE, initial="2026-09-01"),
        FormField("email", "Contact", kind=FormFieldKind.EMAIL, required=False),
        FormField("url", "Apply at", kind=FormFieldKind.URL, required=False),
    ),
)


def test_a_form_becomes_a_modal_with_one_input_per_field() -> None:
    view = render_modal(FORM, '{"action":"offer.post","payload":"org-7"}')
    assert view["type"] == "modal"
    assert view["callback_id"] == "alumni_form"
    assert view["title"]["text"] == "Post a job, internship…"
    assert view["submit"]["text"] == "Publish"
    elements = {b["block_id"]: b["element"] for b in view["blocks"]}
    assert elements["title"]["type"] == "plain_text_input"
    assert elements["title"]["multiline"] is False
    assert elements["title"]["max_length"] == 80
    assert elements["title"]["placeholder"]["text"] == "Data analyst"
    assert elements["body"]["multiline"] is True
    assert elements["kind"]["type"] == "static_select"
    assert elements["kind"]["initial_option"]["value"] == "vie"
    assert elements["seats"] == {
        "action_id": "value",
        "type": "number_input",
        "is_decimal_allowed": False,
        "initial_value": "2",
    }
    assert elements["starts"]["initial_date"] == "2026-09-01"
    assert elements["email"]["type"] == "email_text_input"
    assert elements["url"]["type"] == "url_text_input"
    optional = {b["block_id"]: b["optional"] for b in view["blocks"]}
    assert optional["email"] is True
    assert optional["title"] is False


def test_a_modal_without_a_submit_label_gets_the_default_buttons() -> None:
    view = render_modal(Form(action="a", title="T", fields=(FormField("x", "X"),)), "{}")
    assert (view["submit"]["text"], view["close"]["text"]) == ("Submit", "Cancel")


def test_private_metadata_over_3000_characters_is_refused() -> None:
    with pytest.raises(ValueError, match="3,000"):
        render_modal(FORM, "x" * 3001)


def test_a_submission_state_reads_back_as_values_by_field() -> None:
    state = {
        "values": {
            "title": {"value": {"type": "plain_text_input", "value": "Analyst"}},
            "kind": {"value": {"type": "static_select", "selected_option": {"value": "job"}}},
            "empty": {"value": {"type": "static_select", "selected_option": None}},
            "starts": {"value": {"type": "datepicker", "selected_date": "2026-09-01"}},
            "seats": {"value": {"type": "number_input", "value": "3"}},
            "none": {"value": {"type": "plain_text_input", "value": None}},
        }
    }
    assert values_from_state(state) == {
        "title": "Analyst",
        "kind": "job",
        "empty": "",
        "starts": "2026-09-01",
        "seats": "3",
        "none": "",
    }


def test_the_home_view_holds_at_most_100_blocks() -> None:
    cards = tuple(Card(title=f"C{i}") for i in range(120))
    view = render_home("Welcome", [Reply(cards=cards)], {})
    assert view["type"] == "home"
    assert len(view["blocks"]) <= 100
    assert view["blocks"][0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Welcome", "emoji": True},
    }


def test_a_card_without_text_is_a_fields_only_section_and_an_empty_card_is_skipped() -> None:
    blocks = render_message(Reply(cards=(Card(title="", fields=(Field("a", "b"),)),)), {}).blocks
    assert blocks == [{"type": "section", "fields": [{"type": "mrkdwn", "text": "*a*\nb"}]}]
    assert render_message(Reply(cards=(Card(title=""),)), {}).blocks == []
