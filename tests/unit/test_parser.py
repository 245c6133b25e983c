"""The command-line parser: quoting, filters, conversions, and translated errors."""

from __future__ import annotations

import pytest
from babel.messages.pofile import read_po
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.bootstrap import build_registry
from core.chat import ParseError, parse, tokenize
from core.chat.commands import Command, CommandRegistry, Param, ParamKind
from core.i18n import locales_dir, use_locale

REGISTRY = build_registry()


def _fr_catalog() -> dict[str, object]:
    """French translations by singular msgid (a plural message maps to its forms)."""
    with (locales_dir() / "fr" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return {m.id if isinstance(m.id, str) else m.id[0]: m.string for m in read_po(fh) if m.id}


FR = _fr_catalog()


def test_quoted_phrase_and_filters_are_split_as_typed() -> None:
    inv = parse('/search "Marie Curie" country:BR year:2019', REGISTRY)
    assert inv.command.name == "search"
    assert inv.args.as_dict() == {"query": "Marie Curie", "country": "BR", "year": 2019}


@pytest.mark.parametrize(
    "line",
    [
        "/search “Marie Curie”",
        "/search «Marie Curie»",
        "/search „Marie Curie“",
        "search 'Marie Curie'",
    ],
)
def test_typographic_quotes_group_words(line: str) -> None:
    assert parse(line, REGISTRY).args["query"] == "Marie Curie"


def test_apostrophe_inside_a_word_is_a_letter() -> None:
    assert parse("/search d'Artagnan O'Neil", REGISTRY).args["query"] == "d'Artagnan O'Neil"


def test_unicode_words_and_filter_values_survive() -> None:
    inv = parse('/search Zoë Nguyễn city:Hà_Nội school:"École polytechnique"', REGISTRY)
    assert inv.args["query"] == "Zoë Nguyễn"
    assert inv.args["school"] == "École polytechnique"


def test_bot_suffix_and_case_are_ignored_in_the_command_name() -> None:
    assert parse("/SEARCH@FranceAlumniBot zoe", REGISTRY).command.name == "search"


def test_quoted_key_value_is_plain_text() -> None:
    assert parse('/search "country:BR"', REGISTRY).args.as_dict() == {"query": "country:BR"}


@pytest.mark.parametrize("value", ["Brazil", "brésil", "BR", "br", '"Brésil"'])
def test_country_filter_accepts_names_and_codes(value: str) -> None:
    with use_locale("fr"):
        assert parse(f"/search country:{value}", REGISTRY).args["country"] == "BR"


def test_french_and_english_country_names_are_understood_in_any_session() -> None:
    with use_locale("fr"):
        assert parse("/search country:Allemagne", REGISTRY).args["country"] == "DE"
    assert parse("/search country:Allemagne", REGISTRY).args["country"] == "DE"
    assert parse("/search country:Germany", REGISTRY).args["country"] == "DE"
    assert parse('/search country:"cote d’ivoire"', REGISTRY).args["country"] == "CI"


@pytest.mark.parametrize(
    ("line", "msgid_start"),
    [
        ("/search country:Atlantis", "Unknown country"),
        ("/search colour:blue", "Unknown filter"),
        ("/search year:abc", "{param} must be a whole number"),
        ("/search year:1066", "{param} must be between"),
        ("/search year:2019 year:2020", "The filter {key}: is given twice."),
        ('/search "Marie', "A quote is not closed"),
        ("/serch zoe", "Unknown command /{name}. Did you mean"),
        ("/zzzzzz", "Unknown command /{name}. Send"),
        ("", "Type a command"),
        ("/", "Commands start with"),
        ("/help a b", "Too many words"),
        ("/search " + "x" * 300, "{param} is too long"),
        ("/search " + "x" * 5000, "That message is too long"),
    ],
)
def test_bad_input_gives_a_specific_translated_error(line: str, msgid_start: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse(line, REGISTRY)
    assert caught.value.msgid.startswith(msgid_start)
    english = caught.value.message
    with use_locale("fr"):
        assert caught.value.message != english
        assert FR[caught.value.msgid]


def test_suggestion_names_the_closest_command() -> None:
    with pytest.raises(ParseError) as caught:
        parse("/serch zoe", REGISTRY)
    assert caught.value.params["suggestion"] == "search"


def test_required_parameter_missing_is_reported_with_usage() -> None:
    registry = CommandRegistry()
    registry.add(Command(name="link", help="Link", params=(Param("code", "Code", required=True),)))
    with pytest.raises(ParseError) as caught:
        parse("/link", registry)
    assert caught.value.msgid.startswith("/{command} needs {param}")
    assert caught.value.params["usage"] == "/link code"


def test_subcommand_is_chosen_by_its_first_word() -> None:
    edit = Command(name="edit", help="Edit", params=(Param("field", "F"),))
    registry = CommandRegistry()
    registry.add(Command(name="profile", help="Profile", subcommands=(edit,)))
    inv = parse("/profile edit city", registry)
    assert inv.path == ("profile", "edit")
    assert inv.args["field"] == "city"


def test_errors_about_a_subcommand_name_it_with_its_command() -> None:
    with pytest.raises(ParseError) as caught:
        parse('/offer post job "Engineer" kind:job', REGISTRY)
    assert caught.value.params["command"] == "offer post"
    assert "/offer post" in caught.value.message
    post = Command(name="post", help="Post", params=(Param("title", "T", required=True),))
    registry = CommandRegistry()
    registry.add(Command(name="offer", help="Offer", subcommands=(post,)))
    with pytest.raises(ParseError) as missing:
        parse("/offer post", registry)
    assert missing.value.params["command"] == "offer post"
    assert missing.value.params["usage"] == "/offer post title"


def test_free_text_keeps_the_message_as_typed_when_the_command_has_no_filters() -> None:
    registry = CommandRegistry()
    registry.add(
        Command(
            name="note",
            help="Note",
            params=(Param("message", "Message", kind=ParamKind.TEXT, max_length=2000),),
        )
    )
    text = 'Hello "there",\nsee: https://example.org  twice'
    assert parse(f"/note {text}", registry).args["message"] == text


def test_control_and_bidi_override_characters_are_dropped() -> None:
    inv = parse("/search zo\u202ee\u0000 nguyen", REGISTRY)
    assert inv.args["query"] == "zoe nguyen"


def test_tokenizer_marks_quoted_tokens() -> None:
    tokens = tokenize('a "b c" d:e')
    assert [(t.value, t.quoted) for t in tokens] == [("a", False), ("b c", True), ("d:e", False)]


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.text(max_size=300))
def test_no_input_crashes_the_parser_and_every_error_is_translated(text: str) -> None:
    for line in (text, "/search " + text, "/help " + text):
        try:
            parse(line, REGISTRY)
        except ParseError as exc:
            assert exc.msgid in FR, exc.msgid
            with use_locale("fr"):
                assert exc.message  # the French text formats with the error's parameters


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["country", "city", "school", "field", "sector", "year", "bogus"]),
            st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20),
        ),
        max_size=6,
    )
)
def test_random_filters_either_bind_or_fail_with_a_translated_message(
    pairs: list[tuple[str, str]],
) -> None:
    line = "/search zoe " + " ".join(f'{k}:"{v}"' for k, v in pairs)
    try:
        inv = parse(line, REGISTRY)
    except ParseError as exc:
        assert exc.msgid in FR
    else:
        assert set(inv.args.as_dict()) <= {
            "query",
            "country",
            "city",
            "school",
            "field",
            "sector",
            "year",
        }
