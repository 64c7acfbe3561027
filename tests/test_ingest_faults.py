"""File-level faults: the ingest stops with a message naming the table, the file, the line
and the column at fault, and writes nothing."""

from __future__ import annotations

import gzip

import pytest

from fluxiae_writer import render_table
from iae_diag.errors import InputError
from iae_diag.ingest import ingest
from ingest_helpers import TEST_KEY, base_rows, header, write_all, write_one

SAL = "fluxIAE_Salarie_15012014_060000.csv"
EMI = "fluxIAE_EtatMensuelIndiv_15012014_060000.csv"


@pytest.fixture
def raw(tmp_path):
    write_all(tmp_path / "raw")
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("previous run")
    return tmp_path / "raw"


def run_fault(raw) -> str:
    out = raw.parent / "out"
    with pytest.raises(InputError) as exc:
        ingest(raw, out, salt=TEST_KEY)
    # nothing written: the output folder holds exactly what it held before
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]
    assert sorted(p.name for p in raw.parent.iterdir()) == ["out", "raw"]  # no temporary left
    msg = str(exc.value)
    assert "\n" not in msg  # one paragraph
    return msg


def test_missing_table(raw):
    (raw / SAL).unlink()
    msg = run_fault(raw)
    assert msg.startswith("Missing fluxIAE table(s) Salarie in ")
    assert str(raw) in msg
    assert "fluxIAE_<Table>_<ddmmyyyy>_<hhmmss>.csv" in msg


def test_missing_required_column(raw):
    rows = base_rows()
    cols = [c for c in header("EtatMensuelIndiv") if c != "emi_sme_mois"]
    write_one(raw, "EtatMensuelIndiv", rows["EtatMensuelIndiv"], columns=cols)
    msg = run_fault(raw)
    assert msg.startswith(f"Table EtatMensuelIndiv: file {raw / EMI}, line 2 (header)")
    assert "missing required column(s) emi_sme_mois" in msg


def test_wrong_separator(raw):
    text = render_table("Salarie", base_rows()["Salarie"], columns=header("Salarie"))
    (raw / SAL).write_text(text.replace("|", ";"), encoding="utf-8")
    msg = run_fault(raw)
    assert msg.startswith(f"Table Salarie: file {raw / SAL}, line 2 (header): wrong separator")
    assert "';'" in msg and "'|'" in msg


def test_wrong_separator_in_the_data_lines(raw):
    rows = base_rows()["Salarie"] * 4
    text = render_table("Salarie", rows, columns=header("Salarie"))
    lines = text.split("\n")
    lines[2:-2] = [ln.replace("|", ";") for ln in lines[2:-2]]
    (raw / SAL).write_text("\n".join(lines), encoding="utf-8")
    msg = run_fault(raw)
    assert msg.startswith(f"Table Salarie: file {raw / SAL}: 12 of 12 data rows")
    assert "first at line 3" in msg and "';'" in msg


def test_a_single_row_file_with_another_separator(raw):
    text = render_table("Salarie", base_rows()["Salarie"][:1], columns=header("Salarie"))
    lines = text.split("\n")
    lines[2] = lines[2].replace("|", ";")
    (raw / SAL).write_text("\n".join(lines), encoding="utf-8")
    msg = run_fault(raw)
    assert msg.startswith(f"Table Salarie: file {raw / SAL}: 1 of 1 data rows")
    assert "first at line 3 (1 fields)" in msg


def test_not_utf8_names_line_and_column(raw):
    rows = base_rows()
    rows["Structure"][1]["structure_adresse_admin_commune"] = "ÉVRY"
    path = raw / "fluxIAE_Structure_15012014_060000.csv"
    text = render_table("Structure", rows["Structure"], columns=header("Structure"))
    path.write_bytes(text.encode("latin-1"))
    msg = run_fault(raw)
    assert msg.startswith(f"Table Structure: file {path} is not UTF-8: line 4")
    assert "column structure_adresse_admin_commune" in msg
    assert "0xc9" in msg


@pytest.mark.parametrize(
    "content, detail",
    [
        (b"", "is empty: expected a header line"),
        (b"\n\n", "is empty: expected a header line"),
        (b"DEBSalarie15012014_060000|||\n", "holds only the DEB line"),
    ],
)
def test_empty_file(raw, content, detail):
    (raw / SAL).write_bytes(content)
    msg = run_fault(raw)
    assert msg.startswith(f"Table Salarie: file {raw / SAL} ")
    assert detail in msg


def test_empty_gzip_file(raw):
    (raw / SAL).unlink()
    (raw / (SAL + ".gz")).write_bytes(b"")
    msg = run_fault(raw)
    assert msg.startswith(f"Table Salarie: file {raw / SAL}.gz is empty")


def test_header_only_file_is_empty(raw):
    write_one(raw, "Salarie", [], columns=header("Salarie"))
    msg = run_fault(raw)
    assert msg.startswith(f"Table Salarie: file {raw / SAL} is empty: no data row")
    assert "line 2" in msg


def test_fin_count_mismatch(raw):
    write_one(raw, "Salarie", base_rows()["Salarie"], columns=header("Salarie"), fin_count=5)
    msg = run_fault(raw)
    assert msg.startswith(f"Table Salarie: file {raw / SAL}, line 6 (FIN line)")
    assert "announces 5 rows but the file holds 3 data rows (lines 3 to 5)" in msg


def test_truncated_gzip(raw):
    (raw / SAL).unlink()
    path = write_one(
        raw, "Salarie", base_rows()["Salarie"] * 50, columns=header("Salarie"), gz=True
    )
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    msg = run_fault(raw)
    assert msg.startswith(f"Table Salarie: file {path} is a truncated gzip file")
    assert "line " in msg


def test_corrupt_gzip(raw):
    (raw / SAL).unlink()
    path = raw / (SAL + ".gz")
    data = bytearray(gzip.compress(b"salarie_id|x\n1|2\n" * 100, mtime=0))
    data[20:30] = b"\xff" * 10
    path.write_bytes(bytes(data))
    msg = run_fault(raw)
    assert msg.startswith(f"Table Salarie: file {path} is not a valid gzip file")


def test_not_gzip_at_all(raw):
    (raw / SAL).unlink()
    path = raw / (SAL + ".gz")
    path.write_bytes(b"salarie_id|salarie_nir\n1|2\n")
    msg = run_fault(raw)
    assert msg.startswith(f"Table Salarie: file {path} is not a valid gzip file")


def test_invalid_stamp_in_file_name(raw):
    (raw / SAL).rename(raw / "fluxIAE_Salarie_32012014_060000.csv")
    msg = run_fault(raw)
    assert "32012014_060000" in msg and "not a valid date" in msg


def test_two_extracts_with_the_same_stamp(raw):
    (raw / (SAL + ".gz")).write_bytes(gzip.compress((raw / SAL).read_bytes(), mtime=0))
    msg = run_fault(raw)
    assert msg.startswith("Table Salarie: two extracts carry the same stamp")
    assert SAL in msg and SAL + ".gz" in msg


def test_missing_raw_folder(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        ingest(tmp_path / "nope", tmp_path / "out", salt=TEST_KEY)
    assert not (tmp_path / "out").exists()
