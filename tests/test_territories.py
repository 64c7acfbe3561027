import re

import pandas as pd
import pytest

from iae_diag.errors import ParameterError
from iae_diag.territories import (
    Territory,
    dep_of_commune,
    departements,
    deps_of_region,
    normalize_dep_code,
    parse_territory,
    regions,
)


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("093", "93"),
        ("93", "93"),
        ("02A", "2A"),
        ("2a", "2A"),
        ("971", "971"),
        ("1", "01"),
        ("001", "01"),
        ("", None),
        (None, None),
        ("99", None),
        ("20", None),
    ],
)
def test_normalize_dep_code(raw, expected):
    assert normalize_dep_code(raw) == expected


def test_regions():
    assert deps_of_region("11") == ["75", "77", "78", "91", "92", "93", "94", "95"]
    assert deps_of_region("94") == ["2A", "2B"]
    assert deps_of_region("01") == ["971"]
    with pytest.raises(ParameterError, match="Unknown region code '99'"):
        deps_of_region("99")


def test_dep_of_commune():
    assert dep_of_commune("93066") == "93"
    assert dep_of_commune("2A004") == "2A"
    assert dep_of_commune("97105") == "971"
    assert dep_of_commune("75056") == "75"
    assert dep_of_commune("123") is None


def test_parse_territory():
    t = parse_territory("dep:093")
    assert t == Territory("dep", "93") and t.slug == "dep-93"
    assert t.label() == "Seine-Saint-Denis (93)"
    r = parse_territory("region:11")
    assert r.slug == "region-11" and r.name == "Île-de-France"
    assert parse_territory("france").departements()[:2] == ["01", "02"]
    assert len(parse_territory("france").departements()) == 101
    with pytest.raises(ParameterError, match="expected 'dep:<code>'"):
        parse_territory("93")
    with pytest.raises(ParameterError, match="Unknown département code '20'"):
        parse_territory("dep:20")


def test_names_with_their_article():
    from iae_diag.territories import of_name, with_article

    # INSEE TNCC of the COG 2024 lists (departements-france-cog2024.csv)
    assert of_name("Seine-Saint-Denis", 3) == "de la Seine-Saint-Denis"
    assert of_name("Val-de-Marne", 2) == "du Val-de-Marne"
    assert of_name("Paris", 0) == "de Paris"
    assert of_name("Hauts-de-Seine", 4) == "des Hauts-de-Seine"
    assert of_name("Essonne", 5) == "de l'Essonne"
    assert of_name("Île-de-France", 1, "region") == "d'Île-de-France"
    assert of_name("Orne", 0) == "d'Orne"  # a vowel after "de" takes "d'"
    assert with_article("Seine-Saint-Denis", 3) == "la Seine-Saint-Denis"
    assert with_article("Paris", 0) == "Paris"
    # without the INSEE list: a phrase that needs no article
    assert of_name("Yvelines", None) == "du département Yvelines"
    assert of_name("Bretagne", None, "region") == "de la région Bretagne"
    assert with_article("Yvelines", None) == "Yvelines"


#: names of the referential with their article, preposition and place, written by hand from
#: the INSEE type of name (TNCC) of the COG 2024
HAND_NAMES = [
    ("dep", "75", "Paris", "de Paris", "à Paris"),
    ("dep", "77", "Seine-et-Marne", "de Seine-et-Marne", "en Seine-et-Marne"),
    ("dep", "78", "les Yvelines", "des Yvelines", "dans les Yvelines"),
    ("dep", "91", "l'Essonne", "de l'Essonne", "en Essonne"),
    ("dep", "92", "les Hauts-de-Seine", "des Hauts-de-Seine", "dans les Hauts-de-Seine"),
    ("dep", "93", "la Seine-Saint-Denis", "de la Seine-Saint-Denis", "en Seine-Saint-Denis"),
    ("dep", "94", "le Val-de-Marne", "du Val-de-Marne", "dans le Val-de-Marne"),
    ("dep", "95", "le Val-d'Oise", "du Val-d'Oise", "dans le Val-d'Oise"),
    ("dep", "28", "Eure-et-Loir", "d'Eure-et-Loir", "en Eure-et-Loir"),
    ("dep", "13", "les Bouches-du-Rhône", "des Bouches-du-Rhône", "dans les Bouches-du-Rhône"),
    ("dep", "59", "le Nord", "du Nord", "dans le Nord"),
    ("dep", "2A", "la Corse-du-Sud", "de la Corse-du-Sud", "en Corse-du-Sud"),
    ("dep", "976", "Mayotte", "de Mayotte", "à Mayotte"),
    ("region", "11", "la région Île-de-France", "d'Île-de-France", "en Île-de-France"),
    ("region", "44", "la région Grand Est", "du Grand Est", "dans le Grand Est"),
    (
        "region",
        "32",
        "la région Hauts-de-France",
        "des Hauts-de-France",
        "dans les Hauts-de-France",
    ),
    ("region", "53", "la région Bretagne", "de Bretagne", "en Bretagne"),
]


@pytest.mark.parametrize(("level", "code", "the", "of", "in_"), HAND_NAMES)
def test_territory_names_with_article_and_preposition(level, code, the, of, in_):
    t = Territory(level, code)
    assert (t.the_name(), t.of_name(), t.in_name()) == (the, of, in_)


def test_every_departement_and_region_has_a_french_name():
    """Every département (101) and region (18) of the referential: a type of name, and phrases
    that never read "du département X", "de Le", "de Les" nor "de" before a vowel."""
    deps = [Territory("dep", c) for c in departements()["code_departement"]]
    regs = [Territory("region", c) for c in regions()["code_region"]]
    assert (len(deps), len(regs)) == (101, 18)
    for t in deps + regs:
        assert t.tncc in range(9), t
        of = t.of_name()
        assert of.startswith(("de ", "d'", "du ", "des ", "de la ", "de l'")), of
        assert "département" not in of and "région" not in of, of
        assert not of.startswith(("de Le ", "de Les ", "de le ", "de les ")), of
        assert not re.match(r"de [AEIOUYÀÂÉÈÊÎÏÔÛ]", of), of
        assert t.in_name().startswith(("en ", "dans le ", "dans la ", "dans les ", "à ")), t
    assert {t.tncc for t in deps} == set(range(6))


def test_type_of_name_matches_the_insee_list():
    """The referential's types of name are those of the INSEE COG 2024 lists (when the shared
    geography folder is there)."""
    from iae_diag import config

    folder = config.shared_dir() / "data" / "geo"
    for name, code_col, key in (
        ("departements", "DEP", "code_departement"),
        ("regions", "REG", "code_region"),
    ):
        cog = folder / f"{name}-france-cog2024.csv"
        if not cog.is_file():
            pytest.skip("no shared geography folder")
        insee = pd.read_csv(cog, dtype=str, keep_default_na=False)
        ref = departements() if name == "departements" else regions()
        merged = ref.merge(insee, left_on=key, right_on=code_col, how="left")
        assert merged["TNCC"].notna().all()
        assert list(merged["tncc"]) == list(merged["TNCC"])
