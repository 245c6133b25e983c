"""The member directory: joining, profiles, linking and claiming, search, import, GDPR."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from sqlalchemy import inspect, select

from core.bootstrap import App
from core.chat import Incoming, Reply
from core.clock import FakeClock
from core.db import Base
from core.db.models import ClaimCode, Member, PlatformAccount, SearchTerm
from core.demo.data import DEMO_EMAIL, ZOE_EMAIL
from core.directory.importer import import_members
from core.directory.linking import CLAIM, issue_code
from core.directory.search import edit_distance
from core.domain import Platform
from core.i18n import country_name, gettext, use_locale
from tests.helpers import account_for, names, press, say

ONBOARDING_ANSWERS = [
    "Aïcha Ben Salah",
    "Tunisie",
    "Sfax",
    "Université de Bordeaux",
    "master",
    "Économie",
    "2018",
    "finance",
    "arabe, français, English",
    "fr",
    "yes",
]


async def _telegram(app: App, user: str, text: str, **kw: object) -> list[Reply]:
    return await app.dispatcher.handle(
        Incoming(platform=Platform.TELEGRAM, user_id=user, text=text, **kw)  # type: ignore[arg-type]
    )


async def test_start_walks_a_newcomer_through_onboarding_into_the_directory(seeded: App) -> None:
    intro, question = await _telegram(seeded, "777", "/start", locale="en")
    assert "Welcome to France Alumni" in intro.text
    assert "(1/11)" in question.text
    for answer in ONBOARDING_ANSWERS:
        [last] = await _telegram(seeded, "777", answer, is_message=True)
        assert not last.error, (answer, last.text)
    assert "Welcome to the network, Aïcha Ben Salah!" in last.text
    async with seeded.db.sessions() as session:
        member = await session.scalar(select(Member).where(Member.full_name == "Aïcha Ben Salah"))
    assert member is not None
    assert member.country_code == "TN"
    assert member.languages == ["ar", "fr", "en"]
    assert member.directory_consent
    assert member.consent_at == seeded.clock.now()
    me = await account_for(seeded, DEMO_EMAIL)
    [found] = await say(seeded, me, "/search aicha country:TN")
    assert names([found]) == ["Aïcha Ben Salah"]
    [again] = await _telegram(seeded, "777", "/start")
    assert again.text.startswith("Bienvenue, Aïcha") or "Aïcha Ben Salah" in again.text


async def test_a_wrong_onboarding_answer_is_explained_and_asked_again(seeded: App) -> None:
    await _telegram(seeded, "778", "/start")
    await _telegram(seeded, "778", "Kofi Mensah", is_message=True)
    [problem] = await _telegram(seeded, "778", "Atlantis", is_message=True)
    assert not problem.error  # the country is checked at submission, the text is accepted
    for answer in ONBOARDING_ANSWERS[2:]:
        [last] = await _telegram(seeded, "778", answer, is_message=True)
    assert last.error
    assert "Atlantis" in last.text
    async with seeded.db.sessions() as session:
        assert await session.scalar(select(Member).where(Member.full_name == "Kofi Mensah")) is None


async def test_platforms_with_forms_submit_onboarding_in_one_go(seeded: App) -> None:
    [reply] = await seeded.dispatcher.handle(
        Incoming(platform=Platform.SLACK, workspace="T1", user_id="U1", text="start")
    )
    assert reply.form is not None
    values = dict(zip([f.name for f in reply.form.fields], ONBOARDING_ANSWERS, strict=True))
    values["full_name"] = "Lucía Peña"
    [done] = await seeded.dispatcher.handle(
        Incoming(
            platform=Platform.SLACK,
            workspace="T1",
            user_id="U1",
            action=reply.form.action,
            form_values=values,
        )
    )
    assert "Lucía Peña" in done.text
    [dup] = await seeded.dispatcher.handle(
        Incoming(
            platform=Platform.SLACK,
            workspace="T1",
            user_id="U1",
            action=reply.form.action,
            form_values=values,
        )
    )
    assert dup.error


async def test_link_code_makes_a_second_platform_the_same_member(
    seeded: App, clock: FakeClock
) -> None:
    me = await account_for(seeded, DEMO_EMAIL)
    [reply] = await say(seeded, me, "/link")
    code = reply.text.split()[3].rstrip(".")
    [linked] = await _telegram(seeded, "900", f"/link {code.lower()}")
    assert "linked to your profile" in linked.text or "lié" in linked.text
    [profile] = await _telegram(seeded, "900", "/profile")
    assert profile.cards[0].title == "Ana Beatriz Conceição"
    [reuse] = await _telegram(seeded, "901", f"/link {code}")
    assert reuse.error
    [reply] = await say(seeded, me, "/link")
    late = reply.text.split()[3].rstrip(".")
    clock.advance(dt.timedelta(minutes=16))
    [expired] = await _telegram(seeded, "902", f"/link {late}")
    assert expired.error


async def test_an_account_of_another_member_cannot_be_taken_over(seeded: App) -> None:
    me = await account_for(seeded, DEMO_EMAIL)
    zoe = await account_for(seeded, ZOE_EMAIL, user_id="zoe-console")
    [reply] = await say(seeded, me, "/link")
    code = reply.text.split()[3].rstrip(".")
    [refused] = await say(seeded, zoe, f"/link {code}")
    assert refused.error
    [profile] = await say(seeded, zoe, "/profile")
    assert profile.cards[0].title == "Zoë Nguyễn"


CSV = """\
full_name,email,country,city,institution,degree,field,graduation_year,sector,languages,\
directory_consent
Zoë Nguyễn,zoe.n@example.org,VN,Hà Nội,École polytechnique,master,Physics,2019,aerospace,vi;fr,yes
Jean Caché,jean@example.org,SN,Dakar,,master,Law,2015,law,fr,no
Bad Row,not-an-email,VN,,,,,,,,yes
Bad Year,y@example.org,VN,,,,,20x9,,,yes
Twice,zoe.n@example.org,VN,,,,,,,,yes
"""


async def _import(app: App, text: str = CSV, **kw: object) -> object:
    return await import_members(
        app.db,
        io.StringIO(text),
        "École polytechnique",
        now=app.clock.now(),
        **kw,  # type: ignore[arg-type]
    )


async def test_import_reports_bad_rows_by_line_and_is_idempotent(app: App) -> None:
    first = await _import(app)
    assert first.created == 2  # type: ignore[attr-defined]
    assert [line for line, _ in first.rejected] == [4, 5, 6]  # type: ignore[attr-defined]
    again = await _import(app)
    assert again.created == 0  # type: ignore[attr-defined]
    assert again.unchanged == 2  # type: ignore[attr-defined]
    other = await import_members(app.db, io.StringIO(CSV), "Sciences Po", now=app.clock.now())
    # Jean's row names no institution: the importing one (Sciences Po) is added to his studies;
    # Zoë's row names École polytechnique, which she already has.
    assert (other.created, other.studies_added, other.unchanged) == (0, 1, 1)


async def test_import_without_the_expected_columns_is_refused(app: App) -> None:
    from core.errors import UserError

    with pytest.raises(UserError):
        await _import(app, "name,mail\nA,a@b.org\n")


async def test_a_claimed_import_finds_zoe_and_never_shows_unconsented_rows(app: App) -> None:
    codes = io.StringIO()
    await _import(app, codes_out=codes)
    rows = list(csv_rows(codes.getvalue()))
    code = next(r["claim_code"] for r in rows if r["email"] == "jean@example.org")
    [claimed] = await _telegram(app, "4242", f"/start {code}")
    assert "Jean Caché" in claimed.text
    [found] = await _telegram(app, "4242", "/search zoe nguyen")
    assert "Zoë Nguyễn" in names([found])
    zoe_code = next(r["claim_code"] for r in rows if r["email"] == "zoe.n@example.org")
    await _telegram(app, "4243", f"/start {zoe_code}")
    [hidden] = await _telegram(app, "4243", "/search jean")
    assert "Jean Caché" not in names([hidden])


def csv_rows(text: str) -> list[dict[str, str]]:
    import csv

    return list(csv.DictReader(io.StringIO(text)))


async def test_search_tolerates_typos_prefixes_and_ranks_names_first(seeded: App) -> None:
    me = await account_for(seeded, DEMO_EMAIL)
    for query in ["nguyn zoe", "zoe nguyem", "ngu zo", "ZOE NGUYỄN"]:
        [reply] = await say(seeded, me, f"/search {query}")
        assert names([reply])[0] in {"Zoë Nguyễn"} or "Zoë Nguyễn" in names([reply]), query
    [reply] = await say(seeded, me, '/search zoe city:"ha noi"')
    assert "Zoë Nguyễn" in names([reply])
    [reply] = await say(seeded, me, "/search polytechnique zoe")
    assert names([reply])[0] == "Zoë Nguyễn"


def test_edit_distance_counts_transpositions_as_one() -> None:
    assert edit_distance("nguyen", "nguyne") == 1
    assert edit_distance("nguyn", "nguyen") == 1
    assert edit_distance("zoe", "zoe") == 0
    assert edit_distance("abc", "xyz", limit=2) == 3


async def test_hiding_oneself_leaves_search_at_once(seeded: App) -> None:
    me = await account_for(seeded, DEMO_EMAIL)
    zoe = await account_for(seeded, ZOE_EMAIL, user_id="zoe")
    [profile] = await say(seeded, zoe, "/profile")
    hide = next(b for b in profile.cards[0].buttons if b.action == "directory.visibility")
    await press(seeded, zoe, hide.action, hide.payload)
    [reply] = await say(seeded, me, "/search zoe nguyen")
    assert "Zoë Nguyễn" not in names([reply])
    await say(seeded, zoe, "/profile visibility listed")
    [reply] = await say(seeded, me, "/search zoe nguyen")
    assert "Zoë Nguyễn" in names([reply])


async def test_profile_edit_changes_only_what_was_filled_in(seeded: App) -> None:
    zoe = await account_for(seeded, ZOE_EMAIL, user_id="zoe")
    [edit] = await say(seeded, zoe, "/profile")
    assert edit.cards
    [saved] = await seeded.dispatcher.handle(
        Incoming(
            platform=Platform.CONSOLE,
            user_id=zoe,
            action="directory.save",
            form_values={"city": "Đà Nẵng"},
        )
    )
    fields = {f.name: f.value for f in saved.cards[0].fields}
    with use_locale("vi"):  # Zoë chose Vietnamese
        assert fields[gettext("Lives in")] == f"Đà Nẵng, {country_name('VN')}"
    assert saved.cards[0].title == "Zoë Nguyễn"


def _personal_columns() -> dict[str, list[str]]:
    return {
        table.name: [c.name for c in table.columns if c.info.get("personal")]
        for table in Base.metadata.sorted_tables
        if any(c.info.get("personal") for c in table.columns)
    }


def test_the_schema_marks_personal_data() -> None:
    personal = _personal_columns()
    assert {"full_name", "email", "city", "search_document"} <= set(personal["members"])
    assert {"user_id", "handle"} <= set(personal["platform_accounts"])


async def test_export_holds_every_personal_field(seeded: App) -> None:
    zoe = await account_for(seeded, ZOE_EMAIL, user_id="zoe")
    [reply] = await say(seeded, zoe, "/export")
    data = json.loads(reply.attachments[0].content)
    personal = _personal_columns()
    assert set(personal["members"]) <= set(data["member"])
    assert set(personal["platform_accounts"]) <= set(data["platform_accounts"][0])
    assert data["member"]["full_name"] == "Zoë Nguyễn"
    assert data["education"][0]["institution"] == "École polytechnique"


async def test_erasure_leaves_no_personal_field_and_no_way_back_in(seeded: App) -> None:
    zoe = await account_for(seeded, ZOE_EMAIL, user_id="zoe")
    [confirm] = await say(seeded, zoe, "/erase")
    [button] = confirm.buttons
    async with seeded.db.sessions.begin() as session:
        member_id = await session.scalar(select(Member.id).where(Member.email == ZOE_EMAIL))
        assert member_id is not None
        await issue_code(session, member_id, CLAIM, now=seeded.clock.now())
    [done] = await press(seeded, zoe, button.action, button.payload)
    assert not done.error
    async with seeded.db.sessions() as session:
        member = await session.get(Member, member_id)
        assert member is not None
        for column in _personal_columns()["members"]:
            assert getattr(member, column) in (None, "", []), column
        assert member.erased_at is not None
        assert (
            await session.scalar(
                select(PlatformAccount).where(PlatformAccount.member_id == member_id)
            )
            is None
        )
        assert (
            await session.scalar(select(ClaimCode).where(ClaimCode.member_id == member_id)) is None
        )
        terms = set((await session.scalars(select(SearchTerm.term))).all())
        documents = " ".join((await session.scalars(select(Member.search_document))).all())
        assert all(t in documents for t in terms)  # no word left that only Zoë had
        state = inspect(member)
        assert state is not None
    [after] = await say(seeded, zoe, "/profile")
    assert after.error and "/start" in after.text


async def test_search_shows_each_members_most_recent_study_in_the_page_order(seeded: App) -> None:
    from core.db.models import Education, Organisation
    from core.directory.search import DirectoryQuery, search_members

    async with seeded.db.sessions.begin() as session:
        zoe = await session.scalar(select(Member).where(Member.email == ZOE_EMAIL))
        assert zoe is not None
        older, newer = (await session.scalars(select(Organisation).limit(2))).all()
        session.add_all(
            [
                Education(
                    member_id=zoe.id, institution_id=older.id, field="Old", graduation_year=1990
                ),
                Education(
                    member_id=zoe.id, institution_id=newer.id, field="New", graduation_year=2090
                ),
            ]
        )
    async with seeded.db.sessions() as session:
        page = await search_members(session, DirectoryQuery(text="nguyen"), page_size=3)
    [found] = [r for r in page.results if r.member_id == zoe.id]
    assert (found.school, found.field, found.graduation_year) == (newer.name, "New", 2090)


def test_a_page_cursor_is_short_and_older_cursors_still_open() -> None:
    import base64

    from core.directory.search import Cursor, DirectoryQuery

    plain = DirectoryQuery(text="maria sil.va")
    filtered = DirectoryQuery(text="zoe", country="VN", year=2019)
    for query, cursor in [
        (plain, Cursor(2, 123456, backwards=False, corrected=True)),
        (filtered, Cursor(0, 7, backwards=True)),
    ]:
        assert Cursor.decode(cursor.encode(query, 3)) == (query, cursor, 3)
    assert len(Cursor(2, 123456).encode(plain, 2).encode()) <= 25
    # a cursor written before cursors were made short (its name key is read again)
    old = {"q": {"text": "zoe"}, "s": 1, "k": "zoe nguyen", "i": 42, "p": 2, "b": 1}
    token = base64.urlsafe_b64encode(json.dumps(old).encode()).decode().rstrip("=")
    assert Cursor.decode(token) == (DirectoryQuery(text="zoe"), Cursor(1, 42, True), 2)
    for forged in ["1.2.3.x.zoe", "1.2.3", "a.2.3..zoe", '1.2.3.j.{"nope":1}', "!!"]:
        assert Cursor.decode(forged) is None, forged


async def test_a_search_with_a_next_page_writes_no_button_row(seeded: App) -> None:
    from core.db.models import CallbackToken

    me = await account_for(seeded, DEMO_EMAIL)
    [reply] = await say(seeded, me, "/search sector:digital")
    assert reply.pager is not None and reply.pager.next is not None
    tokens = await seeded.callbacks.issue(reply.all_buttons())
    assert all(token.startswith("s:") for token in tokens.values())
    async with seeded.db.sessions() as session:
        assert (await session.scalars(select(CallbackToken))).all() == []
    [page2] = await press(seeded, me, "search.page", reply.pager.next.payload)
    assert "Page 2" in (page2.pager.label if page2.pager else "")
