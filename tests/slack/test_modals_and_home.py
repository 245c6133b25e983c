"""Forms open as modals and come back whole; the App Home greets members and strangers."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from core.bootstrap import App
from core.chat import Command, Form, FormField, FormFieldKind, Permission, Reply
from core.chat.forms import validate_form
from core.db.models import Member, Organisation, OrganisationCountry, RoleGrant
from core.demo.data import ADMIN_EMAIL, DEMO_EMAIL
from core.domain import Role
from tests.helpers import account_for, say

from .conftest import SlackServer, link_slack_account
from .fake_slack import FakeSlack
from .signing import event_body, sign, view_submission_payload

FORM = Form(
    action="test.submit",
    title="Post an offer for your organisation",
    payload="org-7",
    fields=(
        FormField("title", "Title", max_length=40),
        FormField(
            "kind", "Kind", kind=FormFieldKind.CHOICE, choices=(("job", "Job"), ("vie", "VIE"))
        ),
        FormField("description", "Description", kind=FormFieldKind.LONG_TEXT, required=False),
        FormField("starts", "Start date", kind=FormFieldKind.DATE, required=False),
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
        Command(name="testform", help="t", handler=open_form, permission=Permission.ANYONE)
    )
    app.registry.action("test.submit", permission=Permission.ANYONE)(submit)
    return submitted


async def _open_modal(slack: SlackServer, fake_slack: FakeSlack) -> dict[str, Any]:
    await slack.command("testform", trigger_id="999.trigger")
    [opened] = await fake_slack.wait_for("views.open")
    assert opened.params["trigger_id"] == "999.trigger"
    view = opened.params["view"]
    loaded: dict[str, Any] = json.loads(view) if isinstance(view, str) else view
    return loaded


async def test_a_form_opens_a_modal_and_its_submission_reaches_the_action(
    app: App, slack: SlackServer, fake_slack: FakeSlack
) -> None:
    submitted = _install(app)
    view = await _open_modal(slack, fake_slack)
    assert view["type"] == "modal"
    assert view["callback_id"] == "alumni_form"
    assert len(view["title"]["text"]) <= 24
    assert json.loads(view["private_metadata"])["action"] == "test.submit"
    kinds = {b["block_id"]: b["element"]["type"] for b in view["blocks"]}
    assert kinds == {
        "title": "plain_text_input",
        "kind": "static_select",
        "description": "plain_text_input",
        "starts": "datepicker",
        "url": "url_text_input",
    }
    [intro] = await fake_slack.wait_for("response")
    assert intro.params["text"] == "Let us post it."

    status, ack = await slack.interact(
        view_submission_payload(
            view,
            {
                "title": {"type": "plain_text_input", "value": "Data analyst"},
                "kind": {"type": "static_select", "selected_option": {"value": "vie"}},
                "description": {"type": "plain_text_input", "value": None},
                "starts": {"type": "datepicker", "selected_date": "2026-09-01"},
                "url": {"type": "url_text_input", "value": "https://jobs.example.org/1"},
            },
        )
    )
    assert (status, ack) == (200, "")
    [posted] = await fake_slack.wait_for("chat.postMessage")
    assert posted.params["channel"] == "U0MEMBER"  # a DM with the member
    assert posted.params["text"] == "Posted."
    assert submitted == [
        (
            "org-7",
            {
                "title": "Data analyst",
                "kind": "vie",
                "description": "",
                "starts": "2026-09-01",
                "url": "https://jobs.example.org/1",
            },
        )
    ]


async def test_an_invalid_submission_keeps_the_modal_open_with_the_error_under_the_field(
    app: App, slack: SlackServer, fake_slack: FakeSlack
) -> None:
    submitted = _install(app)
    view = await _open_modal(slack, fake_slack)
    status, ack = await slack.interact(
        view_submission_payload(
            view,
            {
                "title": {"type": "plain_text_input", "value": "Analyst"},
                "kind": {"type": "static_select", "selected_option": {"value": "job"}},
                "url": {"type": "url_text_input", "value": "javascript:alert(1)"},
            },
        )
    )
    assert status == 200
    answer = json.loads(ack)
    assert answer["response_action"] == "errors"
    assert list(answer["errors"]) == ["url"]
    assert "How to apply" in answer["errors"]["url"]
    assert submitted == []
    assert fake_slack.called("chat.postMessage") == []


async def test_a_submission_with_unreadable_metadata_is_refused(
    app: App, slack: SlackServer, fake_slack: FakeSlack
) -> None:
    submitted = _install(app)
    view = await _open_modal(slack, fake_slack)
    view["private_metadata"] = "not json"
    _, ack = await slack.interact(
        view_submission_payload(view, {"title": {"type": "plain_text_input", "value": "A"}})
    )
    assert json.loads(ack)["response_action"] == "errors"
    assert submitted == []


async def _open_home(slack: SlackServer, user: str) -> None:
    body = event_body({"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": "home"})
    status, _ = await slack.post(body, sign(body, content_type="application/json"))
    assert status == 200


async def test_the_app_home_greets_a_member_by_name(
    seeded: App, slack: SlackServer, fake_slack: FakeSlack
) -> None:
    await link_slack_account(seeded, DEMO_EMAIL, "U0MEMBER")
    await _open_home(slack, "U0MEMBER")
    [published] = await fake_slack.wait_for("views.publish")
    assert published.params["user_id"] == "U0MEMBER"
    view = published.params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert view["type"] == "home"
    assert view["blocks"][0]["text"]["text"].startswith("Welcome, ")
    assert "/alumni search" in json.dumps(view, ensure_ascii=False)


async def test_the_app_home_invites_a_stranger_to_start_in_their_language(
    slack: SlackServer, fake_slack: FakeSlack
) -> None:
    fake_slack.locales["U0NEW"] = "fr-FR"
    await _open_home(slack, "U0NEW")
    [published] = await fake_slack.wait_for("views.publish")
    view = published.params["view"]
    text = json.dumps(view, ensure_ascii=False)
    assert "/alumni start" in text
    assert "Commandes" in text or "commandes" in text


async def test_a_members_app_home_shows_profile_alerts_events_and_offers_of_their_country(
    seeded: App, slack: SlackServer, fake_slack: FakeSlack
) -> None:
    async with seeded.db.sessions.begin() as session:
        me = (await session.scalars(select(Member).where(Member.email == DEMO_EMAIL))).one()
        airbus = await session.scalar(select(Organisation.id).where(Organisation.slug == "airbus"))
        admin = await session.scalar(select(Member.id).where(Member.email == ADMIN_EMAIL))
        assert me.country_code == "BR" and airbus is not None and admin is not None
        session.add(OrganisationCountry(organisation_id=airbus, country_code="BR"))
        session.add(RoleGrant(member_id=admin, role=Role.REPRESENTATIVE, organisation_id=airbus))
    representative = await account_for(seeded, ADMIN_EMAIL)
    for line in (
        '/offer post job "Flight test engineer" country:BR apply:https://jobs.example.org/1',
        '/offer post job "Cabin designer" country:DE apply:https://jobs.example.org/2',
    ):
        [posted] = await say(seeded, representative, line)
        assert not posted.error, posted.text
    member = await account_for(seeded, DEMO_EMAIL)
    [saved] = await say(seeded, member, "/alerts add kind:vie")
    assert not saved.error, saved.text
    await link_slack_account(seeded, DEMO_EMAIL, "U0MEMBER")

    await _open_home(slack, "U0MEMBER")
    [published] = await fake_slack.wait_for("views.publish")
    view = published.params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert len(view["blocks"]) <= 100
    text = json.dumps(view, ensure_ascii=False)
    order = [
        text.index(f"*{me.full_name}*"),  # the profile card
        text.index("Your alerts:"),
        text.index("Flight test engineer"),  # an offer in Brazil, where she lives
        text.index("/alumni search"),  # then the commands
    ]
    assert order == sorted(order)
    assert "Cabin designer" not in text  # not her country's
    assert "There is no chapter for Brazil yet." not in text  # what does not apply is left out
