"""The Makefile through real `make` invocations: every path may hold spaces, a RAW_DIR given by
the user must hold fluxIAE files (no synthetic data behind their back), and `make data` redoes
nothing when nothing changed. Fixture data: real-format files of tests/ingest_helpers.py."""

import os
import shlex
import subprocess
from pathlib import Path

import pytest

from ingest_helpers import write_all

ROOT = Path(__file__).resolve().parents[1]
TEST_KEY = "test-key-makefile-0123456789-abcdefghijklmnopq"


def make(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    env["IAE_DIAG_SALT"] = TEST_KEY
    return subprocess.run(
        ["make", "--no-print-directory", "-C", str(ROOT), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )


@pytest.fixture
def spaced(tmp_path):
    base = tmp_path / "Données IAE" / "extract 2014"
    write_all(base / "raw dir")
    return base


def test_make_data_with_spaces_and_content_freshness(spaced):
    raw, proc = spaced / "raw dir", spaced / "processed dir"
    r = make("data", f"RAW_DIR={raw}", f"PROCESSED_DIR={proc}")
    assert r.returncode == 0, r.stderr
    assert "ingest needed: no processed data yet" in r.stdout
    assert (proc / "manifest.json").is_file() and (proc / "indicators.parquet").is_file()
    assert not (raw.parent / "raw").exists() and not Path("dir").exists()
    r = make("data", f"RAW_DIR={raw}", f"PROCESSED_DIR={proc}")
    assert r.returncode == 0, r.stderr
    assert "is up to date with" in r.stdout and "Error" not in r.stderr


@pytest.mark.parametrize("exists", [False, True])
def test_make_report_with_a_raw_dir_without_fluxiae_stops(tmp_path, exists):
    raw = tmp_path / "my data" / "typo"
    if exists:
        raw.mkdir(parents=True)
    proc, reports = tmp_path / "processed", tmp_path / "reports"
    r = make("report", f"RAW_DIR={raw}", f"PROCESSED_DIR={proc}", f"REPORTS_DIR={reports}")
    assert r.returncode == 2
    what = "holds no fluxIAE_* file" if exists else "does not exist"
    assert f"iae-diag data: error: The raw folder {raw} {what}: nothing to ingest." in r.stderr
    assert "synthetic dataset" not in r.stdout  # nothing generated
    assert not proc.exists() and not reports.exists()
    if exists:
        assert list(raw.iterdir()) == []
    else:
        assert list(tmp_path.iterdir()) == []


def test_make_synth_writes_only_into_the_default_folder(tmp_path):
    r = make("synth", f"RAW_DIR={tmp_path / 'user data'}")
    assert r.returncode == 2
    assert "make synth writes into the default data/raw only" in r.stdout
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("target", ["data", "report", "report-dep", "figures", "calibration"])
def test_every_recipe_keeps_spaced_paths_whole(tmp_path, target):
    raw, proc, reports = (tmp_path / f"a b/{n} dir" for n in ("raw", "processed", "reports"))
    r = make(
        "-n",  # dry run: the recipes as the shell would receive them
        target,
        f"RAW_DIR={raw}",
        f"PROCESSED_DIR={proc}",
        f"REPORTS_DIR={reports}",
        "DEP=93",
        "YEAR=2013",
    )
    assert r.returncode == 0, r.stderr
    commands = [shlex.split(line) for line in r.stdout.replace("\\\n", " ").splitlines()]
    iae = [c for c in commands if c and c[0].endswith("/iae-diag")]
    assert iae, r.stdout
    for c in iae:
        for opt, path in (("--raw", raw), ("--processed", proc), ("--reports", reports)):
            if opt in c:
                assert c[c.index(opt) + 1] == str(path), c
    assert not tmp_path.joinpath("a b").exists()


@pytest.mark.slow
def test_make_report_dep_with_spaces_publishes_no_machine_path(spaced):
    raw, proc, reports = (spaced / n for n in ("raw dir", "processed dir", "reports dir"))
    r = make(
        "report-dep",
        "DEP=93",
        f"RAW_DIR={raw}",
        f"PROCESSED_DIR={proc}",
        f"REPORTS_DIR={reports}",
    )
    assert r.returncode == 0, r.stdout + r.stderr
    out = reports / "2013"
    assert {p.name for p in out.iterdir()} >= {"dep-93.html", "dep-93.pdf", "dep-93.json"}
    forbidden = [str(spaced), str(ROOT), str(Path.home())]
    for p in out.rglob("*"):
        if p.is_file():
            data = p.read_bytes()
            assert not [f for f in forbidden if f.encode("utf-8") in data], p


def test_only_the_default_raw_dir_gets_the_default_dataset():
    r = make("-n", "data")
    assert r.returncode == 0, r.stderr
    assert (
        '/iae-diag data --raw "data/raw" --processed "data/processed" --default-dataset '
        '--years "2007-2013" --seed "2013" --region "11"'
    ) in r.stdout
    r = make("-n", "data", "RAW_DIR=data/raw")  # given by the user, even the same folder
    assert r.returncode == 0, r.stderr
    assert "--default-dataset" not in r.stdout


def test_force_reaches_the_report_command():
    r = make("-n", "report-dep", "DEP=93", "FORCE=1")
    assert r.returncode == 0, r.stderr
    line = r.stdout.replace("\\\n", " ").splitlines()[-1]
    assert shlex.split(line)[-1] == "--force" and '--territory "dep:93"' in line
    r = make("-n", "report-dep", "DEP=93")
    assert "--force" not in r.stdout
