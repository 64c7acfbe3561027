"""The text alternatives of the charts and maps: what the image shows and its main finding,
computed from the values drawn (hand-checked), ties broken by the order given."""

from iae_diag import alt_text
from iae_diag.formatting import NBSP, fmt_number


def test_shares_by_type_names_the_largest_shares():
    rows = [("ACI", 0.52, 0.44), ("AI", 0.30, 0.20), ("EI", 0.18, 0.36)]
    assert alt_text.shares_by_type(2013, rows) == (
        "Diagramme en barres des parts des salariés et des ETP par type de SIAE en 2013 : les "
        f"ACI ont la plus grande part des salariés, 52{NBSP}%, et des ETP, 44{NBSP}%."
    )
    rows = [("ACI", 0.30, 0.44), ("AI", 0.52, 0.20), ("EI", None, None)]  # EI: secret
    assert alt_text.shares_by_type(2013, rows).endswith(
        f": les AI emploient la plus grande part des salariés, 52{NBSP}% ; les ACI réalisent "
        f"la plus grande part des ETP, 44{NBSP}%."
    )


def test_etp_by_type_gives_the_largest_and_its_share():
    # 3 120 / (3 120 + 1 500 + 2 480) = 0.439
    rows = [("ACI", 3400.0, 3120.0), ("AI", 1600.0, 1500.0), ("EI", 2500.0, 2480.0)]
    assert alt_text.etp_by_type(2013, rows) == (
        "Diagramme en barres des ETP conventionnés et réalisés par type de SIAE en 2013 : les "
        f"ACI en réalisent le plus, 3{NBSP}120 ETP, soit 44{NBSP}% des ETP du graphique, pour "
        f"3{NBSP}400 ETP conventionnés."
    )


def test_structures_over_time():
    text = alt_text.structures_over_time(2007, 2013, (380, 407), [("ACI", 180), ("AI", 90)])
    assert text == (
        "Courbes du nombre de SIAE par type de 2007 à 2013 : 407 SIAE en 2013 contre 380 en "
        "2007 ; les ACI sont les plus nombreuses en 2013, 180."
    )


def test_publics_first_two_and_ties_in_given_order():
    items = [("Femmes", 0.31), ("Moins de 26 ans", 0.25), ("Bénéficiaires du RSA", 0.31)]
    assert alt_text.publics(2013, items) == (
        "Diagramme en barres des publics des SIAE en 2013, en % des salariés en insertion : la "
        f"part la plus élevée est celle du public « Femmes », 31{NBSP}%, puis « Bénéficiaires "
        f"du RSA », 31{NBSP}%."
    )
    assert alt_text.publics(2013, [("Femmes", None)]).endswith("en insertion.")


def test_publics_over_time_names_the_largest_change():
    series = [("Femmes", 0.30, 0.35), ("Moins de 26 ans", 0.28, 0.20), ("QPV", None, 0.4)]
    assert alt_text.publics_over_time(2007, 2013, series) == (
        "Courbes de l'évolution de 3 publics de 2007 à 2013, en % des salariés en insertion : "
        "le plus fort changement est celui du public « Moins de 26 ans », dont la part diminue "
        f"de 28{NBSP}% à 20{NBSP}% (-8{NBSP}points)."
    )


def test_sectors_leaves_the_unranked_out():
    shares = [("Autres", 0.40), ("Bâtiment", 0.25), ("Services", 0.20)]
    assert alt_text.sectors(2013, shares, ("Autres",)).endswith(
        f": le premier secteur de l'ensemble est « Bâtiment », 25{NBSP}% des heures."
    )


def test_choropleth_highest_lowest_total_and_hidden():
    values = [("Paris (75)", 12.34), ("Yvelines (78)", 4.06), ("Essonne (91)", 7.0)]
    text = alt_text.choropleth(
        "les ETP réalisés pour 10 000 habitants",
        "la région Île-de-France",
        2013,
        values,
        lambda v: fmt_number(v, 1),
        total=("Ensemble de la région", 7.46),
        hidden=1,
    )
    assert text == (
        "Carte des départements de la région Île-de-France selon les ETP réalisés pour 10 000 "
        "habitants, 2013 : valeur la plus élevée, Paris (75) : 12,3 ; la plus faible, "
        "Yvelines (78) : 4,1 ; Ensemble de la région : 7,5 ; 1 département non publié (secret "
        "statistique)."
    )


def test_structures_map():
    text = alt_text.structures_map(
        "Structures de l'IAE par commune, 2013", 407, 120, ("Paris", 95), "Fin."
    )
    assert text == (
        "Carte : structures de l'IAE par commune, 2013. 407 structures placées dans 120 "
        "communes ; Paris en compte le plus, 95. Fin."
    )
