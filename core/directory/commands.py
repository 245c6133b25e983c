"""Directory commands: /search."""

from __future__ import annotations

from ..chat.builtin import RESERVED
from ..chat.commands import Arguments, Command, CommandRegistry, Param, ParamKind, Permission
from ..chat.context import CommandContext
from ..chat.replies import Button, Card, Field, Pager, Reply
from ..errors import UserError
from ..i18n import N_, country_name, gettext
from .search import Cursor, DirectoryQuery, SearchPage, search_members

__all__ = ["register"]

SEARCH_OPTIONS = (
    Param(
        "country",
        N_("Country of residence (name or code)"),
        kind=ParamKind.COUNTRY,
        autocomplete="country",
    ),
    Param("city", N_("City of residence"), max_length=120),
    Param("school", N_("French institution attended"), max_length=120, autocomplete="school"),
    Param("field", N_("Field of study"), max_length=120),
    Param("sector", N_("Sector of activity"), max_length=80, autocomplete="sector"),
    Param("year", N_("Graduation year"), kind=ParamKind.INTEGER, min_value=1900, max_value=2100),
)


async def search_command(ctx: CommandContext, args: Arguments) -> Reply:
    query = DirectoryQuery(
        text=args.get("query", ""),
        country=args["country"],
        city=args["city"],
        school=args["school"],
        field=args["field"],
        sector=args["sector"],
        year=args["year"],
    )
    if not query.to_json():
        raise UserError("Tell me who to look for, for example: /search Marie country:BR year:2019")
    return await _search_reply(ctx, query, None, 1)


async def search_page_action(ctx: CommandContext, payload: str, _values: dict[str, str]) -> Reply:
    decoded = Cursor.decode(payload)
    if decoded is None:
        raise UserError("This button is no longer valid. Send the command again.")
    query, cursor, page = decoded
    return await _search_reply(ctx, query, cursor, page)


async def _search_reply(
    ctx: CommandContext, query: DirectoryQuery, cursor: Cursor | None, page: int
) -> Reply:
    async with ctx.app.db.sessions() as session:
        result: SearchPage = await search_members(session, query, cursor)
    if not result.results:
        return Reply(text=gettext("No member matches this search."))
    cards = tuple(
        Card(
            title=r.full_name,
            subtitle=", ".join(
                part
                for part in (r.city, country_name(r.country_code) if r.country_code else None)
                if part
            ),
            fields=tuple(
                f
                for f in (
                    Field(
                        gettext("School"),
                        f"{r.school} ({r.graduation_year})" if r.graduation_year else r.school,
                    )
                    if r.school
                    else None,
                    Field(gettext("Field"), r.field) if r.field else None,
                    Field(gettext("Sector"), r.sector) if r.sector else None,
                )
                if f is not None
            ),
        )
        for r in result.results
    )
    pager = Pager(
        label=gettext("Page {page}", page=page),
        previous=Button(
            gettext("Previous"),
            action="search.page",
            payload=result.previous.encode(query, page - 1),
        )
        if result.previous
        else None,
        next=Button(
            gettext("Next"), action="search.page", payload=result.next.encode(query, page + 1)
        )
        if result.next
        else None,
    )
    return Reply(text=gettext("Members matching your search:"), cards=cards, pager=pager)


def register(registry: CommandRegistry) -> None:
    registry.add(
        Command(
            name="search",
            help=RESERVED["search"][0],
            handler=search_command,
            permission=Permission.MEMBER,
            params=(Param("query", N_("Names to look for"), kind=ParamKind.TEXT, max_length=200),),
            options=SEARCH_OPTIONS,
        )
    )
    registry.action("search.page")(search_page_action)
