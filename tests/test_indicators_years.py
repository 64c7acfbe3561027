"""The indicators year by year (bounded memory, docs/performance.md): the same tables, figure
for figure, as one pass over the whole history; an ``emi_dsm_id`` whose rows span two years
settled as in one pass; the parquet file read year by year; the progress display."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from iae_diag.errors import InputError
from iae_diag.indicators import build_tables, load_indicators, load_quality, load_siae
from iae_diag.indicators.activity import counted_emi
from iae_diag.indicators.contributions import siae_sector_hours
from iae_diag.indicators.emi_years import EmiYears
from iae_diag.indicators.io import READ_COLUMNS, write_tables
from iae_diag.ingest import ingest
from iae_diag.processed import load_processed
from iae_diag.synth import generate
from indicators_helpers import SALT, Dataset, af, contract, emi, nir, processed, salarie, structure
from test_indicators_rules import qual, val


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(
        a.reset_index(drop=True), b.reset_index(drop=True), check_exact=True
    )


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    """A small synthetic region over three years, ingested."""
    d = tmp_path_factory.mktemp("years")
    generate(d / "raw", years=(2011, 2013), seed=11, region="24", scale=0.1)
    ingest(d / "raw", d / "processed", salt=SALT)
    return d / "processed"


def test_year_by_year_equals_one_pass_on_a_multi_year_dataset(synthetic, tmp_path):
    data = load_processed(synthetic)
    assert data.etat_mensuel_indiv["emi_sme_annee"].nunique() == 3
    one = build_tables(data, by_year=False)
    by_year = build_tables(data)
    for a, b in zip(one, by_year, strict=True):
        _same(a, b)
    assert sorted(one[0]["year"].unique()) == [2011, 2012, 2013]
    # the command's path: the parquet file read year by year, never loaded whole
    write_tables(synthetic, tmp_path)
    _same(load_indicators(tmp_path), load_indicators_of(one[0]))
    _same(load_quality(tmp_path), load_indicators_of(one[1]))
    siae = load_siae(tmp_path)
    assert len(siae) == len(one[2])
    _same(
        siae.drop(columns=["code_departement", "code_commune"]),
        one[2].drop(columns=["code_departement", "code_commune"]),
    )
    # the SIAE sector hours: year by year from the file = from the table in memory
    lazy = load_processed(synthetic, emi_in_memory=False)
    assert lazy.etat_mensuel_indiv is None
    _same(siae_sector_hours(lazy, emi=EmiYears(path=lazy.emi_path)), siae_sector_hours(data))


@pytest.mark.parametrize("share", [0.0, 1.0])
def test_text_read_as_categories_or_strings_gives_the_same_tables(
    synthetic, tmp_path, monkeypatch, share
):
    """``iae-diag indicators`` reads a text column of few distinct values as a Categorical
    (processed.CATEGORY_SHARE): with every text column one (1.0) or none (0.0), the same
    tables as from the whole tables in memory (flows, exits and publics read these columns)."""
    from iae_diag import processed as processed_module

    monkeypatch.setattr(processed_module, "CATEGORY_SHARE", share)
    lazy = load_processed(synthetic, emi_in_memory=False, columns=READ_COLUMNS)
    kinds = {str(t) for t in lazy.contrat_mission.dtypes}
    assert ("category" in kinds) == (share == 1.0)
    assert ("string" in kinds) == (share == 0.0)
    one = build_tables(load_processed(synthetic), by_year=False)
    write_tables(synthetic, tmp_path)
    _same(load_indicators(tmp_path), load_indicators_of(one[0]))
    _same(load_quality(tmp_path), load_indicators_of(one[1]))
    assert {"entrants", "exits_by_category", "public_share_entrants"} <= set(one[0]["indicator"])


def test_a_year_in_parts_of_persons_gives_the_same_figures(synthetic, monkeypatch):
    """A year larger than tables.ROWS_PER_PART is computed in parts of persons: every count
    (salariés, publics, entrants, person-months, exits) is the same, every sum (hours, ETP)
    the same up to the order of the float additions."""
    from iae_diag.indicators import tables

    data = load_processed(synthetic)
    whole = build_tables(data)
    rows = data.etat_mensuel_indiv.groupby("emi_sme_annee").size()
    monkeypatch.setattr(tables, "ROWS_PER_PART", int(rows.max()) // 7)
    parts = build_tables(data)
    for a, b in zip(whole, parts, strict=True):
        pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-12, atol=0)
    ind = whole[0]
    counts = ind[ind["indicator"].isin(["salaries", "entrants", "presents_fin_annee", "sortants"])]
    assert counts["value"].sum() > 0
    assert counts["value"].tolist() == parts[0].loc[counts.index, "value"].tolist()


def load_indicators_of(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` as written to parquet and read back (codes as str, the loaders' types)."""
    buf = io.BytesIO()
    df.to_parquet(buf, index=False)
    return pd.read_parquet(io.BytesIO(buf.getvalue()))


def test_counted_rows_of_the_years_add_up_to_the_whole_table(synthetic):
    """No row is lost or counted twice by the chunks (each chunk may carry rows of another
    year sharing an emi_dsm_id; only the year's own rows are kept)."""
    data = load_processed(synthetic)
    af_ids = np.unique(data.annexe_financiere["af_id_annexe_financiere"].to_numpy())
    whole = counted_emi(data.etat_mensuel_indiv, af_ids)
    for source in (
        EmiYears(frame=data.etat_mensuel_indiv),
        EmiYears(path=synthetic / "etat_mensuel_indiv.parquet"),
    ):
        assert source.years == [2011, 2012, 2013]
        assert source.n_rows == len(data.etat_mensuel_indiv)
        parts = []
        for y in source.years:
            c = source.chunk(y)
            parts.append(counted_emi(c.rows, af_ids, c.content, year=y))
        assert sum(len(p) for p in parts) == len(whole)
        assert np.array_equal(np.concatenate([p.hours for p in parts]).sum(), whole.hours.sum())
        aside = sum(len(p.set_aside[0]) for p in parts)
        assert aside == len(whole.set_aside[0])


def cross_year() -> Dataset:
    """One AF over 2012-2013; the statement 700 carries a row of December 2012 (version 1,
    40 h) and its correction filed as January 2013 (version 2, 30 h): the dsm rule keeps the
    2013 row only. Person 502 works 20 h in 2012 and 10 h in 2013 on other statements."""
    ds = Dataset()
    ds.Structure.append(structure(1))
    ds.AnnexeFinanciere.append(af(10, 1, debut="01/01/2012", fin="31/12/2013"))
    for pph in (501, 502):
        ds.Salarie.append(salarie(pph, nir(pph)))
        ds.ContratMission.append(contract(600 + pph, pph, 1))
    ds.EtatMensuelIndiv += [
        emi(700, 10, 501, 1101, 2012, 12, 40.0, version=1),
        emi(700, 10, 501, 1101, 2013, 1, 30.0, version=2),
        emi(701, 10, 502, 1102, 2012, 3, 20.0),
        emi(702, 10, 502, 1102, 2013, 3, 10.0),
    ]
    return ds


def test_an_emi_dsm_id_over_two_years_is_settled_as_in_one_pass(tmp_path):
    data = processed(cross_year(), tmp_path)
    source = EmiYears(frame=data.etat_mensuel_indiv)
    chunk_2012 = source.chunk(2012)
    # the 2012 chunk carries the 2013 row of statement 700, so that the dsm rule sees both
    assert sorted(chunk_2012.rows["emi_dsm_id"].tolist()) == [700, 700, 701]
    ind, q, _ = build_tables(data)
    assert val(ind, "hours", year=2012) == 20.0  # the December 2012 row is superseded
    assert val(ind, "hours", year=2013) == 40.0  # 30 h (dsm 700, version 2) + 10 h
    assert val(ind, "salaries", year=2012) == 1.0
    assert val(ind, "salaries", year=2013) == 2.0
    assert qual(q, "emi_dsm_superseded", year=2012) == 1.0
    assert qual(q, "emi_dsm_superseded", year=2013) == 0.0
    for a, b in zip(build_tables(data, by_year=False), (ind, q, _), strict=True):
        _same(a, b)


def test_an_emi_file_without_a_needed_column_is_refused(tmp_path):
    path = tmp_path / "etat_mensuel_indiv.parquet"
    pd.DataFrame({"emi_dsm_id": [1], "emi_sme_annee": [2013]}).to_parquet(path)
    with pytest.raises(InputError) as e:
        EmiYears(path=path)
    assert str(path) in str(e.value)
    assert "emi_afi_id" in str(e.value)


def test_one_pass_needs_the_table_in_memory(synthetic):
    lazy = load_processed(synthetic, emi_in_memory=False)
    with pytest.raises(ValueError, match="in memory"):
        build_tables(lazy, emi=EmiYears(path=lazy.emi_path), by_year=False)


def test_reading_some_columns_keeps_the_content_rule_of_repeated_ids(tmp_path):
    """``iae-diag indicators`` loads ContratMission and Salarie with the columns it reads and
    reads back the whole rows of a repeated id: the same choices as on the whole tables
    (the messy export repeats contracts 601 and 610 and Salarie rows 501 and 509)."""
    from test_indicators_records import messy

    data = processed(messy(), tmp_path)
    lazy = load_processed(tmp_path / "processed", emi_in_memory=False, columns=READ_COLUMNS)
    assert "contrat_duree_contrat" not in lazy.contrat_mission.columns
    assert set(lazy.narrowed) == {"contrat_mission", "salarie"}
    full = build_tables(data)
    write_tables(tmp_path / "processed", tmp_path / "out")
    _same(load_indicators(tmp_path / "out"), load_indicators_of(full[0]))
    _same(load_quality(tmp_path / "out"), load_indicators_of(full[1]))
    assert qual(full[1], "duplicate_rows", year=2013, breakdown="ContratMission") == 2.0
    assert qual(full[1], "duplicate_rows", year=2013, breakdown="Salarie") == 2.0


def test_row_group_statistics_spare_reading_the_years_without_shared_ids(tmp_path):
    """EmiYears reads (dsm, year) only from the row groups that may share an emi_dsm_id with
    another year (several years, or a dsm range meeting another year's): the same years and
    shared ids as from every row."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from iae_diag.indicators import emi_years

    rows = pd.DataFrame(
        {
            # 2011: ids 1-4; 2012: ids 10-13 and 20 (shared with 2013); 2013: 20-23
            "emi_dsm_id": [1, 2, 3, 4, 10, 11, 12, 20, 20, 21, 22, 23],
            "emi_sme_annee": [2011] * 4 + [2012] * 4 + [2013] * 4,
        }
    )
    for c in EMI_COLUMNS_FOR_FILE:
        if c not in rows:
            rows[c] = 1
    path = tmp_path / "emi.parquet"
    pq.write_table(pa.Table.from_pandas(rows), path, row_group_size=2)
    pq_file = pq.ParquetFile(path)
    dsm, year, known = emi_years._suspect_rows(pq_file, emi_years._group_ranges(pq_file))
    # groups of two rows: only (12, 20) of 2012 and (20, 21) of 2013 meet another year's range
    assert known == {2011, 2012, 2013}
    assert sorted(zip(dsm.tolist(), year.tolist(), strict=True)) == [
        (12, 2012),
        (20, 2012),
        (20, 2013),
        (21, 2013),
    ]
    source = EmiYears(path=path)
    assert source.years == [2011, 2012, 2013]
    assert source.n_rows == 12
    whole = emi_years._cross_year_ids(
        rows["emi_dsm_id"].to_numpy(), rows["emi_sme_annee"].to_numpy()
    )
    assert (
        {y: v.tolist() for y, v in source._cross.items()}
        == {y: v.tolist() for y, v in whole.items()}
        == {2012: [20], 2013: [20]}
    )


EMI_COLUMNS_FOR_FILE = [
    "emi_afi_id",
    "emi_pph_id",
    "emi_ctr_id",
    "emi_sme_mois",
    "emi_sme_version",
    "emi_nb_heures_travail",
]


def test_the_modification_date_read_back_from_parquet_settles_a_repeated_dsm(tmp_path):
    """A year read from parquet holds the columns of every row but the modification date:
    the rows of a repeated emi_dsm_id are read back whole, and the later modification
    (30 h) is kept at equal version, whatever the order of the rows in the file."""
    from iae_diag.indicators.records import EMI_DSM_SUPERSEDED
    from test_indicators_records import dsm_at_equal_version

    rows = dsm_at_equal_version()
    for order in ([0, 1, 2], [2, 1, 0]):
        path = tmp_path / f"emi-{order[0]}.parquet"
        rows.iloc[order].to_parquet(path, index=False)
        chunk = EmiYears(path=path).chunk(2013)
        assert "emi_date_modification" not in chunk.rows.columns
        counted = counted_emi(chunk.rows, np.array([10]), chunk.content, year=2013)
        assert sorted(counted.hours.tolist()) == [10.0, 30.0]
        assert counted.set_aside[0].tolist() == [EMI_DSM_SUPERSEDED]  # the 50 h row


def test_a_year_read_by_row_groups_holds_the_rows_a_whole_file_filter_gives(tmp_path):
    """EmiYears reads a year's needed columns one row group at a time into numpy arrays: the
    rows, their order and values are those of the year (and of the other years' rows sharing an
    emi_dsm_id with it) in the whole file. An integer column with a null among the kept rows
    is float (NaN), as to_pandas makes it; a null in a row of another year leaves it int64.
    Row groups of two rows, so that a year spans several and some are skipped."""
    rows = pd.DataFrame(
        {
            "emi_dsm_id": [1, 2, 3, 4, 10, 11, 20, 12, 20, 21, 22, 23],
            "emi_sme_annee": [2011] * 4 + [2012] * 4 + [2013] * 4,
            "emi_ctr_id": pd.array([5, None, 5, 5, 6, 6, 6, 6, 7, None, 7, 7], dtype="Int64"),
            "emi_nb_heures_travail": [
                1.0,
                2.0,
                3.0,
                4.0,
                5.0,
                6.0,
                7.0,
                8.0,
                9.0,
                10.0,
                11.0,
                12.0,
            ],
            "emi_motif_sortie_id": [None, "FT", None, None, None, "DE", None, None] + [None] * 4,
        }
    )
    for c in EMI_COLUMNS_FOR_FILE:
        if c not in rows:
            rows[c] = 1
    path = tmp_path / "emi.parquet"
    pq.write_table(pa.Table.from_pandas(rows, preserve_index=False), path, row_group_size=2)
    source = EmiYears(path=path)
    assert {y: v.tolist() for y, v in source._cross.items()} == {2012: [20], 2013: [20]}
    for year, dsm in (
        (2011, [1, 2, 3, 4]),
        (2012, [10, 11, 20, 12, 20]),
        (2013, [20, 20, 21, 22, 23]),
    ):
        got = source.chunk(year).rows
        shared = rows["emi_dsm_id"].isin([20])  # the id of 2012 and 2013
        want = rows[(rows["emi_sme_annee"] == year) | (shared & (year != 2011))]
        assert got["emi_dsm_id"].tolist() == dsm
        assert got["emi_nb_heures_travail"].tolist() == want["emi_nb_heures_travail"].tolist()
        assert (
            got["emi_motif_sortie_id"]
            .astype(object)
            .where(got["emi_motif_sortie_id"].notna(), None)
            .tolist()
            == want["emi_motif_sortie_id"].tolist()
        )
        assert isinstance(got["emi_motif_sortie_id"].dtype, pd.CategoricalDtype)
        assert "emi_date_modification" not in got.columns
    ctr_2011 = source.chunk(2011).rows["emi_ctr_id"]
    assert ctr_2011.dtype == np.float64  # the null of dsm 2, as to_pandas makes it
    assert np.isnan(ctr_2011.iloc[1]) and ctr_2011.drop(index=1).tolist() == [5.0, 5.0, 5.0]
    # 2012 reads the row group of dsm 20 and 21 (2013) for dsm 20: the null of 21 is not kept
    assert source.chunk(2012).rows["emi_ctr_id"].tolist() == [6, 6, 6, 6, 7]
    assert source.chunk(2012).rows["emi_ctr_id"].dtype == np.int64
    assert source.chunk(2013).rows["emi_ctr_id"].dtype == np.float64
    assert len(source.chunk(2010).rows) == 0  # a year without rows: no row, every column


def test_counted_rows_are_a_selection_of_the_chunk_until_materialized():
    """counted_emi returns the counted rows as positions into the chunk's columns: every
    attribute, a part taken (positions into the same columns) and the rows materialized give
    the counted rows only."""
    frame = pd.DataFrame(
        {
            "emi_dsm_id": [1, 2, 3, 4],
            "emi_afi_id": [10, 99, 10, 10],  # AF 99 is not eligible
            "emi_pph_id": [501, 502, 503, 504],
            "emi_ctr_id": [601, 602, 603, 604],
            "emi_sme_annee": [2013] * 4,
            "emi_sme_mois": [1, 2, 3, 4],
            "emi_sme_version": [1] * 4,
            "emi_nb_heures_travail": [10.0, 20.0, 0.0, 40.0],  # 0 h: not counted
        }
    )
    counted = counted_emi(frame, np.array([10]))
    assert len(counted) == 2
    assert counted.pph_id.tolist() == [501, 504]
    assert counted.hours.tolist() == [10.0, 40.0]
    assert counted.month.tolist() == [1, 4]
    part = counted.take(np.array([1]))
    assert (part.pph_id.tolist(), part.ctr_id.tolist(), len(part)) == ([504], [604], 1)
    assert part.materialized().month.tolist() == [4] and part.year.tolist() == [2013]
    whole = counted.materialized()
    assert whole.materialized() is whole
    for name in ("af_pos", "year", "month", "hours", "pph_id", "ctr_id"):
        assert getattr(whole, name).tolist() == getattr(counted, name).tolist()
    assert whole.set_aside[0].tolist() == counted.set_aside[0].tolist()


def test_a_year_is_read_from_a_file_without_exit_motifs_or_with_text_numbers(tmp_path):
    """The exit motif is optional (no column: none read, no error); a column the ingest did not
    type (hours as text here) is read as arrow converts it, and counted_emi reads it as
    numbers ('x' is no hours: set aside as not counted)."""
    rows = pd.DataFrame({c: [1, 2, 3] for c in EMI_COLUMNS_FOR_FILE})
    rows["emi_dsm_id"] = [1, 2, 3]
    rows["emi_sme_annee"] = [2013, 2012, 2013]
    rows["emi_nb_heures_travail"] = ["1.5", "2", "x"]
    path = tmp_path / "emi.parquet"
    pq.write_table(pa.Table.from_pandas(rows, preserve_index=False), path)
    chunk = EmiYears(path=path).chunk(2013)
    assert "emi_motif_sortie_id" not in chunk.rows.columns
    assert chunk.rows["emi_dsm_id"].tolist() == [1, 3]
    assert chunk.rows["emi_nb_heures_travail"].tolist() == ["1.5", "x"]
    counted = counted_emi(chunk.rows, np.array([1]), chunk.content, year=2013)
    assert counted.hours.tolist() == [1.5]
