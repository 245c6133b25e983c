"""Forms asked field by field where there are no modals; server-side button tokens."""

from __future__ import annotations

import datetime as dt

from core.bootstrap import App
from core.chat import (
    ChatKind,
    Command,
    Form,
    FormField,
    FormFieldKind,
    Incoming,
    Permission,
    Reply,
)
from core.chat.forms import validate_form
from core.clock import FakeClock
from core.domain import Platform
from core.errors import UserError

FORM = Form(
    action="test.submit",
    title="Post an offer",
    payload="org-7",
    fields=(
        FormField("title", "Title", max_length=40),
        FormField(
            "kind", "Kind", kind=FormFieldKind.CHOICE, choices=(("job", "Job"), ("vie", "VIE"))
        ),
        FormField("url", "How to apply", kind=FormFieldKind.URL, required=False),
    ),
)


def _install(app: App) -> list[tuple[str, dict[str, str]]]:
    submitted: list[tuple[str, dict[str, str]]] = []

    async def open_form(*_: object) -> Reply:
        return Reply(text="Let us post it.", form=FORM)

    async def submit(_ctx: object, payload: str, values: dict[str, str]) -> Reply:
        submitted.append((payload, validate_form(FORM, values)))
        return Reply(text="Posted.")

    app.registry.add(
        Command(name="testform", help="t", handler=open_form, permission=Permission.ANYONE)  # type: ignore[arg-type]
    )
    app.registry.action("test.submit", permission=Permission.ANYONE)(submit)  # type: ignore[arg-type]
    return submitted


def _msg(text: str, platform: Platform = Platform.CONSOLE, **kw: object) -> Incoming:
    return Incoming(platform=platform, user_id="u1", text=text, **kw)  # type: ignore[arg-type]


async def test_a_form_is_asked_one_field_at_a_time_and_submitted_whole(app: App) -> None:
    submitted = _install(app)
    intro, first = await app.dispatcher.handle(_msg("/testform"))
    assert intro.text == "Let us post it."
    assert intro.form is None
    assert "(1/3) Title" in first.text
    [second] = await app.dispatcher.handle(_msg("Data analyst", is_message=True))
    assert "(2/3) Kind" in second.text
    assert [b.label for b in second.buttons] == ["Job", "VIE"]
    [third] = await app.dispatcher.handle(
        Incoming(platform=Platform.CONSOLE, user_id="u1", action="form.choose", payload="vie")
    )
    assert "(3/3) How to apply" in third.text
    assert third.buttons[-1].action == "form.skip"
    [done] = await app.dispatcher.handle(
        Incoming(platform=Platform.CONSOLE, user_id="u1", action="form.skip")
    )
    assert done.text == "Posted."
    assert submitted == [("org-7", {"title": "Data analyst", "kind": "vie", "url": ""})]


async def test_a_bad_answer_is_explained_and_the_question_stays_open(app: App) -> None:
    submitted = _install(app)
    await app.dispatcher.handle(_msg("/testform"))
    [problem] = await app.dispatcher.handle(_msg("x" * 41, is_message=True))
    assert problem.error
    assert "Title" in problem.text
    await app.dispatcher.handle(_msg("Analyst", is_message=True))
    [problem] = await app.dispatcher.handle(_msg("freelance", is_message=True))
    assert problem.error
    await app.dispatcher.handle(_msg("2", is_message=True))  # the second choice, by number
    [problem] = await app.dispatcher.handle(_msg("javascript:alert(1)", is_message=True))
    assert problem.error
    [done] = await app.dispatcher.handle(_msg("https://jobs.example.org/1", is_message=True))
    assert done.text == "Posted."
    assert submitted[0][1]["kind"] == "vie"


async def test_cancel_drops_the_form(app: App) -> None:
    submitted = _install(app)
    await app.dispatcher.handle(_msg("/testform"))
    [reply] = await app.dispatcher.handle(_msg("/cancel"))
    assert reply.text == "Cancelled. Nothing was saved."
    [reply] = await app.dispatcher.handle(_msg("Analyst", is_message=True))
    assert reply.text == "I answer commands: send /help to see them."
    assert submitted == []


async def test_an_abandoned_form_expires(app: App, clock: FakeClock) -> None:
    _install(app)
    await app.dispatcher.handle(_msg("/testform"))
    clock.advance(dt.timedelta(hours=3))
    [reply] = await app.dispatcher.handle(_msg("Analyst", is_message=True))
    assert reply.text == "I answer commands: send /help to see them."


async def test_platforms_with_modals_get_the_form_itself(app: App) -> None:
    _install(app)
    [reply] = await app.dispatcher.handle(_msg("testform", platform=Platform.SLACK))
    assert reply.form == FORM


async def test_chatter_in_a_group_gets_no_answer(app: App) -> None:
    replies = await app.dispatcher.handle(
        _msg("hello everyone", is_message=True, chat_kind=ChatKind.GROUP)
    )
    assert replies == []


def test_a_modal_submission_is_validated_like_the_dialogue() -> None:
    assert validate_form(FORM, {"title": " A ", "kind": "Job", "evil": "x"}) == {
        "title": "A",
        "kind": "job",
        "url": "",
    }
    try:
        validate_form(FORM, {"title": "", "kind": "job"})
    except UserError as exc:
        assert exc.msgid == "{field} is required."
    else:
        raise AssertionError("an empty required field passed")


async def test_button_tokens_resolve_and_forged_or_expired_ones_do_not(
    app: App, clock: FakeClock
) -> None:
    from core.chat import Button

    long_payload = "x" * 500
    tokens = await app.callbacks.issue(
        [
            Button("Next", action="search.page", payload=long_payload),
            Button("Site", url="https://a.b"),
        ]
    )
    [token] = tokens.values()
    assert len(token.encode()) <= 64
    assert await app.callbacks.resolve(token) == ("search.page", long_payload)
    assert await app.callbacks.resolve(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert await app.callbacks.resolve("search.page|x") is None
    clock.advance(dt.timedelta(days=31))
    assert await app.callbacks.resolve(token) is None
    assert await app.callbacks.purge() == 1


async def _stored_tokens(app: App) -> int:
    from sqlalchemy import func, select

    from core.db.models import CallbackToken

    async with app.db.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(CallbackToken)) or 0)


async def test_a_short_payload_travels_signed_in_its_token_and_writes_no_row(
    app: App, clock: FakeClock
) -> None:
    from core.chat import Button
    from core.chat.callbacks import MAX_SIGNED, SIGNED_PREFIX

    await app.callbacks.issue([Button("warm", action="a", payload="b")])  # makes the key
    before = await _stored_tokens(app)
    payload = '{"id": 1234567}'
    tokens = await app.callbacks.issue(
        [Button("Ask", action="directory.contact", payload=payload), Button("Yes", "x.ok", "é")]
    )
    assert await _stored_tokens(app) == before
    contact = tokens[("directory.contact", payload)]
    assert contact.startswith(SIGNED_PREFIX) and len(contact.encode()) <= MAX_SIGNED
    assert await app.callbacks.resolve(contact) == ("directory.contact", payload)
    assert await app.callbacks.resolve(tokens[("x.ok", "é")]) == ("x.ok", "é")
    clock.advance(dt.timedelta(days=31))
    assert await app.callbacks.resolve(contact) is None
    assert await app.callbacks.purge() == 0  # nothing was stored, nothing to drop


async def test_a_signed_token_altered_anywhere_or_signed_elsewhere_is_refused(
    app: App, settings: object, database_url: str
) -> None:
    import base64

    from core.chat import Button
    from core.chat.callbacks import SIGNED_PREFIX, TAG_BYTES, CallbackStore
    from core.clock import FakeClock as Clock
    from core.db import create_database

    [token] = (await app.callbacks.issue([Button("x", "directory.erase", "cancel")])).values()
    raw = base64.urlsafe_b64decode(token[2:] + "=" * (-len(token[2:]) % 4))
    assert raw.endswith(b"cancel")

    def encoded(data: bytes) -> str:
        return SIGNED_PREFIX + base64.urlsafe_b64encode(data).decode().rstrip("=")

    assert encoded(raw) == token
    forged = [
        encoded(raw[: -len(b"cancel")] + b"confirm"),  # another payload under the old tag
        encoded(raw[:TAG_BYTES] + raw[TAG_BYTES:-1] + b"X"),
        encoded(bytes([raw[0] ^ 1]) + raw[1:]),  # the tag itself
        encoded(raw[:TAG_BYTES] + b"\xff\xff\xff\xff" + raw[TAG_BYTES + 4 :]),  # issued later
        encoded(raw[:TAG_BYTES]),  # a tag alone
        token + "=",  # padding: one text per token
        token[:5] + "\n" + token[5:],  # a character the decoder would skip
        SIGNED_PREFIX + "!!!!",
    ]
    for data in forged:
        assert await app.callbacks.resolve(data) is None, data
    assert await app.callbacks.resolve(token) == ("directory.erase", "cancel")
    # Another installation's key (another database) does not open it.
    other_db = create_database(database_url)
    try:
        async with other_db.sessions.begin() as session:
            from sqlalchemy import update

            from core.db.models import SigningKey

            await session.execute(update(SigningKey).values(secret=b"k" * 32))
        other = CallbackStore(other_db, Clock(app.clock.now()))
        assert await other.resolve(token) is None
    finally:
        await other_db.dispose()


async def test_a_signed_token_is_refused_where_no_key_was_ever_made_and_nothing_is_written(
    app: App,
) -> None:
    from tests.helpers import database_snapshot

    before = await database_snapshot(app)
    assert await app.callbacks.resolve("s:" + "A" * 40) is None
    assert await database_snapshot(app) == before


async def test_every_process_signs_with_the_same_key(app: App, database_url: str) -> None:
    from core.chat import Button
    from core.chat.callbacks import CallbackStore
    from core.db import create_database

    second_db = create_database(database_url)
    try:
        second = CallbackStore(second_db, app.clock)
        [token] = (await second.issue([Button("x", "a.b", "1")])).values()
        assert await app.callbacks.resolve(token) == ("a.b", "1")
        [back] = (await app.callbacks.issue([Button("x", "a.b", "2")])).values()
        assert await second.resolve(back) == ("a.b", "2")
    finally:
        await second_db.dispose()


class _Actions:
    def __init__(self, *names: str) -> None:
        self.names = list(names)

    def action_names(self) -> tuple[str, ...]:
        return tuple(self.names)


def _signed_body(token: str) -> bytes:
    import base64

    from core.chat.callbacks import TAG_BYTES

    text = token.removeprefix("s:")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))[TAG_BYTES + 4 :]


async def test_a_registered_action_travels_as_a_code_and_resolves_to_its_name(
    app: App, clock: FakeClock
) -> None:
    from core.chat import Button
    from core.chat.callbacks import CallbackStore, action_code

    actions = _Actions("directory.contact")
    store = CallbackStore(app.db, clock, actions)
    tokens = await store.issue(
        [Button("a", "directory.contact", "1"), Button("b", "later.added", "2")]
    )
    assert (
        _signed_body(tokens[("directory.contact", "1")])
        == b"\xff" + action_code("directory.contact") + b"1"
    )
    assert _signed_body(tokens[("later.added", "2")]) == b"\x0blater.added2"  # by name
    actions.names.append("later.added")  # registered after start-up
    [later] = (await store.issue([Button("b", "later.added", "3")])).values()
    assert _signed_body(later)[0] == 0xFF
    for token, expected in [
        (tokens[("directory.contact", "1")], ("directory.contact", "1")),
        (tokens[("later.added", "2")], ("later.added", "2")),
        (later, ("later.added", "3")),
    ]:
        assert await store.resolve(token) == expected
    # A process whose registry no longer has the action refuses its code.
    assert await CallbackStore(app.db, clock, _Actions()).resolve(later) is None


async def test_actions_whose_codes_collide_travel_by_name(app: App, clock: FakeClock) -> None:
    from core.chat import Button
    from core.chat.callbacks import CallbackStore, action_code

    seen: dict[bytes, str] = {}
    i = 0
    while True:  # two names with one code
        name = f"a{i}"
        if action_code(name) in seen:
            first, second = seen[action_code(name)], name
            break
        seen[action_code(name)] = name
        i += 1
    store = CallbackStore(app.db, clock, _Actions(first, second))
    tokens = await store.issue([Button("x", first, "p"), Button("y", second, "p")])
    assert _signed_body(tokens[(first, "p")]) == bytes([len(first)]) + first.encode() + b"p"
    assert await store.resolve(tokens[(second, "p")]) == (second, "p")
