"""Declarative column specifications of the five fluxIAE tables read by the ingest.

These are data, not code: :mod:`iae_diag.ingest` interprets them. Each :class:`TableSpec`
says which raw columns are read (by name, in any order), how each is typed and checked, which
columns are personal and never written, and the references to other tables. Repeated keys are
not an ingest matter: every readable row is kept, and the indicators resolve duplicates by
content (definitions v2).

Column kinds (``Col.kind``):

| kind | raw text | processed type | quarantine reasons |
|---|---|---|---|
| ``id`` | digits | int64 (``Int64`` if optional) | ``missing_key``, ``invalid_id`` |
| ``int`` | sign, digits | int64 / ``Int64`` | ``missing_value``, ``invalid_integer`` |
| ``float`` | decimal dot | float64 | ``missing_value``, ``invalid_number`` |
| ``date`` | ``dd/mm/yyyy[ HH:MM:SS]`` | datetime64[ns] | ``invalid_date``, ``implausible_date`` |
| ``code`` | text (stripped) | str | ``missing_value``, ``allowed_reason`` |
| ``str`` | free text (stripped) | str | ``missing_value`` |
| ``bool`` | true/false, OUI/NON, 1/0 (any case) | ``boolean`` | ``invalid_boolean`` |

Ranges (``min``/``max``) give their own reasons (``below_reason``/``above_reason``), e.g.
``negative_hours`` and ``hours_over_744``. An empty field is null; ``required`` makes it a
row-level fault.

Only a **critical** column (``critical=True``: the keys, the row's period, the hours, the
mesure; definitions v2, "Bad optional values") quarantines a row whose value is unusable, with
the reasons above. A bad value in any other column is set to null (unknown) and counted per
column in the manifest (``unknown_values``); the row is kept. A code outside ``allowed`` or not
matching ``pattern`` gets ``allowed_reason``.

A column with ``in_header=False`` may be absent from the file (it is then written as an
all-null column); every other listed column must be in the header (file-level fault
otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass

from iae_diag.vocabulary import MESURE_TYPES

#: Mesure (dispositif) codes known in the ASP referentials (fluxiae-format.md 3.2): those of
#: the five SIAE types, and FDI (not an SIAE: its annexes are not counted).
MESURE_CODES = (*MESURE_TYPES, "FDI_DC")

#: Plausible calendar years for any date or year of the fluxIAE (ASP extranet records go back
#: to the 1990s at most; birth years are checked separately).
YEAR_MIN, YEAR_MAX = 1990, 2100
#: Plausible birth years.
BIRTH_YEAR_MIN, BIRTH_YEAR_MAX = 1900, 2100
#: Any date before 1900 or after 2100 is a typing error (e.g. ``01/01/0213``).
DATE_YEAR_MIN, DATE_YEAR_MAX = 1900, 2100

#: Registration duration at France Travail (ex-Pôle emploi): ASP labels (upper case, accents
#: removed, spaces collapsed) -> code "0".."4" (les-emplois ref_duree_allocation_emploi_v2).
PE_DUREE_LABELS = {
    "NON": "0",
    "MOINS DE 6 MOIS": "1",
    "DE 6 A 11 MOIS": "2",
    "DE 12 A 23 MOIS": "3",
    "24 MOIS ET PLUS": "4",
}
PE_DUREE_CODES = ("0", "1", "2", "3", "4")


@dataclass(frozen=True)
class Col:
    """One raw column read by the ingest.

    ``normalize`` names a normalisation applied before the checks: ``pad2`` (left-pad with
    zeros to 2 characters: ``"0"`` -> ``"00"``), ``upper``, ``pe_duree`` (labels ->
    ``"0".."4"``), ``dep`` (département code in COG form: ``"093"`` -> ``"93"``).
    ``output=False`` marks a column read only to derive another one (never written).
    ``critical`` columns (keys, the row's period, the hours, the mesure) quarantine a row whose
    value is unusable; a bad value elsewhere is nulled and counted. ``required`` (an empty
    value is a fault) only makes sense on a critical column. ``pattern``: a regular
    expression the (normalised) value must match, else ``allowed_reason``.
    """

    name: str
    kind: str
    required: bool = False
    allowed: tuple[str, ...] | None = None
    allowed_reason: str = "unknown_code"
    min: float | None = None
    max: float | None = None
    below_reason: str = "out_of_range"
    above_reason: str = "out_of_range"
    normalize: str | None = None
    in_header: bool = True
    output: bool = True
    personal: bool = False
    critical: bool = False
    pattern: str | None = None

    def __post_init__(self) -> None:
        if self.required and not self.critical:
            raise ValueError(f"column {self.name}: a required column must be critical")


@dataclass(frozen=True)
class Reference:
    """``column`` must be a value of ``target_column`` in the kept rows of ``target_table``."""

    column: str
    target_table: str
    target_column: str
    reason: str


@dataclass(frozen=True)
class TableSpec:
    table: str
    output: str
    columns: tuple[Col, ...]
    #: the column identifying a row in quarantine.csv (a technical id, never personal)
    record_id: str
    references: tuple[Reference, ...] = ()
    #: (start column, end column, reason): the end must not precede the start
    date_order: tuple[tuple[str, str, str], ...] = ()
    #: raw column holding the NIR, turned into ``person_key`` (keyed hash, HMAC-SHA-256)
    nir_column: str | None = None
    #: column holding the civility, whose sex is compared between rows sharing a NIR
    sex_column: str | None = None
    #: raw column holding the full birth date, turned into ``salarie_annee_naissance``
    birth_date_column: str | None = None
    #: personal raw columns: never read into the output, never shown in quarantine.csv
    personal_columns: tuple[str, ...] = ()

    def col(self, name: str) -> Col:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


def _id(name: str, required: bool = True, **kw) -> Col:
    """A technical id: a key, so critical (an unusable value quarantines the row)."""
    return Col(name, "id", required=required, critical=True, **kw)


#: INSEE commune code (COG): 5 digits, or 2A/2B and 3 digits in Corsica.
INSEE_PATTERN = r"^([0-9]{5}|2[AB][0-9]{3})$"
#: ROME code: a letter and 4 digits (``N1105``).
ROME_PATTERN = r"^[A-Z][0-9]{4}$"
#: Département code after normalisation (``"93"``, ``"2A"``, ``"971"``).
DEP_PATTERN = r"^([0-9]{2,3}|2[AB])$"


def _insee(name: str, **kw) -> Col:
    return Col(
        name,
        "code",
        normalize="upper",
        pattern=INSEE_PATTERN,
        allowed_reason="invalid_insee_code",
        **kw,
    )


HOURS = {
    "min": 0.0,
    "max": 744.0,
    "below_reason": "negative_hours",
    "above_reason": "hours_over_744",
}

STRUCTURE = TableSpec(
    table="Structure",
    output="structure.parquet",
    record_id="structure_id_siae",
    columns=(
        _id("structure_id_siae"),
        Col("structure_siret_signature", "code"),
        Col("structure_siret_actualise", "code"),
        Col("structure_denomination", "str"),
        Col("structure_categorie_juridique_code", "code"),
        Col("structure_code_naf", "code"),
        Col("structure_idcc_code", "code", in_header=False),
        Col("structure_adresse_admin_cp", "code"),
        Col("structure_adresse_admin_commune", "str"),
        _insee("structure_adresse_admin_code_insee"),
        Col("structure_adresse_gestion_cp", "code", in_header=False),
        Col("structure_adresse_gestion_commune", "str", in_header=False),
        _insee("structure_adresse_gestion_code_insee"),
        Col("structure_date_creation", "date"),
        Col("structure_date_modification", "date", in_header=False),
    ),
    personal_columns=(
        "structure_adresse_admin_numero_apt",
        "structure_adresse_admin_entree",
        "structure_adresse_admin_numero",
        "structure_adresse_admin_cplt_num_voie",
        "structure_adresse_admin_type_voie",
        "structure_adresse_admin_nom_voie",
        "structure_adresse_admin_cplt_adresse",
        "structure_adresse_admin_telephone",
        "structure_adresse_gestion_numero_apt",
        "structure_adresse_gestion_entree",
        "structure_adresse_gestion_numero",
        "structure_adresse_gestion_cplt_num_voie",
        "structure_adresse_gestion_type_voie",
        "structure_adresse_gestion_nom_voie",
        "structure_adresse_gestion_cplt_adresse",
        "structure_adresse_gestion_telephone",
        "structure_identifiant_corresp_technique",
        "structure_adresse_mail_corresp_technique",
        "structure_adresse_nom_corresp_technique",
        "structure_adresse_prenom_corresp_technique",
    ),
)

ANNEXE_FINANCIERE = TableSpec(
    table="AnnexeFinanciere",
    output="annexe_financiere.parquet",
    record_id="af_id_avenant_modification",
    date_order=(("af_date_debut_effet", "af_date_fin_effet", "end_before_start"),),
    columns=(
        _id("af_id_annexe_financiere"),
        _id("af_id_avenant_modification"),
        _id("af_id_structure"),
        Col(
            "af_mesure_dispositif_code",
            "code",
            required=True,
            critical=True,
            allowed=MESURE_CODES,
            allowed_reason="unknown_mesure_code",
            normalize="upper",
        ),
        Col("af_numero_convention", "code", in_header=False),
        Col("af_numero_annexe_financiere", "code"),
        Col("af_numero_avenant_renouvellement", "int"),
        Col("af_numero_avenant_modification", "int"),
        Col("af_etat_annexe_financiere_code", "code", normalize="upper"),
        Col("af_date_debut_effet", "date", required=True, critical=True),
        Col("af_date_fin_effet", "date", required=True, critical=True),
        Col("af_etp_postes_insertion", "float", min=0.0),
        Col("af_duree_heure_annuel_etp_valeur", "float", min=0.0),
        Col("af_montant_unitaire_annuel_valeur", "float", in_header=False),
        Col("af_montant_total_annuel", "float", in_header=False),
        Col("af_mt_cofinance", "float", in_header=False),
        Col("af_id_financeur_code", "code", in_header=False),
        Col("af_nb_prev_sorties", "float", in_header=False),
        Col("af_taux_prev_sorties_dynamiques", "float", in_header=False),
        Col("af_taux_prev_sorties_durable", "float", in_header=False),
        Col("af_taux_prev_sorties_trans", "float", in_header=False),
        Col("af_taux_prev_sorties_positives", "float", in_header=False),
        Col("af_motif_rejet_code", "code"),
        Col("af_date_signature", "date", in_header=False),
    ),
)

ETAT_MENSUEL_INDIV = TableSpec(
    table="EtatMensuelIndiv",
    output="etat_mensuel_indiv.parquet",
    record_id="emi_dsm_id",
    references=(
        Reference(
            "emi_afi_id",
            "AnnexeFinanciere",
            "af_id_annexe_financiere",
            "unknown_annexe_financiere",
        ),
    ),
    columns=(
        _id("emi_dsm_id"),
        _id("emi_afi_id"),
        _id("emi_pph_id"),
        _id("emi_ctr_id", required=False),  # part of the statement key: bad -> quarantine
        Col(
            "emi_sme_annee",
            "int",
            required=True,
            critical=True,
            min=YEAR_MIN,
            max=YEAR_MAX,
            below_reason="implausible_year",
            above_reason="implausible_year",
        ),
        Col(
            "emi_sme_mois",
            "int",
            required=True,
            critical=True,
            min=1,
            max=12,
            below_reason="month_out_of_range",
            above_reason="month_out_of_range",
        ),
        Col("emi_sme_version", "int"),
        Col("emi_esm_etat_code", "code", normalize="upper"),
        Col("emi_nb_heures_travail", "float", required=True, critical=True, **HOURS),
        Col("emi_nb_heures_facturees", "float", in_header=False, **HOURS),
        Col("emi_part_etp", "float", in_header=False, min=0.0, below_reason="negative_etp"),
        Col("emi_date_modification", "date", in_header=False),
        Col("emi_date_fin_reelle", "date"),
        Col("emi_motif_sortie_id", "code", in_header=False),
        Col("emi_motif_sortie_code", "code"),
        Col("emi_salarie_tjs_accomp", "bool", in_header=False),
    ),
)

CONTRAT_MISSION = TableSpec(
    table="ContratMission",
    output="contrat_mission.parquet",
    record_id="contrat_id_ctr",
    columns=(
        _id("contrat_id_ctr"),
        _id("contrat_id_pph"),
        _id("contrat_id_structure"),
        Col(
            "contrat_mesure_disp_code",
            "code",
            allowed=MESURE_CODES,
            allowed_reason="unknown_mesure_code",
            normalize="upper",
        ),
        Col("contrat_date_modification", "date", in_header=False),
        Col("contrat_date_embauche", "date"),
        Col("contrat_date_fin_contrat", "date"),
        Col("contrat_date_sortie_definitive", "date"),
        Col("contrat_type_contrat", "int", min=0),
        Col("contrat_duree_contrat", "float", in_header=False),
        Col("contrat_format_contrat_code", "code", in_header=False),
        Col(
            "contrat_code_rome",
            "code",
            normalize="upper",
            pattern=ROME_PATTERN,
            allowed_reason="invalid_rome_code",
        ),
        Col("contrat_motif_sortie_id", "code", in_header=False),
        Col("contrat_motif_sortie_code", "code"),
        Col("contrat_orienteur_code", "code", in_header=False),
        Col("contrat_type_employeur_code", "code", in_header=False),
        Col("contrat_niveau_de_formation_code", "code", normalize="pad2"),
        Col(
            "contrat_salarie_pe_duree_code",
            "code",
            normalize="pe_duree",
            allowed=PE_DUREE_CODES,
            allowed_reason="unknown_pe_duree_code",
        ),
        Col(
            "contrat_salarie_rsa",
            "code",
            normalize="upper",
            allowed=("NON", "OUI-M", "OUI-NM"),
            allowed_reason="unknown_rsa_code",
        ),
        Col("contrat_salarie_ass", "bool"),
        Col("contrat_salarie_aah", "bool"),
        Col("contrat_salarie_are", "bool", in_header=False),
        Col("contrat_salarie_rqth", "bool"),
        Col("contrat_salarie_is_zrr", "bool", in_header=False),
    ),
    personal_columns=("contrat_commune", "contrat_codepostalcedex"),
)

SALARIE = TableSpec(
    table="Salarie",
    output="salarie.parquet",
    record_id="salarie_id",
    nir_column="salarie_nir",
    sex_column="salarie_rci_libelle",
    birth_date_column="salarie_date_naissance",
    columns=(
        _id("salarie_id"),
        Col("salarie_nir", "str", output=False, personal=True),
        Col("salarie_date_naissance", "str", output=False, personal=True),
        Col("salarie_date_modification", "date", in_header=False),
        Col("salarie_rci_libelle", "code", normalize="upper"),
        _insee("salarie_codeinseecom"),
        Col(
            "salarie_code_dpt",
            "code",
            normalize="dep",
            pattern=DEP_PATTERN,
            allowed_reason="invalid_departement_code",
        ),
        Col(
            "salarie_adr_qpv_type",
            "code",
            normalize="upper",
            allowed=("QP", "NQP"),
            allowed_reason="unknown_qpv_type",
        ),
        Col("salarie_adr_is_zrr", "bool", in_header=False),
    ),
    personal_columns=(
        "salarie_nir",
        "salarie_date_naissance",
        "salarie_nom_usage",
        "salarie_prenom",
        "salarie_agrement",
        "salarie_adr_numero_voie",
        "salarie_codetypevoie",
        "salarie_adr_libelle_voie",
        "salarie_codepostalcedex",
        "salarie_commune",
        "salarie_adr_qpv_nom",
    ),
)

#: Processing order: the AF comes before the monthly states that reference it.
TABLES: tuple[TableSpec, ...] = (
    STRUCTURE,
    ANNEXE_FINANCIERE,
    ETAT_MENSUEL_INDIV,
    CONTRAT_MISSION,
    SALARIE,
)

#: The exit reference tables (fluxiae-format.md 3.7, 4.6): optional, read when present (their
#: absence is logged, not an error). A category comes before the motives that point to it.
REF_CATEGORIE_SORT = TableSpec(
    table="RefCategorieSort",
    output="ref_categorie_sort.parquet",
    record_id="rcs_id",
    columns=(
        Col("rcs_id", "code", required=True, critical=True),
        Col("rcs_code", "code", normalize="upper"),
        Col("rcs_libelle", "str"),
    ),
)
REF_MOTIF_SORT = TableSpec(
    table="RefMotifSort",
    output="ref_motif_sort.parquet",
    record_id="rms_id",
    columns=(
        Col("rms_id", "code", required=True, critical=True),
        Col("rms_code", "code", normalize="upper"),
        Col("rms_libelle", "str"),
        Col("rcs_id", "code"),
    ),
)
OPTIONAL_TABLES: tuple[TableSpec, ...] = (REF_CATEGORIE_SORT, REF_MOTIF_SORT)
SPECS = {t.table: t for t in (*TABLES, *OPTIONAL_TABLES)}

#: Columns derived by the ingest (not in the raw files).
DERIVED_COLUMNS = {
    "Salarie": ("person_key", "salarie_annee_naissance"),
}

#: Strings read as booleans (compared upper-cased, stripped).
TRUE_VALUES = ("TRUE", "OUI", "1", "O", "VRAI")
FALSE_VALUES = ("FALSE", "NON", "0", "N", "FAUX")

#: Marker of the synthetic dataset: ``iae-diag synth`` writes it as the second field of the
#: ``DEB`` line of every table file (``DEBSalarie15012014_060000|<marker>|||...``, same number of
#: fields as the header). The DEB line is a framing line, never data, so readers of the real
#: format skip it; a real ASP export never carries the marker, and a renamed, copied or
#: re-compressed file keeps it.
SYNTHETIC_MARKER = "SYNTHETIC-DATA-IAE-DIAG-SYNTH"

#: Every fluxIAE table name is ``fluxIAE_<Table>_<ddmmyyyy>_<hhmmss>.csv[.gz]``.
FILE_PATTERN = (
    r"^fluxIAE_(?P<table>[A-Za-z0-9]+)_(?P<day>\d{8})_(?P<time>\d{6})\.csv(?P<gz>\.gz)?$"
)

__all__ = [
    "Col",
    "Reference",
    "TableSpec",
    "TABLES",
    "OPTIONAL_TABLES",
    "SPECS",
    "MESURE_CODES",
    "PE_DUREE_LABELS",
]
