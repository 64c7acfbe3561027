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
    "job_seeker_24m_plus": "Demandeurs d'emploi depuis 24 mois ou plus",
    "low_qualification": "Niveau inférieur au baccalauréat",
    "qpv": "Résidents d'un quartier prioritaire (QPV)",
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
