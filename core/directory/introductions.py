"""Introductions: a member asks to meet another; contact handles pass only on acceptance.

The request reaches the other member through the outbox (in their language, on their
platform) in the same transaction that records it. Requests are limited per member and day;
a member can decline, block the requester, or report them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..chat.callbacks import STALE_BUTTON
from ..chat.replies import Button, ButtonStyle, Form, FormField, FormFieldKind, Reply
from ..db.models import Introduction, Member, MemberBlock, MemberReport, PlatformAccount
from ..delivery import notify_member
from ..domain import Platform, Visibility
from ..errors import CountedUserError, UserError
from ..i18n import N_, gettext, isolate_for

__all__ = [
    "DAILY_LIMIT",
    "answer_introduction",
    "contact_lines",
    "contacts_of",
    "request_form",
    "request_introduction",
]

DAILY_LIMIT = 5
MAX_MESSAGE = 500


def request_form(action: str, title: str, payload: str, *, max_length: int = MAX_MESSAGE) -> Form:
    """The form that asks for an optional message with a request for contact (a member's
    introduction, a mentor, an organisation), in the current locale."""
    return Form(
        action=action,
        title=title,
        payload=payload,
        fields=(
            FormField(
                "message",
                gettext("A few words about why (optional)"),
                kind=FormFieldKind.LONG_TEXT,
                required=False,
                max_length=max_length,
            ),
        ),
        submit_label=gettext("Send the request"),
    )


async def _listed(session: AsyncSession, member_id: int) -> Member:
    member = await session.get(Member, member_id)
    if (
        member is None
        or member.erased_at is not None
        or not member.directory_consent
        or member.visibility is not Visibility.LISTED
    ):
        # Hidden and unknown members look the same: nobody learns who is hidden.
        raise UserError(N_("This member cannot be found in the directory."))
    return member


async def request_introduction(
    session: AsyncSession,
    requester_id: int,
    target_id: int,
    message: str,
    *,
    now: dt.datetime,
) -> Introduction:
    if requester_id == target_id:
        raise UserError(N_("You cannot ask for an introduction to yourself."))
    message = message.strip()
    if len(message) > MAX_MESSAGE:
        raise CountedUserError(
            "Your message is too long ({count} character); the limit is {limit}.",
            "Your message is too long ({count} characters); the limit is {limit}.",
            len(message),
            limit=MAX_MESSAGE,
        )
    target = await _listed(session, target_id)
    requester = await session.get(Member, requester_id)
    assert requester is not None
    blocked = await session.scalar(
        select(MemberBlock.id).where(
            MemberBlock.blocker_id == target_id, MemberBlock.blocked_id == requester_id
        )
    )
    if blocked is not None:
        raise UserError(N_("This member cannot be found in the directory."))
    pending = await session.scalar(
        select(Introduction.id).where(
            Introduction.requester_id == requester_id,
            Introduction.target_id == target_id,
            Introduction.state == "pending",
        )
    )
    if pending is not None:
        raise UserError(
            N_("You already asked {name}; they have not answered yet."), name=target.full_name
        )
    today = await session.scalar(
        select(func.count())
        .select_from(Introduction)
        .where(
            Introduction.requester_id == requester_id,
            Introduction.created_at > now - dt.timedelta(days=1),
        )
    )
    if (today or 0) >= DAILY_LIMIT:
        raise CountedUserError(
            "You reached {count} introduction request in a day. Try again tomorrow.",
            "You reached {count} introduction requests in a day. Try again tomorrow.",
            DAILY_LIMIT,
        )
    introduction = Introduction(
        requester_id=requester_id,
        target_id=target_id,
        message=message,
        state="pending",
        created_at=now,
    )
    session.add(introduction)
    await session.flush()
    intro_id = str(introduction.id)

    def build() -> Reply:
        lines = [
            gettext(
                "{name} would like to be introduced to you.", name=isolate_for(requester.full_name)
            )
        ]
        if requester.city:
            lines.append(gettext("They live in {city}.", city=isolate_for(requester.city)))
        if message:
            lines.append(gettext("Their message: {message}", message=isolate_for(message)))
        lines.append(gettext("If you accept, you both receive each other's contact."))
        return Reply(
            text="\n".join(lines),
            buttons=(
                Button(
                    gettext("Accept"),
                    action="introduction.accept",
                    payload=intro_id,
                    style=ButtonStyle.PRIMARY,
                ),
                Button(gettext("Decline"), action="introduction.decline", payload=intro_id),
                Button(
                    gettext("Block"),
                    action="introduction.block",
                    payload=intro_id,
                    style=ButtonStyle.DANGER,
                ),
                Button(gettext("Report"), action="introduction.report", payload=intro_id),
            ),
        )

    queued = await notify_member(
        session,
        target_id,
        key=f"introduction:{introduction.id}:request",
        kind="introduction",
        build=build,
        now=now,
    )
    if not queued:
        raise UserError(N_("This member cannot be reached on any platform yet."))
    return introduction


async def contact_lines(session: AsyncSession, member_id: int) -> list[str]:
    """How to reach a member, one line per linked account (shared only after acceptance)."""
    return (await contacts_of(session, [member_id])).get(member_id, [])


async def contacts_of(session: AsyncSession, member_ids: Sequence[int]) -> dict[int, list[str]]:
    """``contact_lines`` for many members in one query (members without an account are
    absent)."""
    found: dict[int, list[str]] = {}
    for start in range(0, len(member_ids), 500):
        accounts = await session.execute(
            select(
                PlatformAccount.member_id,
                PlatformAccount.platform,
                PlatformAccount.user_id,
                PlatformAccount.handle,
                PlatformAccount.display_name,
            )
            .where(PlatformAccount.member_id.in_(member_ids[start : start + 500]))
            .order_by(PlatformAccount.id)
        )
        for member_id, platform, user_id, handle, display in accounts:
            found.setdefault(member_id, []).append(
                _contact_line(platform, user_id, handle, display)
            )
    return found


def _contact_line(platform: Platform, user_id: str, handle: str | None, display: str | None) -> str:
    match platform:
        case Platform.TELEGRAM:
            return (
                f"Telegram: @{handle} (https://t.me/{handle})"
                if handle
                else f"Telegram: tg://user?id={user_id}"
            )
        case Platform.SLACK:
            return f"Slack: {display or handle or user_id}"
        case Platform.DISCORD:
            return f"Discord: @{handle or display or user_id}"
        case _:
            return f"{gettext('Alumni console')}: {handle or user_id}"


async def answer_introduction(
    session: AsyncSession, introduction_id: int, member_id: int, answer: str, *, now: dt.datetime
) -> tuple[Introduction, Member]:
    """``answer`` is accept, decline, block or report; returns the request and requester."""
    introduction = await session.get(Introduction, introduction_id, with_for_update=True)
    if introduction is None or introduction.target_id != member_id:
        raise UserError(STALE_BUTTON)
    requester = await session.get(Member, introduction.requester_id)
    if requester is None or requester.erased_at is not None:
        raise UserError(N_("This member does not exist."))
    if answer in ("block", "report"):
        exists = await session.scalar(
            select(MemberBlock.id).where(
                MemberBlock.blocker_id == member_id, MemberBlock.blocked_id == requester.id
            )
        )
        if exists is None:
            session.add(MemberBlock(blocker_id=member_id, blocked_id=requester.id, created_at=now))
        if answer == "report":
            session.add(
                MemberReport(
                    reporter_id=member_id,
                    reported_id=requester.id,
                    reason=f"introduction {introduction.id}",
                    created_at=now,
                )
            )
        if introduction.state == "pending":
            introduction.state = "declined"
            introduction.answered_at = now
        return introduction, requester
    if introduction.state != "pending":
        raise UserError(N_("You already answered this request."))
    introduction.state = "accepted" if answer == "accept" else "declined"
    introduction.answered_at = now
    target = await session.get(Member, member_id)
    assert target is not None
    if introduction.state == "accepted":
        contacts = await contact_lines(session, member_id)

        def build() -> Reply:
            lines = [
                gettext(
                    "{name} accepted your introduction request.", name=isolate_for(target.full_name)
                )
            ]
            lines.append(gettext("Reach them here:"))
            lines.extend(contacts or [gettext("(no chat account linked yet)")])
            return Reply(text="\n".join(lines))
    else:

        def build() -> Reply:
            return Reply(
                text=gettext(
                    "{name} is not available for an introduction right now.", name=target.full_name
                )
            )

    await notify_member(
        session,
        requester.id,
        key=f"introduction:{introduction.id}:answer",
        kind="introduction",
        build=build,
        now=now,
    )
    return introduction, requester
