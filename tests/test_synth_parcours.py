"""Synthetic generator: parcours, hirings and exits (issue 10) — parcours running past the
extract, no December exit artefact, renewals, the exit reference tables read back by the
ingest, motif ids on the contract or only on the EMI row, the category mix by type."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from iae_diag.config import headers_dir, shared_dir
from iae_diag.indicators.parcours import exit_category, motif_categories
from iae_diag.ingest import ingest
from iae_diag.processed import load_processed
from iae_diag.synth import assumptions as A
from iae_diag.synth import generate
from iae_diag.synth.core import exit_motives
from iae_diag.synth.population import TYPE_CODE
from test_synth import read_raw

GEO = shared_dir() / "data" / "geo"
pytestmark = pytest.mark.skipif(
    not headers_dir().is_dir(), reason="shared folder (headers, targets) not available"
)


@pytest.fixture(scope="module")
def extract(tmp_path_factory) -> dict:
    """A small region-11 extract 2011-2013 (raw tables as strings) and its ingest."""
    out = tmp_path_factory.mktemp("synth_parcours")
    paths = generate(out / "raw", years=(2011, 2013), seed=11, region="11", scale=0.3, geo_dir=GEO)
    raw = {p.name.split("_")[1]: read_raw(p)[2] for p in paths}
    ingest(out / "raw", out / "processed")
    return {"raw": raw, "processed": load_processed(out / "processed"), "paths": paths}


def _dates(s: pd.Series) -> pd.Series:
    return pd.to_datetime(s.replace("", None), format="%d/%m/%Y")


def test_parcours_run_past_the_extract(extract):
    """Persons present in December 2013 mostly go on: their contract has no definitive exit
    date nor motif, and some contracts end after the extract (15/01/2014)."""
    ctr, emi = extract["raw"]["ContratMission"], extract["raw"]["EtatMensuelIndiv"]
    dec = emi[(emi["emi_sme_annee"] == "2013") & (emi["emi_sme_mois"] == "12")]
    on_dec = ctr[ctr["contrat_id_ctr"].isin(dec["emi_ctr_id"])]
    running = on_dec["contrat_date_sortie_definitive"] == ""
    assert running.mean() > 0.7  # the old generator closed every one of them in December
    assert (on_dec.loc[running, "contrat_motif_sortie_id"] == "").all()
    assert (on_dec.loc[running, "contrat_motif_sortie_code"] == "").all()
    assert (_dates(ctr["contrat_date_fin_contrat"]) > pd.Timestamp(2014, 1, 15)).sum() > 0
    # nothing is hired after the last month of the data
    assert _dates(ctr["contrat_date_embauche"]).max() <= pd.Timestamp(2013, 12, 31)
    # parcours that started before the first year of the data exist
    assert (_dates(ctr["contrat_date_embauche"]) < pd.Timestamp(2011, 1, 1)).sum() > 0


def test_exits_and_hirings_are_spread_over_the_months(extract):
    """Definitive exits of each year: December within a factor 1.5 of the monthly mean of the
    other months (the old generator had about 6 times it); initial hirings of 2013 too."""
    ctr = extract["raw"]["ContratMission"]
    out = _dates(ctr["contrat_date_sortie_definitive"]).dropna()
    for y in (2011, 2012, 2013):
        months = out[out.dt.year == y].dt.month
        by_month = months.value_counts().reindex(range(1, 13), fill_value=0)
        assert by_month.min() > 0
        assert by_month[12] <= 1.5 * by_month.drop(12).mean(), (y, by_month.tolist())
    hired = _dates(ctr.loc[ctr["contrat_type_contrat"] == "0", "contrat_date_embauche"])
    h13 = hired[hired.dt.year == 2013].dt.month.value_counts().reindex(range(1, 13), fill_value=0)
    assert h13.max() <= 1.5 * h13.mean(), h13.tolist()


def test_renewals_follow_their_initial_contract(extract):
    """Contract k of a parcours is the k-th renewal (type 0 for the initial one); a renewal
    starts after the previous contract of the same person and SIAE."""
    ctr = extract["raw"]["ContratMission"].copy()
    ctr["k"] = ctr["contrat_type_contrat"].astype(int)
    ctr["hired"] = _dates(ctr["contrat_date_embauche"])
    assert (ctr["k"] > 0).mean() > 0.3
    assert (ctr["k"] == 0).sum() > 0
    ctr = ctr.sort_values(["contrat_id_pph", "contrat_mesure_disp_code", "hired"])
    g = ctr.groupby(["contrat_id_pph", "contrat_mesure_disp_code"])
    assert (g["k"].diff().dropna() == 1).all()
    # every chain starting inside the data starts with an initial contract
    first = g.head(1)
    assert (first.loc[first["hired"] >= pd.Timestamp(2011, 1, 1), "k"] == 0).all()
    # a definitive exit only on the last contract of the chain
    last_k = g["k"].transform("max")
    assert (ctr.loc[ctr["k"] < last_k, "contrat_date_sortie_definitive"] == "").all()


def test_reference_tables_written_and_read_back_with_their_labels(extract):
    raw, p = extract["raw"], extract["processed"]
    cat = raw["RefCategorieSort"]
    assert list(cat["rcs_libelle"]) == [
        "Emploi durable",
        "Emploi de transition",
        "Sorties positives",
        "Autres sorties",
        "Retrait des sorties constatées",
    ]
    assert list(cat["rcs_code"]) == ["1", "2", "3", "4", "5"]
    mot = raw["RefMotifSort"]
    assert len(mot) == len(A.EXIT_MOTIVES) and mot["rms_id"].is_unique
    assert set(mot["rcs_id"]) == set(cat["rcs_id"])
    # the ingest reads both tables; every motif gets its category through the ids
    assert p.manifest["tables"]["RefMotifSort"]["rows_kept"] == len(A.EXIT_MOTIVES)
    assert p.manifest["tables"]["RefCategorieSort"]["rows_kept"] == 5
    cats = motif_categories(p.ref_motif_sort, p.ref_categorie_sort)
    assert sorted(cats.value_counts().to_dict().items()) == [
        ("autres_sorties", 3),
        ("emploi_durable", 5),
        ("emploi_transition", 3),
        ("retrait", 3),
        ("sorties_positives", 2),
    ]
    # every motif id written on a contract or an EMI row is in the table
    ctr, emi = p.contrat_mission, p.etat_mensuel_indiv
    used = pd.concat(
        [ctr["contrat_motif_sortie_id"].dropna(), emi["emi_motif_sortie_id"].dropna()]
    ).astype(str)
    assert (exit_category(used, cats) != "inconnue").all()


def test_motif_on_the_contract_or_only_on_the_emi_row(extract):
    """Every contract with a definitive exit has a motif on its exit-month EMI row; about
    EXIT_MOTIVE_ONLY_ON_EMI_SHARE of them have none on the contract."""
    ctr, emi = extract["raw"]["ContratMission"], extract["raw"]["EtatMensuelIndiv"]
    ended = ctr[ctr["contrat_date_sortie_definitive"] != ""]
    emi_motif = emi[emi["emi_motif_sortie_id"] != ""].drop_duplicates("emi_ctr_id")
    m = ended.merge(emi_motif, left_on="contrat_id_ctr", right_on="emi_ctr_id", how="left")
    assert m["emi_motif_sortie_id"].notna().all()
    on_ctr = m["contrat_motif_sortie_id"] != ""
    assert (m.loc[on_ctr, "contrat_motif_sortie_id"] == m.loc[on_ctr, "emi_motif_sortie_id"]).all()
    only_emi = float((~on_ctr).mean())
    assert abs(only_emi - A.EXIT_MOTIVE_ONLY_ON_EMI_SHARE) < 0.02
    # the exit month's EMI row carries the contract's exit date
    assert (m["emi_date_fin_reelle"] == m["contrat_date_sortie_definitive"]).all()


def test_exit_motives_follow_the_category_mix_of_each_type():
    """With evenly spread u, each type's exits take the categories in the proportions of
    EXIT_CATEGORY_MIX (scaled by 1 - EXIT_RETRAIT_SHARE) plus EXIT_RETRAIT_SHARE of Retrait."""
    n = 10_000
    u = (np.arange(n) + 0.5) / n
    keys = list(A.EXIT_CATEGORIES)
    motive_cat = np.array([keys.index(mv[2]) for mv in A.EXIT_MOTIVES])
    for t in ("ACI", "AI", "EI", "ETTI"):
        mv = exit_motives(np.full(n, TYPE_CODE[t]), u, np.random.default_rng(1))
        share = np.bincount(motive_cat[mv], minlength=5) / n
        want = [p * (1 - A.EXIT_RETRAIT_SHARE) for p in A.EXIT_CATEGORY_MIX[t]]
        np.testing.assert_allclose(share, [*want, A.EXIT_RETRAIT_SHARE], atol=1e-3)
    # ACI: ACI the lowest sorties dynamiques of the four historical types
    dyn = {t: sum(A.EXIT_CATEGORY_MIX[t][:3]) for t in ("ACI", "AI", "EI", "ETTI")}
    assert min(dyn, key=dyn.get) == "ACI"
