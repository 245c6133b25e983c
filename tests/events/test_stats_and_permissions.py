"""Figures for admins only; articles by admins and representatives, not by members."""

from __future__ import annotations

from core.bootstrap import App
from tests.events.conftest import Cast, text_of
from tests.events.test_events import submit
from tests.helpers import say


async def test_stats_give_a_countrys_numbers_as_text_to_its_admin_only(
    cast: Cast, seeded: App
) -> None:
    [figures] = await say(seeded, cast.country_admin, "/stats")
    assert not figures.error, figures.text
    shown = text_of([figures])
    assert "Lisboa: 4" in shown  # the four people of the cast living in Lisbon
    assert "2026: 4" in shown  # all joined this month
    [network] = await say(seeded, cast.global_admin, "/stats")
    assert not network.error
    [other] = await say(seeded, cast.other_country_admin, "/stats country:PT")
    assert other.error
    [member] = await say(seeded, cast.member, "/stats")
    assert member.error


async def test_articles_are_published_by_admins_and_representatives_not_members(
    cast: Cast, seeded: App
) -> None:
    values = {"title": "Economia", "body": "Crescimento de 2%."}
    [by_member] = await submit(seeded, cast.member, "articles.save", "PT", values)
    assert by_member.error
    [by_rep] = await submit(seeded, cast.representative, "articles.save", "PT", values)
    assert not by_rep.error, by_rep.text
    [listed] = await say(seeded, cast.member, "/articles country:PT")
    assert "Economia" in text_of([listed])
