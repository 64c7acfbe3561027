"""Publishing a set of reports: one run at a time, all or nothing.

``iae-diag report`` never writes into ``reports/<year>/`` directly:

1. :class:`ReportsLock` takes ``reports/.iae-diag-report.lock`` (an ``flock``: a second run on
   the same reports folder stops at once with the pid of the first; the lock dies with its
   process, so a killed run leaves no stale lock behind);
2. the reports are rendered into a staging folder ``reports/.<year>.staging-<pid>/`` on the
   same filesystem (:func:`staging_dir`);
3. :func:`publish` completes the staging folder with the files of the previous set that this
   run does not replace (every other territory, kept as they were, hard-linked), writes
   ``index.html`` and ``index.json`` listing every report of the year, then swaps the folders
   with two renames. An interrupted run removes its staging folder and leaves the previous set
   untouched; a run killed between the two renames is repaired by the next one
   (:func:`recover`).

A territory whose new rendering fails loses its previous files (they may come from other
data): the index shows it as "échec" with the error, and its executed notebook is kept for
diagnosis. ``index.json`` (schema ``iae-diag/report-index/1``) records, per territory, the
identity of the data it was rendered from (the SHA-256 of ``manifest.json``) and of all its
inputs, so the index can say when the reports of one year come from different data, and a
run can leave a report untouched when nothing it depends on has changed.
"""

from __future__ import annotations

import errno
import fcntl
import json
import logging
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from iae_diag.errors import InputError

log = logging.getLogger(__name__)

LOCK_FILE = ".iae-diag-report.lock"
INDEX_JSON = "index.json"
INDEX_HTML = "index.html"
INDEX_SCHEMA = "iae-diag/report-index/1"
NOTEBOOKS = "notebooks"


@dataclass
class ReportRecord:
    """One line of the index: a territory's report in the published set."""

    territory: str  # "dep:93"
    slug: str  # "dep-93"
    name: str  # "Seine-Saint-Denis (93)"
    ok: bool
    error: str = ""
    outputs: dict[str, str] = field(default_factory=dict)  # kind -> path in the year folder
    dataset: str = ""  # SHA-256 of the manifest.json the report was rendered from
    inputs: str = ""  # fingerprint of every input of the rendering (data, code, options)
    this_run: bool = True  # rendered by the run that wrote the index


# --------------------------------------------------------------------------------------------
# lock
# --------------------------------------------------------------------------------------------


class ReportsLock:
    """Exclusive lock of a reports folder for the duration of a run (``with`` block).

    Creates the reports folder if needed. A second run raises :class:`InputError` (exit 2)
    naming the pid holding the lock; it does not wait."""

    def __init__(self, reports_dir: Path | str) -> None:
        self.reports_dir = Path(reports_dir)
        self.path = self.reports_dir / LOCK_FILE
        self._fd: int | None = None

    def __enter__(self) -> ReportsLock:
        try:
            self.reports_dir.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise InputError(
                f"Cannot write into the reports folder {self.reports_dir}: {exc.strerror}."
            ) from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            holder = os.read(fd, 64).decode("ascii", "replace").strip() or "?"
            os.close(fd)
            if exc.errno in (errno.EAGAIN, errno.EACCES):
                raise InputError(
                    f"Another `iae-diag report` (pid {holder}) is writing into "
                    f"{self.reports_dir}: wait for it to finish, or use another --reports "
                    "folder."
                ) from exc
            raise
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode("ascii"))
        self._fd = fd
        return self

    def __exit__(self, *exc) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


# --------------------------------------------------------------------------------------------
# staging and publication
# --------------------------------------------------------------------------------------------


def staging_dir(reports_dir: Path, year: int) -> Path:
    """A new, empty staging folder for ``year`` beside the published one."""
    d = Path(reports_dir) / f".{year}.staging-{os.getpid()}"
    if d.exists():
        shutil.rmtree(d)
    (d / NOTEBOOKS).mkdir(parents=True)
    return d


def recover(reports_dir: Path, year: int) -> None:
    """Repair what a killed run left (call under the lock): staging folders are removed; a set
    moved aside just before a swap is put back when no set is published."""
    reports_dir = Path(reports_dir)
    final = reports_dir / str(year)
    for d in sorted(reports_dir.glob(f".{year}.staging-*")):
        shutil.rmtree(d, ignore_errors=True)
    for d in sorted(reports_dir.glob(f".{year}.old-*")):
        if not final.exists():
            os.rename(d, final)
            log.warning("restored the previous reports of %s left aside by a killed run", year)
        else:
            shutil.rmtree(d, ignore_errors=True)


def read_index(year_dir: Path) -> dict[str, ReportRecord]:
    """The records of a published year folder, by slug ({} when there is none). A folder
    written before ``index.json`` existed gets one record per report file found, with an
    unknown dataset."""
    year_dir = Path(year_dir)
    path = year_dir / INDEX_JSON
    if path.is_file():
        doc = json.loads(path.read_text(encoding="utf-8"))
        recs = [ReportRecord(**{**r, "this_run": False}) for r in doc.get("reports", [])]
        return {r.slug: r for r in recs}
    out: dict[str, ReportRecord] = {}
    if not year_dir.is_dir():
        return out
    from iae_diag.territories import parse_territory

    for f in sorted(year_dir.glob("*.html")):
        level, _, code = f.stem.partition("-")
        if f.name == INDEX_HTML or level not in ("dep", "region") or not code:
            continue
        try:
            terr = parse_territory(f"{level}:{code}")
        except InputError:
            continue
        outputs = {
            k: f"{f.stem}.{k}"
            for k in ("html", "pdf", "json")
            if (year_dir / f"{f.stem}.{k}").is_file()
        }
        if (year_dir / f"{f.stem}.xlsx").is_file():
            outputs["xlsx"] = f"{f.stem}.xlsx"
        if (year_dir / f"{f.stem}-tableaux.zip").is_file():
            outputs["csv"] = f"{f.stem}-tableaux.zip"
        if (year_dir / NOTEBOOKS / f"{f.stem}.ipynb").is_file():
            outputs["notebook"] = f"{NOTEBOOKS}/{f.stem}.ipynb"
        out[f.stem] = ReportRecord(
            f"{level}:{terr.code}", f.stem, terr.label(), True, "", outputs, "", "", False
        )
    return out


def owned_files(record: ReportRecord) -> set[str]:
    """Paths (relative to the year folder) that belong to a territory's report."""
    s = record.slug
    return {f"{s}.html", f"{s}.pdf", f"{s}.json", f"{NOTEBOOKS}/{s}.ipynb"} | set(
        record.outputs.values()
    )


def _link_or_copy(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def publish(
    reports_dir: Path,
    year: int,
    staging: Path,
    records: list[ReportRecord],
    write_index_html,
) -> list[ReportRecord]:
    """Complete ``staging`` with what the previous set keeps, write the index, swap it in.

    ``records``: this run's territories (rendered, failed or left as they were, see
    :attr:`ReportRecord.this_run`); a territory of the previous set that is not among them is
    carried over unchanged. ``write_index_html(folder, year, records)`` writes ``index.html``.
    Returns every record of the published index, in index order."""
    reports_dir, staging = Path(reports_dir), Path(staging)
    final = reports_dir / str(year)
    previous = read_index(final)
    mine = {r.slug for r in records}
    replaced: set[str] = set()
    for r in records:
        if not r.this_run:  # left as it was: its files are carried over below
            continue
        replaced |= owned_files(r)
        if r.slug in previous:
            replaced |= owned_files(previous[r.slug])
    if final.is_dir():
        for src in sorted(final.rglob("*")):
            rel = src.relative_to(final).as_posix()
            if src.is_dir() or rel in replaced or rel in (INDEX_HTML, INDEX_JSON):
                continue
            if not (staging / rel).exists():
                _link_or_copy(src, staging / rel)
    kept = [r for s, r in previous.items() if s not in mine]
    for r in kept:
        r.this_run = False
    merged = sorted([*records, *kept], key=_index_order)
    doc = {
        "schema": INDEX_SCHEMA,
        "year": int(year),
        "reports": [{k: v for k, v in r.__dict__.items() if k != "this_run"} for r in merged],
    }
    (staging / INDEX_JSON).write_text(
        json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    write_index_html(staging, year, merged)
    if final.exists():
        aside = reports_dir / f".{year}.old-{os.getpid()}"
        os.rename(final, aside)
        os.rename(staging, final)
        shutil.rmtree(aside, ignore_errors=True)
    else:
        os.rename(staging, final)
    return merged


def _index_order(r: ReportRecord) -> tuple:
    """Regions first, then départements, each by code."""
    level, _, code = r.territory.partition(":")
    return (0 if level == "region" else 1, code.zfill(3))
