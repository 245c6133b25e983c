"""Names are listed in the order readers expect: accents and scripts do not push a name to
the end of a list, as code-point order does."""

from __future__ import annotations

from core.i18n import collated, collation_key, country_name, use_locale


def test_accented_names_sort_beside_their_base_letter_not_after_z() -> None:
    names = ["Zoé", "Émile", "Eve", "Ángel", "Anh", "Çelik", "Dang", "Đặng", "Oscar", "Œdipe"]
    assert collated(names, str) == [
        "Ángel", "Anh", "Çelik", "Dang", "Đặng", "Émile", "Eve", "Œdipe", "Oscar", "Zoé",
    ]  # fmt: skip
    assert sorted(names)[-1] == "Œdipe"  # what code-point order would have shown


def test_case_and_accents_only_break_ties() -> None:
    assert collation_key("eve") < collation_key("Eve") < collation_key("Ève") < collation_key("evf")


def test_scripts_keep_their_own_block_latin_then_cyrillic_then_arabic_then_han() -> None:
    names = ["张伟", "محمد", "Иван", "Zoé", "Ana"]
    assert collated(names, str) == ["Ana", "Zoé", "Иван", "محمد", "张伟"]


def test_country_names_are_collated_in_the_readers_language() -> None:
    codes = ["EG", "ES", "AE", "DZ", "EE"]
    with use_locale("fr"):
        ordered = [country_name(c) for c in collated(codes, country_name)]
    # Égypte and Émirats arabes unis sort among the E, not after Z.
    assert ordered == ["Algérie", "Égypte", "Émirats arabes unis", "Espagne", "Estonie"]
