"""Small fluxIAE fixtures for the indicator tests, in the raw export's column names.

``dataset(...)`` collects rows per table; ``processed(ds, tmp_path)`` turns them into
:class:`iae_diag.processed.ProcessedData`: through real-format files
(``fluxiae_writer.write_table``) and ``iae_diag.ingest.ingest`` when the ingest module is
available, otherwise by the documented raw -> processed conversion (``to_processed``).
"""

from __future__ import annotations

import hashlib
import hmac
import importlib.util
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from iae_diag.processed import ProcessedData, load_processed

#: the key of the NIR hash (at least 32 characters: the fixtures are real-format data)
SALT = "test-key-of-the-nir-hash-0123456789abcdef"
PREFIX = {
    "ACI_DC": "ACI",
    "ACI_MP": "ACI",
    "AI_DC": "AI",
    "EI_DC": "EI",
    "EI_MP": "EI",
    "ETTI_DC": "ETTI",
    "EITI_DC": "EITI",
    "FDI_DC": "FDI",
    "ACIPA_DC": "ACI",
    "EIPA_DC": "EI",
}


def nir(n: int, woman: bool = True) -> str:
    """A syntactically valid NIR (13 digits + 2-digit key), different for each n."""
    body = f"{2 if woman else 1}80017510{n % 10**4:04d}"[:13].ljust(13, "0")
    key = 97 - int(body) % 97
    return f"{body}{key:02d}"


def structure(sid: int, insee: str = "93066", name: str | None = None) -> dict:
    return {
        "structure_id_siae": sid,
        "structure_siret_signature": f"{sid:014d}",
        "structure_siret_actualise": f"{sid:014d}",
        "structure_denomination": name or f"SIAE {sid}",
        "structure_categorie_juridique_code": "9220",
        "structure_code_naf": "8899B",
        "structure_adresse_admin_cp": "93200",
        "structure_adresse_admin_commune": "SAINT-DENIS",
        "structure_adresse_admin_code_insee": insee,
        "structure_adresse_gestion_code_insee": insee,
        "structure_date_creation": "01/02/2006",
    }


def af(
    af_id: int,
    sid: int,
    mesure: str = "ACI_DC",
    dep: str = "093",
    numero: str | None = None,
    etat: str = "VALIDE",
    debut: str = "01/01/2013",
    fin: str = "31/12/2013",
    etp: float = 12.0,
    hours_etp: float | None = 1820.0,
    modif: int = 0,
    motif: str = "",
    avenant_id: int | None = None,
) -> dict:
    return {
        "af_id_annexe_financiere": af_id,
        "af_id_avenant_modification": avenant_id if avenant_id is not None else af_id * 10 + modif,
        "af_id_structure": sid,
        "af_mesure_dispositif_code": mesure,
        "af_numero_annexe_financiere": numero or f"{PREFIX[mesure]}{dep}13{af_id % 10000:04d}",
        "af_numero_avenant_renouvellement": 0,
        "af_numero_avenant_modification": modif,
        "af_etat_annexe_financiere_code": etat,
        "af_date_debut_effet": debut,
        "af_date_fin_effet": fin,
        "af_etp_postes_insertion": etp,
        "af_duree_heure_annuel_etp_valeur": hours_etp,
        "af_motif_rejet_code": motif,
    }


def emi(
    dsm: int,
    afi: int,
    pph: int,
    ctr: int | None,
    year: int,
    month: int,
    hours: float,
    version: int = 1,
    motif: str | None = None,
) -> dict:
    return {
        "emi_dsm_id": dsm,
        "emi_afi_id": afi,
        "emi_pph_id": pph,
        "emi_ctr_id": ctr,
        "emi_sme_annee": year,
        "emi_sme_mois": month,
        "emi_sme_version": version,
        "emi_esm_etat_code": "VALIDE",
        "emi_nb_heures_travail": hours,
        "emi_date_fin_reelle": None,
        "emi_motif_sortie_code": None,
        "emi_motif_sortie_id": motif,
    }


def contract(
    ctr: int,
    pph: int,
    sid: int,
    mesure: str = "ACI_DC",
    hired: str = "01/01/2013",
    rome: str | None = "F1701",
    rsa: str = "NON",
    ass: str = "false",
    aah: str = "false",
    rqth: str = "false",
    pe: str = "0",
    edu: str = "40",
    renewal: int | None = 0,
    ended: str | None = None,
    motif: str | None = None,
) -> dict:
    return {
        "contrat_id_ctr": ctr,
        "contrat_id_pph": pph,
        "contrat_id_structure": sid,
        "contrat_mesure_disp_code": mesure,
        "contrat_date_embauche": hired,
        "contrat_date_fin_contrat": "31/12/2014",
        "contrat_date_sortie_definitive": ended,
        "contrat_type_contrat": renewal,
        "contrat_code_rome": rome,
        "contrat_motif_sortie_code": None,
        "contrat_motif_sortie_id": motif,
        "contrat_niveau_de_formation_code": edu,
        "contrat_salarie_pe_duree_code": pe,
        "contrat_salarie_rsa": rsa,
        "contrat_salarie_ass": ass,
        "contrat_salarie_aah": aah,
        "contrat_salarie_rqth": rqth,
    }


def salarie(
    pph: int,
    nir_value: str | None,
    civ: str = "M.",
    born: str = "15/06/1980",
    qpv: str | None = "NQP",
    insee: str = "93066",
) -> dict:
    return {
        "salarie_id": pph,
        "salarie_nir": nir_value,
        "salarie_rci_libelle": civ,
        "salarie_date_naissance": born,
        "salarie_codeinseecom": insee,
        "salarie_code_dpt": insee[:2],
        "salarie_adr_qpv_type": qpv,
        "salarie_adr_is_zrr": "false",
    }


@dataclass
class Dataset:
    """Rows per fluxIAE table, in raw column names."""

    Structure: list[dict] = field(default_factory=list)
    AnnexeFinanciere: list[dict] = field(default_factory=list)
    EtatMensuelIndiv: list[dict] = field(default_factory=list)
    ContratMission: list[dict] = field(default_factory=list)
    Salarie: list[dict] = field(default_factory=list)
    #: the optional exit reference tables (None: no file in the extract)
    RefCategorieSort: list[dict] | None = None
    RefMotifSort: list[dict] | None = None

    def tables(self) -> dict[str, list[dict]]:
        out = {
            "Structure": self.Structure,
            "AnnexeFinanciere": self.AnnexeFinanciere,
            "EtatMensuelIndiv": self.EtatMensuelIndiv,
            "ContratMission": self.ContratMission,
            "Salarie": self.Salarie,
        }
        for table in ("RefCategorieSort", "RefMotifSort"):
            if getattr(self, table) is not None:
                out[table] = getattr(self, table)
        return out


def ingest_available() -> bool:
    return importlib.util.find_spec("iae_diag.ingest") is not None


def processed(ds: Dataset, tmp_path: Path, via_ingest: bool | None = None) -> ProcessedData:
    """The processed data of a fixture: real files + ingest when available, else direct."""
    if via_ingest is None:
        via_ingest = ingest_available()
    if not via_ingest:
        return to_processed(ds)
    from fluxiae_writer import write_table
    from iae_diag.ingest import ingest

    raw = tmp_path / "raw"
    out = tmp_path / "processed"
    for table, rows in ds.tables().items():
        write_table(raw, table, rows)
    ingest(raw, out, salt=SALT)
    return load_processed(out)


# ------------------------------------------------------------------ direct conversion


def _dates(s: pd.Series) -> pd.Series:
    return pd.to_datetime(s, format="%d/%m/%Y", errors="coerce").astype("datetime64[ns]")


def _bool(s: pd.Series) -> pd.Series:
    m = {"TRUE": True, "OUI": True, "1": True, "FALSE": False, "NON": False, "0": False}
    return s.astype("string").str.strip().str.upper().map(m).astype("boolean")


def _frame(rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    df.insert(len(df.columns), "source_line", range(3, 3 + len(df)))
    return df


def to_processed(ds: Dataset) -> ProcessedData:
    """The raw -> processed conversion of docs/architecture.md, for fixtures only."""
    st = _frame(ds.Structure)
    st["structure_id_siae"] = st["structure_id_siae"].astype("int64")
    st["structure_date_creation"] = _dates(st["structure_date_creation"])
    a = _frame(ds.AnnexeFinanciere)
    for c in ("af_id_annexe_financiere", "af_id_avenant_modification", "af_id_structure"):
        a[c] = a[c].astype("int64")
    for c in ("af_numero_avenant_renouvellement", "af_numero_avenant_modification"):
        a[c] = pd.to_numeric(a[c]).astype("Int64")
    for c in ("af_date_debut_effet", "af_date_fin_effet"):
        a[c] = _dates(a[c])
    for c in ("af_etp_postes_insertion", "af_duree_heure_annuel_etp_valeur"):
        a[c] = pd.to_numeric(a[c]).astype(float)
    a["af_motif_rejet_code"] = a["af_motif_rejet_code"].replace("", None)
    e = _frame(ds.EtatMensuelIndiv)
    for c in ("emi_dsm_id", "emi_afi_id", "emi_pph_id"):
        e[c] = e[c].astype("int64")
    for c in ("emi_ctr_id", "emi_sme_version"):
        e[c] = pd.to_numeric(e[c]).astype("Int64")
    e["emi_sme_annee"] = e["emi_sme_annee"].astype("int64")
    e["emi_sme_mois"] = e["emi_sme_mois"].astype("int64")
    e["emi_nb_heures_travail"] = e["emi_nb_heures_travail"].astype(float)
    e["emi_date_fin_reelle"] = _dates(e["emi_date_fin_reelle"])
    c = _frame(ds.ContratMission)
    for col in ("contrat_id_ctr", "contrat_id_pph", "contrat_id_structure"):
        c[col] = c[col].astype("int64")
    for col in (
        "contrat_date_embauche",
        "contrat_date_fin_contrat",
        "contrat_date_sortie_definitive",
    ):
        c[col] = _dates(c[col])
    c["contrat_type_contrat"] = pd.to_numeric(c["contrat_type_contrat"]).astype("Int64")
    for col in ("contrat_salarie_ass", "contrat_salarie_aah", "contrat_salarie_rqth"):
        c[col] = _bool(c[col])
    s = _frame(ds.Salarie)
    s["salarie_id"] = s["salarie_id"].astype("int64")
    s["person_key"] = [
        None if not v else hmac.new(SALT.encode(), v[:13].encode(), hashlib.sha256).hexdigest()
        for v in s.pop("salarie_nir")
    ]
    s["salarie_annee_naissance"] = pd.to_numeric(
        s.pop("salarie_date_naissance").astype("string").str[-4:]
    ).astype("Int64")
    s["salarie_adr_is_zrr"] = _bool(s["salarie_adr_is_zrr"])
    manifest = {
        "schema_version": "1",
        "tables": {
            t: {"rows_read": len(r), "rows_kept": len(r), "rows_quarantined": 0}
            for t, r in ds.tables().items()
        },
    }
    refs = {
        name: None if rows is None else _frame(rows).astype({k: str for k in rows[0]})
        for name, rows in (
            ("ref_categorie_sort", ds.RefCategorieSort),
            ("ref_motif_sort", ds.RefMotifSort),
        )
    }
    return ProcessedData(st, a, e, c, s, manifest=manifest, quarantine=None, **refs)
