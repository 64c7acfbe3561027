"""Synthetic generator: real format, determinism, identifiers, codes, scale and regions."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from iae_diag.config import headers_dir, shared_dir
from iae_diag.errors import InputError, ParameterError
from iae_diag.synth import generate
from iae_diag.synth.core import parse_years
from iae_diag.synth.population import quota_draw

GEO = shared_dir() / "data" / "geo"
needs_shared = pytest.mark.skipif(
    not headers_dir().is_dir(), reason="shared folder (headers, targets) not available"
)
pytestmark = needs_shared

TABLES = [
    "Structure",
    "AnnexeFinanciere",
    "EtatMensuelIndiv",
    "ContratMission",
    "Salarie",
    "RefCategorieSort",
    "RefMotifSort",
]


def read_raw(path: Path) -> tuple[list[str], list[str], pd.DataFrame]:
    """(first line, header, rows as str DataFrame) of a written fluxIAE file; checks FIN."""
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    lines = data.decode("utf-8").split("\n")
    assert lines[-1] == ""
    lines = lines[:-1]
    header = lines[1].split("|")
    rows = [ln.split("|") for ln in lines[2:-1]]
    assert all(len(r) == len(header) for r in rows)
    assert lines[-1] == f"FIN{len(rows)}"
    df = pd.DataFrame(rows, columns=header, dtype=str)
    return lines[0], header, df


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("synth_small")
    paths = generate(out, years=(2012, 2013), seed=7, region="11", scale=0.15, geo_dir=GEO)
    return {p.name.split("_")[1]: p for p in paths}


@pytest.fixture(scope="module")
def tables(small) -> dict[str, pd.DataFrame]:
    return {t: read_raw(p)[2] for t, p in small.items()}


def test_file_names_deb_fin_and_real_headers(small):
    assert sorted(small) == sorted(TABLES)
    for table, path in small.items():
        suffix = ".csv.gz" if table == "EtatMensuelIndiv" else ".csv"
        assert path.name == f"fluxIAE_{table}_15012014_060000{suffix}"
        first, header, _ = read_raw(path)
        real = (headers_dir() / f"fluxIAE_{table}.header").read_text("utf-8").strip().split("|")
        assert header == real
        # the DEB line carries the synthetic marker, with the header's number of fields
        marker = "SYNTHETIC-DATA-IAE-DIAG-SYNTH"
        assert first == f"DEB{table}15012014_060000|{marker}" + "|" * (len(real) - 2)
    assert len(read_raw(small["AnnexeFinanciere"])[1]) == 128


def test_gzip_is_reproducible(small):
    raw = small["EtatMensuelIndiv"].read_bytes()
    assert raw[:2] == b"\x1f\x8b"
    assert raw[4:8] == b"\x00\x00\x00\x00"  # mtime 0
    assert raw[3] & 0x08 == 0  # no embedded file name


def test_same_seed_same_bytes_other_seed_differs(tmp_path):
    kw = dict(years=(2013, 2013), region="11", scale=0.1, geo_dir=GEO)
    a = generate(tmp_path / "a", seed=3, **kw)
    b = generate(tmp_path / "b", seed=3, **kw)
    c = generate(tmp_path / "c", seed=4, **kw)
    for pa_, pb in zip(a, b, strict=True):
        assert pa_.read_bytes() == pb.read_bytes()
    assert a[2].read_bytes() != c[2].read_bytes()


def test_identifiers_unique_and_linked(tables):
    s, af, emi, ctr, sal = (tables[t] for t in TABLES[:5])
    for df, col in (
        (s, "structure_id_siae"),
        (emi, "emi_dsm_id"),
        (ctr, "contrat_id_ctr"),
        (sal, "salarie_id"),
        (af, "af_id_avenant_modification"),
    ):
        assert df[col].is_unique, col
    assert set(af["af_id_structure"]) <= set(s["structure_id_siae"])
    assert set(emi["emi_afi_id"]) <= set(af["af_id_annexe_financiere"])
    assert set(emi["emi_ctr_id"]) <= set(ctr["contrat_id_ctr"])
    assert set(emi["emi_pph_id"]) <= set(sal["salarie_id"])
    assert set(ctr["contrat_id_pph"]) <= set(sal["salarie_id"])
    # the contract of an EMI row belongs to the same person
    m = emi.merge(ctr, left_on="emi_ctr_id", right_on="contrat_id_ctr")
    assert (m["emi_pph_id"] == m["contrat_id_pph"]).all()
    # one row per person x AF x month, except the resent versions (1 then 2)
    key = ["emi_pph_id", "emi_afi_id", "emi_sme_annee", "emi_sme_mois"]
    dup = emi[emi.duplicated(key, keep=False)]
    assert len(dup) > 0
    assert set(dup["emi_sme_version"]) == {"1", "2"}


def test_annexes_realism(tables):
    af = tables["AnnexeFinanciere"]
    pat = re.compile(r"^(ACI|AI|EI|ETTI|EITI|FDI)((07[5789]|09[1-5])|(7[5789]|9[1-5])V)\d{6}$")
    assert af["af_numero_annexe_financiere"].map(lambda v: bool(pat.match(v))).all()
    states = set(af["af_etat_annexe_financiere_code"])
    assert {"HISTORISE", "CLOTURE", "VALIDE"} <= states
    assert {"ACI_DC", "AI_DC", "EI_DC", "ETTI_DC", "FDI_DC"} <= set(
        af["af_mesure_dispositif_code"]
    )
    # one eligible (non-historised) version per AF id apart from motif-rejet duplicates
    cur = af[af["af_etat_annexe_financiere_code"].isin(["VALIDE", "CLOTURE", "PROVISOIRE"])]
    dup = cur[cur.duplicated("af_id_annexe_financiere", keep=False)]
    assert (dup.groupby("af_id_annexe_financiere")["af_motif_rejet_code"].nunique() == 2).all()
    # annual hours per type
    typ = af["af_mesure_dispositif_code"].str.replace(r"_(DC|MP)$", "", regex=True)
    hours = af.loc[af["af_duree_heure_annuel_etp_valeur"] != ""]
    expect = {"ACI": "1820.00", "AI": "1607.00", "EI": "1505.00", "ETTI": "1607.00"}
    assert (hours["af_duree_heure_annuel_etp_valeur"] == typ[hours.index].map(expect)).all()
    # renewals: a new AF id per year, the number kept
    one = (
        cur[cur["af_mesure_dispositif_code"] != "FDI_DC"]
        .groupby("af_numero_annexe_financiere")["af_id_annexe_financiere"]
        .nunique()
    )
    assert (one >= 2).any()


def test_contracts_and_publics_values(tables):
    ctr = tables["ContratMission"]
    assert set(ctr["contrat_salarie_rsa"]) == {"NON", "OUI-M", "OUI-NM"}
    for col in ("contrat_salarie_ass", "contrat_salarie_aah", "contrat_salarie_rqth"):
        assert set(ctr[col]) == {"true", "false"}
    assert set(ctr["contrat_salarie_pe_duree_code"]) == {"0", "1", "2", "3", "4"}
    assert ctr["contrat_niveau_de_formation_code"].str.fullmatch(r"\d\d").all()
    assert {"0", "1", "2"} <= set(ctr["contrat_type_contrat"])
    rome = ctr["contrat_code_rome"]
    assert rome[rome != ""].str.fullmatch(r"[A-N]\d{4}").all()
    assert (rome == "").any()
    exits = ctr[ctr["contrat_date_sortie_definitive"] != ""]
    # the motive is on the contract, except for the few exits that carry it on the EMI row
    # only (tests/test_synth_parcours.py)
    assert len(exits) and (exits["contrat_motif_sortie_code"] != "").mean() > 0.9
    assert (exits["contrat_motif_sortie_id"] != "").mean() > 0.9


def test_persons_nir_and_addresses(tables):
    sal, emi = tables["Salarie"], tables["EtatMensuelIndiv"]
    nir = sal["salarie_nir"]
    assert (nir == "").any()
    ok = nir[nir != ""]
    assert ok.str.fullmatch(r"[12]\d{12}(\d\d)?").all()
    assert {13, 15} <= set(ok.str.len())
    full = ok[ok.str.len() == 15]
    body = full.str[:13].astype("int64")
    assert ((97 - body % 97) == full.str[13:].astype(int)).all()
    # some persons in two SIAE: same NIR, two salarie_id
    assert ok.duplicated().any()
    assert set(sal["salarie_rci_libelle"]) == {"MME", "M."}
    assert set(sal["salarie_adr_qpv_type"]) == {"QP", "NQP", ""}
    pop = pd.read_csv(GEO / "population-legale-2021-communes-idf.csv", sep=";", dtype=str)
    assert set(sal["salarie_codeinseecom"]) <= set(pop["COM"])
    assert sal["salarie_nom_usage"].str.startswith("NOMFICTIF").all()
    assert (emi["emi_nb_heures_travail"].astype(float) == 0).any()
    assert (emi["emi_date_fin_reelle"] != "").any()


def test_fallback_without_geography_uses_pseudo_communes(tmp_path):
    paths = generate(
        tmp_path, years=(2013, 2013), seed=1, region="11", scale=0.1, geo_dir=tmp_path / "no-geo"
    )
    s = read_raw(paths[0])[2]
    codes = s["structure_adresse_admin_code_insee"]
    assert codes.str.fullmatch(r"(75|77|78|91|92|93|94|95)0\d\d").all()
    assert s["structure_adresse_admin_commune"].str.startswith("COMMUNE FICTIVE").all()


def test_other_region(tmp_path):
    """Corsica (94, départements 2A/2B): 3-character AF départements, pseudo communes."""
    paths = generate(tmp_path, years=(2012, 2013), seed=5, region="94", scale=1.0)
    af = read_raw(paths[1])[2]
    deps = af["af_numero_annexe_financiere"].str.extract(r"^(?:ACI|AI|EI|ETTI|FDI)(\w{3})")[0]
    assert set(deps) == {"02A", "02B"}
    sal = read_raw(paths[4])[2]
    assert set(sal["salarie_code_dpt"]) == {"2A", "2B"}
    assert sal["salarie_codeinseecom"].str.fullmatch(r"2[AB]0\d\d").all()


def test_years_after_2013_follow_the_2019_and_2023_anchors(tmp_path):
    paths = generate(tmp_path, years=(2019, 2023), seed=5, region="11", scale=1.0)
    af = read_raw(paths[1])[2]
    af = af[af["af_etat_annexe_financiere_code"].isin(["VALIDE", "CLOTURE", "PROVISOIRE"])]
    af = af[af["af_mesure_dispositif_code"] != "FDI_DC"]
    typ = af["af_mesure_dispositif_code"].str.replace(r"_(DC|MP)$", "", regex=True)
    start = af["af_date_debut_effet"].str[-4:].astype(int)
    siae = pd.DataFrame({"s": af["af_id_structure"], "t": typ, "y": start}).drop_duplicates()
    n = siae.groupby(["y", "t"]).size()
    assert n[2019].to_dict() == {"ACI": 159, "AI": 61, "EI": 149, "ETTI": 28}
    assert n[2023].to_dict() == {"ACI": 249, "AI": 58, "EI": 208, "EITI": 12, "ETTI": 71}


def test_scale_multiplies_structures(tmp_path):
    a = read_raw(generate(tmp_path / "a", years=(2013, 2013), scale=0.5, geo_dir=GEO)[1])[2]
    b = read_raw(generate(tmp_path / "b", years=(2013, 2013), scale=1.0, geo_dir=GEO)[1])[2]

    def n_siae(af):
        cur = af[af["af_mesure_dispositif_code"] != "FDI_DC"]
        return cur[["af_id_structure", "af_mesure_dispositif_code"]].drop_duplicates().shape[0]

    assert n_siae(b) == 407
    assert abs(n_siae(a) - 407 / 2) <= 6


def test_missing_headers_folder_is_an_input_error(tmp_path, monkeypatch):
    monkeypatch.setenv("IAE_DIAG_HEADERS_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(InputError, match="IAE_DIAG_HEADERS_DIR"):
        generate(tmp_path / "out", years=(2013, 2013))
    assert not (tmp_path / "out").exists()


def test_bad_parameters():
    with pytest.raises(ParameterError, match="2007-2013"):
        parse_years("2007..2013")
    assert parse_years("2007-2013") == (2007, 2013)
    assert parse_years("2013") == (2013, 2013)
    with pytest.raises(ParameterError, match="scale"):
        generate("/tmp/never-written", scale=0)


def test_unknown_region_is_a_parameter_error(tmp_path):
    with pytest.raises(ParameterError, match="region code '99'"):
        generate(tmp_path, years=(2013, 2013), region="99")


def test_quota_draw_exact_proportions():
    rng = np.random.default_rng(0)
    group = np.repeat([0, 1], [1000, 400])
    probs = np.array([[0.25, 0.75], [0.5, 0.5]])
    cat = quota_draw(rng, group, probs)
    assert (cat[group == 0] == 1).sum() == 750
    assert (cat[group == 1] == 1).sum() == 200
    # random order within groups
    assert not (cat[:750] == 1).all()


def test_cli_prints_what_it_wrote(tmp_path, capsys):
    from iae_diag.cli import main

    rc = main(["synth", "--out", str(tmp_path), "--years", "2013", "--scale", "0.1"])
    out = capsys.readouterr().out
    assert rc == 0
    assert "fluxIAE_EtatMensuelIndiv_15012014_060000.csv.gz" in out
    assert len(list(tmp_path.glob("fluxIAE_*"))) == 7  # five tables and two reference tables
    rc = main(["synth", "--out", str(tmp_path / "x"), "--years", "2013-20x"])
    assert rc == 2
    assert "expected a range such as 2007-2013" in capsys.readouterr().err


def test_design_meets_structure_targets_without_the_pipeline():
    """The SIAE timelines alone give the published counts, creations and closures."""
    from iae_diag.synth.design import load_targets, make_plan, siae_timelines, structure_counts

    plan = make_plan(load_targets())
    years = list(range(2007, 2014))
    deps = ["75", "77", "78", "91", "92", "93", "94", "95"]
    rng = np.random.default_rng(11)
    siae = siae_timelines(structure_counts(plan, deps, years, rng), plan, rng, True)

    def active(y):
        return siae[(siae["first_year"] <= y) & (siae["last_year"] >= y)]

    assert active(2007)["type"].value_counts().to_dict() == {
        "EI": 143,
        "ACI": 114,
        "AI": 86,
        "ETTI": 15,
    }
    assert active(2013)["type"].value_counts().to_dict() == {
        "EI": 154,
        "ACI": 152,
        "AI": 78,
        "ETTI": 23,
    }
    created = sum((siae["first_year"] == y).sum() for y in range(2008, 2014))
    closed = sum((siae["last_year"] == y - 1).sum() for y in range(2008, 2014))
    assert (created, closed) == (193, 144)


def test_targets_that_contradict_the_assumptions_are_rejected(tmp_path):
    import yaml

    from iae_diag.synth.design import load_targets

    targets = load_targets()
    bad = yaml.safe_load(yaml.safe_dump(targets))
    bad["years"][2013]["structures"]["by_type"]["EI"] = 155
    f = tmp_path / "targets.yaml"
    f.write_text(yaml.safe_dump(bad), encoding="utf-8")
    with pytest.raises(InputError, match=r"IDF_STRUCTURES\[2013\] sums to 154 EI"):
        generate(tmp_path / "out", years=(2013, 2013), targets_file=f)
    bad = yaml.safe_load(yaml.safe_dump(targets))
    bad["years"][2013]["hours_share_by_sector_and_type"]["ETTI"]["batiment_tp"] = 0.70
    f.write_text(yaml.safe_dump(bad), encoding="utf-8")
    with pytest.raises(InputError, match=r"SECTOR_MIX_2013\[ETTI\]\[batiment_tp\]"):
        generate(tmp_path / "out", years=(2013, 2013), targets_file=f)
    with pytest.raises(InputError, match="targets file .* does not exist"):
        generate(tmp_path / "out", years=(2013, 2013), targets_file=tmp_path / "none.yaml")


def test_unpublished_publics_vary_by_type_and_year():
    """Reader review F20: the shares the targets do not fix are not flat over 2007-2013 nor
    identical across types (hand-computed from synth/assumptions.py)."""
    from iae_diag.indicators.common import LOW_QUALIFICATION_CODES
    from iae_diag.synth import assumptions as A
    from iae_diag.synth.population import _drifted, education_probabilities

    aci, ai = A.TYPES.index("ACI"), A.TYPES.index("AI")
    gt = np.array([aci, aci, ai, aci])
    gy = np.array([2007, 2013, 2013, 2020])
    codes, p = education_probabilities(gt, gy)
    assert np.allclose(p.sum(axis=1), 1.0)
    low = np.isin(codes, sorted(LOW_QUALIFICATION_CODES))
    # ACI 2007: 0.79 + 6 x 0.005; ACI 2013: 0.79; AI 2013: 0.66; after 2013: the 2013 value
    assert np.allclose(p[:, low].sum(axis=1), [0.82, 0.79, 0.66, 0.79])
    # within the levels below the baccalauréat the mix follows A.EDUCATION (00 : 70 = 12 : 20)
    i00, i70 = list(codes).index("00"), list(codes).index("70")
    assert p[0, i00] / p[0, i70] == pytest.approx(0.12 / 0.20)
    # under 26: ACI 0.20 in 2013, + 6 x 0.006 in 2007
    assert np.allclose(_drifted(A.UNDER_26, "under_26", gt, gy), [0.236, 0.20, 0.14, 0.20])
