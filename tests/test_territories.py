import pytest

from iae_diag.errors import ParameterError
from iae_diag.territories import (
    Territory,
    dep_of_commune,
    deps_of_region,
    normalize_dep_code,
    parse_territory,
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
