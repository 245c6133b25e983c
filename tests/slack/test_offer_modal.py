"""A representative posts an offer from Slack: ``/offer post`` opens the offer form as a
modal (views.open with the command's trigger_id), the submission publishes the offer."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from core.bootstrap import App
from core.db.models import Member, Offer, Organisation, RoleGrant
from core.demo.data import DEMO_EMAIL
from core.domain import Role
from core.offers.domain import OfferState

from .conftest import SlackServer, link_slack_account
from .fake_slack import FakeSlack
from .signing import view_submission_payload

REPRESENTATIVE = "U0REP0001"


async def _representative_of_airbus(app: App) -> int:
    """The demo member represents Airbus and writes from Slack as ``REPRESENTATIVE``."""
    async with app.db.sessions.begin() as session:
        member_id = await session.scalar(select(Member.id).where(Member.email == DEMO_EMAIL))
        org_id = await session.scalar(select(Organisation.id).where(Organisation.slug == "airbus"))
        assert member_id is not None and org_id is not None
        session.add(
            RoleGrant(member_id=member_id, role=Role.REPRESENTATIVE, organisation_id=org_id)
        )
    await link_slack_account(app, DEMO_EMAIL, REPRESENTATIVE)
    return org_id


async def _opened_view(fake_slack: FakeSlack) -> dict[str, Any]:
    [opened] = await fake_slack.wait_for("views.open")
    view = opened.params["view"]
    loaded: dict[str, Any] = json.loads(view) if isinstance(view, str) else view
    return loaded


async def test_offer_post_opens_the_offer_modal_and_its_submission_publishes_the_offer(
    seeded: App, slack: SlackServer, fake_slack: FakeSlack
) -> None:
    org_id = await _representative_of_airbus(seeded)
    status, ack, _ = await slack.command(
        "post", command="/offer", user_id=REPRESENTATIVE, trigger_id="77.offer.trigger"
    )
    assert (status, ack) == (200, "")
    view = await _opened_view(fake_slack)
    assert fake_slack.called("views.open")[0].params["trigger_id"] == "77.offer.trigger"
    assert view["title"]["text"] == "Post an offer"
    assert view["submit"]["text"] == "Publish"
    blocks = {b["block_id"]: b["element"]["type"] for b in view["blocks"]}
    assert blocks["kind"] == "static_select"
    assert blocks["title"] == "plain_text_input"
    assert blocks["expires"] == "datepicker"

    status, ack = await slack.interact(
        view_submission_payload(
            view,
            {
                "kind": {"type": "static_select", "selected_option": {"value": "vie"}},
                "title": {"type": "plain_text_input", "value": "VIE data engineer"},
                "city": {"type": "plain_text_input", "value": "Toulouse"},
                "description": {"type": "plain_text_input", "value": None},
                "apply": {"type": "plain_text_input", "value": "https://jobs.example.org/vie"},
                "expires": {"type": "datepicker", "selected_date": None},
            },
            user_id=REPRESENTATIVE,
        )
    )
    assert (status, ack) == (200, "")  # the modal closes
    [published] = await fake_slack.wait_for("chat.postMessage")
    assert published.params["channel"] == REPRESENTATIVE
    assert published.params["text"].startswith("Published: the offer #")

    async with seeded.db.sessions() as session:
        [offer] = (await session.scalars(select(Offer))).all()
    assert (offer.title, offer.kind, offer.city) == ("VIE data engineer", "vie", "Toulouse")
    assert offer.organisation_id == org_id
    assert offer.apply_url == "https://jobs.example.org/vie"
    assert offer.state is OfferState.OPEN
    assert f"#{offer.id}" in published.params["text"]


async def test_an_offer_submission_without_a_title_keeps_the_modal_open(
    seeded: App, slack: SlackServer, fake_slack: FakeSlack
) -> None:
    await _representative_of_airbus(seeded)
    await slack.command("post", command="/offer", user_id=REPRESENTATIVE)
    view = await _opened_view(fake_slack)
    _, ack = await slack.interact(
        view_submission_payload(
            view,
            {
                "kind": {"type": "static_select", "selected_option": {"value": "job"}},
                "title": {"type": "plain_text_input", "value": None},
            },
            user_id=REPRESENTATIVE,
        )
    )
    answer = json.loads(ack)
    assert answer["response_action"] == "errors"
    assert list(answer["errors"]) == ["title"]
    async with seeded.db.sessions() as session:
        assert (await session.scalars(select(Offer))).all() == []
