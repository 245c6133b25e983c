"""Groups through the dispatcher: creating, searching, joining and leaving, closed groups,
moderation (audited), mapping channels, and bad input."""

from __future__ import annotations

from sqlalchemy import select

from core.bootstrap import App
from core.chat import ChatKind, Incoming
from core.db.models import (
    AuditEntry,
    Group,
    GroupChannel,
    GroupMembership,
    Member,
    OutboxMessage,
)
from core.domain import Platform
from core.groups.domain import GroupRole, MembershipState
from tests.groups.conftest import (
    CHANNELS,
    People,
    create_group,
    in_channel,
    map_everywhere,
    press,
    say,
)


async def _actions(app: App) -> list[str]:
    async with app.db.sessions() as session:
        rows = await session.scalars(
            select(AuditEntry.action).where(AuditEntry.subject == "group").order_by(AuditEntry.id)
        )
        return list(rows.all())


async def _membership(app: App, slug: str) -> dict[str, tuple[GroupRole, MembershipState]]:
    async with app.db.sessions() as session:
        rows = await session.execute(
            select(Member.full_name, GroupMembership.role, GroupMembership.state)
            .join(GroupMembership, GroupMembership.member_id == Member.id)
            .join(Group, Group.id == GroupMembership.group_id)
            .where(Group.slug == slug)
        )
        return {name: (role, state) for name, role, state in rows.all()}


async def _outbox(app: App, prefix: str) -> list[OutboxMessage]:
    async with app.db.sessions() as session:
        rows = await session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.key.startswith(prefix))
            .order_by(OutboxMessage.id)
        )
        return list(rows.all())


async def test_a_member_creates_a_group_others_find_it_without_accents_and_join(
    app: App, people: People
) -> None:
    created = await create_group(
        app, people.owner, "Énergie & climat", "Les métiers de la transition", country="BR"
    )
    assert not created.error, created.text
    assert "energie-climat" in created.text
    await create_group(app, people.owner, "Cinéma français", "Ciné-club", kind="culture")

    [found] = await say(app, people.member, "/groups ENERGIE")
    assert [c.title for c in found.cards] == ["Énergie & climat"]
    [by_country] = await say(app, people.member, "/groups country:BR")
    assert [c.title for c in by_country.cards] == ["Énergie & climat"]
    [everything] = await say(app, people.member, "/groups")
    assert len(everything.cards) == 2
    [nothing] = await say(app, people.member, "/groups astrophysique")
    assert not nothing.cards and "/groups create" in nothing.text

    join = everything.cards[0].buttons[0]
    [joined] = await press(app, people.member, join.action, join.payload)
    assert not joined.error, joined.text
    [twice] = await say(app, people.member, "/join energie-climat")
    assert twice.error and "already" in twice.text
    [by_name] = await say(app, people.other, "/join energie et climat")
    assert by_name.error  # not one of its names
    [by_name] = await say(app, people.other, "/join ENERGIE & CLIMAT")
    assert not by_name.error, by_name.text
    assert await _membership(app, "energie-climat") == {
        "Zoë Nguyễn": (GroupRole.OWNER, MembershipState.ACTIVE),
        "Ana Souza": (GroupRole.MEMBER, MembershipState.ACTIVE),
        "Li Wei": (GroupRole.MEMBER, MembershipState.ACTIVE),
    }
    [left] = await say(app, people.member, "/leave energie-climat")
    assert not left.error, left.text
    [again] = await say(app, people.member, "/leave energie-climat")
    assert again.error and "not a member" in again.text
    assert await _actions(app) == ["group.create", "group.create"]


async def test_unknown_groups_bad_forms_and_strangers_get_clear_answers(
    app: App, people: People
) -> None:
    [unknown] = await say(app, people.member, "/join astronomie")
    assert unknown.error and "astronomie" in unknown.text
    [unknown] = await say(app, people.member, "/leave astronomie")
    assert unknown.error
    [missing] = await press(
        app, people.owner, "groups.create", "en,fr", {"name_en": "X", "kind": "sector"}
    )
    assert missing.error  # no description, no visibility
    [country] = await press(
        app,
        people.owner,
        "groups.create",
        "en,fr",
        {
            "name_en": "X",
            "description_en": "Y",
            "kind": "sector",
            "visibility": "open",
            "country": "Atlantis",
        },
    )
    assert country.error and "Atlantis" in country.text
    [stranger] = await app.dispatcher.handle(
        Incoming(platform=Platform.CONSOLE, user_id="nobody", text="/join anything")
    )
    assert stranger.error and "/start" in stranger.text
    [form] = await say(app, people.owner, "/groups create")
    assert not form.error  # on the console the form is asked one field at a time
    async with app.db.sessions() as session:
        assert await session.scalar(select(Group.id)) is None


async def test_two_groups_with_one_name_get_different_short_names(app: App, people: People) -> None:
    await create_group(app, people.owner, "Tech", "A")
    second = await create_group(app, people.member, "Tech", "B")
    assert "tech-2" in second.text
    [ambiguous] = await say(app, people.other, "/join TECH ")
    assert not ambiguous.error  # the short name "tech" wins
    async with app.db.sessions() as session:
        assert sorted((await session.scalars(select(Group.slug))).all()) == ["tech", "tech-2"]


async def test_a_closed_group_asks_its_moderators_who_approve_or_decline(
    app: App, people: People
) -> None:
    await create_group(
        app, people.owner, "Polytechnique", "X alumni", kind="school", visibility="closed"
    )
    [asked] = await say(app, people.member, "/join polytechnique")
    assert not asked.error and "moderators" in asked.text
    [notice] = await _outbox(app, "group_request:")
    assert notice.chat_id.endswith("zoe")  # the owner is told
    [pending_twice] = await say(app, people.member, "/join polytechnique")
    assert pending_twice.error
    [stranger_list] = await say(app, people.other, "/groups requests polytechnique")
    assert stranger_list.error  # not a moderator

    [listed] = await say(app, people.owner, "/groups requests polytechnique")
    [approve, _decline] = listed.cards[0].buttons
    [done] = await press(app, people.owner, approve.action, approve.payload)
    assert not done.error and "Ana Souza" in done.text
    [twice] = await press(app, people.owner, approve.action, approve.payload)
    assert twice.error  # decided once only
    assert len(await _outbox(app, "group_request:")) == 2  # the request, the decision

    await say(app, people.other, "/join polytechnique")
    [listed] = await say(app, people.owner, "/groups requests polytechnique")
    [_approve, decline] = listed.cards[0].buttons
    [declined] = await press(app, people.owner, decline.action, decline.payload)
    assert not declined.error, declined.text
    members = await _membership(app, "polytechnique")
    assert "Li Wei" not in members and members["Ana Souza"][1] is MembershipState.ACTIVE
    assert await _actions(app) == ["group.create", "group.approve", "group.decline"]


async def test_moderators_remove_and_ban_and_a_banned_member_cannot_come_back(
    app: App, people: People
) -> None:
    await create_group(app, people.owner, "Tech Brasil", "Tech")
    await say(app, people.member, "/join tech-brasil")
    await say(app, people.other, "/join tech-brasil")
    [refused] = await say(app, people.member, "/groups ban tech-brasil Li")
    assert refused.error  # members do not moderate
    [promoted] = await say(app, people.owner, "/groups moderator tech-brasil ana")
    assert not promoted.error, promoted.text
    [banned] = await say(app, people.member, "/groups ban tech-brasil li wei")
    assert not banned.error, banned.text
    [back] = await say(app, people.other, "/join tech-brasil")
    assert back.error
    [owner] = await say(app, people.member, "/groups remove tech-brasil Zoe")
    assert owner.error  # the owner stays
    [listing] = await say(app, people.owner, "/groups members tech-brasil")
    ana = next(c for c in listing.cards if c.title == "Ana Souza")
    remove = next(b for b in ana.buttons if b.action == "groups.remove")
    [removed] = await press(app, people.owner, remove.action, remove.payload)
    assert not removed.error, removed.text
    assert await _membership(app, "tech-brasil") == {
        "Zoë Nguyễn": (GroupRole.OWNER, MembershipState.ACTIVE),
        "Li Wei": (GroupRole.MEMBER, MembershipState.BANNED),
    }
    [rejoin] = await say(app, people.member, "/join tech-brasil")
    assert not rejoin.error  # removed, not banned
    assert await _actions(app) == [
        "group.create",
        "group.moderator",
        "group.ban",
        "group.remove",
    ]


async def test_members_report_and_moderators_see_and_close_reports(
    app: App, people: People
) -> None:
    await create_group(app, people.owner, "Tech Brasil", "Tech")
    await say(app, people.member, "/join tech-brasil")
    [thanks] = await say(app, people.member, "/groups report tech-brasil spam about crypto")
    assert not thanks.error, thanks.text
    assert len(await _outbox(app, "group_report:")) == 1  # the owner is told
    [hidden] = await say(app, people.member, "/groups reports tech-brasil")
    assert hidden.error
    [reports] = await say(app, people.owner, "/groups reports tech-brasil")
    assert reports.cards[0].body == "spam about crypto"
    [close] = reports.cards[0].buttons
    [closed] = await press(app, people.owner, close.action, close.payload)
    assert not closed.error, closed.text
    [empty] = await say(app, people.owner, "/groups reports tech-brasil")
    assert not empty.cards
    assert await _actions(app) == ["group.create", "group.report", "group.report_close"]


async def test_mapping_needs_a_channel_and_a_moderator_and_joiners_get_the_links(
    app: App, people: People
) -> None:
    await create_group(app, people.owner, "Tech Brasil", "Tech")
    [private] = await say(app, people.owner, "/groups map tech-brasil")
    assert private.error and "channel" in private.text
    [not_mod] = await app.dispatcher.handle(
        in_channel(Platform.SLACK, people.member, "/groups map tech-brasil")
    )
    assert not_mod.error
    [bad_link] = await app.dispatcher.handle(
        in_channel(Platform.SLACK, people.owner, "/groups map tech-brasil link:javascript:alert(1)")
    )
    assert bad_link.error
    await map_everywhere(app, people.owner, "tech-brasil")
    await create_group(app, people.owner, "Other", "Other")
    [taken] = await app.dispatcher.handle(
        in_channel(Platform.DISCORD, people.owner, "/groups map other")
    )
    assert taken.error and "unmap" in taken.text

    [joined] = await say(app, people.member, "/join tech-brasil")
    assert sorted(b.url or "" for b in joined.buttons) == [
        "https://discord.example/invite",
        "https://slack.example/invite",
        "https://telegram.example/invite",
    ]
    [unmapped] = await app.dispatcher.handle(
        in_channel(Platform.DISCORD, people.owner, "/groups unmap")
    )
    assert not unmapped.error, unmapped.text
    [again] = await app.dispatcher.handle(
        in_channel(Platform.DISCORD, people.owner, "/groups unmap")
    )
    assert again.error
    async with app.db.sessions() as session:
        mapped = (await session.execute(select(GroupChannel.platform, GroupChannel.chat_id))).all()
    assert sorted(mapped) == sorted(
        (p, CHANNELS[p][1]) for p in (Platform.TELEGRAM, Platform.SLACK)
    )
    assert (await _actions(app))[-2:] == ["group.create", "group.unmap"]


async def test_a_group_chat_that_is_not_mapped_gets_no_answer_to_plain_messages(
    app: App, people: People
) -> None:
    replies = await app.dispatcher.handle(
        Incoming(
            platform=Platform.SLACK,
            user_id="UANA",
            workspace="T0ALUMNI",
            chat_id="C0ELSEWHERE",
            chat_kind=ChatKind.GROUP,
            text="hello",
            is_message=True,
        )
    )
    assert replies == []
