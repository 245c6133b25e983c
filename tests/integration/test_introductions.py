"""Introductions: the request travels through the outbox; handles pass only on acceptance."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import select, update

from core.bootstrap import App
from core.chat import Reply
from core.clock import FakeClock
from core.db.models import Member, OutboxMessage
from core.demo.data import DEMO_EMAIL, ZOE_EMAIL
from core.domain import Visibility
from tests.helpers import account_for, press, say


async def _outbox(app: App) -> list[OutboxMessage]:
    async with app.db.sessions() as session:
        return list((await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all())


async def _english(app: App, email: str) -> None:
    async with app.db.sessions.begin() as session:
        await session.execute(
            update(Member).where(Member.email == email).values(preferred_language="en")
        )


async def test_accepted_introduction_gives_both_members_each_others_contact(
    seeded: App,
) -> None:
    await _english(seeded, ZOE_EMAIL)
    me = await account_for(seeded, DEMO_EMAIL)
    zoe = await account_for(seeded, ZOE_EMAIL)
    [sent] = await say(seeded, me, '/contact "Zoë Nguyễn" Bonjour, I study aerospace too!')
    assert "Zoë Nguyễn" in sent.text
    [request] = await _outbox(seeded)
    assert request.chat_id == f"user:{ZOE_EMAIL}"
    asked = Reply.from_dict(request.reply)
    assert "Ana Beatriz Conceição would like to be introduced to you." in asked.text
    assert "Bonjour, I study aerospace too!" in asked.text
    assert DEMO_EMAIL not in asked.text  # no contact detail before acceptance
    accept = next(b for b in asked.buttons if b.action == "introduction.accept")
    [answer] = await press(seeded, zoe, accept.action, accept.payload)
    assert DEMO_EMAIL in answer.text
    _request, told = await _outbox(seeded)
    told_reply = Reply.from_dict(told.reply)
    assert told.chat_id == f"user:{DEMO_EMAIL}"
    assert "Zoë Nguyễn accepted your introduction request." in told_reply.text
    assert ZOE_EMAIL in told_reply.text
    [again] = await press(seeded, zoe, accept.action, accept.payload)
    assert again.error  # answered once only


async def test_the_request_reaches_the_member_in_their_own_language(seeded: App) -> None:
    me = await account_for(seeded, DEMO_EMAIL)
    await say(seeded, me, '/contact "Zoë Nguyễn"')
    [request] = await _outbox(seeded)
    text = Reply.from_dict(request.reply).text
    assert "Ana Beatriz Conceição" in text
    assert "would like to be introduced" not in text  # Zoë reads Vietnamese


async def test_declining_tells_the_requester_politely_and_shares_nothing(seeded: App) -> None:
    await _english(seeded, DEMO_EMAIL)
    me = await account_for(seeded, DEMO_EMAIL)
    zoe = await account_for(seeded, ZOE_EMAIL)
    await say(seeded, me, '/contact "Zoë Nguyễn"')
    [request] = await _outbox(seeded)
    decline = next(
        b for b in Reply.from_dict(request.reply).buttons if b.action == "introduction.decline"
    )
    await press(seeded, zoe, decline.action, decline.payload)
    _, told = await _outbox(seeded)
    text = Reply.from_dict(told.reply).text
    assert "not available" in text
    assert ZOE_EMAIL not in text


async def test_a_blocked_requester_cannot_ask_again(seeded: App) -> None:
    me = await account_for(seeded, DEMO_EMAIL)
    zoe = await account_for(seeded, ZOE_EMAIL)
    await say(seeded, me, '/contact "Zoë Nguyễn"')
    [request] = await _outbox(seeded)
    block = next(
        b for b in Reply.from_dict(request.reply).buttons if b.action == "introduction.block"
    )
    await press(seeded, zoe, block.action, block.payload)
    [refused] = await say(seeded, me, '/contact "Zoë Nguyễn"')
    assert refused.error
    assert len(await _outbox(seeded)) == 1


async def test_oneself_duplicates_hidden_members_and_floods_are_refused(
    seeded: App, clock: FakeClock
) -> None:
    me = await account_for(seeded, DEMO_EMAIL)
    [own] = await say(seeded, me, '/contact "Ana Beatriz Conceição"')
    assert own.error
    await say(seeded, me, '/contact "Zoë Nguyễn"')
    [twice] = await say(seeded, me, '/contact "Zoë Nguyễn"')
    assert twice.error
    async with seeded.db.sessions.begin() as session:
        await session.execute(
            update(Member).where(Member.email == ZOE_EMAIL).values(visibility=Visibility.HIDDEN)
        )
    async with seeded.db.sessions() as session:
        zoe_id = await session.scalar(select(Member.id).where(Member.email == ZOE_EMAIL))
        others = (
            await session.scalars(
                select(Member.id)
                .where(
                    Member.directory_consent.is_(True),
                    Member.visibility == Visibility.LISTED,
                    Member.email.like("alumnus%"),
                )
                .limit(6)
            )
        ).all()
    [hidden] = await press(
        seeded, me, "directory.contact", json.dumps({"id": zoe_id, "message": ""})
    )
    assert hidden.error
    replies = [
        (await press(seeded, me, "directory.contact", json.dumps({"id": i, "message": "hi"})))[0]
        for i in others
    ]
    assert [r.error for r in replies].count(False) == 4  # 5 a day, one already used
    assert replies[-1].error
    clock.advance(dt.timedelta(days=1, minutes=1))
    [tomorrow] = await press(
        seeded, me, "directory.contact", json.dumps({"id": others[-1], "message": "hi"})
    )
    assert not tomorrow.error


async def test_search_cards_offer_an_introduction_except_on_ones_own(seeded: App) -> None:
    me = await account_for(seeded, DEMO_EMAIL)
    [reply] = await say(seeded, me, "/search ana beatriz conceicao")
    own = next(c for c in reply.cards if c.title == "Ana Beatriz Conceição")
    assert own.buttons == ()
    [reply] = await say(seeded, me, "/search zoe nguyen")
    zoe_card = next(c for c in reply.cards if c.title == "Zoë Nguyễn")
    [button] = zoe_card.buttons
    [form_reply] = await press(seeded, me, button.action, button.payload)
    assert "(1/1)" in form_reply.text  # the optional message, asked on the console
    [done] = await say(seeded, me, "Hello!", is_message=True)
    assert not done.error
