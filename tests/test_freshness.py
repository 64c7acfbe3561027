"""`iae-diag data`: ingest and indicators are redone when the content of their inputs changed,
never because of file times; a raw folder without fluxIAE file is an error unless the default
dataset is asked for. Runs the real command on real-format fixture files
(tests/ingest_helpers.py)."""

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest

from iae_diag import freshness
from iae_diag.cli import main
from iae_diag.errors import InputError
from iae_diag.report import run as report
from ingest_helpers import write_all

#: a key of the accepted length for the fixture data (not the demonstration key)
TEST_KEY = "test-key-freshness-0123456789-abcdefghijklmnop"
OLD = (1389765600, 1389765600)  # 15/01/2014 06:00: older than any manifest written here


@pytest.fixture
def env(monkeypatch):
    monkeypatch.setenv("IAE_DIAG_SALT", TEST_KEY)
    monkeypatch.delenv("IAE_DIAG_GEO_DIR", raising=False)


def data(raw: Path, proc: Path, *extra: str) -> int:
    return main(["data", "--raw", str(raw), "--processed", str(proc), *extra])


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_data_redoes_what_changed_by_content(tmp_path, env, capsys):
    raw, proc = tmp_path / "raw", tmp_path / "processed"
    files = write_all(raw)
    assert data(raw, proc) == 0
    out = capsys.readouterr().out
    assert "ingest needed: no processed data yet" in out
    assert "indicators needed: no indicator table yet" in out
    manifest = json.loads((proc / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["tables"]["Salarie"]["sha256"] == sha(files["Salarie"])
    stamp = json.loads((proc / "indicators-inputs.json").read_text(encoding="utf-8"))
    assert stamp["manifest_sha256"] == sha(proc / "manifest.json")
    first = {p.name: p.stat().st_mtime_ns for p in proc.iterdir()}

    # nothing changed: nothing is rewritten
    assert data(raw, proc) == 0
    out = capsys.readouterr().out
    assert "manifest.json is up to date" in out and "are up to date" in out
    assert {p.name: p.stat().st_mtime_ns for p in proc.iterdir()} == first

    # the same files in another folder are the same data
    other = tmp_path / "copy of raw"
    shutil.copytree(raw, other)
    assert data(other, proc) == 0
    assert "up to date" in capsys.readouterr().out

    # one byte changed, same size, file time set back before the manifest (unzip, cp -p):
    # the content decides, the ingest and the indicators are redone
    s = files["Structure"]
    text = s.read_text(encoding="utf-8")
    assert "ACI DU PARC" in text
    s.write_text(text.replace("ACI DU PARC", "ACI DU PARK"), encoding="utf-8")
    os.utime(s, OLD)
    assert data(raw, proc) == 0
    out = capsys.readouterr().out
    assert f"ingest needed: {s.name} (Structure) changed content (SHA-256)" in out
    assert "indicators needed: the processed data changed (manifest.json)" in out
    manifest = json.loads((proc / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["tables"]["Structure"]["sha256"] == sha(s)

    # a file removed or added
    stamp = s.name.split("_", 2)[2]  # <ddmmyyyy>_<hhmmss>.csv
    extra = raw / ("fluxIAE_Structure_01012010_" + stamp.split("_", 1)[1])
    shutil.copy(s, extra)
    assert data(raw, proc) == 0
    assert f"raw files differ from the ingested ones (new: {extra.name})" in (
        capsys.readouterr().out
    )


def test_code_changes_make_the_tables_stale(tmp_path, env, monkeypatch, capsys):
    raw, proc = tmp_path / "raw", tmp_path / "processed"
    files = write_all(raw)
    assert data(raw, proc) == 0
    capsys.readouterr()
    assert freshness.ingest_staleness(raw, proc) is None
    assert freshness.indicators_staleness(proc, None) is None
    monkeypatch.setattr(freshness, "indicators_code_fingerprint", lambda: "0" * 64)
    assert freshness.indicators_staleness(proc, None) == (
        "the indicator code or reference files changed"
    )
    monkeypatch.setattr(freshness, "ingest_code_fingerprint", lambda: "0" * 64)
    assert freshness.ingest_staleness(raw, proc) == "the ingest code changed"
    assert data(raw, proc) == 0
    out = capsys.readouterr().out
    assert "ingest needed: the ingest code changed" in out
    # same raw files, same processed bytes: only the (simulated) indicator code change counts
    assert "indicators needed: the indicator code or reference files changed" in out
    # a manifest written by a plain `iae-diag ingest` of other files: the code is unknown
    monkeypatch.undo()
    monkeypatch.setenv("IAE_DIAG_SALT", TEST_KEY)
    s = files["Structure"]
    s.write_text(s.read_text(encoding="utf-8").replace("ACI DU PARC", "ACI DU PARK"), "utf-8")
    assert main(["ingest", "--raw", str(raw), "--out", str(proc)]) == 0
    assert freshness.ingest_staleness(raw, proc).startswith("the manifest was not written")


def test_a_new_nir_key_makes_the_processed_data_stale(tmp_path, env, monkeypatch, capsys):
    """The person keys depend on the NIR key: another key (or none on real data) means the
    ingest is redone (and then refuses when no usable key is left)."""
    raw, proc = tmp_path / "raw", tmp_path / "processed"
    write_all(raw)
    assert data(raw, proc) == 0
    capsys.readouterr()
    assert freshness.ingest_staleness(raw, proc) is None
    monkeypatch.setenv("IAE_DIAG_SALT", TEST_KEY[::-1])
    assert freshness.ingest_staleness(raw, proc) == "the NIR key changed"
    assert data(raw, proc) == 0
    assert "ingest needed: the NIR key changed" in capsys.readouterr().out
    assert freshness.ingest_staleness(raw, proc) is None
    # no key at all on real data: stale, and the ingest says why it refuses
    monkeypatch.setenv("IAE_DIAG_SALT", "")
    assert freshness.ingest_staleness(raw, proc) == (
        "the NIR key configured now cannot be used on this data"
    )
    assert data(raw, proc) == 2
    assert "Refusing to pseudonymise real data without a secret key" in capsys.readouterr().err


@pytest.mark.parametrize("exists", [False, True])
def test_a_raw_folder_without_fluxiae_file_is_an_error(tmp_path, env, capsys, exists):
    raw, proc = tmp_path / "raw typo", tmp_path / "processed"
    if exists:
        raw.mkdir()
        (raw / "notes.txt").write_text("x", encoding="utf-8")
    assert data(raw, proc) == 2
    err = capsys.readouterr().err
    what = "holds no fluxIAE_* file" if exists else "does not exist"
    assert err.startswith(f"iae-diag data: error: The raw folder {raw} {what}: nothing to ")
    assert "generated only into the default folder data/raw" in err
    assert not proc.exists()  # nothing written, no synthetic data
    assert sorted(p.name for p in tmp_path.iterdir()) == (["raw typo"] if exists else [])


def test_report_refuses_tables_of_another_ingest(tmp_path, env, capsys):
    raw, proc = tmp_path / "raw", tmp_path / "processed"
    files = write_all(raw)
    assert data(raw, proc) == 0
    assert report.plan_run(["dep:93"], None, proc).dataset == sha(proc / "manifest.json")
    s = files["Structure"]
    s.write_text(s.read_text(encoding="utf-8").replace("ACI DU PARC", "ACI DU PARK"), "utf-8")
    assert main(["ingest", "--raw", str(raw), "--out", str(proc)]) == 0
    with pytest.raises(InputError, match="were not computed from its current manifest.json"):
        report.plan_run(["dep:93"], None, proc)
    capsys.readouterr()
    assert main(["report", "--territory", "dep:93", "--processed", str(proc)]) == 2
    err = capsys.readouterr().err
    assert "run `iae-diag indicators --processed" in err and "\n" not in err.strip()


def test_an_interrupted_indicators_write_leaves_stale_tables(tmp_path, env, monkeypatch):
    raw, proc = tmp_path / "raw", tmp_path / "processed"
    write_all(raw)
    assert data(raw, proc) == 0
    before = {p.name: sha(p) for p in proc.iterdir() if p.is_file()}
    calls = []
    real = os.replace

    def replace_then_die(src, dst):
        if calls:
            raise KeyboardInterrupt  # killed after the first file was moved
        calls.append(dst)
        real(src, dst)

    monkeypatch.setattr(os, "replace", replace_then_die)
    assert main(["indicators", "--processed", str(proc)]) == 130
    monkeypatch.setattr(os, "replace", real)
    # no temporary file left; the inputs stamp is gone, so the tables count as stale and the
    # report refuses them
    assert sorted(p.name for p in proc.iterdir() if p.name.startswith(".")) == []
    assert "indicators-inputs.json" not in {p.name for p in proc.iterdir()}
    assert freshness.indicators_staleness(proc, None).startswith("no indicators-inputs.json")
    with pytest.raises(InputError, match="were not computed from its current manifest"):
        report.plan_run(["dep:93"], None, proc)
    assert data(raw, proc) == 0
    after = {p.name: sha(p) for p in proc.iterdir() if p.is_file()}
    assert after == before  # same input, same output


def test_default_dataset_generated_into_an_empty_default_folder(tmp_path, env, capsys):
    raw, proc = tmp_path / "raw", tmp_path / "processed"
    args = ("--default-dataset", "--years", "2013-2013", "--seed", "7", "--region", "11")
    assert data(raw, proc, *args) == 0
    out = capsys.readouterr().out
    assert f"no fluxIAE file in {raw}: generating the default synthetic dataset" in out
    names = sorted(p.name.split("_")[1] for p in freshness.raw_files(raw))
    assert names == [
        "AnnexeFinanciere",
        "ContratMission",
        "EtatMensuelIndiv",
        "RefCategorieSort",
        "RefMotifSort",
        "Salarie",
        "Structure",
    ]
    assert freshness.ingest_staleness(raw, proc) is None
    assert freshness.indicators_staleness(proc, None) is None
    # files present: never regenerated
    assert data(raw, proc, *args) == 0
    assert "generating" not in capsys.readouterr().out


def test_file_system_errors_are_one_line(tmp_path, env, capsys):
    raw, proc = tmp_path / "raw", tmp_path / "processed"
    write_all(raw)
    assert data(raw, proc) == 0
    capsys.readouterr()
    a_file = tmp_path / "a file"
    a_file.write_text("x", encoding="utf-8")
    assert main(["indicators", "--processed", str(proc), "--out", str(a_file)]) == 2
    assert capsys.readouterr().err == f"iae-diag indicators: error: File exists: {a_file}\n"
    assert a_file.read_text(encoding="utf-8") == "x"
