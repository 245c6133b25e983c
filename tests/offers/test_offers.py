"""Organisations, offers and alerts through the dispatcher: verification, posting, expiry,
browsing, alerts queued in the outbox, moderation and bad input."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from core.bootstrap import App
from core.chat import Incoming
from core.clock import FakeClock
from core.db.models import Alert, AuditEntry, Offer, OfferView, OutboxMessage, RoleGrant
from core.domain import Platform, Role
from core.offers.alerts import matching_alerts, naive_matching_alerts, weekly_matches
from tests.helpers import names, press, say
from tests.offers.conftest import Cast

POST = (
    '/offer post internship "Data analyst" city:Lyon sector:finance apply:https://airbus.example/1'
)


async def _outbox(app: App, prefix: str = "alert:") -> list[OutboxMessage]:
    async with app.db.sessions() as session:
        rows = await session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.key.startswith(prefix))
            .order_by(OutboxMessage.key)
        )
        return list(rows.all())


async def _actions(app: App) -> list[str]:
    async with app.db.sessions() as session:
        return list(
            (await session.scalars(select(AuditEntry.action).order_by(AuditEntry.id))).all()
        )


async def test_a_member_asks_to_represent_and_a_country_admin_verifies(
    seeded: App, cast: Cast
) -> None:
    [asked] = await say(seeded, cast.member, "/offers represent airbus Responsable RH au Brésil")
    assert not asked.error, asked.text
    [refused] = await say(seeded, cast.member, '/offer post job "Pilote"')
    assert refused.error  # not verified yet
    told = " ".join(m.chat_id for m in await _outbox(seeded, "request:"))
    assert cast.global_admin in told  # the admins who may decide...
    assert cast.country_admin in told
    assert cast.other_country_admin not in told  # ...and not the Japanese one
    [pending] = await say(seeded, cast.country_admin, "/offers requests")
    [verify, _refuse] = pending.cards[0].buttons
    [done] = await press(seeded, cast.country_admin, verify.action, verify.payload)
    assert not done.error, done.text
    [posted] = await say(seeded, cast.member, POST)
    assert not posted.error, posted.text
    [again] = await press(seeded, cast.global_admin, verify.action, verify.payload)
    assert again.error  # decided once only
    assert await _actions(seeded) == ["request.create", "request.verify", "offer.post"]
    assert len(await _outbox(seeded, "request:1:decision")) == 1


async def test_a_refused_request_grants_nothing(seeded: App, cast: Cast) -> None:
    await say(seeded, cast.member, "/offers represent danone")
    [reply] = await say(seeded, cast.global_admin, "/offers refuse 1 Pas d'adresse pro")
    assert not reply.error, reply.text
    async with seeded.db.sessions() as session:
        roles = await session.scalars(
            select(RoleGrant.role).where(RoleGrant.organisation_id == cast.other_org_id)
        )
        assert list(roles.all()) == [Role.REPRESENTATIVE]  # only the fixture's representative
    assert (await _actions(seeded))[-1] == "request.refuse"


async def test_the_issue_one_line_form_posts_and_members_find_it_without_accents(
    seeded: App, cast: Cast
) -> None:
    [posted] = await say(seeded, cast.representative, POST)
    assert not posted.error, posted.text
    [found] = await say(seeded, cast.member, "/offers analyst kind:internship sector:finance")
    assert names([found]) == ["Data analyst"]
    [apply] = [b for b in found.cards[0].buttons if b.url]
    assert apply.url == "https://airbus.example/1"
    await say(
        seeded,
        cast.representative,
        '/offer post job "Ingénieure énergie" apply:jobs@airbus.example',
    )
    [accent] = await say(seeded, cast.member, "/offers INGENIEURE energie")
    assert names([accent]) == ["Ingénieure énergie"]
    [none] = await say(seeded, cast.member, "/offers analyst country:JP")
    assert not none.cards


async def test_expired_offers_leave_search_and_a_repost_brings_them_back(
    seeded: App, cast: Cast, clock: FakeClock
) -> None:
    await say(seeded, cast.representative, POST + " expires:2026-03-10")
    assert names(await say(seeded, cast.member, "/offers analyst")) == ["Data analyst"]
    clock.advance(dt.timedelta(days=9))
    assert names(await say(seeded, cast.member, "/offers analyst")) == []
    [gone] = await say(seeded, cast.member, "/offers show 1")
    assert gone.error
    [back] = await say(seeded, cast.representative, "/offer repost 1")
    assert not back.error, back.text
    assert names(await say(seeded, cast.member, "/offers analyst")) == ["Data analyst"]


async def test_closing_takes_an_offer_off_search(seeded: App, cast: Cast) -> None:
    await say(seeded, cast.representative, POST)
    await say(seeded, cast.representative, "/offer close 1")
    assert names(await say(seeded, cast.member, "/offers analyst")) == []
    [twice] = await say(seeded, cast.representative, "/offer close 1")
    assert twice.error


async def test_mine_counts_distinct_members_who_opened_an_offer(seeded: App, cast: Cast) -> None:
    await say(seeded, cast.representative, POST)
    for user in (cast.member, cast.member, cast.global_admin):
        [card] = await say(seeded, user, "/offers show 1")
        assert not card.error, card.text
    [mine] = await say(seeded, cast.representative, "/offers mine")
    [opened] = [f for f in mine.cards[0].fields if f.name in ("Opened by", "Ouverte par")]
    assert "2" in opened.value
    async with seeded.db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(OfferView)) == 2


async def test_pages_follow_each_other_with_cursor_buttons(
    seeded: App, cast: Cast, clock: FakeClock
) -> None:
    for n in range(7):
        clock.advance(dt.timedelta(minutes=1))
        await say(
            seeded,
            cast.representative,
            f'/offer post job "Analyst {n}" apply:https://a.example/{n}',
        )
    [first] = await say(seeded, cast.member, "/offers analyst")
    assert len(first.cards) == 5
    assert first.pager is not None and first.pager.next is not None
    [second] = await press(seeded, cast.member, first.pager.next.action, first.pager.next.payload)
    assert names([second]) == ["Analyst 1", "Analyst 0"]
    assert second.pager is not None and second.pager.previous is not None
    [back] = await press(
        seeded, cast.member, second.pager.previous.action, second.pager.previous.payload
    )
    assert names([back]) == names([first])


async def test_a_new_offer_queues_one_message_per_matching_alert_only(
    seeded: App, cast: Cast
) -> None:
    saved = [
        "/alerts add kind:internship sector:finance",  # matches
        "/alerts add analyst country:FR",  # matches
        "/alerts add data analyst language:en every:weekly",  # weekly: no message now
        "/alerts add kind:job",  # wrong kind
        "/alerts add country:BR",  # wrong country
        "/alerts add python",  # word not in the offer
    ]
    for line in saved:
        [reply] = await say(seeded, cast.member, line)
        assert not reply.error, (line, reply.text)
    [posted] = await say(seeded, cast.representative, POST + " languages:en,fr")
    assert not posted.error, posted.text
    sent = await _outbox(seeded)
    assert [m.key for m in sent] == ["alert:1:offer:1", "alert:2:offer:1"]
    assert all(m.kind == "alert" for m in sent)
    await say(seeded, cast.representative, "/offer repost 1")
    assert len(await _outbox(seeded)) == 2  # never twice
    async with seeded.db.sessions() as session:
        offer = await session.get(Offer, 1)
        assert offer is not None
        indexed = sorted(m.alert_id for m in await matching_alerts(session, offer))
        naive = sorted(m.alert_id for m in await naive_matching_alerts(session, offer))
        assert indexed == naive == [1, 2, 3]
        member_id = await session.scalar(select(Alert.member_id).limit(1))
        assert member_id is not None
        weekly = await weekly_matches(
            session, member_id, seeded.clock.now() - dt.timedelta(days=7), now=seeded.clock.now()
        )
        assert [(a.id, o.id) for a, o, _ in weekly] == [(3, 1)]


async def test_alerts_are_listed_and_deleted_by_their_owner_only(seeded: App, cast: Cast) -> None:
    await say(seeded, cast.member, "/alerts add stage country:MA")
    [listed] = await say(seeded, cast.member, "/alerts")
    assert len(listed.cards) == 1
    [other] = await say(seeded, cast.global_admin, "/alerts delete 1")
    assert other.error
    [deleted] = await say(seeded, cast.member, "/alerts delete 1")
    assert not deleted.error
    [empty] = await say(seeded, cast.member, "/alerts add")
    assert empty.error


async def test_a_report_reaches_the_admins_and_unpublishing_is_audited(
    seeded: App, cast: Cast
) -> None:
    await say(seeded, cast.representative, POST)
    [reported] = await say(seeded, cast.member, "/offers report 1 Demande un paiement")
    assert not reported.error
    [twice] = await say(seeded, cast.member, "/offers report 1")
    assert twice.error
    assert len(await _outbox(seeded, "report:")) == 1
    [down] = await say(seeded, cast.global_admin, "/offers unpublish 1 Arnaque")
    assert not down.error
    assert names(await say(seeded, cast.member, "/offers analyst")) == []
    [repost] = await say(seeded, cast.representative, "/offer repost 1")
    assert repost.error
    assert await _actions(seeded) == ["offer.post", "offer.report", "offer.unpublish"]
    assert len(await _outbox(seeded, "offer:1:unpublished")) == 1


async def test_the_organisation_page_shows_its_description_in_the_readers_language(
    seeded: App, cast: Cast
) -> None:
    [page] = await say(seeded, cast.member, "/offers company:sciences-po")
    assert page.cards[0].title == "Sciences Po"
    assert page.cards[0].body.startswith("Établissement")
    [unknown] = await say(seeded, cast.member, "/offers company:nowhere")
    assert unknown.error


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        (POST.replace("city:Lyon", "expires:2026-03-01"), "2026"),
        (POST.replace("city:Lyon", "expires:tomorrow"), "AAAA-MM-JJ"),
        ('/offer post freelance "Data analyst" apply:https://a.example', "internship"),
        (POST.replace("city:Lyon", "country:Atlantis"), "Atlantis"),
        ('/offer post job "X" apply:ftp://a.example/x', "http"),
        ('/offer post job "X" apply:javascript:alert(1)', "http"),
        ('/offer post job "X" apply:jobs@airbus', "jobs@airbus"),
        ('/offer post job "' + "x" * 121 + '" apply:https://a.example', "120"),
        ('/offer post job "X" apply:https://a.example sector:astrology', "astrology"),
        ('/offer post job "X" apply:https://a.example languages:klingonese', "klingonese"),
        ('/offer post job "X"', "apply:"),
    ],
)
async def test_bad_input_gets_a_clear_answer_and_posts_nothing(
    seeded: App, cast: Cast, line: str, fragment: str
) -> None:
    [reply] = await say(seeded, cast.representative, line)
    assert reply.error
    assert fragment in reply.text
    async with seeded.db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Offer)) == 0


async def test_the_full_form_is_asked_step_by_step_and_publishes(seeded: App, cast: Cast) -> None:
    [question] = await say(seeded, cast.representative, "/offer post")
    assert "(1/11)" in question.text
    answers = [
        "vie",
        "Chargé d'affaires",
        "BR",
        "São Paulo",
        "no",
        "energy",
        "pt, en",
        "24 mois",
        "",
        "https://a.example/vie",
        "",
    ]
    for answer in answers:
        [last] = await seeded.dispatcher.handle(
            Incoming(
                platform=Platform.CONSOLE,
                user_id=cast.representative,
                text=answer,
                is_message=True,
            )
        )
        assert not last.error, (answer, last.text)
    assert not last.error and last.form is None
    [found] = await say(
        seeded, cast.member, "/offers charge kind:vie country:BR language:portugais"
    )
    assert names([found]) == ["Chargé d'affaires"]
