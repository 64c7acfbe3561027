"""Orchestration of the annual diagnostic: papermill, HTML, PDF, key-figures JSON, index.

``iae-diag report`` renders ``notebooks/diagnostic.ipynb`` for each territory:

1. parameters: the territories come from ``--territory``, or from ``params/region-<code>.yml``
   when that file exists (checked: codes as quoted strings, territories of the region), or
   else from the INSEE referential (the region, then its départements); the territories and
   the year are checked against the indicator table before anything starts or is written
   (:func:`plan_run`); they reach papermill through its Python API (never ``-p``);
2. execution: papermill, in a bounded pool of ``jobs`` worker *processes* (never threads).
   Each worker starts one Jupyter kernel (start-ups serialised by a lock, so parallel kernels
   cannot collide on ports), executes its notebooks one after the other in it (the namespace
   is reset between notebooks) and exports HTML, PDF and JSON itself, so the imports, the
   kernel start and the data loading are paid once per worker, not once per territory;
3. HTML: nbconvert (``basic`` template, no input, no prompts, the parameters and
   injected-parameters cells removed), wrapped in ``templates/report.html.j2``; execution
   timestamps and random ids are stripped so that the same inputs give the same bytes, and
   the absolute paths of the machine are replaced by labels (``<processed_dir>``...);
4. PDF: WeasyPrint from the same HTML (A4, page numbers in the footer);
5. publication (:mod:`iae_diag.publish`): under a lock of the reports folder, everything is
   rendered into a staging folder, then published as a whole with ``index.html`` (every
   report of the year: links, or the error of a failed territory) and ``index.json``; a
   report whose inputs did not change since it was published is left as it is. The command
   exits 1 when a territory failed, 2 on a parameter error, 130 on Ctrl-C.

Outputs: ``reports/<year>/region-11.{html,pdf,json}``, ``reports/<year>/dep-93.{html,pdf,json}``,
executed notebooks in ``reports/<year>/notebooks/``, ``index.html``, ``index.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import json
import logging
import multiprocessing as mp
import os
import queue
import shutil
import signal
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from iae_diag import config, freshness, publish, tables_export
from iae_diag.errors import InputError, ParameterError
from iae_diag.report.contents import add_contents
from iae_diag.secrecy import check_diffusion
from iae_diag.territories import Territory, deps_of_region, parse_territory

log = logging.getLogger(__name__)

#: the notebook's parameters (the names of its ``parameters`` cell)
PARAMETERS = (
    "territory",
    "year",
    "processed_dir",
    "geo_dir",
    "diffusion",
    "service",
    "publication_date",
)
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
REMOVED_TAGS = ("parameters", "injected-parameters", "remove-cell")
KERNEL_NAME = "python3"
#: a notebook cell running longer than this fails its territory (seconds)
CELL_TIMEOUT_S = 900


def notebook_template() -> Path:
    return config.ProjectPaths.from_root().notebooks / "diagnostic.ipynb"


# --------------------------------------------------------------------------------------------
# parameters
# --------------------------------------------------------------------------------------------


def region_params(region: str) -> dict:
    """The parameter set of a region: the region then its départements (INSEE referential)."""
    code = str(region).strip()
    deps = deps_of_region(code)
    return {"region": code, "territories": [f"region:{code}", *[f"dep:{d}" for d in deps]]}


#: the comment of the params file on the cover's optional keys (report.identity)
COVER_PARAMS_COMMENT = (
    '# optional, on the cover (docs/reports.md): service (default "DREETS <région>"),',
    '# services: {"93": "..."} (default "DDETS <de département>"), publication_date:',
    '# "AAAA-MM-JJ" (default: none printed, never the date of the run)',
)


def _dump_params(doc: dict) -> str:
    lines = [
        "# Territories of the annual diagnostic of one region: the region, then its",
        "# départements, from the INSEE referential (iae_diag.report.region_params); codes are",
        "# quoted strings. You may remove lines; any other edit is checked when `iae-diag",
        "# report` reads the file. Without this file, the region and all its départements.",
        f'region: "{doc["region"]}"',
        "# statistical secrecy: publique (a publishable document) or interne (State services)",
        f'diffusion: "{doc.get("diffusion", "publique")}"',
        *COVER_PARAMS_COMMENT,
        "territories:",
        *[f'  - "{t}"' for t in doc["territories"]],
    ]
    return "\n".join(lines) + "\n"


def region_territories(region: str, params_dir: Path) -> list[str]:
    """The territories of a region's set of reports: those of ``params/region-<code>.yml``
    when the file exists (validated), else the region and all its départements (INSEE
    referential). Nothing is written."""
    expected = region_params(region)
    path = Path(params_dir) / f"region-{expected['region']}.yml"
    if path.is_file():
        return load_params(path, expected["region"])
    return list(expected["territories"])


def load_params(path: Path, region: str | None = None) -> list[str]:
    """Territories listed in a params file, checked: strings, known codes, in the region."""
    text = Path(path).read_text(encoding="utf-8")
    try:
        doc = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or type(exc).__name__
        raise ParameterError(f"{path}{where}: not valid YAML ({problem}).") from exc
    terr = doc.get("territories") if isinstance(doc, dict) else None
    reg = doc.get("region") if isinstance(doc, dict) else None
    if not isinstance(terr, list) or not terr or not isinstance(reg, str):
        raise ParameterError(
            f"{path}: expected a quoted `region` code and a non-empty `territories` list "
            '(e.g. region: "11", territories: ["region:11", "dep:75"]).'
        )
    if region is not None and reg != str(region):
        raise ParameterError(f"{path}: region {reg!r} where {region!r} was expected.")
    allowed = set(region_params(reg)["territories"])
    out = []
    for i, t in enumerate(terr, start=1):
        if not isinstance(t, str):
            raise ParameterError(
                f"{path}: territory #{i} is {t!r} ({type(t).__name__}); codes must be quoted "
                'strings such as "dep:01".'
            )
        spec = parse_territory(t)
        key = f"{spec.level}:{spec.code}"
        if key not in allowed:
            raise ParameterError(f"{path}: territory #{i} {t!r} is not in region {reg}.")
        out.append(key)
    return out


def params_identity(path: Path) -> dict:
    """The issuing services and the publication date of a params file
    (:func:`iae_diag.report.identity.params_identity`: ``service``, ``services``,
    ``publication_date``), checked."""
    from iae_diag.report.identity import params_identity as identity_of

    return identity_of(yaml.safe_load(Path(path).read_text(encoding="utf-8")), str(path))


def params_diffusion(path: Path) -> str:
    """The ``diffusion`` level of a params file (``publique`` when the key is absent)."""
    doc = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    value = doc.get("diffusion", "publique") if isinstance(doc, dict) else "publique"
    try:
        return check_diffusion(value)
    except ParameterError as exc:
        raise ParameterError(f"{path}: {exc}") from None


@dataclass
class RunPlan:
    """A validated run: the year, the territories (in order, without repeats), the inputs."""

    year: int
    territories: list[tuple[str, Territory]]  # ("dep:93", Territory)
    processed_dir: Path
    geo_dir: Path | None
    dataset: str  # SHA-256 of the manifest.json the indicator tables were computed from


def plan_run(
    territories: list[str],
    year: int | None,
    processed_dir: Path | str,
    geo_dir: Path | str | None = None,
) -> RunPlan:
    """Check a run against the data before anything starts or is written: the indicator
    tables exist and were computed from the current manifest, every territory is a region or
    a département present in them, and the year (None or 0: the latest year common to every
    territory) is in the data of each. Raises :class:`ParameterError` (exit 2) otherwise."""
    import pandas as pd

    proc = Path(processed_dir).resolve()
    ind_path = proc / "indicators.parquet"
    if not ind_path.is_file():
        raise InputError(
            f"{Path(processed_dir) / 'indicators.parquet'} not found: run "
            f"`iae-diag indicators --processed {processed_dir}` (or `make data`) first."
        )
    dataset = freshness.require_current_indicators(proc)
    specs: list[tuple[str, Territory]] = []
    for t in territories:
        terr = parse_territory(t)
        if terr.level == "france":
            raise ParameterError(
                "The diagnostic is rendered for a region or a département "
                "(--territory region:<code> or dep:<code>), not for France."
            )
        key = f"{terr.level}:{terr.code}"
        if key not in [k for k, _ in specs]:
            specs.append((key, terr))
    if not specs:
        raise ParameterError("No territory to report on.")
    cov = pd.read_parquet(ind_path, columns=["territory_level", "territory_code", "year"])
    cov = cov.drop_duplicates()
    keys = cov["territory_level"].astype(str) + ":" + cov["territory_code"].astype(str)
    years_of = {k: set(g.astype(int)) for k, g in cov["year"].groupby(keys.to_numpy())}
    covered = sorted((k for k in years_of if not k.startswith("france")), key=_territory_order)
    for key, terr in specs:
        if key not in years_of:
            raise ParameterError(
                f"No data for {terr.label()} ({key}) in the indicator table: the data cover "
                f"{', '.join(covered) or 'no territory'}."
            )
    common = set.intersection(*(years_of[k] for k, _ in specs))
    if year:
        y = int(year)
        missing = [k for k, _ in specs if y not in years_of[k]]
        if missing:
            present = sorted(set.union(*(years_of[k] for k, _ in specs)))
            raise ParameterError(
                f"The year {y} is not in the data"
                + (f" of {', '.join(missing)}" if len(missing) < len(specs) else "")
                + f": years present are {_year_list(present)}."
            )
    elif common:
        y = max(common)
    else:
        raise ParameterError(
            f"No year is covered by every territory asked ({', '.join(k for k, _ in specs)})."
        )
    geo = Path(geo_dir).resolve() if geo_dir else None
    return RunPlan(y, specs, proc, geo, dataset)


def _territory_order(key: str) -> tuple:
    level, _, code = key.partition(":")
    return (0 if level == "region" else 1, code.zfill(3))


def _year_list(years: list[int]) -> str:
    """``2007-2013`` for a run of consecutive years, else ``2007, 2009, 2010``."""
    if years and years == list(range(years[0], years[-1] + 1)) and len(years) > 2:
        return f"{years[0]}-{years[-1]}"
    return ", ".join(str(y) for y in years)


# --------------------------------------------------------------------------------------------
# one report (runs in a worker process)
# --------------------------------------------------------------------------------------------


@dataclass
class Job:
    territory: str  # "dep:93"
    slug: str  # "dep-93"
    year: int
    processed_dir: str
    geo_dir: str
    out_dir: str  # the staging folder of reports/<year>
    pdf: bool = True
    notebook: str = ""  # the template (default: notebooks/diagnostic.ipynb)
    #: absolute path -> label, replaced in every output (no path of the machine is published)
    labels: dict[str, str] = field(default_factory=dict)
    diffusion: str = "publique"  # statistical secrecy level (iae_diag.secrecy)
    service: str = ""  # the issuing service ("" : the territory's DREETS or DDETS)
    publication_date: str = ""  # AAAA-MM-JJ, "" : none printed


@dataclass
class ReportResult:
    territory: str
    slug: str
    name: str
    ok: bool
    error: str = ""
    outputs: dict[str, str] = field(default_factory=dict)  # kind -> file name
    seconds: float = 0.0
    up_to_date: bool = False  # published by an earlier run from the same inputs, left as is


def sanitize_notebook(nb) -> None:
    """Remove what changes from one run to the next: timings, kernel ids, random cell ids."""
    pm = nb.metadata.get("papermill", {})
    for k in ("start_time", "end_time", "duration", "input_path", "output_path"):
        pm.pop(k, None)
    for i, cell in enumerate(nb.cells):
        cell.metadata.pop("execution", None)
        cpm = cell.metadata.get("papermill")
        if cpm is not None:
            for k in ("start_time", "end_time", "duration"):
                cpm.pop(k, None)
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell["id"] = "injected-parameters"
        elif "id" not in cell:
            cell["id"] = f"cell-{i:02d}"


class NotebookFailed(Exception):
    """A cell of the diagnostic notebook raised an error."""


def notebook_error(nb) -> str | None:
    """``ename: evalue (cellule de code n° k)`` of the first error output of an executed
    notebook, or None when no cell failed."""
    n = 0
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        n += 1
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                return f"{out.get('ename')}: {out.get('evalue')} (cellule de code n° {n})"
    return None


def scrub_paths(node, labels: dict[str, str]):
    """Replace, in every string of a notebook (or any JSON-like value), each absolute path of
    ``labels`` by its label, longest path first; returns the value (lists and dicts are
    changed in place)."""
    pairs = sorted(((k, v) for k, v in labels.items() if k), key=lambda kv: -len(kv[0]))

    def fix(x):
        if isinstance(x, str):
            for k, v in pairs:
                if k in x:
                    x = x.replace(k, v)
            return x
        if isinstance(x, list):
            for i, v in enumerate(x):
                x[i] = fix(v)
            return x
        if isinstance(x, dict):
            for k in list(x):
                x[k] = fix(x[k])
            return x
        return x

    return fix(node)


def _jinja_env():
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        keep_trailing_newline=True,
    )


class Renderer:
    """HTML and PDF export, built once per process (nbconvert exporter, Jinja template)."""

    def __init__(self) -> None:
        from nbconvert import HTMLExporter
        from nbconvert.preprocessors import TagRemovePreprocessor

        exp = HTMLExporter(template_name="basic")
        exp.exclude_input = True
        exp.exclude_input_prompt = True
        exp.exclude_output_prompt = True
        exp.register_preprocessor(
            TagRemovePreprocessor(remove_cell_tags=set(REMOVED_TAGS), enabled=True), enabled=True
        )
        self.exporter = exp
        env = _jinja_env()
        self.page = env.get_template("report.html.j2")
        self.css = (TEMPLATES_DIR / "report.css").read_text(encoding="utf-8")

    def html(self, nb, title: str, downloads: list[tuple[str, str]] = ()) -> str:
        """The report page: nbconvert body (outputs only) inside the house template, with the
        links to the files published beside it (``downloads``: (file name, label) pairs)."""
        nb = copy.deepcopy(nb)
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs = [
                    o
                    for o in cell.get("outputs", [])
                    if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
                ]
        body, _ = self.exporter.from_notebook_node(nb)
        body = add_contents(body)
        return self.page.render(title=title, css=self.css, body=body, downloads=list(downloads))

    def pdf(self, html_text: str, target: Path) -> None:
        import weasyprint

        # a tagged PDF with the PDF/UA-1 identification (WeasyPrint 70: pdf_variant)
        weasyprint.HTML(string=html_text, base_url=str(target.parent)).write_pdf(
            str(target), pdf_variant="pdf/ua-1"
        )


class Worker:
    """Executes notebooks in one long-lived kernel and renders them."""

    def __init__(self, start_lock=None, kernel_env: dict[str, str] | None = None) -> None:
        self.km = None
        self._ipc_dir: str | None = None
        self.start_lock = start_lock
        self.kernel_env = dict(kernel_env or {})
        self.renderer: Renderer | None = None

    # kernel --------------------------------------------------------------------------------
    def _kernel(self):
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import run_sync

        if self.km is not None and run_sync(self.km.is_alive)():
            return self.km
        self.close()
        # IPC transport: the kernel's channels are Unix sockets in a private folder, so
        # kernels started in parallel cannot collide on TCP ports.
        self._ipc_dir = tempfile.mkdtemp(prefix="iae-diag-kernel-")
        km = AsyncKernelManager(
            kernel_name=KERNEL_NAME, transport="ipc", ip=os.path.join(self._ipc_dir, "k")
        )
        env = {
            **os.environ,
            "MPLBACKEND": "Agg",
            "PYDEVD_DISABLE_FILE_VALIDATION": "1",
            **self.kernel_env,
        }
        self.km = km  # before the start: a SIGTERM during the start-up must find the kernel
        if self.start_lock is not None:
            with self.start_lock:
                run_sync(km.start_kernel)(env=env, cwd=self._ipc_dir)
        else:
            run_sync(km.start_kernel)(env=env, cwd=self._ipc_dir)
        return km

    def _reset_kernel(self) -> None:
        kc = self.km.blocking_client()
        kc.start_channels()
        try:
            kc.wait_for_ready(timeout=60)
            kc.execute_interactive("%reset -f", timeout=60, store_history=False)
        finally:
            kc.stop_channels()

    def kill(self) -> None:
        """Stop the kernel at once (Ctrl-C, SIGTERM): kill its process group (the kernel runs
        in its own session), without talking to it."""
        km, self.km = self.km, None
        pgid = getattr(getattr(km, "provisioner", None), "pgid", None)
        if pgid:
            try:
                os.killpg(pgid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        if self._ipc_dir is not None:
            shutil.rmtree(self._ipc_dir, ignore_errors=True)
            self._ipc_dir = None

    def close(self) -> None:
        from jupyter_core.utils import run_sync

        if self.km is not None:
            if run_sync(self.km.is_alive)():
                run_sync(self.km.shutdown_kernel)(now=True)
            self.km = None
        if self._ipc_dir is not None:
            shutil.rmtree(self._ipc_dir, ignore_errors=True)
            self._ipc_dir = None

    # one report ----------------------------------------------------------------------------
    def run(self, job: Job) -> ReportResult:
        t0 = time.perf_counter()
        terr = parse_territory(job.territory)
        res = ReportResult(job.territory, job.slug, terr.label(), ok=False)
        try:
            self._run(job, terr, res)
            res.ok = True
        except Exception as exc:  # noqa: BLE001 - one territory's failure is reported, not fatal
            res.error = scrub_paths(_short_error(exc), job.labels)
            log.error("report %s failed: %s", job.territory, res.error)
            log.debug("%s", traceback.format_exc())
        res.seconds = round(time.perf_counter() - t0, 3)
        return res

    def _run(self, job: Job, terr: Territory, res: ReportResult) -> None:
        import nbformat
        import papermill as pm

        _register_engine()
        out = Path(job.out_dir)
        nb_path = out / "notebooks" / f"{job.slug}.ipynb"
        params = {
            "territory": job.territory,
            "year": int(job.year),
            "processed_dir": job.processed_dir,
            "geo_dir": job.geo_dir,
            "diffusion": job.diffusion,
            "service": job.service,
            "publication_date": job.publication_date,
        }
        km = self._kernel()
        failure = None
        try:
            pm.execute_notebook(
                job.notebook or str(notebook_template()),
                str(nb_path),
                parameters=params,
                engine_name=ENGINE_NAME,
                kernel_name=KERNEL_NAME,
                progress_bar=False,
                log_output=False,
                request_save_on_cell_execute=False,
                execution_timeout=CELL_TIMEOUT_S,
                km=km,
            )
        except pm.PapermillExecutionError as exc:
            failure = exc
        except BaseException:  # Ctrl-C, a dead kernel...: never reuse this kernel
            self.kill()
            raise
        if self.km is not None and _alive(self.km):
            self._reset_kernel()
        nb = nbformat.read(str(nb_path), as_version=4)
        sanitize_notebook(nb)
        scrub_paths(nb, job.labels)
        nbformat.write(nb, str(nb_path))
        res.outputs["notebook"] = f"notebooks/{job.slug}.ipynb"
        err = notebook_error(nb)
        if err or failure is not None:
            raise NotebookFailed(err or scrub_paths(_short_error(failure), job.labels))
        if self.renderer is None:
            self.renderer = Renderer()
        title = f"Diagnostic de l'IAE — {terr.label()} — {job.year}"
        zip_name = f"{job.slug}-tableaux.zip"
        downloads = [
            (f"{job.slug}.xlsx", "Tableaux du rapport (classeur XLSX)"),
            (zip_name, "Tableaux du rapport (CSV : UTF-8, séparateur « ; », virgule décimale)"),
            (f"{job.slug}.json", "Chiffres clés (JSON)"),
        ]
        html_text = self.renderer.html(nb, title, downloads)
        (out / f"{job.slug}.html").write_text(html_text, encoding="utf-8")
        res.outputs["html"] = f"{job.slug}.html"
        kf_text = notebook_key_figures(nb)
        (out / f"{job.slug}.json").write_text(kf_text, encoding="utf-8")
        res.outputs["json"] = f"{job.slug}.json"
        tables = tables_export.notebook_tables(nb)
        (out / zip_name).write_bytes(tables_export.tables_zip(tables))
        res.outputs["csv"] = zip_name
        cover = workbook_cover(title, terr, job, json.loads(kf_text).get("data_status"))
        (out / f"{job.slug}.xlsx").write_bytes(tables_export.report_workbook(tables, cover))
        res.outputs["xlsx"] = f"{job.slug}.xlsx"
        if job.pdf:
            self.renderer.pdf(html_text, out / f"{job.slug}.pdf")
            res.outputs["pdf"] = f"{job.slug}.pdf"


def workbook_cover(
    title: str, terr: Territory, job: Job, data_status: str | None
) -> list[tuple[str, str]]:
    """The cover sheet of the workbook: the identity of the report (the mark of synthetic data
    first when the data are synthetic)."""
    from iae_diag.report import identity

    mark = identity.status_mark(data_status)
    base = tables_export.workbook_cover(title, terr.label(), job.year, data_status, job.diffusion)
    after_year = next(i for i, (label, _) in enumerate(base) if label == "Année") + 1
    issuer = [("Service émetteur", job.service or identity.default_service(terr))]
    if job.publication_date:
        issuer.append(("Date de publication", identity.date_fr(job.publication_date)))
    return [
        *([("Attention", mark)] if mark else []),
        *base[:after_year],
        *issuer,
        *base[after_year:],
    ]


def _quiet_renderers() -> None:
    """WeasyPrint warns about font subsetting on every page: keep its errors only."""
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    logging.getLogger("papermill").setLevel(logging.WARNING)  # one progress line per report


def _alive(km) -> bool:
    from jupyter_core.utils import run_sync

    return bool(run_sync(km.is_alive)())


def notebook_key_figures(nb) -> str:
    """The key-figures JSON text of an executed notebook: the output of its hidden
    ``key_figures_output(ctx)`` cell, i.e. the figures the report itself used (computed once,
    in the kernel)."""
    from iae_diag.report.context import KEY_FIGURES_MIME

    for cell in nb.cells:
        for out in cell.get("outputs", []):
            text = out.get("data", {}).get(KEY_FIGURES_MIME)
            if text is not None:
                return "".join(text) if isinstance(text, list) else str(text)
    raise NotebookFailed(
        "the executed notebook holds no key figures (no output of type "
        f"{KEY_FIGURES_MIME}: the cell key_figures_output(ctx) is missing)"
    )


def _short_error(exc: BaseException) -> str:
    name = type(exc).__name__
    msg = str(exc).strip()
    if isinstance(exc, NotebookFailed):
        return msg
    if name == "PapermillExecutionError":
        msg = f"{getattr(exc, 'ename', '')}: {getattr(exc, 'evalue', '')}"
        cell = getattr(exc, "exec_count", None)
        return f"cellule {cell} du notebook : {msg}" if cell else msg
    return f"{name}: {msg}" if msg else name


# papermill engine reusing the worker's kernel -----------------------------------------------

ENGINE_NAME = "iae_diag_warm_kernel"
_ENGINE_REGISTERED = False


def _register_engine() -> None:
    """Register (once per process) a papermill engine that executes the notebook in a kernel
    the worker already started (``km=``), and closes its client afterwards."""
    global _ENGINE_REGISTERED
    if _ENGINE_REGISTERED:
        return
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines
    from papermill.log import logger as pm_logger

    class WarmKernelEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(
            cls,
            nb_man,
            kernel_name,
            log_output=False,
            stdout_file=None,
            stderr_file=None,
            start_timeout=60,
            execution_timeout=None,
            **kwargs,
        ):
            client = PapermillNotebookClient(
                nb_man,
                km=kwargs.get("km"),
                kernel_name=kernel_name,
                log=pm_logger,
                log_output=log_output,
                stdout_file=stdout_file,
                stderr_file=stderr_file,
                startup_timeout=start_timeout,
                timeout=execution_timeout,
            )
            try:
                return client.execute()
            finally:
                if client.kc is not None:
                    client.kc.stop_channels()

    papermill_engines.register(ENGINE_NAME, WarmKernelEngine)
    _ENGINE_REGISTERED = True


# --------------------------------------------------------------------------------------------
# pool of worker processes
# --------------------------------------------------------------------------------------------


def _worker_main(tasks, results, start_lock, kernel_env) -> None:
    """Worker process: take jobs until the ``None`` sentinel, post results."""
    # Ctrl-C is the main process's business (it was already ignored when this process
    # started): it stops the workers with SIGTERM, on which a worker kills its kernel and exits
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ.setdefault("MPLBACKEND", "Agg")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    _quiet_renderers()
    w = Worker(start_lock, kernel_env)

    def stop(signum, frame):  # noqa: ARG001 - signal handler signature
        w.kill()
        os._exit(128 + signum)

    signal.signal(signal.SIGTERM, stop)
    try:
        while True:
            item = tasks.get()
            if item is None:
                break
            idx, job = item
            results.put(("start", idx, os.getpid()))
            results.put(("done", idx, w.run(job)))
    finally:
        w.close()


def _run_pool(jobs: list[Job], n: int, kernel_env: dict[str, str]) -> list[ReportResult]:
    quiet_resource_tracker()
    ctx = mp.get_context("spawn")
    tasks, results = ctx.Queue(), ctx.Queue()
    lock = ctx.Lock()
    for i, j in enumerate(jobs):
        tasks.put((i, j))
    for _ in range(n):
        tasks.put(None)
    procs = [
        ctx.Process(target=_worker_main, args=(tasks, results, lock, kernel_env)) for _ in range(n)
    ]
    # the workers start with SIGINT ignored (inherited), so a Ctrl-C sent to the whole process
    # group never reaches them, even while they import
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        for p in procs:
            p.start()
    finally:
        signal.signal(signal.SIGINT, previous)
    try:
        return _collect(jobs, procs, results)
    except BaseException:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C waits for the cleanup
        try:
            _stop_workers(procs)
            for q in (tasks, results):
                q.cancel_join_thread()
        finally:
            signal.signal(signal.SIGINT, previous)
        raise


#: The warnings of Python's resource tracker, silenced (:func:`quiet_resource_tracker`).
RESOURCE_TRACKER_WARNINGS = "ignore::UserWarning:multiprocessing.resource_tracker"


def quiet_resource_tracker() -> None:
    """Start Python's resource tracker without its warnings. It is a process of its own,
    started with the first queue of the pool; when Ctrl-C stops the workers, it may print
    warnings about the queues' semaphores on stderr after the command's one line ("leaked
    semaphore objects", "No such file or directory"): of no use to an analyst, and they made
    the interrupted run end on a Python warning. The tracker takes its warning filters from
    the interpreter's options (``sys.warnoptions``), this process's own are unchanged."""
    if RESOURCE_TRACKER_WARNINGS not in sys.warnoptions:
        sys.warnoptions.append(RESOURCE_TRACKER_WARNINGS)


def _stop_workers(procs, grace_s: float = 5.0) -> None:
    """SIGTERM every worker (each kills its kernel), then SIGKILL what is left."""
    for p in procs:
        if p.is_alive():
            p.terminate()
    deadline = time.monotonic() + grace_s
    for p in procs:
        p.join(timeout=max(0.0, deadline - time.monotonic()))
        if p.is_alive():
            p.kill()
            p.join(timeout=1)


def _collect(jobs: list[Job], procs, results) -> list[ReportResult]:
    """Wait for the result of every job; a worker that died fails its job."""
    done: dict[int, ReportResult] = {}
    running: dict[int, int] = {}  # job index -> pid
    while len(done) < len(jobs):
        try:
            kind, idx, payload = results.get(timeout=1.0)
        except queue.Empty:
            alive = {p.pid for p in procs if p.is_alive()}
            for idx, pid in list(running.items()):
                if pid not in alive:
                    j = jobs[idx]
                    done[idx] = ReportResult(
                        j.territory,
                        j.slug,
                        parse_territory(j.territory).label(),
                        ok=False,
                        error="le processus de rendu s'est arrêté brutalement",
                    )
                    running.pop(idx)
            if not alive and len(done) < len(jobs):
                for idx, j in enumerate(jobs):
                    if idx not in done:
                        done[idx] = ReportResult(
                            j.territory,
                            j.slug,
                            parse_territory(j.territory).label(),
                            ok=False,
                            error="non exécuté : plus aucun processus de rendu",
                        )
            continue
        if kind == "start":
            running[idx] = payload
        else:
            running.pop(idx, None)
            done[idx] = payload
            _log_result(payload, len(done), len(jobs))
    for p in procs:
        p.join(timeout=30)
    return [done[i] for i in range(len(jobs))]


def _log_result(r: ReportResult, done: int, total: int) -> None:
    """One progress line per territory: ``report 3/9 dep:77: html, json, notebook (2.3 s)``."""
    if r.ok:
        log.info(
            "report %d/%d %s: %s (%.1f s)",
            done,
            total,
            r.territory,
            ", ".join(sorted(r.outputs)),
            r.seconds,
        )


# --------------------------------------------------------------------------------------------
# orchestration
# --------------------------------------------------------------------------------------------


def run_reports(
    territories: list[str],
    year: int | None,
    processed_dir: Path | str,
    reports_dir: Path | str,
    jobs: int = 2,
    pdf: bool = True,
    geo_dir: Path | str | None = None,
    notebook: Path | str | None = None,
    force: bool = False,
    diffusion: str = "publique",
    identity: dict | None = None,
) -> list[ReportResult]:
    """Render the diagnostic of each territory (``dep:93``, ``region:11``) for ``year``
    (None or 0: the latest year of the data) and publish it into ``reports_dir/<year>/``
    with the index (:mod:`iae_diag.publish`). Parameters are checked first
    (:func:`plan_run`: nothing is written when they are wrong). A territory whose published
    report was rendered from the same inputs is left as it is, unless ``force``. Returns one
    result per territory, in the given order; failures are results, not exceptions.
    ``diffusion``: the statistical secrecy level; the file names say it (``dep-93.html`` for
    ``publique``, ``dep-93-interne.html``). ``identity``: the issuing services and the
    publication date of the params file (:func:`params_identity`; None: the defaults)."""
    from iae_diag.report.identity import params_identity as identity_of
    from iae_diag.report.identity import service_of

    ident = identity if identity is not None else identity_of({}, "")
    plan = plan_run(territories, year, processed_dir, geo_dir)
    suffix = "" if check_diffusion(diffusion) == "publique" else f"-{diffusion}"
    reports = Path(reports_dir).resolve()
    template = Path(notebook).resolve() if notebook else notebook_template()
    y = plan.year
    with publish.ReportsLock(reports):
        publish.recover(reports, y)
        final = reports / str(y)
        previous = publish.read_index(final)
        common = {
            **_common_inputs(plan, template, pdf),
            "diffusion": diffusion,
            "identity": ident,
        }
        results: dict[str, ReportResult] = {}
        todo: list[tuple[str, Territory]] = []
        for key, terr in plan.territories:
            prev = previous.get(terr.slug + suffix)
            digest = _inputs_digest(common, key)
            if (
                not force
                and prev is not None
                and prev.ok
                and prev.inputs == digest
                and all((final / f).is_file() for f in prev.outputs.values())
            ):
                results[key] = ReportResult(
                    key,
                    terr.slug + suffix,
                    terr.label(),
                    True,
                    outputs=prev.outputs,
                    up_to_date=True,
                )
            else:
                todo.append((key, terr))
        if not todo:
            return [results[k] for k, _ in plan.territories]
        staging = publish.staging_dir(reports, y)
        try:
            labels = _path_labels(plan, reports, staging)
            geo = str(plan.geo_dir) if plan.geo_dir else ""
            job_list = [
                Job(
                    k,
                    t.slug + suffix,
                    y,
                    str(plan.processed_dir),
                    geo,
                    str(staging),
                    pdf,
                    str(template),
                    diffusion=diffusion,
                    service=service_of(t, ident),
                    publication_date=ident["publication_date"],
                )
                for k, t in todo
            ]
            for j in job_list:
                j.labels = labels
            for r in _render(job_list, jobs):
                results[r.territory] = r
            records = []
            for key, _ in plan.territories:
                r = results[key]
                if r.up_to_date:  # published earlier from the same inputs: its line as it was
                    records.append(copy.copy(previous[r.slug]))
                    continue
                records.append(
                    publish.ReportRecord(
                        r.territory,
                        r.slug,
                        r.name,
                        r.ok,
                        r.error,
                        dict(r.outputs),
                        dataset=plan.dataset if r.ok else "",
                        inputs=_inputs_digest(common, key) if r.ok else "",
                    )
                )
            with _no_interrupt():  # a few milliseconds: never half a swap
                publish.publish(reports, y, staging, records, write_index)
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
    return [results[k] for k, _ in plan.territories]


@contextlib.contextmanager
def _no_interrupt():
    """Ignore Ctrl-C in the block (main thread only; elsewhere signals do not reach it)."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _render(job_list: list[Job], jobs: int) -> list[ReportResult]:
    # the kernels resolve nothing from the caller's working directory: the shared and
    # geography folders they may read are given as absolute paths (empty: no geography)
    kernel_env = {
        "IAE_DIAG_SHARED_DIR": str(config.shared_dir()),
        "IAE_DIAG_GEO_DIR": job_list[0].geo_dir,
    }
    n = max(1, min(int(jobs), len(job_list)))
    if n > 1:
        return _run_pool(job_list, n, kernel_env)
    _quiet_renderers()
    w = Worker(kernel_env=kernel_env)
    results = []
    try:
        for j in job_list:
            results.append(w.run(j))
            _log_result(results[-1], len(results), len(job_list))
    except BaseException:
        w.kill()
        raise
    finally:
        w.close()
    return results


def _common_inputs(plan: RunPlan, template: Path, pdf: bool) -> dict:
    """Everything a report depends on besides its territory: data, code, options."""
    from iae_diag.report.context import code_version

    return {
        "year": plan.year,
        "dataset": plan.dataset,
        "indicators": freshness.file_sha256(plan.processed_dir / "indicators.parquet"),
        "code": freshness.tree_fingerprint(
            config.PACKAGE_DIR, ("**/*.py", "reference/*", "report/templates/*")
        ),
        "version": code_version(),
        "notebook": freshness.file_sha256(template),
        "geo": freshness.geo_fingerprint(plan.geo_dir),
        "pdf": bool(pdf),
    }


def _inputs_digest(common: dict, territory: str) -> str:
    import hashlib
    import json

    doc = json.dumps({**common, "territory": territory}, sort_keys=True)
    return hashlib.sha256(doc.encode("utf-8")).hexdigest()


def _path_labels(plan: RunPlan, reports: Path, staging: Path) -> dict[str, str]:
    """The absolute paths a run could print, and the label each is replaced by."""
    labels = {
        str(plan.processed_dir): "<processed_dir>",
        str(reports / str(plan.year)): "<reports>",
        str(staging): "<reports>",
        str(reports): "<reports>",
        str(config.find_root()): "<iae-diag>",
        str(Path.home()): "~",
    }
    if plan.geo_dir is not None:
        labels[str(plan.geo_dir)] = "<geo_dir>"
    # papermill writes the parameters as Python literals: non-ASCII characters escaped
    for k, v in list(labels.items()):
        labels[k.encode("unicode_escape").decode("ascii")] = v
    return {k: v for k, v in labels.items() if len(k) > 1}


def write_index(out: Path, year: int, records: list[publish.ReportRecord]) -> Path:
    """``index.html``: the landing page of the year (:mod:`iae_diag.report.index`): every
    report with its headline figures, documents, diffusion level or error, the data status."""
    from iae_diag.report.index import render_index

    css = (TEMPLATES_DIR / "report.css").read_text(encoding="utf-8")
    text = render_index(_jinja_env(), css, out, year, records)
    path = out / publish.INDEX_HTML
    path.write_text(text, encoding="utf-8")
    return path


def _shown(path: Path) -> str:
    """A folder as the user would type it: relative when under the current folder."""
    p = Path(path)
    if p.is_absolute() and p.is_relative_to(Path.cwd()):
        return str(p.relative_to(Path.cwd())) or "."
    return str(p)


def cli_main(args: argparse.Namespace) -> int:
    """``iae-diag report``: exit 0 when every report rendered, 1 when one failed, 2 on a
    parameter error, 130 on Ctrl-C (nothing published then)."""
    here = config.ProjectPaths.from_root(Path.cwd())
    processed = Path(args.processed) if args.processed else here.processed
    reports = Path(args.reports) if args.reports else here.reports
    diffusion = getattr(args, "diffusion", None)
    if args.territory:
        territories = list(args.territory)
    else:
        territories = region_territories(str(args.region), here.params)
        pfile = here.params / f"region-{region_params(str(args.region))['region']}.yml"
        if diffusion is None and pfile.is_file():
            diffusion = params_diffusion(pfile)
    pfile = here.params / f"region-{region_params(str(args.region))['region']}.yml"
    identity = params_identity(pfile) if pfile.is_file() else None
    diffusion = diffusion or "publique"
    geo = config.geo_dir()
    if geo is not None and not geo.is_dir():
        raise ParameterError(
            f"The geography folder {geo} (IAE_DIAG_GEO_DIR; GEO_DIR in make) does not exist: "
            "give the folder of the geography files, or an empty value to render without maps."
        )
    plan = plan_run(territories, args.year, processed, geo)
    print(
        f"iae-diag report: {len(plan.territories)} territories, year {plan.year}, "
        f"diffusion {diffusion}, data "
        f"{_shown(processed)} (manifest {plan.dataset[:12]}), reports into "
        f"{_shown(reports / str(plan.year))}",
        flush=True,
    )
    try:
        results = run_reports(
            territories,
            plan.year,
            processed,
            reports,
            jobs=args.jobs,
            pdf=not args.no_pdf,
            geo_dir=geo,
            force=getattr(args, "force", False),
            diffusion=diffusion,
            identity=identity,
        )
    except KeyboardInterrupt:
        print(
            "iae-diag report: interrupted; nothing was published (the reports already in "
            f"{reports} are unchanged).",
            file=sys.stderr,
        )
        return 130
    failed = [r for r in results if not r.ok]
    same = sum(r.up_to_date for r in results)
    if same == len(results):
        print(
            f"iae-diag report: nothing to do: the {same} report{'s' if same > 1 else ''} in "
            f"{_shown(reports / str(plan.year))} are up to date (their data, code and options "
            "did not change; --force renders them again)"
        )
        return 0
    print(
        f"iae-diag report: {len(results) - len(failed)}/{len(results)} rendered into "
        f"{_shown(reports / str(plan.year))} (index.html)"
        + (f"; {same} up to date, left as they were" if same else "")
    )
    for r in failed:
        print(f"  FAILED {r.territory}: {r.error}")
    return 1 if failed else 0
