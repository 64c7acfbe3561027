"""A small, valid fluxIAE dataset in the real format, for the ingest tests.

``base_rows()`` returns the rows of the five tables (dicts keyed by real fluxIAE column names,
values as raw text); tests change a field or add a row, then ``write_all(folder, rows)``.
Row k of a table is on physical line k + 3 of its file (DEB line, header line).
"""

from __future__ import annotations

import gzip
from pathlib import Path

from fluxiae_writer import write_table
from iae_diag.config import headers_dir

#: A key of the NIR hash for the fixtures (real-format files without the synthetic marker need
#: a key of at least 32 characters that is not public).
TEST_KEY = "test-key-of-the-nir-hash-0123456789abcdef"

#: personal values present in the fixture input (must never reach a processed file); the third
#: is a 15-character NIR born in Corse-du-Sud (2A counts as 19 in the control key: 33)
NIRS = ["1840575123456", "2910293456789", "185052A12345633"]
NAMES = ["DUPONTEL", "MARTINEZ", "ZYXWVUT", "Héloïse", "Grégoire", "Quentinou"]
AGREMENTS = ["999991700001", "999991700002", "999991700003"]
BIRTH_DATES = ["12/05/1984", "03/11/1991", "27/06/1985"]
STREETS = ["RUE DES LILAS", "AVENUE JEAN JAURES"]
CONTACT = ["jean.contact@example.org", "0145678912", "CONTACTNOM", "CONTACTPRENOM"]


def header(table: str) -> list[str]:
    """The real column layout of a table."""
    text = (headers_dir() / f"fluxIAE_{table}.header").read_text(encoding="utf-8")
    return text.strip("\ufeff\n").split("|")


def base_rows() -> dict[str, list[dict]]:
    structure = [
        {
            "structure_date_creation": "01/02/2006",
            "structure_date_modification": "15/03/2012 10:11:12",
            "structure_id_siae": "101",
            "structure_siret_signature": "01234567800011",
            "structure_siret_actualise": "01234567800011",
            "structure_denomination": "ACI DU PARC",
            "structure_categorie_juridique_code": "9220",
            "structure_code_naf": "8899B",
            "structure_adresse_admin_nom_voie": STREETS[0],
            "structure_adresse_admin_cp": "93200",
            "structure_adresse_admin_commune": "SAINT-DENIS",
            "structure_adresse_admin_code_insee": "93066",
            "structure_adresse_admin_telephone": CONTACT[1],
            "structure_adresse_gestion_code_insee": "93066",
            "structure_adresse_mail_corresp_technique": CONTACT[0],
            "structure_adresse_nom_corresp_technique": CONTACT[2],
            "structure_adresse_prenom_corresp_technique": CONTACT[3],
        },
        {
            "structure_date_creation": "05/06/2010",
            "structure_id_siae": "102",
            "structure_siret_signature": "98765432100022",
            "structure_siret_actualise": "98765432100022",
            "structure_denomination": 'AI "LE RELAIS',
            "structure_categorie_juridique_code": "9220",
            "structure_code_naf": "7830Z",
            "structure_adresse_admin_nom_voie": STREETS[1],
            "structure_adresse_admin_cp": "20000",
            "structure_adresse_admin_commune": "AJACCIO",
            "structure_adresse_admin_code_insee": "2A004",
            "structure_adresse_gestion_code_insee": "97105",
        },
    ]
    af = [
        {
            "af_id_structure": "101",
            "af_mesure_dispositif_code": "ACI_DC",
            "af_numero_annexe_financiere": "ACI093130001",
            "af_numero_avenant_renouvellement": "0",
            "af_numero_avenant_modification": "0",
            "af_id_annexe_financiere": "5001",
            "af_id_avenant_modification": "7001",
            "af_etat_annexe_financiere_code": "VALIDE",
            "af_date_debut_effet": "01/01/2013",
            "af_date_fin_effet": "31/12/2013",
            "af_etp_postes_insertion": "10.5",
            "af_duree_heure_annuel_etp_valeur": "1820.00",
            "af_nb_banques numeric": "2",
        },
        {
            "af_id_structure": "102",
            "af_mesure_dispositif_code": "AI_DC",
            "af_numero_annexe_financiere": "AI02A130002",
            "af_numero_avenant_renouvellement": "1",
            "af_numero_avenant_modification": "2",
            "af_id_annexe_financiere": "5002",
            "af_id_avenant_modification": "7002",
            "af_etat_annexe_financiere_code": "VALIDE",
            "af_date_debut_effet": "01/01/2013",
            "af_date_fin_effet": "31/12/2013",
            "af_etp_postes_insertion": "3",
            "af_duree_heure_annuel_etp_valeur": "1607",
        },
    ]
    emi = [
        {
            "emi_afi_id": "5001",
            "emi_sme_mois": "1",
            "emi_sme_annee": "2013",
            "emi_esm_etat_code": "VALIDE",
            "emi_sme_version": "1",
            "emi_pph_id": "301",
            "emi_ctr_id": "401",
            "emi_nb_heures_travail": "151.67",
            "emi_nb_heures_facturees": "",
            "emi_date_fin_reelle": "",
            "emi_dsm_id": "9001",
        },
        {
            "emi_afi_id": "5001",
            "emi_sme_mois": "2",
            "emi_sme_annee": "2013",
            "emi_esm_etat_code": "VALIDE",
            "emi_sme_version": "1",
            "emi_pph_id": "301",
            "emi_ctr_id": "401",
            "emi_nb_heures_travail": "120",
            "emi_date_fin_reelle": "28/02/2013",
            "emi_motif_sortie_code": "12",
            "emi_dsm_id": "9002",
        },
        {
            "emi_afi_id": "5002",
            "emi_sme_mois": "3",
            "emi_sme_annee": "2013",
            "emi_esm_etat_code": "VALIDE",
            "emi_sme_version": "2",
            "emi_pph_id": "302",
            "emi_ctr_id": "",
            "emi_nb_heures_travail": "35.5",
            "emi_nb_heures_facturees": "40",
            "emi_dsm_id": "9003",
        },
    ]
    contrat = [
        {
            "contrat_id_ctr": "401",
            "contrat_id_pph": "301",
            "contrat_id_structure": "101",
            "contrat_mesure_disp_code": "ACI_DC",
            "contrat_date_embauche": "02/01/2013",
            "contrat_date_fin_contrat": "30/06/2013",
            "contrat_date_sortie_definitive": "28/02/2013",
            "contrat_type_contrat": "0",
            "contrat_format_contrat_code": "CDDI",
            "contrat_code_rome": "n1105",
            "contrat_motif_sortie_code": "12",
            "contrat_orienteur_code": "PE",
            "contrat_niveau_de_formation_code": "0",
            "contrat_salarie_pe_duree_code": "24 MOIS ET PLUS",
            "contrat_salarie_rsa": "OUI-M",
            "contrat_salarie_ass": "false",
            "contrat_salarie_aah": "NON",
            "contrat_salarie_rqth": "TRUE",
            "contrat_commune": "SAINT-DENIS",
        },
        {
            "contrat_id_ctr": "402",
            "contrat_id_pph": "302",
            "contrat_id_structure": "102",
            "contrat_mesure_disp_code": "AI_DC",
            "contrat_date_embauche": "01/03/2013",
            "contrat_type_contrat": "1",
            "contrat_code_rome": "K2204",
            "contrat_niveau_de_formation_code": "50",
            "contrat_type_employeur_code": "01",
            "contrat_salarie_pe_duree_code": "De 12 à 23 mois",
            "contrat_salarie_rsa": "NON",
            "contrat_salarie_ass": "1",
            "contrat_salarie_aah": "0",
            "contrat_salarie_rqth": "false",
        },
    ]
    salarie = [
        {
            "salarie_id": "301",
            "salarie_rci_libelle": "MME",
            "salarie_nom_usage": NAMES[0],
            "salarie_prenom": NAMES[3],
            "salarie_date_naissance": BIRTH_DATES[0],
            "salarie_nir": NIRS[0],
            "salarie_agrement": AGREMENTS[0],
            "salarie_adr_libelle_voie": STREETS[0],
            "salarie_codeinseecom": "93066",
            "salarie_code_dpt": "093",
            "salarie_adr_qpv_type": "QP",
            "salarie_adr_qpv_nom": "QUARTIER FRANC MOISIN",
            "salarie_adr_is_zrr": "false",
        },
        {
            "salarie_id": "302",
            "salarie_rci_libelle": "M.",
            "salarie_nom_usage": NAMES[1],
            "salarie_prenom": NAMES[4],
            "salarie_date_naissance": BIRTH_DATES[1],
            "salarie_nir": NIRS[2],
            "salarie_agrement": AGREMENTS[1],
            "salarie_codeinseecom": "2A004",
            "salarie_code_dpt": "2A",
            "salarie_adr_qpv_type": "NQP",
            "salarie_adr_is_zrr": "TRUE",
        },
        {
            "salarie_id": "303",
            "salarie_rci_libelle": "M.",
            "salarie_nom_usage": NAMES[2],
            "salarie_prenom": NAMES[5],
            "salarie_date_naissance": BIRTH_DATES[2],
            "salarie_nir": "",
            "salarie_agrement": AGREMENTS[2],
            "salarie_codeinseecom": "97105",
            "salarie_code_dpt": "971",
            "salarie_adr_qpv_type": "",
            "salarie_adr_is_zrr": "",
        },
    ]
    return {
        "Structure": structure,
        "AnnexeFinanciere": af,
        "EtatMensuelIndiv": emi,
        "ContratMission": contrat,
        "Salarie": salarie,
    }


def write_all(
    folder: Path, rows: dict[str, list[dict]] | None = None, options: dict | None = None
) -> dict[str, Path]:
    """Write the five tables in their real header layout; ``options`` maps a table name to
    extra keyword arguments of ``write_table`` (e.g. ``{"Salarie": {"gz": True}}``)."""
    rows = base_rows() if rows is None else rows
    options = options or {}
    paths = {}
    for table, table_rows in rows.items():
        kw = {"columns": header(table), **options.get(table, {})}
        paths[table] = write_one(folder, table, table_rows, **kw)
    return paths


def write_one(folder: Path, table: str, rows: list[dict], gz: bool = False, **kw) -> Path:
    """``write_table``, with the gzip variant written here (byte-reproducible, mtime 0)."""
    path = write_table(folder, table, rows, **kw)
    if not gz:
        return path
    gz_path = path.with_name(path.name + ".gz")
    with gzip.GzipFile(gz_path, "wb", mtime=0) as f:
        f.write(path.read_bytes())
    path.unlink()
    return gz_path
