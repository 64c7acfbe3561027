"""The publics of a person-year, read from values computed once per contract and Salarie
row (``publics.PublicsSources``): hand-checked on a few rows, the same with text columns
held as Python strings or as categories."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from iae_diag.indicators.common import TextColumn, as_bool, text_in
from iae_diag.indicators.publics import PublicsSources, _pack, _unpack, characteristics

CONTRAT = pd.DataFrame(
    {
        "contrat_id_ctr": [1, 2, 3],
        "contrat_id_pph": [10, 11, 99],  # 99: no Salarie row
        "contrat_date_embauche": pd.to_datetime(["2013-01-01", "2013-02-01", "2013-03-01"]),
        "contrat_salarie_rsa": ["OUI-M", "NON", None],
        "contrat_salarie_ass": pd.array([True, None, False], dtype="boolean"),
        "contrat_salarie_aah": pd.array([False, False, None], dtype="boolean"),
        "contrat_salarie_rqth": pd.array([None, True, False], dtype="boolean"),
        "contrat_salarie_pe_duree_code": ["4", "DE 12 A 23 MOIS", "??"],
        "contrat_niveau_de_formation_code": ["50", "", "70"],
    }
)
SALARIE = pd.DataFrame(
    {
        "salarie_id": [11, 10],
        "salarie_rci_libelle": ["M.", "MME"],
        "salarie_annee_naissance": pd.array([None, 1990], dtype="Int64"),
        "salarie_adr_qpv_type": ["NQP", "QP"],
        "salarie_adr_is_zrr": pd.array([None, True], dtype="boolean"),
    }
)


def _as_categories(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for c in out.columns:
        if out[c].dtype == object:  # with a category no row uses, as a file's dictionary may
            out[c] = pd.Categorical(out[c], categories=[*pd.unique(out[c].dropna()), "UNUSED"])
    return out


@pytest.mark.parametrize("categories", [False, True])
def test_characteristics_by_hand(categories):
    contrat, salarie = CONTRAT, SALARIE
    if categories:
        contrat, salarie = _as_categories(contrat), _as_categories(salarie)
    sources = PublicsSources.of(contrat, salarie)
    chars = characteristics(np.array([0, -1, 1, 2]), np.array([2013, 2013, 2013, 2014]),
                            contrat, salarie, sources)  # fmt: skip
    row = chars.iloc[0]  # contract 1, Salarie 10: a woman born in 1990, in a QPV, ZRR
    assert row["has_contract"] and row["has_salarie"]
    assert row["women"] and row["under_26"] is np.True_ and not row["age_50_plus"]
    assert row["rsa"] and row["rsa_known"] and row["ass"] and row["ass_known"]
    assert not row["aah"] and row["aah_known"] and not row["rqth_known"]
    assert row["job_seeker_24m_plus"] and not row["job_seeker_12_23m"]
    assert row["low_qualification"] and row["education_cap_bep"]
    assert row["qpv"] and row["qpv_all"] and row["zrr"] and row["zrr_known"]
    assert not chars.iloc[1].drop("has_contract").any() and not chars.iloc[1]["has_contract"]
    row = chars.iloc[2]  # contract 2, Salarie 11: a man, birth year unknown
    assert row["has_salarie"] and not row["women"] and row["women_known"]
    assert not row["under_26_known"] and not row["age_50_plus_known"]
    assert not row["rsa"] and row["rsa_known"] and not row["ass_known"] and row["rqth"]
    assert row["job_seeker_12_23m"] and row["job_seeker_12_23m_known"]
    assert not row["low_qualification_known"] and not row["qpv"] and row["qpv_known"]
    assert not row["zrr_known"]
    row = chars.iloc[3]  # contract 3: no Salarie row, an unknown PE code, education 70
    assert row["has_contract"] and not row["has_salarie"] and not row["women_known"]
    assert not row["rsa_known"] and not row["job_seeker_24m_plus_known"]
    assert row["low_qualification"] and row["education_infra_cap"]
    # without the sources given, the same table
    again = characteristics(np.array([0, -1, 1, 2]), np.array([2013, 2013, 2013, 2014]),
                            contrat, salarie)  # fmt: skip
    pd.testing.assert_frame_equal(chars, again)


def test_text_tests_on_categories_are_those_on_strings():
    values = pd.Series([" oui", "NON", None, "1", "x", "oui "])
    coded = pd.Series(pd.Categorical(values, categories=["x", " oui", "NON", "1", "oui ", "z"]))
    for s in (values, coded):
        assert text_in(s, frozenset({"OUI", "1"})).tolist() == [1, 0, 0, 1, 0, 1]
        assert TextColumn.of(s).isin({"NON"}).tolist() == [0, 1, 0, 0, 0, 0]
        assert as_bool(s).tolist() == [1, 0, 0, 1, 0, 1]
    flags = pd.Series(pd.array([True, None, False], dtype="boolean"))
    assert as_bool(flags).tolist() == [True, False, False]


def test_pack_and_unpack():
    value = np.array([1, 1, 0, 0], dtype=bool)
    known = np.array([1, 0, 1, 0], dtype=bool)
    other = np.array([0, 1, 1, 1], dtype=bool)
    packed = _pack({"a": (value, known), "b": (other, other)}, ("a", "b"), np.uint32)
    assert packed.tolist() == [0b0011, 0b1100, 0b1110, 0b1100]  # a value only when known
    assert [x.tolist() for x in _unpack(packed, 0)] == [[1, 0, 0, 0], [1, 0, 1, 0]]
    assert [x.tolist() for x in _unpack(packed, 1)] == [[0, 1, 1, 1], [0, 1, 1, 1]]
