"""Privacy of the ingest: valid NIR and shared placeholders (definitions v2), the keyed hash
(HMAC-SHA-256 under a secret key), the refusal to pseudonymise real data with a public or weak
key, the synthetic marker, the key file, and output-folder errors (probe M1, m2)."""

from __future__ import annotations

import gzip
import hashlib
import hmac
import json
import logging
import os
import random
import stat

import pyarrow as pa
import pytest

from iae_diag import cli, config
from iae_diag.errors import InputError
from iae_diag.ingest import ingest
from iae_diag.ingest.privacy import check_nir
from iae_diag.processed import load_processed
from ingest_helpers import NIRS, TEST_KEY, base_rows, write_all


def hmac_hex(key: str, nir13: str) -> str:
    return hmac.new(key.encode(), nir13.encode(), hashlib.sha256).hexdigest()


def write_synthetic(folder, rows=None, unmarked=()):
    """The fixture with the marker of `iae-diag synth` in every table file but ``unmarked``."""
    rows = base_rows() if rows is None else rows
    return write_all(folder, rows, options={t: {"synthetic": t not in unmarked} for t in rows})


def folder_listing(path):
    return sorted(str(p.relative_to(path)) for p in path.rglob("*"))


# ------------------------------------------------------------------------------ NIR rules


@pytest.mark.parametrize(
    "value, expected",
    [
        ("1840575123456", ("1840575123456", "ok")),
        ("1840575123456" + "25", ("1840575123456", "ok")),  # 97 - 1840575123456 mod 97 = 25
        ("1840575123456" + "26", (None, "invalid")),  # wrong control key
        ("1 84 05 75 123 456 25", ("1840575123456", "ok")),  # spaces removed
        ("185052A123456", ("185052A123456", "ok")),
        ("185052a123456" + "33", ("185052A123456", "ok")),  # 2A -> 19: 1850519123456 -> 33
        ("185052B123456" + "60", ("185052B123456", "ok")),  # 2B -> 18: 1850518123456 -> 60
        ("185052B123456" + "33", (None, "invalid")),  # the 2A key on a 2B NIR
        ("2840575123456" + "72", ("2840575123456", "ok")),
        ("3840575123456", ("3840575123456", "ok")),
        ("4840575123456", ("4840575123456", "ok")),
        ("7840575123456" + "16", ("7840575123456", "ok")),
        ("8840575123456", ("8840575123456", "ok")),
        ("0840575123456", (None, "invalid")),  # first character 0
        ("5840575123456", (None, "invalid")),
        ("9840575123456", (None, "invalid")),
        ("0000000000000", (None, "invalid")),  # the known placeholder
        ("000000000000000", (None, "invalid")),
        ("1840575123A56", (None, "invalid")),  # a letter outside the département position
        ("18405751234567", (None, "invalid")),  # 14 characters
        ("184057512345", (None, "invalid")),  # 12 characters
        ("1840575123456" + "2A", (None, "invalid")),
        ("", (None, "missing")),
        ("   ", (None, "missing")),
        (None, (None, "missing")),
    ],
)
def test_nir_validity(value, expected):
    assert check_nir(value) == expected


def salarie_rows(specs):
    """Salarie rows (id, NIR, civility, birth date) on the fixture's other columns."""
    base = base_rows()["Salarie"][0]
    return [
        dict(
            base,
            salarie_id=str(sid),
            salarie_nir=nir,
            salarie_rci_libelle=civ,
            salarie_date_naissance=born,
        )
        for sid, nir, civ, born in specs
    ]


def run_salarie(tmp_path, specs, name="raw"):
    rows = base_rows()
    rows["Salarie"] = salarie_rows(specs)
    write_all(tmp_path / name, rows)
    m = ingest(tmp_path / name, tmp_path / f"out-{name}", salt=TEST_KEY)
    s = load_processed(tmp_path / f"out-{name}").salarie
    return m["tables"]["Salarie"], dict(zip(s["salarie_id"], s["person_key"], strict=True))


def test_invalid_and_missing_nir_give_no_person_key(tmp_path):
    info, keys = run_salarie(
        tmp_path,
        [
            (1, "1840575123456" + "25", "M.", "01/01/1984"),
            (2, "1840575123456" + "26", "M.", "01/01/1984"),  # wrong control key
            (3, "0000000000000", "M.", "01/01/1984"),
            (4, "5840575123456", "MME", "01/01/1984"),
            (5, "", "MME", "01/01/1990"),
            (6, "185052B123456" + "60", "M.", "01/01/1985"),
        ],
    )
    assert keys == {
        1: hmac_hex(TEST_KEY, "1840575123456"),
        2: None,
        3: None,
        4: None,
        5: None,
        6: hmac_hex(TEST_KEY, "185052B123456"),
    }
    assert (info["nir_missing"], info["nir_invalid"], info["nir_placeholder"]) == (1, 3, 0)
    assert info["rows_kept"] == 6


def test_nir_shared_by_two_sexes_or_two_birth_years_is_a_placeholder(tmp_path):
    """Audit F6: a NIR carried by rows of different sex or birth year is not a person."""
    specs = [
        (1, "2910293456789", "MME", "03/11/1991"),
        (2, "2910293456789", "M.", "03/11/1991"),  # another sex: placeholder
        (3, "1840575123456", "M.", "12/05/1984"),
        (4, "1840575123456" + "25", "M.", "12/05/1985"),  # another birth year: placeholder
        (5, "1840575123456", "M", "12/05/1984"),
        # same NIR, same sex and year, in two SIAE (two salarié ids): one person
        (6, "2840575123456", "MME", "01/02/1984"),
        (7, "2840575123456" + "72", "MME", "30/06/1984"),
        # an unknown sex or birth year contradicts nothing
        (8, "7840575123456", "", "01/01/1970"),
        (9, "7840575123456", "M.", ""),
    ]
    info, keys = run_salarie(tmp_path, specs)
    same = hmac_hex(TEST_KEY, "2840575123456")
    assert keys == {
        1: None,
        2: None,
        3: None,
        4: None,
        5: None,
        6: same,
        7: same,
        8: hmac_hex(TEST_KEY, "7840575123456"),
        9: hmac_hex(TEST_KEY, "7840575123456"),
    }
    assert info["nir_placeholder"] == 5
    assert info["nir_placeholder_values"] == 2
    assert (info["nir_missing"], info["nir_invalid"]) == (0, 0)
    assert info["rows_kept"] == info["rows_read"] == 9
    # the placeholder rule does not depend on the order of the rows
    shuffled = specs[:]
    random.Random(3).shuffle(shuffled)
    assert shuffled != specs
    info2, keys2 = run_salarie(tmp_path, shuffled, name="shuffled")
    assert keys2 == keys
    assert info2["nir_placeholder"] == 5


# ------------------------------------------------------------------------------ the key


@pytest.mark.parametrize(
    "env, problem",
    [
        (None, "no key is configured"),
        ("", "is empty"),
        (config.DEMO_KEY, "is the public demonstration key"),
        ("iae-diag-default-salt-change-me", "is the public demonstration key"),
        ("x" * 31, "is shorter than 32 characters"),
    ],
)
def test_real_data_without_a_proper_key_is_refused(tmp_path, monkeypatch, capsys, env, problem):
    if env is not None:
        monkeypatch.setenv("IAE_DIAG_SALT", env)
    write_all(tmp_path / "raw")
    before = folder_listing(tmp_path)
    out = tmp_path / "sub" / "out"
    with pytest.raises(InputError) as exc:
        ingest(tmp_path / "raw", out)
    msg = str(exc.value)
    assert msg.startswith("Refusing to pseudonymise real data without a secret key: ")
    assert problem in msg
    assert "iae-diag key create" in msg and "IAE_DIAG_SALT" in msg
    assert "fluxIAE_Structure_15012014_060000.csv, " in msg and "and 2 more carry no" in msg
    assert "\n" not in msg  # one paragraph
    assert folder_listing(tmp_path) == before  # nothing written, no folder created
    # the command: the same paragraph, exit 2, no traceback
    rc = cli.main(["ingest", "--raw", str(tmp_path / "raw"), "--out", str(out)])
    err = capsys.readouterr().err
    assert rc == 2
    assert err.startswith("iae-diag ingest: error: Refusing to pseudonymise real data")
    assert "Traceback" not in err
    assert folder_listing(tmp_path) == before


def test_key_of_exactly_32_characters_is_accepted(tmp_path, monkeypatch):
    monkeypatch.setenv("IAE_DIAG_SALT", "k" * 32)
    write_all(tmp_path / "raw")
    m = ingest(tmp_path / "raw", tmp_path / "out")
    assert (m["data_status"], m["key_kind"]) == ("real", "configured")
    key = load_processed(tmp_path / "out").salarie["person_key"].iloc[0]
    assert key == hmac_hex("k" * 32, NIRS[0])


def test_synthetic_data_gets_the_demonstration_key(tmp_path):
    write_synthetic(tmp_path / "raw")
    m = ingest(tmp_path / "raw", tmp_path / "out")
    assert (m["data_status"], m["key_kind"]) == ("synthetic", "demonstration")
    assert all(info["synthetic_marker"] for info in m["tables"].values())
    p = load_processed(tmp_path / "out")
    assert p.salarie["person_key"].iloc[0] == hmac_hex(config.DEMO_KEY, NIRS[0])
    # the marker is a framing line: the rows are the same as without it
    assert m["tables"]["Salarie"]["rows_read"] == 3
    assert p.salarie["source_line"].tolist() == [3, 4, 5]


def test_synthetic_data_with_a_configured_key(tmp_path, monkeypatch):
    monkeypatch.setenv("IAE_DIAG_SALT", TEST_KEY)
    write_synthetic(tmp_path / "raw")
    m = ingest(tmp_path / "raw", tmp_path / "out")
    assert (m["data_status"], m["key_kind"]) == ("synthetic", "configured")


def test_renamed_and_recompressed_synthetic_file_keeps_its_marker(tmp_path):
    paths = write_synthetic(tmp_path / "raw")
    src = paths["Salarie"]
    dst = src.with_name("fluxIAE_Salarie_01022014_101010.csv.gz")
    dst.write_bytes(gzip.compress(src.read_bytes(), mtime=0))
    src.unlink()
    m = ingest(tmp_path / "raw", tmp_path / "out")
    assert m["data_status"] == "synthetic"
    assert m["tables"]["Salarie"]["file"] == dst.name


def test_a_real_file_among_synthetic_ones_makes_the_data_real(tmp_path, monkeypatch, caplog):
    write_synthetic(tmp_path / "raw", unmarked=("Salarie",))
    with pytest.raises(InputError, match="no key is configured") as exc:
        ingest(tmp_path / "raw", tmp_path / "out")
    assert "fluxIAE_Salarie_15012014_060000.csv carry no synthetic marker" in str(exc.value)
    assert "fluxIAE_Structure" not in str(exc.value)
    assert not (tmp_path / "out").exists()
    monkeypatch.setenv("IAE_DIAG_SALT", TEST_KEY)
    with caplog.at_level(logging.WARNING, logger="iae_diag.ingest"):
        m = ingest(tmp_path / "raw", tmp_path / "out")
    assert (m["data_status"], m["key_kind"]) == ("real", "configured")
    assert [t for t, i in m["tables"].items() if not i["synthetic_marker"]] == ["Salarie"]
    assert (
        "treated as real" in caplog.text and "fluxIAE_Salarie_15012014_060000.csv" in caplog.text
    )


def test_a_marker_outside_the_deb_line_does_not_count(tmp_path, monkeypatch):
    from iae_diag.ingest.schemas import SYNTHETIC_MARKER

    rows = base_rows()
    rows["Structure"][0]["structure_denomination"] = SYNTHETIC_MARKER
    write_synthetic(tmp_path / "raw", rows, unmarked=("Structure",))
    with pytest.raises(InputError, match="fluxIAE_Structure_15012014_060000.csv carry no"):
        ingest(tmp_path / "raw", tmp_path / "out")


def test_manifest_holds_a_fingerprint_never_the_key(tmp_path):
    write_all(tmp_path / "raw")
    m = ingest(tmp_path / "raw", tmp_path / "out", salt=TEST_KEY)
    expected = hmac.new(TEST_KEY.encode(), b"iae-diag key fingerprint", hashlib.sha256)
    assert m["key_fingerprint"] == expected.hexdigest()[:16]
    assert m["nir_hash"].startswith("HMAC-SHA-256(key")
    for f in (tmp_path / "out").iterdir():
        assert TEST_KEY.encode() not in f.read_bytes(), f.name
    assert json.loads((tmp_path / "out" / "manifest.json").read_text()) == m


# ------------------------------------------------------------------------------ key file


def test_key_create_writes_a_private_random_key_used_by_the_ingest(tmp_path, capsys, monkeypatch):
    path = tmp_path / "keys" / "nir.key"
    assert cli.main(["key", "create", "--path", str(path)]) == 0
    out = capsys.readouterr().out
    text = path.read_text()
    assert len(text) == 65 and text.endswith("\n")
    key = text.strip()
    int(key, 16)  # hexadecimal
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert key not in out  # never printed
    assert f"IAE_DIAG_KEY_FILE={path}" in out
    # refuses to overwrite
    assert cli.main(["key", "create", "--path", str(path)]) == 2
    err = capsys.readouterr().err
    assert "already exists; refusing to overwrite it" in " ".join(err.split())
    assert path.read_text() == text
    # the ingest uses it through IAE_DIAG_KEY_FILE
    monkeypatch.setenv("IAE_DIAG_KEY_FILE", str(path))
    write_all(tmp_path / "raw")
    m = ingest(tmp_path / "raw", tmp_path / "out")
    assert (m["data_status"], m["key_kind"]) == ("real", "configured")
    person_key = load_processed(tmp_path / "out").salarie["person_key"].iloc[0]
    assert person_key == hmac_hex(key, NIRS[0])


def test_key_create_default_path_is_under_the_user_config(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    assert cli.main(["key", "create"]) == 0
    path = tmp_path / "cfg" / "iae-diag" / "nir.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "IAE_DIAG_KEY_FILE" not in capsys.readouterr().out  # found without it
    write_all(tmp_path / "raw")
    m = ingest(tmp_path / "raw", tmp_path / "out")
    assert m["key_kind"] == "configured"


def test_key_create_refuses_a_path_inside_the_repository(capsys):
    root = config.find_root()
    path = root / "data" / "nir.key"
    assert cli.main(["key", "create", "--path", str(path)]) == 2
    err = capsys.readouterr().err
    assert "inside the repository" in err and "Traceback" not in err
    assert not path.exists()


def test_key_file_readable_by_others_or_missing_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "nir.key"
    path.write_text("k" * 64 + "\n")
    path.chmod(0o644)
    monkeypatch.setenv("IAE_DIAG_KEY_FILE", str(path))
    write_all(tmp_path / "raw")
    with pytest.raises(InputError, match=f"can be read by other users .*chmod 600 {path}"):
        ingest(tmp_path / "raw", tmp_path / "out")
    monkeypatch.setenv("IAE_DIAG_KEY_FILE", str(tmp_path / "absent.key"))
    with pytest.raises(InputError, match="absent.key, which does not exist"):
        ingest(tmp_path / "raw", tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_short_key_file_is_refused_on_real_data(tmp_path, monkeypatch):
    path = tmp_path / "nir.key"
    path.write_text("short\n")
    path.chmod(0o600)
    monkeypatch.setenv("IAE_DIAG_KEY_FILE", str(path))
    write_all(tmp_path / "raw")
    with pytest.raises(InputError, match=r"key from the key file .*nir.key is shorter than 32"):
        ingest(tmp_path / "raw", tmp_path / "out")


# ------------------------------------------------------------------------------ output folder


def test_output_folder_that_is_a_file(tmp_path, capsys, monkeypatch):
    write_all(tmp_path / "raw")
    (tmp_path / "out").write_text("not a folder")
    with pytest.raises(InputError, match="exists and is not a folder"):
        ingest(tmp_path / "raw", tmp_path / "out", salt=TEST_KEY)
    with pytest.raises(InputError, match="cannot be created: .*out is a file"):
        ingest(tmp_path / "raw", tmp_path / "out" / "sub", salt=TEST_KEY)
    monkeypatch.setenv("IAE_DIAG_SALT", TEST_KEY)
    rc = cli.main(["ingest", "--raw", str(tmp_path / "raw"), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert rc == 2 and "Traceback" not in err
    # one message (the command wraps it at 100 columns)
    assert err.startswith("iae-diag ingest: error: The output folder ")
    assert " ".join(err.split()).endswith(
        "exists and is not a folder; give a folder for the processed data (--out)."
    )
    assert err.count("error:") == 1
    assert (tmp_path / "out").read_text() == "not a folder"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_output_folder(tmp_path):
    write_all(tmp_path / "raw")
    (tmp_path / "out").mkdir()
    (tmp_path / "out").chmod(0o500)
    try:
        with pytest.raises(InputError, match="is not writable"):
            ingest(tmp_path / "raw", tmp_path / "out", salt=TEST_KEY)
    finally:
        (tmp_path / "out").chmod(0o700)
    assert list((tmp_path / "out").iterdir()) == []


def test_write_failure_is_one_message_and_leaves_out_untouched(tmp_path, monkeypatch):
    """An OS error while writing (disk full, permissions changed meanwhile) is reported as an
    input error naming the folder; the temporary folder is removed."""
    from iae_diag.ingest.writing import ParquetSink

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(ParquetSink, "_write", full)
    write_all(tmp_path / "raw")
    with pytest.raises(InputError, match="Cannot write the processed data to .*No space left"):
        ingest(tmp_path / "raw", tmp_path / "out", salt=TEST_KEY)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["raw"]


def test_a_nir_typed_into_a_key_is_not_copied_into_the_quarantine(tmp_path):
    """Probe m5: the quarantine shows the faulty value, except one that looks like a NIR."""
    rows = base_rows()
    rows["Salarie"][1]["salarie_id"] = "ID" + NIRS[2]
    rows["ContratMission"][1]["contrat_id_pph"] = "2 91 02 93 456 789"
    write_all(tmp_path / "raw", rows)
    m = ingest(tmp_path / "raw", tmp_path / "out", salt=TEST_KEY)
    q = load_processed(tmp_path / "out").quarantine
    assert q[["table", "reason", "column", "value", "record_id"]].values.tolist() == [
        ["ContratMission", "invalid_id", "contrat_id_pph", "(hidden: looks like a NIR)", "402"],
        [
            "Salarie",
            "invalid_id",
            "salarie_id",
            "(hidden: looks like a NIR)",
            "(hidden: looks like a NIR)",
        ],
    ]
    assert m["tables"]["Salarie"]["rows_quarantined"] == 1
    blob = (tmp_path / "out" / "quarantine.csv").read_bytes()
    assert NIRS[2].encode() not in blob and b"456 789" not in blob


def test_not_writable_output_folder_is_one_message(tmp_path, monkeypatch):
    """The same check as above, on a machine where the tests run as root (who may write
    anywhere): the folder is reported as not writable."""
    from iae_diag.ingest import pipeline

    write_all(tmp_path / "raw")
    (tmp_path / "out").mkdir()
    monkeypatch.setattr(pipeline.os, "access", lambda path, mode: path != tmp_path / "out")
    with pytest.raises(InputError, match=r"the folder .*out is not writable; choose another"):
        ingest(tmp_path / "raw", tmp_path / "out", salt=TEST_KEY)
    assert list((tmp_path / "out").iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "raw"]


def test_unreadable_raw_file_is_one_message(tmp_path, monkeypatch):
    import pathlib

    paths = write_all(tmp_path / "raw")
    real_open = pathlib.Path.open

    def open_(self, *args, **kwargs):
        if self == paths["Salarie"]:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "open", open_)
    with pytest.raises(InputError) as exc:
        ingest(tmp_path / "raw", tmp_path / "out", salt=TEST_KEY)
    assert str(exc.value) == (
        f"Table Salarie: cannot read file {paths['Salarie']}: Permission denied."
    )
    assert not (tmp_path / "out").exists()


def test_nir_numbers_keep_corsica_apart_and_placeholders_ignore_unknown_values():
    """The placeholder rule runs on one integer per NIR (memory): 2A/2B never meet 19/18;
    an unknown sex (0) or birth year (-1) contradicts nothing."""
    from iae_diag.ingest.privacy import nir_numbers, placeholder_nirs

    nums = nir_numbers(pa.array(["1840575123456", "185052A123456", "1850519123456", None]))
    assert nums.to_pylist() == [
        18405 * 102_000_000 + 75 * 1_000_000 + 123456,
        18505 * 102_000_000 + 100 * 1_000_000 + 123456,
        18505 * 102_000_000 + 19 * 1_000_000 + 123456,
        None,
    ]
    persons = pa.table(
        {
            "number": pa.array([7, 7, 8, 8, 9, 9, 9, None], pa.int64()),
            "sex": pa.array([1, 2, 1, 0, 1, 1, 0, 2], pa.int8()),
            "year": pa.array([1980, 1980, 1980, 1980, 1980, 1981, -1, 1990], pa.int64()),
        }
    )
    # 7: a woman and a man; 8: the sex of one row unknown; 9: two birth years
    assert placeholder_nirs(persons).tolist() == [7, 9]
