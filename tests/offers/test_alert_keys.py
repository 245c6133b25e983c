"""The index's promise, without a database: an alert matches an offer exactly when its
``match_key`` is one of the offer's keys, its ``match_word`` is "" or one of the offer's
words, and its other words are among the offer's too."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from core.domain import fold
from core.offers.alerts import AlertCriteria, alert_index, offer_keys, offer_words
from core.offers.domain import OfferKind

KINDS = [k.value for k in OfferKind]
WORDS = ["analyst", "data", "ingénieur", "ingenieur", "python", "finance", "stage", "lyon"]

criteria = st.builds(
    AlertCriteria,
    kind=st.none() | st.sampled_from(KINDS),
    country=st.none() | st.sampled_from(["FR", "MA", "BR"]),
    sector=st.none() | st.sampled_from(["finance", "energy", "public sector"]),
    language=st.none() | st.sampled_from(["fr", "en", "es"]),
    text=st.lists(st.sampled_from(WORDS), max_size=4).map(" ".join),
)
offers = st.tuples(
    st.sampled_from(KINDS),
    st.sampled_from(["FR", "MA", "BR"]),
    st.none() | st.sampled_from(["finance", "energy", "public sector"]),
    st.lists(st.sampled_from(["fr", "en", "es"]), max_size=2, unique=True),
    st.lists(st.sampled_from(WORDS), min_size=1, max_size=6).map(" ".join),
)


def _matches(alert: AlertCriteria, offer: tuple[str, str, str | None, list[str], str]) -> bool:
    """The rule as a member reads it: every criterion the alert sets, the offer meets."""
    kind, country, sector, languages, text = offer
    return (
        alert.kind in (None, kind)
        and alert.country in (None, country)
        and alert.sector in (None, sector)
        and (alert.language is None or alert.language in languages)
        and all(t in offer_words(fold(text)) for t in alert.terms)
    )


@given(criteria, offers)
def test_the_index_keys_and_words_find_exactly_the_matching_alerts(
    alert: AlertCriteria, offer: tuple[str, str, str | None, list[str], str]
) -> None:
    kind, country, sector, languages, text = offer
    key, word = alert_index(alert)
    words = offer_words(fold(text))  # an offer's search document is folded
    found = (
        key in offer_keys(kind, country, sector, languages)
        and (word == "" or word in words)
        and all(t in words for t in alert.terms)
    )
    assert found == _matches(alert, offer)
