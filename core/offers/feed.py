"""A country's published offers as an Atom feed (RFC 4287), for ``/chapters/{cc}/offers.atom``.

Only what an organisation published: title, organisation, kind, place, description and the
link to apply. Nothing about members (authors, views, reports, alerts) and no contact e-mail,
which may be a person's. The same offers give the same bytes, so the feed can be cached by its
ETag. Labels (kind, sector, country) are in the current locale.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..db.models import Offer, Organisation
from ..i18n import country_name, current_locale
from .domain import OfferState
from .vocabulary import kind_label, sector_label

__all__ = ["ATOM_NS", "country_offers_feed"]

ATOM_NS = "http://www.w3.org/2005/Atom"
TAG = "tag:france-alumni.example,2026"
EPOCH = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)  # "updated" of a feed with no entry
LIMIT = 200


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attributes)
    if text is not None:
        element.text = text
    return element


async def country_offers_feed(
    session: AsyncSession, country_code: str, *, now: dt.datetime, self_url: str = ""
) -> bytes:
    """The open, unexpired offers located in the country, newest first."""
    code = country_code.upper()
    rows = (
        await session.execute(
            select(Offer, Organisation.name)
            .join(Organisation, Organisation.id == Offer.organisation_id)
            .where(
                Offer.country_code == code,
                Offer.state == OfferState.OPEN,
                Offer.expires_at > now,
            )
            .order_by(Offer.published_at.desc(), Offer.id.desc())
            .limit(LIMIT)
        )
    ).all()
    ET.register_namespace("", ATOM_NS)
    feed = ET.Element(
        f"{{{ATOM_NS}}}feed",
        {"{http://www.w3.org/XML/1998/namespace}lang": current_locale().replace("_", "-")},
    )
    _sub(feed, "id", f"{TAG}:offers:{code}")
    _sub(feed, "title", f"France Alumni · {country_name(code)}")
    updated = max((offer.updated_at for offer, _ in rows), default=EPOCH)
    _sub(feed, "updated", _stamp(updated))
    _sub(feed, "author").append(_name("France Alumni"))
    if self_url:
        _sub(feed, "link", rel="self", href=self_url)
    for offer, organisation in rows:
        entry = _sub(feed, "entry")
        _sub(entry, "id", f"{TAG}:offer:{offer.id}")
        _sub(entry, "title", offer.title)
        _sub(entry, "updated", _stamp(offer.updated_at))
        _sub(entry, "published", _stamp(offer.published_at))
        _sub(entry, "author").append(_name(organisation))
        _sub(entry, "category", term=offer.kind.value, label=kind_label(offer.kind))
        if offer.sector:
            _sub(entry, "category", term=offer.sector, label=sector_label(offer.sector))
        if offer.apply_url:
            _sub(entry, "link", rel="alternate", href=offer.apply_url)
        place = ", ".join(
            part for part in (offer.city, country_name(offer.country_code), offer.contract) if part
        )
        summary = " · ".join(part for part in (kind_label(offer.kind), organisation, place) if part)
        _sub(entry, "summary", summary)
        if offer.description:
            _sub(entry, "content", offer.description, type="text")
    return bytes(ET.tostring(feed, encoding="utf-8", xml_declaration=True))


def _name(text: str) -> ET.Element:
    element = ET.Element(f"{{{ATOM_NS}}}name")
    element.text = text
    return element
