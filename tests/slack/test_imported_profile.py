"""An alumna imported by her institution claims her profile from Slack and searches.

Members come from a CSV import (no demo data): Kofi claims his imported profile with
``/alumni link CODE`` and finds Zoë Nguyễn, imported with him, with ``/alumni search``."""

from __future__ import annotations

from sqlalchemy import select

from core.bootstrap import App
from core.db.models import Member, PlatformAccount
from core.domain import Platform
from tests.helpers import CLAIMANT_EMAIL, import_alumni

from .conftest import SlackServer
from .fake_slack import TEAM_ID, FakeSlack
from .test_slash_commands import _texts

KOFI = "U0KOFI001"


async def test_a_claimed_imported_profile_finds_zoe_nguyen_with_a_signed_search(
    app: App, slack: SlackServer, fake_slack: FakeSlack
) -> None:
    codes = await import_alumni(app)

    status, ack, linking = await slack.command(
        f"link {codes[CLAIMANT_EMAIL].lower()}", user_id=KOFI, user_name="kofi"
    )
    assert (status, ack) == (200, "")
    [linked] = await fake_slack.wait_for("response", where=lambda c: c.target == linking)
    assert linked.params["text"].startswith("Done, Kofi Mensah: this account is now linked")

    status, ack, searching = await slack.command("search zoe nguyen", user_id=KOFI)
    assert (status, ack) == (200, "")
    [found] = await fake_slack.wait_for("response", where=lambda c: c.target == searching)
    assert found.params["response_type"] == "ephemeral"
    assert "Zoë Nguyễn" in _texts(found.params)
    assert "Hà Nội" in _texts(found.params)

    async with app.db.sessions() as session:
        account = (
            await session.execute(
                select(PlatformAccount.workspace, Member.email)
                .join(Member, Member.id == PlatformAccount.member_id)
                .where(PlatformAccount.platform == Platform.SLACK, PlatformAccount.user_id == KOFI)
            )
        ).one()
    assert tuple(account) == (TEAM_ID, CLAIMANT_EMAIL)


async def test_a_spent_claim_code_does_not_link_a_second_slack_account(
    app: App, slack: SlackServer, fake_slack: FakeSlack
) -> None:
    codes = await import_alumni(app)
    await slack.command(f"link {codes[CLAIMANT_EMAIL]}", user_id=KOFI)
    _, _, again = await slack.command(f"link {codes[CLAIMANT_EMAIL]}", user_id="U0THIEF01")
    [refused] = await fake_slack.wait_for("response", where=lambda c: c.target == again)
    assert "This code is not valid or has expired." in refused.params["text"]
    _, _, searching = await slack.command("search zoe nguyen", user_id="U0THIEF01")
    [answer] = await fake_slack.wait_for("response", where=lambda c: c.target == searching)
    assert "Zoë Nguyễn" not in _texts(answer.params)
