"""The words every part shares: SIAE types, public keys and their French labels, sector
codes, and the columns of the indicator, data-quality and SIAE tables
(``docs/architecture.md``, "Indicator tables"; ``../shared/docs/definitions.md``). Defined once
here; no I/O.
"""

from __future__ import annotations

#: The five SIAE types, in display order.
TYPES: tuple[str, ...] = ("ACI", "AI", "EI", "ETTI", "EITI")
#: type_siae of the rows covering every type together.
TYPE_ALL = "ALL"
TYPES_WITH_ALL: tuple[str, ...] = (*TYPES, TYPE_ALL)

#: Mesure code (af_mesure_dispositif_code) -> SIAE type (definitions.md, "Type of SIAE"); any
#: other code but an FDI one is an input error.
MESURE_TYPES: dict[str, str] = {
    "ACI_DC": "ACI",
    "ACI_MP": "ACI",
    "ACIPA_DC": "ACI",
    "EI_DC": "EI",
    "EI_MP": "EI",
    "EIPA_DC": "EI",
    "AI_DC": "AI",
    "ETTI_DC": "ETTI",
    "EITI_DC": "EITI",
}

#: Public keys, in display order (definitions.md, "Publics").
PUBLIC_KEYS: tuple[str, ...] = (
    "women",
    "under_26",
    "age_50_plus",
    "rsa",
    "ass",
    "aah",
    "rqth",
    "job_seeker_24m_plus",
    "low_qualification",
    "qpv",
    "qpv_all",
    "job_seeker_12_23m",
    "zrr",
    "education_non_certifiante",
    "education_infra_cap",
    "education_cap_bep",
)

#: French label of each public key: the report, the CLI table and the charts say the same.
PUBLIC_LABELS: dict[str, str] = {
    "women": "Femmes",
    "under_26": "Moins de 26 ans",
    "age_50_plus": "50 ans et plus",
    "rsa": "Bénéficiaires du RSA",
    "ass": "Bénéficiaires de l'ASS",
    "aah": "Bénéficiaires de l'AAH",
    "rqth": "Travailleurs handicapés (RQTH)",
    "job_seeker_24m_plus": "Demandeurs d'emploi de très longue durée (24 mois ou plus)",
    "low_qualification": "Niveau inférieur au baccalauréat",
    "qpv": "Résidents d'un quartier prioritaire (QPV)",
    "qpv_all": "Résidents d'un QPV, parmi tous les salariés",
    "job_seeker_12_23m": "Demandeurs d'emploi de longue durée (12 à 23 mois)",
    "zrr": "Résidents d'une zone de revitalisation rurale (ZRR)",
    "education_non_certifiante": "Formation non certifiante (niveau 00)",
    "education_infra_cap": "Niveau infra CAP (70, ou jamais scolarisé 01)",
    "education_cap_bep": "Niveau CAP-BEP (50, 51)",
}

#: French labels of the flow and exit indicators (indicator table, key figures ``flows`` and
#: ``exits`` blocks; ``../shared/docs/definitions.md``, "Flows" and "Parcours and exits").
FLOW_LABELS: dict[str, str] = {
    "embauches": "Embauches (contrats initiaux)",
    "entrants": "Entrants (personnes embauchées)",
    "renouvellements": "Renouvellements de contrat",
    "salaries_moyenne_mensuelle": "Salariés en moyenne mensuelle",
    "presents_fin_annee": "Salariés présents en décembre",
    "sortants": "Sortants (parcours terminés)",
    "sorties_examinees": "Sorties examinées",
    "duree_parcours_mois_mean": "Durée moyenne des parcours (mois)",
    "duree_parcours_mois_median": "Durée médiane des parcours (mois)",
}
#: French label of each exit category (``exits_by_category``) and rate key (``exit_rate``).
EXIT_LABELS: dict[str, str] = {
    "emploi_durable": "Emploi durable",
    "emploi_transition": "Emploi de transition",
    "sorties_positives": "Sorties positives",
    "autres_sorties": "Autres sorties",
    "retrait": "Retrait des sorties constatées",
    "inconnue": "Catégorie inconnue",
    "sorties_dynamiques": "Sorties dynamiques",
}

#: Sector of the hours whose valid ROME code no prefix of the reference covers.
SECTOR_OTHER = "autres"
#: Sector of the hours with no contract, no ROME code or a malformed one.
SECTOR_MISSING = "non_renseigne"
#: The sectors of the published diagnostic (definitions.md, "Sectors"), then "Autres" and
#: "Non renseigné": ``reference/secteurs.csv`` holds these, and more.
PUBLISHED_SECTORS: tuple[str, ...] = (
    "batiment_tp",
    "nettoyage_hors_sap",
    "espaces_verts",
    "services_aux_personnes",
    "collecte_tri_recyclage",
    "transport_logistique",
    SECTOR_OTHER,
    SECTOR_MISSING,
)

#: Columns of indicators.{parquet,csv}, in order; the first six are the key.
INDICATOR_COLUMNS: list[str] = [
    "indicator",
    "territory_level",
    "territory_code",
    "year",
    "type_siae",
    "breakdown",
    "value",
    "numerator",
    "denominator",
]
INDICATOR_KEYS: list[str] = INDICATOR_COLUMNS[:6]

#: Columns of quality.{parquet,csv}, in order.
QUALITY_COLUMNS: list[str] = [
    "territory_level",
    "territory_code",
    "year",
    "check",
    "breakdown",
    "value",
]

#: French label of each data-quality check (quality table, ``docs/architecture.md``), as the
#: report's quality section shows it: a str, or a dict breakdown -> label for the checks whose
#: breakdown is a unit (``etp``, ``rows``, ``hours``), a public key or a fluxIAE table.
QUALITY_LABELS: dict[str, str | dict[str, str]] = {
    "af_address_fallback": (
        "Annexes financières rattachées au département par l'adresse de la structure "
        "(numéro d'annexe mal formé)"
    ),
    "af_without_departement": "Annexes financières sans département (ni numéro ni adresse)",
    "af_duplicate_tie": (
        "Annexes financières à plusieurs lignes éligibles à égalité (date de fin, avenant), "
        "départagées par le nombre de postes puis le contenu"
    ),
    "af_partial_month": (
        "Annexes financières dont la période d'effet commence ou finit en cours de mois (le "
        "mois entamé compte en entier dans les ETP conventionnés)"
    ),
    "etp_type_default": {
        "etp": "ETP calculés avec la durée annuelle par défaut du type de SIAE",
        "rows": "Lignes d'heures converties en ETP avec la durée annuelle par défaut du type",
    },
    "unknown_rome": {
        "hours": (
            "Heures sans secteur (« Non renseigné » : sans contrat, code ROME absent ou mal formé)"
        ),
        "rows": (
            "Lignes d'heures sans secteur (« Non renseigné » : sans contrat, code ROME absent "
            "ou mal formé)"
        ),
    },
    "emi_exact_duplicate": "États mensuels en double exact (comptés une fois)",
    "emi_dsm_superseded": (
        "États mensuels remplacés par une autre ligne du même identifiant (version, date de "
        "modification ou heures supérieures)"
    ),
    "emi_dsm_tie": (
        "États mensuels d'un même identifiant à égalité de version, de date et d'heures "
        "(départagés par le contenu)"
    ),
    "emi_statement_superseded": (
        "États mensuels d'une version antérieure (même salarié, annexe, contrat et mois)"
    ),
    "persons_without_nir": "Salariés sans NIR valide (comptés par structure et identifiant ASP)",
    "persons_without_contract": (
        "Salariés sans contrat exploitable (hors dénominateurs de tous les publics sauf QPV "
        "parmi tous les salariés)"
    ),
    "persons_without_salarie_row": (
        "Salariés dont le contrat ne renvoie à aucune fiche salarié (hors dénominateurs du "
        "sexe, de l'âge, du QPV et de la ZRR)"
    ),
    "public_unknown_value": {
        k: f"Salariés hors dénominateur, valeur inconnue dans la fiche : {label}"
        for k, label in PUBLIC_LABELS.items()
        if k != "qpv_all"
    },
    "duplicate_rows": {
        "Structure": "Lignes de structure en double (une seule ligne retenue par structure)",
        "ContratMission": "Lignes de contrat en double (une seule ligne retenue par contrat)",
        "Salarie": "Lignes de salarié en double (une seule ligne retenue par salarié)",
    },
    "duplicate_content_rule": {
        "Structure": "Structures en double départagées par le contenu des lignes",
        "ContratMission": "Contrats en double départagés par le contenu des lignes",
        "Salarie": "Salariés en double départagés par le contenu des lignes",
    },
    "contract_address_fallback": (
        "Contrats (embauches et renouvellements) rattachés au département par l'adresse de la "
        "structure (aucun état mensuel compté)"
    ),
    "contract_unknown_type": {
        "mesure": "Contrats dont la mesure ne correspond à aucun type de SIAE (non comptés)",
        "type_contrat": (
            "Contrats dont le type (initial ou renouvellement) est inconnu (ni embauche ni "
            "renouvellement)"
        ),
    },
    "contract_without_hiring_date": (
        "Contrats sans date d'embauche (hors embauches et hors parcours)"
    ),
    "renewal_without_initial": (
        "Parcours commençant par un renouvellement, sans contrat initial (le renouvellement "
        "ouvre le parcours)"
    ),
    "exit_category_unknown": {
        "no_motif": "Sorties de catégorie inconnue : aucun motif de sortie",
        "motif_not_in_reference": (
            "Sorties de catégorie inconnue : motif absent des tables de référence de l'extraction "
            "(ou catégorie non reconnue)"
        ),
        "reference_tables_absent": (
            "Sorties de catégorie inconnue : tables de référence des motifs absentes de "
            "l'extraction"
        ),
    },
    "exit_motif_from_emi": (
        "Sorties dont le motif vient du dernier état mensuel qui en porte un (absent du contrat)"
    ),
    "parcours_address_fallback": (
        "Sorties rattachées au département par l'adresse de la structure (aucun état mensuel "
        "compté)"
    ),
    "parcours_end_before_start": (
        "Sorties dont la date de sortie précède la date d'embauche (jamais examinées)"
    ),
    "rows_quarantined": "Lignes rejetées à l'import",
    "unknown_values": "Valeurs illisibles mises à « inconnu » à l'import",
}


def quality_label(check: str, breakdown: str = "") -> str:
    """French label of a data-quality row (:data:`QUALITY_LABELS`); an unknown check or
    breakdown is shown as it is."""
    label = QUALITY_LABELS.get(check, check)
    if isinstance(label, dict):
        return label.get(breakdown, f"{check} : {breakdown}")
    return f"{label} : {breakdown}" if breakdown else label


def quality_order(check: str, breakdown: str = "") -> tuple[int, int, str, str]:
    """Sort key of a data-quality row: the order of :data:`QUALITY_LABELS`, then of its
    breakdowns (unknown checks and breakdowns last, by name)."""
    checks = list(QUALITY_LABELS)
    i = checks.index(check) if check in checks else len(checks)
    label = QUALITY_LABELS.get(check)
    subs = list(label) if isinstance(label, dict) else []
    j = subs.index(breakdown) if breakdown in subs else len(subs)
    return (i, j, check, breakdown)


#: Columns of siae.parquet (one row per SIAE, year and département), in order.
SIAE_COLUMNS: list[str] = [
    "structure_id_siae",
    "type_siae",
    "year",
    "code_departement",
    "code_commune",
    "denomination",
    "etp_realises",
    "hours",
    "salaries",
    "etp_conventionnes",
]

#: Statistical secrecy (definitions.md; the rules and the decision: :mod:`iae_diag.secrecy`):
#: a count of persons from 1 to 4, or a share over 1 to 4 persons, is not published; a hidden
#: value prints :data:`SECRET_MARK` in tables, is absent from charts and sentences, and is null
#: in the key-figures JSON.
SECRET_MIN_PERSONS = 5
#: Indicators whose value is a share of salariés (their denominator counts persons).
PERSON_SHARE_INDICATORS: tuple[str, ...] = ("public_share", "salaries_share")
SECRET_MARK = "s"
SECRET_NOTE = (
    f"{SECRET_MARK} : secret statistique (moins de {SECRET_MIN_PERSONS} salariés, moins de 3 "
    "structures ou une structure prépondérante, ou valeur qui permettrait de retrouver une "
    "valeur cachée ; voir la méthodologie)."
)
