"""Exact French sentences of the narrative (hand-checked against the published style)."""

import pytest

from iae_diag import narrative as n
from iae_diag.report.narrative import offer, publics
from iae_diag.territories import Territory

NB = "\u00a0"


def kf_2013() -> dict:
    """Key figures shaped like the published 2013 Île-de-France diagnostic."""
    return {
        "year": 2013,
        "structures": {
            "total": 407,
            "by_type": {"ACI": 152, "AI": 77, "EI": 154, "ETTI": 24, "EITI": 0},
        },
        "salaries": {
            "total": 28345,
            "by_type": {"ACI": 6000, "AI": 15700, "EI": 2850, "ETTI": 4000, "EITI": 0},
        },
        "etp": {
            "total": 7055.4,
            "by_type": {"ACI": 1975.5, "AI": 2257.7, "EI": 1552.2, "ETTI": 1270.0, "EITI": 0.0},
        },
        "etp_conventionnes": {"total": 7500.0, "by_type": {}},
        "publics": {
            "women": 0.42,
            "under_26": 0.2,
            "age_50_plus": 0.15,
            "rsa": 0.33,
            "ass": None,
            "aah": 0.04,
            "rqth": 0.06,
            "job_seeker_24m_plus": 0.42,
            "low_qualification": 0.7,
            "qpv": 0.37,
        },
        "publics_by_type": {
            "ACI": {"rsa": 0.53, "women": 0.3},
            "AI": {"rsa": 0.25, "women": 0.56},
            "EI": {"rsa": 0.3, "women": 0.35},
            "ETTI": {"rsa": 0.2, "women": 0.1},
            "EITI": {},
        },
    }


def test_key_figures_paragraph_region_11_with_previous_year():
    prev = {
        "year": 2012,
        "structures": {"total": 400},
        "salaries": {"total": 27000},
        "etp": {"total": 7055.0},
    }
    assert n.key_figures_paragraph(kf_2013(), Territory("region", "11"), prev) == (
        f"En 2013, les SIAE franciliennes ont salarié plus de 28{NB}000 personnes, "
        f"correspondant à 7{NB}055 équivalents temps plein d'insertion (ETP). La région "
        f"Île-de-France comptait 407 structures d'insertion par l'activité économique "
        f"(EI{NB}: 154, ACI{NB}: 152, AI{NB}: 77, ETTI{NB}: 24). Les EI et les ACI sont les "
        f"SIAE les plus répandues : elles représentent 75{NB}% de l'offre. Par rapport à "
        f"2012, le nombre de salariés est en hausse de 5{NB}%, celui des ETP stable, celui "
        f"des structures en hausse de 2{NB}%."
    )


def test_key_figures_paragraph_other_region_and_departement():
    bzh = n.key_figures_paragraph(kf_2013(), Territory("region", "53"))
    assert bzh.startswith(
        f"En 2013, les SIAE de la région Bretagne ont salarié plus de 28{NB}000 personnes,"
    )
    assert "La région Bretagne comptait 407 structures" in bzh
    assert "Par rapport" not in bzh
    dep = n.key_figures_paragraph(kf_2013(), Territory("dep", "93"))
    assert dep.startswith("En 2013, les SIAE de la Seine-Saint-Denis (93) ont salarié")
    assert "La Seine-Saint-Denis (93) comptait 407 structures" in dep


@pytest.mark.parametrize(
    ("code", "tncc", "subject", "noun"),
    [  # INSEE types of name (TNCC) of the Île-de-France départements
        ("93", 3, "les SIAE de la Seine-Saint-Denis (93)", "La Seine-Saint-Denis (93)"),
        ("92", 4, "les SIAE des Hauts-de-Seine (92)", "Les Hauts-de-Seine (92)"),
        ("94", 2, "les SIAE du Val-de-Marne (94)", "Le Val-de-Marne (94)"),
        ("91", 5, "les SIAE de l'Essonne (91)", "L'Essonne (91)"),
        ("75", 0, "les SIAE de Paris (75)", "Paris (75)"),
    ],
)
def test_key_figures_paragraph_names_a_departement_with_its_article(code, tncc, subject, noun):
    """Reader review F9: "les SIAE de la Seine-Saint-Denis", not "du département
    Seine-Saint-Denis": the INSEE type of name comes with the territory referential."""
    assert Territory("dep", code).tncc == tncc
    dep = n.key_figures_paragraph(kf_2013(), Territory("dep", code))
    assert dep.startswith(f"En 2013, {subject} ont salarié")
    assert f"{noun} comptait 407 structures" in dep


def test_key_figures_paragraph_without_salaries():
    kf = kf_2013()
    kf["salaries"]["total"] = 0
    assert n.key_figures_paragraph(kf, Territory("dep", "2A")) == (
        "En 2013, aucun salarié en insertion n'est recensé pour ce territoire."
    )


def test_offer_contrast_ai():
    assert offer.offer_contrast_paragraph(kf_2013()) == (
        f"Les AI ont salarié 55{NB}% des personnes en insertion ; leur poids se réduit quand "
        f"il est calculé en nombre d'ETP (32{NB}%). Pour les autres types : les ACI "
        f"(21{NB}% des salariés pour 28{NB}% des ETP), les EI (10{NB}% des salariés pour "
        f"22{NB}% des ETP) et les ETTI (14{NB}% des salariés pour 18{NB}% des ETP)."
    )


def test_offer_contrast_quotes_no_share_over_fewer_than_5_salaries():
    kf = kf_2013()
    kf["salaries"] = {
        "total": 4,
        "by_type": {"ACI": 3, "AI": 1, "EI": 0, "ETTI": 0, "EITI": 0},
    }
    assert offer.offer_contrast_paragraph(kf) == (
        "En 2013, les parts des salariés par type de SIAE ne sont pas publiées : elles "
        "seraient calculées sur moins de 5 salariés (secret statistique)."
    )
    kf["salaries"]["by_type"]["AI"] = 2  # 5 salariés: ACI 3/5, AI 2/5
    assert offer.offer_contrast_paragraph(kf).startswith(
        f"Les ACI ont salarié 60{NB}% des personnes en insertion"
    )


def test_publics_paragraph_under_statistical_secrecy():
    kf = kf_2013()
    kf["salaries"]["total"] = 3
    kf["publics"] = {k: None for k in kf["publics"]}
    assert publics.publics_paragraph(kf) == (
        "En 2013, les parts des publics ne sont pas publiées : elles seraient calculées sur "
        "moins de 5 salariés (secret statistique)."
    )


def test_realisation_sentence():
    assert offer.realisation_sentence(kf_2013()) == (
        f"En 2013, 7{NB}055 ETP ont été réalisés pour 7{NB}500 ETP conventionnés, soit un "
        f"taux de réalisation de 94{NB}%."
    )
    kf = kf_2013()
    kf["etp_conventionnes"]["total"] = 0.0
    assert offer.realisation_sentence(kf) == (
        "Aucun ETP conventionné n'est recensé en 2013 : le taux de réalisation ne peut pas "
        "être calculé."
    )


def test_structures_evolution_sentences():
    assert offer.structures_evolution_sentence(2007, 2013, 358, 407, 193, 144) == (
        f"Entre 2007 et 2013, le nombre de SIAE a progressé de 14{NB}% (193 créations contre "
        "144 fermetures, soit +49 structures)."
    )
    assert offer.structures_evolution_sentence(2007, 2013, 20, 19, None, None) == (
        f"Entre 2007 et 2013, le nombre de SIAE a diminué de 5{NB}% (soit -1 structure)."
    )
    assert offer.structures_evolution_sentence(2010, 2013, 20, 20, 1, 1) == (
        "Entre 2010 et 2013, le nombre de SIAE est resté stable (1 création contre "
        "1 fermeture, soit 0 structure)."
    )
    assert offer.structures_evolution_sentence(2013, 2013, 20, 19, None, None) == (
        "Les données ne couvrent que l'année 2013 : l'évolution du nombre de SIAE ne peut "
        "pas être mesurée."
    )


def test_publics_paragraph():
    assert publics.publics_paragraph(kf_2013()) == (
        f"En 2013, 42{NB}% des salariés en insertion étaient demandeurs d'emploi de très "
        "longue durée (inscrits depuis 24 mois ou plus) avant leur embauche par une SIAE. Les "
        "bénéficiaires "
        f"du RSA représentent 33{NB}% des effectifs d'insertion (53{NB}% dans les ACI). La "
        f"part des femmes s'établit à 42{NB}% ; elle atteint 56{NB}% dans les AI et 10{NB}% "
        "dans les ETTI. Les personnes résidant dans un quartier prioritaire de la politique "
        f"de la ville (QPV) représentent 37{NB}% des salariés en insertion dont l'adresse "
        "est connue."
    )


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (28345, f"plus de 28{NB}000"),
        (7000, f"7{NB}000"),
        (987, "987"),
        (1234, f"plus de 1{NB}200"),
        (7055, f"plus de 7{NB}000"),
    ],
)
def test_approx_count(value, text):
    assert n.approx_count(value) == text


def test_equal_changes_are_said_once():
    kf = kf_2013()
    prev = {
        "year": 2012,
        "structures": {"total": 399},  # 407 / 399: +2.0 %
        "salaries": {"total": 27790},  # 28345 / 27790: +2.0 %
        "etp": {"total": 6917.0},  # 7055.4 / 6917: +2.0 %
    }
    assert n.key_figures_paragraph(kf, Territory("region", "11"), prev).endswith(
        f"Par rapport à 2012, les nombres de salariés, d'ETP et de structures sont tous en "
        f"hausse de 2{NB}%."
    )
    prev["structures"]["total"] = 420  # 407 / 420: -3.1 %
    prev["etp"]["total"] = 6917.0
    assert n.key_figures_paragraph(kf, Territory("region", "11"), prev).endswith(
        f"Par rapport à 2012, le nombre de salariés et celui des ETP sont en hausse de 2{NB}%, "
        f"celui des structures en baisse de 3{NB}%."
    )


def test_change_phrase():
    assert n.change_phrase(103, 100) == f"en hausse de 3{NB}%"
    assert n.change_phrase(88, 100) == f"en baisse de 12{NB}%"
    assert n.change_phrase(100.2, 100) == "stable"
    assert n.change_phrase(1, 0) == "non comparable"
    assert n.change_phrase(1, None) == "non comparable"


def test_join_fr():
    assert n.join_fr([]) == ""
    assert n.join_fr(["a"]) == "a"
    assert n.join_fr(["a", "b", "c"]) == "a, b et c"
