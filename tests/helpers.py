"""Small helpers for driving the dispatcher as a platform user would."""

from __future__ import annotations

from sqlalchemy import select

from core.bootstrap import App
from core.chat import Incoming, Reply
from core.db.models import Member, PlatformAccount
from core.domain import Platform


async def account_for(app: App, email: str, user_id: str | None = None) -> str:
    """Link a console account to the member with ``email``; returns the user id to send as."""
    user_id = user_id or email
    async with app.db.sessions.begin() as session:
        member_id = await session.scalar(select(Member.id).where(Member.email == email))
        assert member_id is not None, email
        existing = await session.scalar(
            select(PlatformAccount.member_id).where(
                PlatformAccount.platform == Platform.CONSOLE,
                PlatformAccount.workspace == "",
                PlatformAccount.user_id == user_id,
            )
        )
        if existing is None:
            session.add(
                PlatformAccount(platform=Platform.CONSOLE, user_id=user_id, member_id=member_id)
            )
        else:
            assert existing == member_id
    return user_id


async def say(
    app: App, user_id: str, text: str, *, locale: str | None = None, is_message: bool = False
) -> list[Reply]:
    return await app.dispatcher.handle(
        Incoming(
            platform=Platform.CONSOLE,
            user_id=user_id,
            text=text,
            locale=locale,
            is_message=is_message,
        )
    )


async def press(app: App, user_id: str, action: str, payload: str) -> list[Reply]:
    return await app.dispatcher.handle(
        Incoming(platform=Platform.CONSOLE, user_id=user_id, action=action, payload=payload)
    )


def names(replies: list[Reply]) -> list[str]:
    return [card.title for reply in replies for card in reply.cards]


async def database_snapshot(app: App) -> dict[str, list[str]]:
    """Every row of every table, as text: equal snapshots mean nothing was written."""
    from core.db import Base

    snapshot: dict[str, list[str]] = {}
    async with app.db.sessions() as session:
        for table in Base.metadata.sorted_tables:
            rows = (await session.execute(select(table))).all()
            snapshot[table.name] = sorted(repr(tuple(row)) for row in rows)
    return snapshot


IMPORTED_CSV = """\
full_name,email,country,city,institution,degree,field,graduation_year,sector,languages,\
directory_consent
Zoë Nguyễn,zoe.nguyen@alumni.example.org,VN,Hà Nội,,master,Physics,2019,aerospace,vi;fr,yes
Kofi Mensah,kofi.mensah@alumni.example.org,GH,Accra,,master,Economics,2017,finance,en;fr,no
"""
CLAIMANT_EMAIL = "kofi.mensah@alumni.example.org"


async def import_alumni(app: App) -> dict[str, str]:
    """An institution's CSV imported as ``alumni import members --codes-out`` does it; the
    claim code of each new member by e-mail (what the institution mails its alumni)."""
    import csv
    import io

    from core.directory.importer import import_members

    codes = io.StringIO()
    report = await import_members(
        app.db, io.StringIO(IMPORTED_CSV), "École polytechnique", now=app.clock.now(),
        codes_out=codes,
    )  # fmt: skip
    assert (report.created, report.rejected) == (2, [])
    return {
        row["email"]: row["claim_code"] for row in csv.DictReader(io.StringIO(codes.getvalue()))
    }
