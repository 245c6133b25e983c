"""The conversation layer end to end on the database: identity, locale, permissions, search."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select, update

from core.bootstrap import App, build_app
from core.chat import Command, Permission
from core.clock import FakeClock
from core.config import Settings
from core.db.models import Member, PlatformAccount
from core.demo.data import DEMO_EMAIL, ZOE_EMAIL
from core.domain import Visibility
from tests.helpers import account_for, names, press, say


async def test_someone_who_is_not_a_member_is_invited_to_start(seeded: App) -> None:
    [reply] = await say(seeded, "stranger", "/search zoe")
    assert reply.error
    assert "/start" in reply.text
    [help_reply] = await say(seeded, "stranger", "/help")
    assert "/search" not in help_reply.text  # members only
    assert "/start" in help_reply.text


async def test_strangers_are_answered_in_their_platform_language(seeded: App) -> None:
    [reply] = await say(seeded, "stranger", "/search zoe", locale="fr-FR")
    assert reply.text == "C'est réservé aux membres du réseau. Envoyez /start pour nous rejoindre."


async def test_the_deployments_default_language_answers_when_nothing_else_is_known(
    settings: Settings, clock: FakeClock
) -> None:
    french = settings.model_copy(update={"default_language": "fr"})
    app = await build_app(french, clock=clock, migrate=False)
    try:
        [reply] = await say(app, "stranger", "/search zoe")  # no member, no platform locale
        assert (
            reply.text == "C'est réservé aux membres du réseau. Envoyez /start pour nous rejoindre."
        )
        [reply] = await say(app, "stranger", "/search zoe", locale="es")  # the platform's wins
        assert reply.text == "Esto es para miembros de la red. Envía /start para unirte."
    finally:
        await app.close()


@pytest.mark.parametrize("query", ["zoe nguyen", "ZOË", "nguy", "Zoë Nguyễn", "nguyen zoe"])
async def test_search_is_accent_and_case_insensitive_on_name_prefixes(
    seeded: App, query: str
) -> None:
    me = await account_for(seeded, DEMO_EMAIL)
    [reply] = await say(seeded, me, f"/search {query} country:VN")
    assert "Zoë Nguyễn" in names([reply])


async def test_hidden_and_unconsented_members_never_appear(seeded: App) -> None:
    me = await account_for(seeded, DEMO_EMAIL)
    async with seeded.db.sessions.begin() as session:
        await session.execute(
            update(Member).where(Member.email == ZOE_EMAIL).values(visibility=Visibility.HIDDEN)
        )
    [reply] = await say(seeded, me, "/search zoe nguyen")
    assert "Zoë Nguyễn" not in names([reply])
    async with seeded.db.sessions.begin() as session:
        await session.execute(
            update(Member)
            .where(Member.email == ZOE_EMAIL)
            .values(visibility=Visibility.LISTED, directory_consent=False)
        )
    [reply] = await say(seeded, me, "/search zoe nguyen")
    assert "Zoë Nguyễn" not in names([reply])


async def test_results_show_no_contact_details(seeded: App) -> None:
    me = await account_for(seeded, DEMO_EMAIL)
    [reply] = await say(seeded, me, "/search zoe nguyen")
    rendered = repr(reply)
    assert "@" not in rendered


async def test_paging_walks_every_match_once_in_order_and_back(seeded: App) -> None:
    me = await account_for(seeded, DEMO_EMAIL)
    async with seeded.db.sessions() as session:
        expected = list(
            (
                await session.scalars(
                    select(Member.full_name)
                    .where(
                        Member.sector == "digital",
                        Member.directory_consent.is_(True),
                        Member.visibility == Visibility.LISTED,
                    )
                    .order_by(Member.name_key, Member.id)
                )
            ).all()
        )
    assert len(expected) > 5  # more than one page, or the test proves nothing
    [current] = await say(seeded, me, "/search sector:digital")
    assert current.pager is not None
    assert current.pager.previous is None
    pages = [names([current])]
    while current.pager is not None and current.pager.next is not None:
        [current] = await press(seeded, me, "search.page", current.pager.next.payload)
        pages.append(names([current]))
    assert [n for page in pages for n in page] == expected
    assert current.pager is not None
    assert current.pager.previous is not None
    [back] = await press(seeded, me, "search.page", current.pager.previous.payload)
    assert names([back]) == pages[-2]


async def test_a_tampered_page_button_is_refused_politely(seeded: App) -> None:
    me = await account_for(seeded, DEMO_EMAIL)
    [reply] = await press(seeded, me, "search.page", "not-a-cursor!!")
    assert reply.error
    [reply] = await press(seeded, me, "no.such.action", "")
    assert reply.error


async def test_member_language_choice_wins_over_the_platform_locale(seeded: App) -> None:
    me = await account_for(seeded, DEMO_EMAIL)
    async with seeded.db.sessions.begin() as session:
        await session.execute(
            update(Member).where(Member.email == DEMO_EMAIL).values(preferred_language="fr")
        )
    [reply] = await say(seeded, me, "/search zzzzzz", locale="en-US")
    assert reply.text == "Aucun membre ne correspond à cette recherche."


async def test_reserved_commands_answer_not_available_yet(seeded: App) -> None:
    me = await account_for(seeded, DEMO_EMAIL)
    seeded.registry.reserve("later", "A command a later feature fills in")
    [reply] = await say(seeded, me, "/later")
    assert reply.error
    assert "/later" in reply.text


async def test_admin_commands_are_refused_to_plain_members_with_a_reason(seeded: App) -> None:
    me = await account_for(seeded, DEMO_EMAIL)
    [reply] = await say(seeded, me, "/broadcast")
    assert reply.error
    assert "administrators" in reply.text


async def test_country_admin_passes_the_permission_check(seeded: App) -> None:
    attache = await account_for(seeded, "attache.br@france-alumni.example")
    [reply] = await say(seeded, attache, "/broadcast")
    # Not refused: she is told what the command needs instead (in French, her choice).
    assert "administrat" not in reply.text
    assert "/broadcast" in reply.text


async def test_a_crashing_handler_gives_a_translated_apology_and_a_log_line(
    seeded: App, caplog: pytest.LogCaptureFixture
) -> None:
    async def boom(*_: object) -> None:
        raise RuntimeError("database exploded")

    seeded.registry.add(
        Command(name="boom", help="Boom", handler=boom, permission=Permission.ANYONE)  # type: ignore[arg-type]
    )
    with caplog.at_level(logging.ERROR):
        [reply] = await say(seeded, "stranger", "/boom", locale="fr")
    assert reply.error
    assert reply.text.startswith("Une erreur s'est produite de notre côté.")
    assert "database exploded" not in reply.text
    assert any("command failed" in r.message for r in caplog.records)


async def test_sql_and_fts_syntax_is_just_text(seeded: App) -> None:
    me = await account_for(seeded, DEMO_EMAIL)
    for query in ["%", "_", "' OR 1=1 --", '\\"', "NEAR*", "*", "AND OR NOT", "^", "-"]:
        [reply] = await say(seeded, me, f"/search {query}")
        assert "Zoë Nguyễn" not in names([reply]), query
        assert reply.text, query  # an answer: results, nobody, or what to type
    [reply] = await say(seeded, me, "/search %zoe% nguyen*")
    assert "Zoë Nguyễn" in names([reply])


async def test_a_query_without_any_word_asks_what_to_look_for(seeded: App) -> None:
    me = await account_for(seeded, DEMO_EMAIL)
    [reply] = await say(seeded, me, "/search %%%")
    assert reply.error
    assert "/search" in reply.text


async def test_identify_reads_member_grants_and_chapter_language_in_one_statement(
    seeded: App,
) -> None:
    from sqlalchemy import event

    from core.chat import Incoming
    from core.chat.context import Grant
    from core.db.models import Country, Organisation, RoleGrant
    from core.domain import Platform, Role

    me = await account_for(seeded, ZOE_EMAIL)
    async with seeded.db.sessions.begin() as session:
        zoe = await session.scalar(select(Member).where(Member.email == ZOE_EMAIL))
        assert zoe is not None and zoe.country_code is not None
        organisation = await session.scalar(select(Organisation.id).limit(1))
        await session.execute(
            update(Member).where(Member.id == zoe.id).values(preferred_language=None)
        )
        await session.execute(
            update(Country).where(Country.code == zoe.country_code).values(default_language="vi")
        )
        session.add_all(
            [
                RoleGrant(member_id=zoe.id, role=Role.COUNTRY_ADMIN, country_code="VN"),
                RoleGrant(member_id=zoe.id, role=Role.REPRESENTATIVE, organisation_id=organisation),
            ]
        )
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(seeded.db.engine.sync_engine, "before_cursor_execute", count)
    try:
        actor = await seeded.dispatcher.identify(Incoming(platform=Platform.CONSOLE, user_id=me))
        stranger = await seeded.dispatcher.identify(
            Incoming(platform=Platform.CONSOLE, user_id="nobody", locale="pt-BR")
        )
    finally:
        event.remove(seeded.db.engine.sync_engine, "before_cursor_execute", count)
    assert len(statements) == 2  # one each
    assert actor.member_id == zoe.id and actor.country_code == zoe.country_code
    assert actor.locale == "vi"  # nothing chosen, no platform locale: the chapter's language
    assert actor.grants == {
        Grant(Role.COUNTRY_ADMIN, country_code="VN"),
        Grant(Role.REPRESENTATIVE, organisation_id=organisation),
    }
    assert actor.admin_of("VN") and actor.represents(organisation) and not actor.admin_of("BR")
    assert stranger.member_id is None and stranger.grants == frozenset()
    assert stranger.locale == "pt_BR"


async def test_a_changed_username_is_saved_so_introductions_share_the_current_one(
    seeded: App,
) -> None:
    from core.chat import Incoming
    from core.domain import Platform

    me = await account_for(seeded, ZOE_EMAIL)

    async def saved() -> str | None:
        async with seeded.db.sessions() as session:
            return await session.scalar(
                select(PlatformAccount.handle).where(
                    PlatformAccount.platform == Platform.CONSOLE, PlatformAccount.user_id == me
                )
            )

    await seeded.dispatcher.identify(Incoming(platform=Platform.CONSOLE, user_id=me, handle="zoe"))
    assert await saved() == "zoe"
    await seeded.dispatcher.identify(
        Incoming(platform=Platform.CONSOLE, user_id=me, handle="zoe_nguyen")
    )
    assert await saved() == "zoe_nguyen"
    await seeded.dispatcher.identify(Incoming(platform=Platform.CONSOLE, user_id=me))
    assert await saved() == "zoe_nguyen"  # a press without a username changes nothing
    stranger = await seeded.dispatcher.identify(
        Incoming(platform=Platform.CONSOLE, user_id="nobody", handle="someone")
    )
    assert stranger.member_id is None
