"""The sentences of each section (report/narrative/), exact French, on values written by hand
(the strategy's 2013 Diagnostic gives most of them)."""

import math

from iae_diag import differences as dif
from iae_diag.report.narrative import highlights as hl
from iae_diag.report.narrative import key_figures as kf_text
from iae_diag.report.narrative import offer, publics, sectors, territories

NB = "\u00a0"


# --- offer ----------------------------------------------------------------------------------


def test_type_evolution_sentences_say_the_strategy_trends():
    # the strategy: ETTI 15 -> 23, ACI +38 (a third), EI +8 % (+11), AI -8
    counts = {"ACI": (114, 152), "AI": (86, 78), "EI": (143, 154), "ETTI": (15, 23)}
    assert offer.type_evolution_sentences(2007, 2013, counts) == [
        f"L'augmentation a été la plus forte pour les ETTI, dont le nombre est passé de 15 à "
        f"23 (+53{NB}%).",
        f"Le nombre des ACI a progressé de 33{NB}% (+38 structures) et celui des EI a "
        f"progressé de 8{NB}% (+11).",
        "Les AI sont les seules SIAE dont le nombre a diminué (-8 structures).",
    ]
    two_down = {"ACI": (10, 12), "AI": (9, 8), "EI": (7, 5)}
    assert offer.type_evolution_sentences(2011, 2013, two_down)[-1] == (
        "Le nombre des AI (-1) et des EI (-2) a diminué."
    )
    assert offer.type_evolution_sentences(2013, 2013, counts) == []


def test_structure_mix_and_realisation_outliers():
    by_type = {"ACI": 152, "AI": 78, "EI": 154, "ETTI": 23, "EITI": 0}
    assert offer.structure_mix_sentence(2013, by_type) == (
        f"En 2013, les EI représentent 38{NB}% des SIAE, les ACI 37{NB}%, les AI 19{NB}% et "
        f"les ETTI 6{NB}%."
    )
    assert offer.structure_mix_sentence(2013, {"ACI": 3}) is None
    assert offer.realisation_outliers_sentence(2013, []) == (
        f"En 2013, tous les taux de réalisation publiés sont compris entre 85{NB}% et "
        f"105{NB}% : les ETP réalisés sont proches des ETP conventionnés."
    )
    assert offer.realisation_outliers_sentence(
        2013, [("les ETTI de la Seine-et-Marne", 1.07), ("les AI", 0.8)]
    ) == (
        f"En 2013, le taux de réalisation est au-dessus de 105{NB}% pour les ETTI de la "
        f"Seine-et-Marne (107{NB}%), qui ont réalisé plus d'ETP que leur convention n'en "
        f"prévoyait ; il est en dessous de 85{NB}% pour les AI (80{NB}%), dont une part des "
        "postes conventionnés n'a pas été pourvue."
    )


# --- sectors --------------------------------------------------------------------------------


def test_sectors_paragraph_ranks_identified_sectors_only():
    shares = {
        "Bâtiment-travaux publics": 0.25,
        "Nettoyage hors services aux personnes": 0.15,
        "Espaces verts": 0.12,
        "Services aux personnes": 0.118,
        "Autres": 0.3,
    }
    assert sectors.sectors_paragraph(2013, shares, ("Autres",)) == (
        f"En 2013, 64{NB}% des heures travaillées par les salariés en insertion se concentrent "
        f"dans quatre secteurs d'activité : bâtiment-travaux publics (25{NB}%), nettoyage hors "
        f"services aux personnes (15{NB}%), espaces verts (12{NB}%) et services aux personnes "
        f"(12{NB}%)."
    )
    assert sectors.sectors_paragraph(2013, {"Autres": 1.0}, ("Autres",)) == (
        "Données non disponibles : aucune heure travaillée n'est rattachée à un secteur en 2013."
    )


def test_positioning_of_each_type():
    ei = {"Nettoyage": 0.30, "Collecte-tri": 0.18, "BTP": 0.12, "Autres": 0.4}
    # 30 % then 48 %: two sectors reach 45 % of the hours
    assert sectors.type_positioning_sentence("EI", ei, ("Autres",)) == (
        f"Les EI réalisent 48{NB}% de leurs heures dans deux secteurs : nettoyage (30{NB}%) "
        f"et collecte-tri (18{NB}%)."
    )
    aci = {"Espaces verts": 0.26, "BTP": 0.17, "Transport": 0.11, "Commerce": 0.10}
    assert sectors.dominant_sectors(aci) == [
        ("Espaces verts", 0.26),
        ("BTP", 0.17),
        ("Transport", 0.11),
    ]
    assert sectors.type_positioning_sentence("ETTI", {"BTP": 0.74, "Transport": 0.08}) == (
        f"Les ETTI réalisent 74{NB}% de leurs heures dans un secteur : BTP."
    )
    # a second sector under 10 % is not dominant
    assert sectors.dominant_sectors({"A": 0.30, "B": 0.09}) == [("A", 0.30)]
    assert sectors.type_positioning_sentence("AI", {"Autres": 1.0}, ("Autres",)) is None


def test_type_changes_print_the_table_difference():
    changes = [
        ("Services aux personnes", 0.33, dif.points(0.33, 0.44)),
        ("Bâtiment-travaux publics", 0.10, dif.points(0.10, 0.04)),
        ("Nettoyage hors services aux personnes", 0.25, dif.points(0.25, 0.228)),
        ("Commerce-vente", 0.0941, dif.points(0.0941, 0.0966)),
    ]
    assert sectors.type_changes_sentence("AI", changes, 2009, 2013) == (
        f"AI : services aux personnes -11{NB}points (33{NB}% des heures en 2013) et "
        f"bâtiment-travaux publics +6{NB}points (10{NB}%)."
    )
    stable = [("Commerce-vente", 0.0941, dif.points(0.0941, 0.0966))]
    assert sectors.type_changes_sentence("ACI", stable, 2009, 2013) == (
        "ACI : répartition des heures par secteur stable entre 2009 et 2013 (aucun secteur "
        "ne varie d'un point ou plus)."
    )


# --- publics --------------------------------------------------------------------------------

YEARS = [2007, 2008, 2009, 2010, 2011, 2012, 2013]
WOMEN = [0.476, 0.471, 0.462, 0.450, 0.439, 0.425, 0.420]


def test_constant_trend_since_the_first_year_of_the_run():
    assert publics.constant_since(YEARS, WOMEN) == (2007, -1)
    # up in 2009, then down every year: constant since 2009 (4 moves)
    assert publics.constant_since(YEARS, [0.47, 0.46, 0.48, 0.45, 0.44, 0.43, 0.42]) == (
        2009,
        -1,
    )
    assert publics.constant_since(YEARS, [0.4, 0.4, 0.4, 0.4, 0.4, 0.41, 0.42]) is None
    assert publics.constant_since(YEARS, [None, *WOMEN[1:]]) is None


def test_publics_trend_sentences():
    rows = [
        ("women", "Femmes", WOMEN, dif.points(WOMEN[-1], WOMEN[0])),
        ("age_50_plus", "50 ans et plus", [0.146] * 6 + [0.187], dif.points(0.187, 0.146)),
        ("rsa", "Bénéficiaires du RSA", [0.33] * 7, dif.points(0.331, 0.327)),
        ("qpv_all", "Résidents d'un QPV", [0.3] * 6 + [0.5], dif.points(0.5, 0.3)),
    ]
    assert publics.publics_trend_sentences(YEARS, rows) == [
        f"En baisse constante depuis 2007, la part des femmes s'établit à 42{NB}% en 2013 "
        f"(-6{NB}points depuis 2007).",
        f"Sur la même période, la part des 50 ans et plus progresse de 4{NB}points (19{NB}%).",
        "Les parts des autres publics varient de moins d'un point entre 2007 et 2013.",
    ]
    assert publics.publics_trend_sentences([2013], rows) == []


def test_publics_extremes_between_departements_and_against_the_region():
    rows = [
        ("qpv", "Résidents d'un quartier prioritaire (QPV)", 0.37, {"93": 0.63, "77": 0.24}),
        ("women", "Femmes", 0.42, {"93": 0.38, "77": 0.43}),
        ("qpv_all", "Résidents d'un QPV, parmi tous les salariés", 0.36, {"93": 0.61}),
    ]
    names = {"93": "la Seine-Saint-Denis", "77": "la Seine-et-Marne"}
    assert publics.departement_extremes_sentences(rows, names) == [
        f"La Seine-Saint-Denis compte la plus forte part des résidents d'un quartier "
        f"prioritaire : 63{NB}% de ses salariés en insertion, contre 37{NB}% dans la région."
    ]
    assert publics.departement_extremes_sentences(rows[1:2], names) == [
        "Les publics varient peu d'un département à l'autre : aucune part ne s'écarte de "
        "5 points ou plus de celle de la région."
    ]
    gaps = [
        ("qpv", "Résidents d'un QPV", 0.63, 0.37, dif.points(0.63, 0.37)),
        ("women", "Femmes", 0.38, 0.42, dif.points(0.38, 0.42)),
        ("rsa", "Bénéficiaires du RSA", 0.34, 0.33, dif.points(0.34, 0.33)),
    ]
    assert publics.against_region_sentence("de la Seine-Saint-Denis", gaps) == (
        f"Par rapport à la région, les écarts les plus marqués portent sur la part des "
        f"résidents d'un quartier prioritaire (63{NB}% contre 37{NB}%, +26{NB}points) et celle "
        f"des femmes (38{NB}% contre 42{NB}%, -4{NB}points)."
    )
    assert publics.against_region_sentence("de Paris", gaps[2:]) == (
        "Les publics de Paris sont proches de ceux de la région : aucune part ne s'en écarte "
        "de 3 points ou plus."
    )


# --- territories ----------------------------------------------------------------------------


def test_growth_of_the_departements():
    # the strategy: every département growing except the Seine-et-Marne; 95 and 92 first
    rows = [
        ("Paris", dif.count(86, 81)),
        ("la Seine-et-Marne", dif.count(34, 36)),
        ("les Yvelines", dif.count(30, 27)),
        ("l'Essonne", dif.count(40, 36)),
        ("les Hauts-de-Seine", dif.count(54, 41)),
        ("la Seine-Saint-Denis", dif.count(80, 74)),
        ("le Val-de-Marne", dif.count(40, 36)),
        ("le Val-d'Oise", dif.count(43, 27)),
    ]
    assert territories.growth_sentences(2007, rows) == [
        "Depuis 2007, le nombre de SIAE a augmenté dans tous les départements à l'exception "
        "de la Seine-et-Marne (-2).",
        "Le Val-d'Oise (+16) et les Hauts-de-Seine (+13) sont les départements où il a le "
        "plus progressé.",
    ]
    rows[6] = ("le Val-de-Marne", dif.count(36, 36))
    assert territories.growth_sentences(2007, rows)[0] == (
        "Depuis 2007, le nombre de SIAE a augmenté dans tous les départements à l'exception "
        "de la Seine-et-Marne (-2) et du Val-de-Marne (0)."
    )
    assert territories.largest_sentence(
        [
            (n, v)
            for n, v in [("Paris", 86.0), ("la Seine-Saint-Denis", 80.0), ("les Yvelines", 30.0)]
        ],
        407.0,
    ) == (
        f"Paris (86 SIAE) et la Seine-Saint-Denis (80) regroupent 41{NB}% des SIAE de la région."
    )
    assert territories.coverage_sentence(
        [("Paris", 6.6), ("la Seine-Saint-Denis", 7.5), ("les Yvelines", 4.4)], 5.9
    ) == (
        f"Rapportée à la population, l'offre est la plus dense dans la Seine-Saint-Denis (7,5 "
        f"ETP pour 10{NB}000 habitants, contre 5,9 dans la région) et la plus faible dans les "
        "Yvelines (4,4)."
    )
    assert territories.departement_change_sentence(
        "de la Seine-et-Marne",
        2007,
        dif.relative(34, 36),
        dif.relative(407, 358),
        dif.count(34, 36),
    ) == (
        f"Depuis 2007, le nombre de SIAE de la Seine-et-Marne a diminué de 6{NB}% (-2) ; celui "
        f"de la région est en hausse de 14{NB}%."
    )


# --- key figures ----------------------------------------------------------------------------


def test_rank_and_change_against_the_region():
    assert kf_text.rank(80, [86, 34, 30, 40, 54, 80, 40, 43]) == 2
    assert kf_text.rank(40, [86, 40, 40, 30]) == 2  # ties share the best rank
    assert kf_text.rank(40, [86, None]) is None
    assert kf_text.rank_text(1, 8) == "1er sur 8" and kf_text.rank_text(2, 8) == "2e sur 8"
    changes = [
        ("le nombre de SIAE", "celui des SIAE", dif.relative(80, 79), dif.relative(407, 398)),
        (
            "le nombre de salariés",
            "celui des salariés",
            dif.relative(4127, 4245),
            dif.relative(28202, 27688),
        ),
        (
            "le nombre d'ETP réalisés",
            "celui des ETP réalisés",
            dif.relative(1170, 1207),
            dif.relative(7055, 6927),
        ),
    ]
    assert kf_text.against_region_sentence("de la Seine-Saint-Denis", 2012, changes) == (
        f"Par rapport à 2012, le nombre de SIAE de la Seine-Saint-Denis est en hausse de 1{NB}% "
        f"(région : en hausse de 2{NB}%), celui des salariés et celui des ETP réalisés sont en "
        f"baisse de 3{NB}% (région : en hausse de 2{NB}%)."
    )
    unknown = [("le nombre de SIAE", "celui des SIAE", dif.relative(1, 0), dif.relative(2, 1))]
    assert kf_text.against_region_sentence("de Paris", 2012, unknown) is None


# --- À retenir ------------------------------------------------------------------------------


def test_select_ranks_by_score_with_the_level_first_and_two_per_family():
    cands = [
        hl.Message("publics", 9.0, "femmes"),
        hl.Message("types", 26.7, "ETTI"),
        hl.Message("types", 16.7, "ACI"),
        hl.Message("types", 8.3, "part des ACI"),  # third of its family: left out
        hl.Message("level", math.inf, "niveau"),
        hl.Message("territories", 38.7, "QPV 93"),
        hl.Message("sectors", 13.5, "ETTI BTP"),
        hl.Message("sectors", 8.3, "premier secteur"),
        hl.Message("territories", 12.0, "départements"),
        hl.Message("change", 2.0, "faible"),  # under MIN_SCORE: not needed
    ]
    assert [m.text for m in hl.select(cands)] == [
        "niveau",
        "QPV 93",
        "ETTI",
        "ACI",
        "ETTI BTP",
        "départements",
        "femmes",
    ]
    # few strong candidates: weak ones fill up to five, then a third of a family
    few = [
        hl.Message("level", math.inf, "niveau"),
        hl.Message("types", 20.0, "a"),
        hl.Message("types", 19.0, "b"),
        hl.Message("types", 18.0, "c"),
        hl.Message("change", 1.0, "d"),
    ]
    assert [m.text for m in hl.select(few)] == ["niveau", "a", "b", "d", "c"]
    assert [m.text for m in hl.select(few[:2])] == ["niveau", "a"]
    # same candidates in another order, same page
    assert hl.select(list(reversed(cands))) == hl.select(cands)
