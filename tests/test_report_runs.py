"""A report run never publishes the wrong data: parameters checked before anything starts,
one run at a time on a reports folder, all-or-nothing publication, an index listing every
report of the year, no absolute path of the machine in any output, Ctrl-C. Runs the real
command (`iae-diag report`) on the contract tables of tests/report_helpers.py."""

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from iae_diag import freshness, publish
from iae_diag.cli import main
from iae_diag.errors import InputError
from iae_diag.report import run as report
from report_helpers import write_processed
from test_report import failing_notebook

ROOT = Path(__file__).resolve().parents[1]


def run(proc: Path, reports: Path, *args: str) -> int:
    return main(["report", "--processed", str(proc), "--reports", str(reports), "--no-pdf", *args])


@pytest.fixture(scope="module")
def proc(tmp_path_factory):
    return write_processed(tmp_path_factory.mktemp("data") / "processed data")


def files_of(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.mark.parametrize(
    ("args", "msg"),
    [
        (["--year", "2030"], "The year 2030 is not in the data: years present are 2011-2013."),
        (["--year", "-5"], "The year -5 is not in the data: years present are 2011-2013."),
        (
            ["--region", "84"],
            "No data for région Auvergne-Rhône-Alpes (region:84) in the indicator table: "
            "the data cover region:11, dep:75, dep:77, dep:78, dep:91, dep:92, dep:93, dep:94, "
            "dep:95.",
        ),
        (["--territory", "dep:2A"], "No data for Corse-du-Sud (2A) (dep:2A) in the indicator"),
        (
            ["--territory", "france"],
            "The diagnostic is rendered for a region or a département (--territory "
            "region:<code> or dep:<code>), not for France.",
        ),
    ],
)
def test_parameter_errors_stop_before_anything_is_written(proc, tmp_path, capsys, args, msg):
    reports = tmp_path / "reports"
    assert run(proc, reports, *args) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"iae-diag report: error: {msg}")
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not reports.exists()


def test_missing_tables_and_folders_are_one_line_errors(proc, tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run(empty, tmp_path / "r", "--territory", "dep:93", "--year", "2013") == 2
    err = capsys.readouterr().err
    assert err == (
        f"iae-diag report: error: {empty}/indicators.parquet not found: run "
        f"`iae-diag indicators --processed {empty}` (or `make data`) first.\n"
    )
    a_file = tmp_path / "a file"
    a_file.write_text("x", encoding="utf-8")
    assert run(proc, a_file, "--territory", "dep:93") == 2
    err = capsys.readouterr().err
    assert err.startswith("iae-diag report: error: Cannot write into the reports folder")
    assert err.count("\n") == 1
    geo = tmp_path / "no geo here"
    os.environ["IAE_DIAG_GEO_DIR"] = str(geo)
    try:
        assert run(proc, tmp_path / "r", "--territory", "dep:93") == 2
    finally:
        del os.environ["IAE_DIAG_GEO_DIR"]
    assert f"The geography folder {geo} (IAE_DIAG_GEO_DIR" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


def test_lock_stops_a_second_run_and_dies_with_its_process(proc, tmp_path, capsys):
    reports = tmp_path / "reports"
    with publish.ReportsLock(reports):
        with pytest.raises(InputError, match=f"Another `iae-diag report` \\(pid {os.getpid()}\\)"):
            publish.ReportsLock(reports).__enter__()
        assert run(proc, reports, "--territory", "dep:93") == 2
        assert "is writing into" in capsys.readouterr().err
        assert not (reports / "2013").exists()
    # a lock left by a process that died (its pid in the file, no flock held) is no lock
    lock = reports / publish.LOCK_FILE
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    lock.write_text(f"{dead}\n", encoding="ascii")
    with publish.ReportsLock(reports):
        assert lock.read_text(encoding="ascii") == f"{os.getpid()}\n"


def test_index_lists_every_report_and_failures_remove_old_files(tmp_path, capsys):
    data_a = write_processed(tmp_path / "a")
    data_b = write_processed(tmp_path / "b", years=(2012, 2013))
    # another extract: its manifest differs (the helper writes the same one for both)
    man = json.loads((data_b / "manifest.json").read_text(encoding="utf-8"))
    man["tables"]["Structure"]["sha256"] = "b" * 64
    (data_b / "manifest.json").write_text(json.dumps(man), encoding="utf-8")
    freshness.record_indicators(data_b, freshness.indicators_inputs(data_b, None))
    reports = tmp_path / "reports"
    out = reports / "2013"
    assert (
        run(data_a, reports, "--territory", "dep:75", "--territory", "dep:93", "--jobs", "2") == 0
    )
    first = files_of(out)
    index = json.loads((out / "index.json").read_text(encoding="utf-8"))
    sha_a = freshness.file_sha256(data_a / "manifest.json")
    assert [(r["slug"], r["ok"], r["dataset"]) for r in index["reports"]] == [
        ("dep-75", True, sha_a),
        ("dep-93", True, sha_a),
    ]
    # one département from other data: its line is updated, the other one is kept, and the
    # index says the year now mixes two datasets
    assert run(data_b, reports, "--territory", "dep:93", "--year", "2013") == 0
    index = json.loads((out / "index.json").read_text(encoding="utf-8"))
    sha_b = freshness.file_sha256(data_b / "manifest.json")
    assert [(r["slug"], r["dataset"]) for r in index["reports"]] == [
        ("dep-75", sha_a),
        ("dep-93", sha_b),
    ]
    html = (out / "index.html").read_text(encoding="utf-8")
    assert "2 rapports produits." in html
    assert "ne viennent pas tous des mêmes données (2 jeux de données différents" in html
    assert f"<code>{sha_a[:12]}</code>" in html and f"<code>{sha_b[:12]}</code>" in html
    assert "produit</span> (inchangé)" in html  # dep:75, left as it was
    now = files_of(out)
    assert now["dep-75.html"] == first["dep-75.html"]
    assert now["dep-93.html"] != first["dep-93.html"]  # 2012-2013 data
    assert "2012-2013" in now["dep-93.html"].decode("utf-8")
    # a failed rendering removes the territory's previous files; its notebook stays
    capsys.readouterr()
    nb = failing_notebook(tmp_path, "dep:93")
    res = report.run_reports(["dep:93"], 2013, data_b, reports, jobs=1, pdf=False, notebook=nb)
    assert not res[0].ok
    names = sorted(files_of(out))
    assert names == [
        "dep-75-tableaux.zip",
        "dep-75.html",
        "dep-75.json",
        "dep-75.xlsx",
        "index.html",
        "index.json",
        "notebooks/dep-75.ipynb",
        "notebooks/dep-93.ipynb",
    ]
    html = (out / "index.html").read_text(encoding="utf-8")
    assert "1 rapport sur 2 n'a pas pu être produit" in html
    assert "Les fichiers précédents d'un territoire en échec ont été retirés." in html


def test_unchanged_inputs_are_not_rendered_again(proc, tmp_path, capsys):
    reports = tmp_path / "reports"
    assert run(proc, reports, "--territory", "dep:93", "--jobs", "1") == 0
    html = reports / "2013" / "dep-93.html"
    stat = html.stat()
    executed = reports / "2013" / "notebooks" / "dep-93.ipynb"
    nb_stat = executed.stat()
    capsys.readouterr()
    assert run(proc, reports, "--territory", "dep:93", "--jobs", "1") == 0
    # no kernel started: papermill would have written the executed notebook again
    assert (executed.stat().st_mtime_ns, executed.stat().st_ino) == (
        nb_stat.st_mtime_ns,
        nb_stat.st_ino,
    )
    assert capsys.readouterr().out.endswith(
        "iae-diag report: nothing to do: the 1 report in "
        f"{reports}/2013 are up to date (their data, code and options did not change; "
        "--force renders them again)\n"
    )
    assert html.stat().st_mtime_ns == stat.st_mtime_ns and html.stat().st_ino == stat.st_ino
    assert run(proc, reports, "--territory", "dep:93", "--jobs", "1", "--force") == 0
    assert html.stat().st_ino != stat.st_ino  # published anew, same bytes
    # another option (here the PDF) is another input
    res = report.run_reports(["dep:93"], None, proc, reports, jobs=1, pdf=False)
    assert res[0].up_to_date


def test_an_interrupted_run_leaves_the_previous_set(proc, tmp_path, monkeypatch, capsys):
    reports = tmp_path / "reports"
    both = ["--territory", "dep:75", "--territory", "dep:93", "--jobs", "1"]
    assert run(proc, reports, *both) == 0
    before = files_of(reports / "2013")
    real = report.Worker.run

    def interrupted(self, job):
        if job.territory == "dep:93":
            raise KeyboardInterrupt
        return real(self, job)

    monkeypatch.setattr(report.Worker, "run", interrupted)
    capsys.readouterr()
    assert run(proc, reports, *both, "--force") == 130
    captured = capsys.readouterr()
    assert captured.err == (
        "iae-diag report: interrupted; nothing was published (the reports already in "
        f"{reports} are unchanged).\n"
    )
    assert files_of(reports / "2013") == before
    assert sorted(p.name for p in reports.iterdir()) == [".iae-diag-report.lock", "2013"]
    monkeypatch.undo()
    assert run(proc, reports, "--territory", "dep:93", "--force") == 0  # lock released


def test_a_set_moved_aside_by_a_killed_run_is_restored(proc, tmp_path):
    reports = tmp_path / "reports"
    assert run(proc, reports, "--territory", "dep:93") == 0
    os.rename(reports / "2013", reports / ".2013.old-999999")  # killed between two renames
    (reports / ".2013.staging-999999").mkdir()
    res = report.run_reports(["dep:93"], 2013, proc, reports, jobs=1, pdf=False)
    assert res[0].up_to_date  # the restored set was found, complete
    assert sorted(p.name for p in reports.iterdir()) == [".iae-diag-report.lock", "2013"]


@pytest.mark.slow
def test_no_absolute_path_in_any_output(tmp_path, monkeypatch, capsys):
    geo = Path(os.environ.get("IAE_DIAG_GEO_DIR") or ROOT.parent / "shared" / "data" / "geo")
    proc = write_processed(tmp_path / "données traitées")
    reports = tmp_path / "rapports"
    here = tmp_path / "elsewhere"
    here.mkdir()
    monkeypatch.chdir(here)
    if geo.is_dir():
        monkeypatch.setenv("IAE_DIAG_GEO_DIR", str(geo))
    assert (
        main(
            [
                "report",
                "--processed",
                str(proc),
                "--reports",
                str(reports),
                "--territory",
                "region:11",
                "--territory",
                "dep:93",
                "--jobs",
                "1",
            ]
        )
        == 0
    )
    nb = failing_notebook(tmp_path, "dep:75")
    res = report.run_reports(
        ["dep:75"],
        2013,
        proc,
        reports,
        jobs=1,
        pdf=False,
        geo_dir=geo if geo.is_dir() else None,
        notebook=nb,
    )
    assert not res[0].ok
    forbidden = {str(tmp_path), str(ROOT), str(Path.home()), str(geo.resolve())}
    # as written, as a Python literal with escapes (papermill), as a JSON string (notebooks)
    variants = {
        v.encode("utf-8")
        for p in forbidden
        for v in (p, p.encode("unicode_escape").decode("ascii"), json.dumps(p)[1:-1])
    }
    found = []
    for name, data in files_of(reports / "2013").items():
        for path in variants:
            if path in data:
                found.append((name, path))
    assert found == []
    # 2 × (html, pdf, json, xlsx, zip, notebook), index.html, index.json, the failed dep:75
    # notebook
    assert len(files_of(reports / "2013")) == 15
    prov = (reports / "2013" / "dep-93.html").read_text(encoding="utf-8")
    sha = freshness.file_sha256(proc / "manifest.json")
    # the processed folder named by its manifest's checksum, in the annex's last table
    assert re.search(f">Manifeste des données traitées</th><td[^>]*>{sha}</td>", prov)
    executed = (reports / "2013" / "notebooks" / "dep-93.ipynb").read_text(encoding="utf-8")
    assert 'processed_dir = \\"<processed_dir>\\"' in executed


def test_report_from_another_folder_uses_that_folder(tmp_path, monkeypatch, capsys):
    write_processed(tmp_path / "data" / "processed", years=(2012, 2013))
    monkeypatch.chdir(tmp_path)
    assert main(["report", "--territory", "dep:93", "--no-pdf", "--jobs", "1"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(
        "iae-diag report: 1 territories, year 2013, diffusion publique, data data/processed "
        "(manifest "
    )
    assert "rendered into reports/2013 (index.html)" in out
    html = (tmp_path / "reports" / "2013" / "dep-93.html").read_text(encoding="utf-8")
    assert "2012-2013" in html
    assert not (tmp_path / "params").exists()  # nothing written beside the data


@pytest.mark.slow
def test_ctrl_c_stops_every_worker_quietly(proc, tmp_path):
    reports = tmp_path / "reports"
    cmd = [
        str(Path(sys.executable).parent / "iae-diag"),
        "report",
        "--processed",
        str(proc),
        "--reports",
        str(reports),
        "--no-pdf",
        "--jobs",
        "2",
    ]
    # Ctrl-C in a terminal: SIGINT is not ignored there, whatever this suite inherited (a
    # background job of a shell, `make test &`, starts with SIGINT ignored, and so would the
    # command: Python keeps an ignored SIGINT ignored)
    p = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    me = psutil.Process(p.pid)
    kernels: list[psutil.Process] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(kernels) < 2:
        time.sleep(0.2)
        kernels = [c for c in me.children(recursive=True) if "ipykernel" in " ".join(c.cmdline())]
    assert len(kernels) == 2, "two kernels expected while rendering"
    family = me.children(recursive=True)
    os.killpg(p.pid, signal.SIGINT)  # Ctrl-C in a terminal: the whole process group
    t0 = time.monotonic()
    _out, err = p.communicate(timeout=30)
    assert p.returncode == 130
    assert time.monotonic() - t0 < 10
    assert err.strip().splitlines()[-1].startswith("iae-diag report: interrupted; nothing was")
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    time.sleep(0.5)
    assert [c.pid for c in family if c.is_running() and c.status() != "zombie"] == []
    assert not (reports / "2013").exists()
    assert sorted(p.name for p in reports.iterdir()) == [".iae-diag-report.lock"]


def test_the_resource_tracker_of_the_workers_prints_no_warning():
    """After Ctrl-C the workers are killed and Python's resource tracker (a process of its
    own) used to warn about the queues' semaphores after the command's last line. Started
    after ``quiet_resource_tracker``, it prints nothing for a semaphore left registered; without
    it, the same script prints the tracker's two warnings."""
    script = (
        "import os, sys\n"
        "from multiprocessing import resource_tracker\n"
        "if sys.argv[1] == 'quiet':\n"
        "    from iae_diag.report.run import quiet_resource_tracker\n"
        "    quiet_resource_tracker()\n"
        "resource_tracker.register('/iae-diag-test-semaphore', 'semaphore')\n"
        "os._exit(0)\n"
    )
    runs = {
        mode: subprocess.run(
            [sys.executable, "-c", script, mode], capture_output=True, text=True, timeout=60
        )
        for mode in ("quiet", "default")
    }
    assert runs["quiet"].returncode == 0 and runs["quiet"].stderr == ""
    warned = runs["default"].stderr
    assert "leaked semaphore" in warned and "'/iae-diag-test-semaphore'" in warned
