"""Framing of physical lines into rows when a line has no '|': a newline inside the last
field, or a broken row (another separator)? The FIN line decides; without it, a broken row."""

from __future__ import annotations

import pytest

from fluxiae_writer import render_table
from iae_diag.errors import InputError
from iae_diag.ingest import ingest
from iae_diag.processed import load_processed
from ingest_helpers import TEST_KEY, base_rows, header, write_all

STRUCTURE = "fluxIAE_Structure_15012014_060000.csv"
#: the Structure layout with structure_denomination (kept in the output) as LAST column, so
#: that a newline in the last field, or a wrong glue onto it, shows in the processed table
COLUMNS = [c for c in header("Structure") if c != "structure_denomination"] + [
    "structure_denomination"
]


def structure_rows() -> list[dict]:
    """Four Structure rows (ids 101-104); row k is on physical line k + 3."""
    s = base_rows()["Structure"]
    return [
        s[0],
        s[1],
        dict(s[0], structure_id_siae="103", structure_denomination="EI DU CANAL"),
        dict(s[1], structure_id_siae="104", structure_denomination="ETTI NORD"),
    ]


def write_structure(raw, rows: list[dict], fin_count: int | None, edit=None) -> None:
    """Every table from base_rows, then Structure rewritten in COLUMNS order; ``edit`` changes
    the list of physical lines (index 0 = line 1); ``fin_count`` None: no FIN line."""
    write_all(raw)
    text = render_table(
        "Structure",
        rows,
        columns=COLUMNS,
        fin=fin_count is not None,
        fin_count=fin_count,
    )
    lines = text.split("\n")
    if edit is not None:
        edit(lines)
    (raw / STRUCTURE).write_text("\n".join(lines), encoding="utf-8")


def semicolon_row_5(lines: list[str]) -> None:
    lines[4] = lines[4].replace("|", ";")  # row 103 (line 5) written with ';'


def quarantine(out) -> list[tuple]:
    q = load_processed(out).quarantine
    return [(r.table, int(r.source_line), r.reason, r.column, r.value) for r in q.itertuples()]


def check_accounting(m: dict) -> None:
    for info in m["tables"].values():
        assert info["rows_read"] == info["rows_kept"] + info["rows_quarantined"]


SEMICOLON_VALUE = "1 field, expected 37: wrong separator on this line (37 fields separated by ';')"


def test_semicolon_row_without_fin_is_quarantined_and_neighbours_stay_intact(tmp_path):
    write_structure(tmp_path / "raw", structure_rows(), None, semicolon_row_5)
    m = ingest(tmp_path / "raw", tmp_path / "out", salt=TEST_KEY)
    check_accounting(m)
    info = m["tables"]["Structure"]
    assert (info["rows_read"], info["rows_kept"], info["rows_quarantined"]) == (4, 3, 1)
    assert info["quarantined_by_reason"] == {"wrong_field_count": 1}
    assert info["embedded_newlines_joined"] == 0
    assert info["fin_count"] is None
    assert quarantine(tmp_path / "out") == [
        ("Structure", 5, "wrong_field_count", "", SEMICOLON_VALUE)
    ]
    st = load_processed(tmp_path / "out").structure
    assert st["structure_id_siae"].tolist() == [101, 102, 104]
    assert st["source_line"].tolist() == [3, 4, 6]
    # the row before keeps its own last field (no glue of the broken line onto it)
    assert st["structure_denomination"].tolist() == ["ACI DU PARC", 'AI "LE RELAIS', "ETTI NORD"]


def test_semicolon_row_counted_by_fin_is_quarantined_without_error(tmp_path):
    write_structure(tmp_path / "raw", structure_rows(), 4, semicolon_row_5)
    m = ingest(tmp_path / "raw", tmp_path / "out", salt=TEST_KEY)
    check_accounting(m)
    info = m["tables"]["Structure"]
    assert (info["rows_read"], info["rows_kept"], info["rows_quarantined"]) == (4, 3, 1)
    assert (info["fin_count"], info["embedded_newlines_joined"]) == (4, 0)
    assert quarantine(tmp_path / "out") == [
        ("Structure", 5, "wrong_field_count", "", SEMICOLON_VALUE)
    ]
    st = load_processed(tmp_path / "out").structure
    assert st["structure_denomination"].tolist() == ["ACI DU PARC", 'AI "LE RELAIS', "ETTI NORD"]


def test_tab_row_names_the_tab(tmp_path):
    def tab_row_4(lines):
        lines[3] = lines[3].replace("|", "\t")

    write_structure(tmp_path / "raw", structure_rows(), None, tab_row_4)
    ingest(tmp_path / "raw", tmp_path / "out", salt=TEST_KEY)
    assert quarantine(tmp_path / "out") == [
        (
            "Structure",
            4,
            "wrong_field_count",
            "",
            "1 field, expected 37: wrong separator on this line (37 fields separated by '\\t')",
        )
    ]


def test_newline_inside_the_last_field_with_fin_is_glued(tmp_path):
    rows = structure_rows()
    rows[1]["structure_denomination"] = "ATELIER\nCHANTIER"
    rows[2]["structure_denomination"] = "EI\nDU\nCANAL"  # two newlines: two lines glued
    write_structure(tmp_path / "raw", rows, 4)
    m = ingest(tmp_path / "raw", tmp_path / "out", salt=TEST_KEY)
    check_accounting(m)
    info = m["tables"]["Structure"]
    assert (info["rows_read"], info["rows_kept"], info["rows_quarantined"]) == (4, 4, 0)
    assert info["embedded_newlines_joined"] == 3
    p = load_processed(tmp_path / "out")
    assert len(p.quarantine) == 0
    st = p.structure
    assert st["structure_id_siae"].tolist() == [101, 102, 103, 104]
    assert st["source_line"].tolist() == [3, 4, 6, 9]
    # the newline inside a field becomes a space
    assert st["structure_denomination"].tolist() == [
        "ACI DU PARC",
        "ATELIER CHANTIER",
        "EI DU CANAL",
        "ETTI NORD",
    ]


def test_newline_inside_the_last_field_without_fin_is_a_broken_row(tmp_path):
    # without FIN nothing says which reading is right: the default (broken row) keeps every
    # line accounted for, and the quarantine points at it
    rows = structure_rows()
    rows[1]["structure_denomination"] = "ATELIER\nCHANTIER"
    write_structure(tmp_path / "raw", rows, None)
    m = ingest(tmp_path / "raw", tmp_path / "out", salt=TEST_KEY)
    check_accounting(m)
    info = m["tables"]["Structure"]
    assert (info["rows_read"], info["rows_kept"], info["rows_quarantined"]) == (5, 4, 1)
    assert quarantine(tmp_path / "out") == [
        ("Structure", 5, "wrong_field_count", "", "1 field, expected 37")
    ]
    st = load_processed(tmp_path / "out").structure
    assert st["structure_denomination"].tolist() == [
        "ACI DU PARC",
        "ATELIER",
        "EI DU CANAL",
        "ETTI NORD",
    ]
    assert st["source_line"].tolist() == [3, 4, 6, 7]


def test_field_ending_with_a_newline_is_glued_with_or_without_fin(tmp_path):
    for fin in (None, 4):
        rows = structure_rows()
        # a middle field ends with a newline: the next physical line starts with '|'
        rows[1]["structure_date_modification"] = "15/03/2012\n"
        raw, out = tmp_path / f"raw{fin}", tmp_path / f"out{fin}"
        write_structure(raw, rows, fin)
        m = ingest(raw, out, salt=TEST_KEY)
        check_accounting(m)
        info = m["tables"]["Structure"]
        assert (info["rows_read"], info["rows_quarantined"]) == (4, 0)
        assert info["embedded_newlines_joined"] == 1
        st = load_processed(out).structure
        assert st["source_line"].tolist() == [3, 4, 6, 7]
        assert st["structure_denomination"].tolist() == [
            "ACI DU PARC",
            'AI "LE RELAIS',
            "EI DU CANAL",
            "ETTI NORD",
        ]


def test_fin_matching_neither_reading_stops_with_the_ambiguous_lines(tmp_path):
    # a newline inside the last field of row 102 AND row 103 written with ';': FIN 4 (the
    # true number of rows) matches neither "both broken" (5) nor "both glued" (3)
    rows = structure_rows()
    rows[1]["structure_denomination"] = "ATELIER\nCHANTIER"

    def semicolon_row_6(lines):
        lines[5] = lines[5].replace("|", ";")

    raw = tmp_path / "raw"
    write_structure(raw, rows, 4, semicolon_row_6)
    out = tmp_path / "out"
    with pytest.raises(InputError) as exc:
        ingest(raw, out, salt=TEST_KEY)
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["raw"]  # no temporary left
    msg = str(exc.value)
    assert "\n" not in msg
    assert msg.startswith(
        f"Table Structure: file {raw / STRUCTURE}, line 8 (FIN line): the FIN line announces "
        "4 rows, but the file holds 5 data rows if the 2 line(s) without '|' after a complete "
        "row (line(s) 5, 6) are broken rows, or 3 if they continue the last field of the row "
        "before them"
    )
    assert "neither count matches" in msg
    assert "expected FIN<number of data rows>" in msg


def test_many_ambiguous_lines_are_listed_by_the_first_five(tmp_path):
    rows = structure_rows()
    rows += [dict(r, structure_id_siae=str(int(r["structure_id_siae"]) + 4)) for r in rows]
    rows[0]["structure_denomination"] = "A\nB\nC\nD\nE\nF\nG"  # 6 lines without '|'
    write_structure(tmp_path / "raw", rows, 9)
    with pytest.raises(InputError) as exc:
        ingest(tmp_path / "raw", tmp_path / "out", salt=TEST_KEY)
    msg = str(exc.value)
    assert "announces 9 rows, but the file holds 14 data rows if the 6 line(s)" in msg
    assert "(line(s) 4, 5, 6, 7, 8 and 1 more) are broken rows, or 8 if" in msg


def test_a_semicolon_row_stays_a_file_fault_when_most_rows_are_broken(tmp_path):
    def semicolon_rows(lines):
        lines[3:6] = [ln.replace("|", ";") for ln in lines[3:6]]

    write_structure(tmp_path / "raw", structure_rows(), 4, semicolon_rows)
    with pytest.raises(InputError) as exc:
        ingest(tmp_path / "raw", tmp_path / "out", salt=TEST_KEY)
    msg = str(exc.value)
    assert msg.startswith(f"Table Structure: file {tmp_path / 'raw' / STRUCTURE}: 3 of 4 data")
    assert "first at line 4" in msg and "';'" in msg
