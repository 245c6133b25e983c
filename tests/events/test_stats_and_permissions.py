"""Figures for admins only; articles by admins and representatives, not by members."""

from __future__ import annotations

import struct

from core.bootstrap import App
from core.events.stats import ChartPanel, chart_png
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


async def test_stats_come_with_a_png_chart_of_four_panels(cast: Cast, seeded: App) -> None:
    [figures] = await say(seeded, cast.country_admin, "/stats")
    [chart] = figures.attachments
    assert (chart.filename, chart.mime_type) == ("stats.png", "image/png")
    assert chart.content.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", chart.content[16:24])  # the IHDR chunk
    assert (width, height) == (1100, 750)


def test_the_chart_draws_every_panel_it_is_given_and_hides_the_rest() -> None:
    one = chart_png("Figures", [ChartPanel("Members by city", [("Lisboa", 4), ("Porto", 1)])])
    four = chart_png(
        "Figures",
        [ChartPanel(t, [("a", 1), ("b", 2)], horizontal=i != 2) for i, t in enumerate("ABCD")],
    )
    assert one is not None and four is not None
    assert one != four  # three empty quarters against four drawn ones


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
