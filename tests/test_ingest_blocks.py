"""The ingest reads a file block by block (``block_bytes``): whatever the size of the blocks,
the parquet tables, ``quarantine.csv``, the manifest and every error message are those of a
read of the whole file (the default block of 64 MiB holds each fixture file whole). The tiny
blocks below (a few rows, down to one line) put block boundaries everywhere: between the
lines of a glued record, next to blank lines, ambiguous lines, bad rows, the FIN line."""

from __future__ import annotations

import gzip
import io
import json
import sys

import pyarrow.parquet as pq
import pytest

from fluxiae_writer import render_table
from iae_diag.errors import InputError
from iae_diag.ingest import ingest
from iae_diag.ingest.framing import split_blocks
from iae_diag.processed import OPTIONAL_TABLE_FILES, TABLE_FILES
from ingest_helpers import NIRS, TEST_KEY, base_rows, header, write_all

STAMP = "15012014_060000"
#: 1 byte: a block ends at the first possible place, i.e. after nearly every line
SMALL_BLOCKS = (1, 150, 1000)
#: Structure with structure_denomination (kept) last: a newline inside it is ambiguous
STRUCTURE_COLUMNS = [c for c in header("Structure") if c != "structure_denomination"] + [
    "structure_denomination"
]


def _name(table: str, gz: bool = False) -> str:
    return f"fluxIAE_{table}_{STAMP}.csv" + (".gz" if gz else "")


def _emi_rows(n: int) -> list[dict]:
    """``n`` monthly states (ids 9001...), with a bad row of each kind every few rows."""
    base = base_rows()["EtatMensuelIndiv"]
    rows = []
    for k in range(n):
        r = dict(base[k % 3], emi_dsm_id=str(9001 + k))
        if k % 11 == 4:
            r["emi_sme_mois"] = "13"  # month_out_of_range
        if k % 13 == 7:
            r["emi_afi_id"] = "5999"  # unknown_annexe_financiere
        if k % 17 == 9:
            r["emi_nb_heures_travail"] = "12,5"  # invalid_number
        if k % 7 == 2:
            r["emi_sme_version"] = "v2"  # unknown value, the row kept
        rows.append(r)
    return rows


def _salarie_rows(n: int) -> list[dict]:
    """``n`` Salarie rows; NIRS[0] is carried by a woman (row 0) and, far below, by a man:
    a shared placeholder, whichever block each row falls in."""
    base = base_rows()["Salarie"]
    rows = [dict(base[k % 3], salarie_id=str(301 + k)) for k in range(n)]
    for k, r in enumerate(rows[1:], start=1):
        if r["salarie_nir"]:
            r["salarie_nir"] = f"1840575{k:06d}"  # valid, one person each
    rows[n - 2].update(salarie_nir=NIRS[0], salarie_rci_libelle="M.")
    rows[5]["salarie_date_naissance"] = "31/02/1990"  # birth_date_invalid
    return rows


def _structure_text(rows: list[dict], fin: int | None) -> str:
    return render_table(
        "Structure", rows, columns=STRUCTURE_COLUMNS, fin=fin is not None, fin_count=fin
    )


def _structure_rows(n: int) -> list[dict]:
    base = base_rows()["Structure"]
    return [dict(base[k % 2], structure_id_siae=str(101 + k)) for k in range(n)]


def write_faulty_folder(raw) -> None:
    """Every table in the real layout, with: EtatMensuelIndiv gzipped, 60 rows with bad rows
    of four reasons and unknown values; Structure with newlines inside a middle field (glued),
    a field ending with a newline, blank lines, two rows written with ';', CRLF line ends and a
    BOM; Salarie with a placeholder NIR whose two rows are far apart."""
    rows = base_rows()
    rows["EtatMensuelIndiv"] = _emi_rows(60)
    rows["Salarie"] = _salarie_rows(40)
    st = _structure_rows(20)
    st[3]["structure_date_modification"] = "15/03/2012\n"  # the next line starts with '|'
    st[6]["structure_siret_signature"] = "0123\n4567800011"  # newline inside a middle field
    st[9]["structure_code_naf"] = "88\n99\nB"
    rows["Structure"] = st
    write_all(raw, rows, {"EtatMensuelIndiv": {"gz": True}})
    # physical lines (index 0: DEB): row k at k + 2, + 1 after row 3, + 1 after row 6, + 2
    # after row 9
    lines = _structure_text(st, None).split("\n")
    lines[12 + 6] = lines[12 + 6].replace("|", ";")  # rows 12 and 16: broken rows
    lines[16 + 6] = lines[16 + 6].replace("|", ";")
    lines.insert(11 + 6, "")  # blank lines before rows 11 and 18
    lines.insert(18 + 7, "")
    # FIN: the rows as framed (a ';' row is a row, the glued lines are not)
    text = "\r\n".join(lines[:-1]) + "\r\nFIN20\r\n"
    (raw / _name("Structure")).write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))


def outputs(out) -> dict:
    """Every output of an ingest, comparable: parquet files read back as tables, quarantine
    and manifest."""
    got = {"manifest": json.loads((out / "manifest.json").read_text(encoding="utf-8"))}
    got["quarantine"] = (out / "quarantine.csv").read_text(encoding="utf-8")
    for f in [*TABLE_FILES.values(), *OPTIONAL_TABLE_FILES.values()]:
        if (out / f).exists():
            got[f] = pq.read_table(out / f)
    return got


def ingest_each_block_size(tmp_path, raw) -> list[dict]:
    """The outputs of the default ingest, then of each of SMALL_BLOCKS."""
    results = []
    for size in (None, *SMALL_BLOCKS):
        out = tmp_path / f"out-{size}"
        kw = {} if size is None else {"block_bytes": size}
        ingest(raw, out, salt=TEST_KEY, **kw)
        results.append(outputs(out))
    return results


def test_blocks_of_any_size_give_the_same_tables_quarantine_and_manifest(tmp_path):
    raw = tmp_path / "raw"
    write_faulty_folder(raw)
    whole, *by_blocks = ingest_each_block_size(tmp_path, raw)
    m = whole["manifest"]["tables"]
    # the fixture holds what it claims (values computed by hand)
    emi = m["EtatMensuelIndiv"]
    assert emi["file"] == _name("EtatMensuelIndiv", gz=True)
    # month: k = 4 15 26 37 48 59; hours (checked after the month): 9 43; AF (a reference,
    # checked last): 7 20 33 46
    assert (emi["rows_read"], emi["rows_kept"], emi["rows_quarantined"]) == (60, 48, 12)
    assert emi["quarantined_by_reason"] == {
        "invalid_number": 2,
        "month_out_of_range": 6,
        "unknown_annexe_financiere": 4,
    }
    # version 'v2': k = 2 9 16 23 30 37 44 51 58, of which 9 and 37 are quarantined
    assert emi["unknown_values"] == {"emi_sme_version": 7}
    st = m["Structure"]
    assert (st["rows_read"], st["rows_kept"], st["rows_quarantined"]) == (20, 18, 2)
    assert st["quarantined_by_reason"] == {"wrong_field_count": 2}
    assert (st["embedded_newlines_joined"], st["blank_lines_skipped"]) == (4, 2)
    assert st["fin_count"] == 20
    sal = m["Salarie"]
    assert (sal["nir_placeholder"], sal["nir_placeholder_values"]) == (2, 1)
    assert sal["birth_date_invalid"] == 1
    # ... and every block size gives exactly the same outputs
    for got in by_blocks:
        assert got["manifest"] == whole["manifest"]
        assert got["quarantine"] == whole["quarantine"]
        for f in TABLE_FILES.values():
            assert got[f].equals(whole[f], check_metadata=True), f
    # the small blocks did cut the files: one row group per block
    assert pq.ParquetFile(tmp_path / "out-1" / TABLE_FILES["EtatMensuelIndiv"]).num_row_groups > 30
    assert (
        pq.ParquetFile(tmp_path / "out-None" / TABLE_FILES["EtatMensuelIndiv"]).num_row_groups == 1
    )


def test_lines_continuing_the_last_field_as_the_fin_count_says_are_glued_by_blocks(tmp_path):
    """The FIN count decides, for the whole file, that lines without '|' continue the last
    field of the row before them: a block cannot know it before the end of the file, which is
    then read again (same result as a read of the whole file)."""
    raw = tmp_path / "raw"
    write_all(raw)
    st = _structure_rows(12)
    st[2]["structure_denomination"] = "ATELIER\nCHANTIER"
    st[8]["structure_denomination"] = "EI\nDU\nCANAL"
    (raw / _name("Structure")).write_text(_structure_text(st, 12), encoding="utf-8")
    whole, *by_blocks = ingest_each_block_size(tmp_path, raw)
    info = whole["manifest"]["tables"]["Structure"]
    assert (info["rows_read"], info["rows_quarantined"], info["embedded_newlines_joined"]) == (
        12,
        0,
        3,
    )
    names = whole[TABLE_FILES["Structure"]].column("structure_denomination").to_pylist()
    assert names[2] == "ATELIER CHANTIER" and names[8] == "EI DU CANAL"
    for got in by_blocks:
        assert got["manifest"] == whole["manifest"]
        assert got["quarantine"] == whole["quarantine"]
        assert got[TABLE_FILES["Structure"]].equals(whole[TABLE_FILES["Structure"]])


def test_a_block_of_broken_lines_does_not_refuse_a_file_that_is_mostly_readable(tmp_path, caplog):
    """1 200 rows written with ';' among 3 000 (no FIN line): a block made mostly of them is
    only counted (most of its lines are unreadable), the whole file is not (1 200 <= 1 500),
    so it is read again and the rows are quarantined, as when the file is read whole."""
    raw = tmp_path / "raw"
    rows = base_rows()
    rows["EtatMensuelIndiv"] = _emi_rows(3000)
    write_all(raw, rows, {"EtatMensuelIndiv": {"fin": False}})
    path = raw / _name("EtatMensuelIndiv")
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[1000:2200] = [ln.replace("|", ";") for ln in lines[1000:2200]]
    path.write_text("\n".join(lines), encoding="utf-8")
    results = []
    caplog.set_level("INFO", logger="iae_diag.ingest")
    for size in (None, 20_000):
        out = tmp_path / f"out-{size}"
        ingest(raw, out, salt=TEST_KEY, **({} if size is None else {"block_bytes": size}))
        results.append(outputs(out))
    whole, by_blocks = results
    assert (
        "EtatMensuelIndiv: fluxIAE_EtatMensuelIndiv_15012014_060000.csv read again" in caplog.text
    )
    info = whole["manifest"]["tables"]["EtatMensuelIndiv"]
    # the last ';' line is followed by a row starting with '|' (an empty first field): a
    # field ending with a newline, glued to it; the 1 199 others are broken rows
    assert (info["rows_read"], info["embedded_newlines_joined"]) == (2999, 1)
    assert info["quarantined_by_reason"]["wrong_field_count"] == 1199
    assert by_blocks["manifest"] == whole["manifest"]
    assert by_blocks["quarantine"] == whole["quarantine"]
    f = TABLE_FILES["EtatMensuelIndiv"]
    assert by_blocks[f].equals(whole[f])


def _error(raw, tmp_path, block_bytes: int | None) -> str:
    out = tmp_path / f"out-{block_bytes}"
    with pytest.raises(InputError) as exc:
        kw = {} if block_bytes is None else {"block_bytes": block_bytes}
        ingest(raw, out, salt=TEST_KEY, **kw)
    assert not out.exists()
    return str(exc.value)


def _semicolon(first: int, last: int):
    def edit(lines: list[str]) -> None:
        lines[first:last] = [ln.replace("|", ";") for ln in lines[first:last]]

    return edit


def _fault_fin(raw) -> None:
    rows = base_rows()
    rows["EtatMensuelIndiv"] = _emi_rows(40)
    write_all(raw, rows, {"EtatMensuelIndiv": {"gz": True, "fin_count": 41}})


def _fault_utf8(raw) -> None:
    rows = base_rows()
    rows["EtatMensuelIndiv"] = _emi_rows(40)
    write_all(raw, rows)
    path = raw / _name("EtatMensuelIndiv")
    data = path.read_bytes().replace(b"|v2|", b"|v\xe92|")  # Latin-1 'é', from row 2 on
    path.write_bytes(data)


def _fault_ambiguous(raw) -> None:
    write_all(raw)
    st = _structure_rows(12)
    st[7]["structure_denomination"] = "ATELIER\nCHANTIER"
    lines = _structure_text(st, 12).split("\n")
    _semicolon(11, 12)(lines)
    (raw / _name("Structure")).write_text("\n".join(lines), encoding="utf-8")


def _fault_separator(raw) -> None:
    rows = base_rows()
    rows["EtatMensuelIndiv"] = _emi_rows(2100)
    write_all(raw, rows)
    path = raw / _name("EtatMensuelIndiv")
    lines = path.read_text(encoding="utf-8").split("\n")
    _semicolon(500, 2102)(lines)
    path.write_text("\n".join(lines), encoding="utf-8")


def _fault_truncated_gzip_after_a_bad_header(raw) -> None:
    rows = base_rows()
    rows["EtatMensuelIndiv"] = _emi_rows(400)
    write_all(raw, rows)
    path = raw / _name("EtatMensuelIndiv")
    text = path.read_text(encoding="utf-8").replace("emi_sme_mois", "emi_sme_moi", 1)
    data = gzip.compress(text.encode("utf-8"), mtime=0)
    path.unlink()
    (raw / _name("EtatMensuelIndiv", gz=True)).write_bytes(data[: len(data) * 2 // 3])


@pytest.mark.parametrize(
    "fault, expected",
    [
        (_fault_fin, "line 43 (FIN line): the FIN line announces 41 rows but the file holds 40"),
        (_fault_utf8, "is not UTF-8: line 5, column emi_sme_version, byte"),
        (_fault_ambiguous, "line 16 (FIN line): the FIN line announces 12 rows, but the file"),
        (_fault_separator, ": 1602 of 2100 data lines do not hold the 31 '|'-separated"),
        (_fault_truncated_gzip_after_a_bad_header, "is a truncated gzip file"),
    ],
)
def test_error_messages_do_not_depend_on_the_blocks(tmp_path, fault, expected):
    raw = tmp_path / "raw"
    fault(raw)
    whole = _error(raw, tmp_path, None)
    assert expected in whole
    for size in (*SMALL_BLOCKS, 20_000):
        assert _error(raw, tmp_path, size) == whole
    assert sorted(p.name for p in tmp_path.iterdir()) == ["raw"]  # no temporary left


def test_split_blocks_cuts_between_two_complete_lines():
    text = (
        b"DEBT|||\na|b|c|d\n1|2|3|4\n1b|2|3|4\n5|6|7\n|8\n9|10|11|12\n13|14|15|16\nx\n"
        b"17|18|19|20\nFIN6\n"
    )
    pieces = [text[i : i + 5] for i in range(0, len(text), 5)]  # pieces of any size
    blocks = list(split_blocks(iter(pieces), 1))
    assert b"".join(b for b, _ in blocks) == text
    assert [last for _, last in blocks] == [False] * (len(blocks) - 1) + [True]
    # the header with the first row; no cut inside "5|6|7 / |8", around the line "x" or
    # between the last row and the FIN line
    assert [b for b, _ in blocks] == [
        b"DEBT|||\na|b|c|d\n1|2|3|4\n",
        b"1b|2|3|4\n5|6|7\n|8\n9|10|11|12\n",
        b"13|14|15|16\nx\n17|18|19|20\nFIN6\n",
    ]


def test_progress_counts_the_rows_block_after_block(tmp_path, monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    raw = tmp_path / "raw"
    rows = base_rows()
    rows["EtatMensuelIndiv"] = _emi_rows(60)
    write_all(raw, rows)
    err = Terminal()
    monkeypatch.setattr(sys, "stderr", err)
    monkeypatch.delenv("CI", raising=False)
    ingest(raw, tmp_path / "out", salt=TEST_KEY, block_bytes=2000)
    shown = [
        int(line.split(", ")[1].split()[0])
        for line in err.getvalue().split("\r")
        if line.startswith("ingest: EtatMensuelIndiv (3/5), ")
    ]
    assert len(shown) > 3 and shown == sorted(shown) and shown[-1] == 60
