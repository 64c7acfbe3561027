"""The report context: the notebook parameters checked, the indicator tables loaded once, the
secrecy decision of the run, the key figures; the helpers every section reads values with.
"""

from __future__ import annotations

import json
import math
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from iae_diag import __version__, config, narrative, plots, secrecy
from iae_diag.errors import InputError, ParameterError, require_columns
from iae_diag.figures import SCHEMA, key_figures, to_json, value_index
from iae_diag.formatting import fmt_int, fmt_pct
from iae_diag.indicators.sectors import load_sectors, sector_labels
from iae_diag.report import identity
from iae_diag.territories import Territory, parse_territory, region_of_dep
from iae_diag.vocabulary import (
    INDICATOR_COLUMNS,
    SECRET_MARK,
    TYPES,
)

#: MIME type of the hidden output carrying the key-figures document (JSON text) in the executed
#: notebook: :mod:`iae_diag.report` writes it beside the report as is
KEY_FIGURES_MIME = "text/vnd.iae-diag.key-figures"
RESTRICTED_MARK = "Diffusion restreinte — document de travail"


# --------------------------------------------------------------------------------------------
# load
# --------------------------------------------------------------------------------------------

_CACHE: dict[tuple, tuple] = {}


def _stamp(path: Path) -> tuple:
    st = path.stat()
    return (str(path), st.st_size, st.st_mtime_ns)


def load_tables(
    processed_dir: Path,
) -> tuple[pd.DataFrame, pd.DataFrame | None, pd.DataFrame | None, dict]:
    """(indicators, quality or None, siae or None, manifest) of a processed folder, cached
    in this process while the files are unchanged."""
    ind_path = processed_dir / "indicators.parquet"
    man_path = processed_dir / "manifest.json"
    for p, what in ((ind_path, "iae-diag indicators"), (man_path, "iae-diag ingest")):
        if not p.is_file():
            raise InputError(
                f"The processed folder {processed_dir} has no {p.name}: run `{what}` "
                "(or `make data`) first."
            )
    opt = [
        processed_dir / "quality.parquet",
        processed_dir / "siae.parquet",
        processed_dir / "siae_sectors.parquet",
    ]
    key = tuple(_stamp(p) for p in [ind_path, man_path, *[p for p in opt if p.is_file()]])
    if key in _CACHE:
        return _CACHE[key]
    from iae_diag.indicators import load_indicators, load_quality, load_siae

    ind = load_indicators(processed_dir)
    require_columns(
        ind, INDICATOR_COLUMNS, f"The indicator table {ind_path}", "Re-run `iae-diag indicators`."
    )
    ind["year"] = ind["year"].astype("int64")
    quality = load_quality(processed_dir) if opt[0].is_file() else None
    siae = load_siae(processed_dir) if opt[1].is_file() else None
    sectors = pd.read_parquet(opt[2]) if opt[2].is_file() else None
    manifest = json.loads(man_path.read_text(encoding="utf-8"))
    _CACHE.clear()
    _CACHE[key] = (ind, quality, siae, manifest)
    _DECISIONS.clear()
    _DECISIONS[key] = (ind, quality, siae, sectors)
    return _CACHE[key]


_DECISIONS: dict[tuple, tuple] = {}


def run_decision(processed_dir: Path, diffusion: str) -> secrecy.Decision:
    """The statistical-secrecy decision of the whole processed folder at ``diffusion``
    (:func:`iae_diag.secrecy.decide`), computed once per process and level."""
    load_tables(processed_dir)
    ((key, tables),) = _DECISIONS.items()
    if (key, diffusion) not in _DECISION_CACHE:
        _DECISION_CACHE.clear()
        _DECISION_CACHE[(key, diffusion)] = secrecy.decide(*tables, diffusion=diffusion)
    return _DECISION_CACHE[(key, diffusion)]


_DECISION_CACHE: dict[tuple, secrecy.Decision] = {}


def code_version() -> str:
    """``iae-diag 0.1.0 (git abc1234)``; the git part is ``inconnue`` outside a checkout."""
    root = config.find_root()
    desc = "inconnue"
    if (root / ".git").exists():
        r = subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            cwd=root,
            capture_output=True,
            text=True,
            check=False,
        )
        if r.returncode == 0 and r.stdout.strip():
            desc = r.stdout.strip()
    return f"iae-diag {__version__} (révision git\u00a0: {desc})"


def extract_date(manifest: dict) -> str | None:
    """Latest extract stamp of the manifest's tables as ``jj/mm/aaaa``, None if unknown."""
    stamps = sorted(
        str(t.get("extract_stamp"))
        for t in manifest.get("tables", {}).values()
        if t.get("extract_stamp")
    )
    if not stamps:
        return None
    d = pd.Timestamp(stamps[-1])
    return f"{d.day:02d}/{d.month:02d}/{d.year:04d}"


# --------------------------------------------------------------------------------------------
# context
# --------------------------------------------------------------------------------------------


@dataclass
class ReportContext:
    """Everything a section needs: the territory, the year, the rows of the indicator table
    for the territory and its neighbours (its départements, or its region), the key figures."""

    territory: Territory
    year: int
    years: list[int]
    processed_dir: Path
    geo_dir: Path | None
    indicators: pd.DataFrame
    quality: pd.DataFrame | None
    siae: pd.DataFrame | None
    manifest: dict
    sectors: pd.DataFrame
    parameters: dict
    key_figures: dict
    previous_key_figures: dict | None
    source: str
    _values: dict = field(default_factory=dict, repr=False)
    #: keys of the cells the run's statistical-secrecy decision hides (iae_diag.secrecy)
    _secret: set = field(default_factory=set, repr=False)
    #: ``publique`` or ``interne``
    diffusion: str = secrecy.PUBLIQUE
    decision: secrecy.Decision | None = field(default=None, repr=False)
    #: the issuing service (``DDETS de la Seine-Saint-Denis``) and the publication date
    #: (``AAAA-MM-JJ`` or ``""``: none printed), :mod:`iae_diag.report.identity`
    service: str = ""
    publication_date: str = ""

    @property
    def data_status(self) -> str | None:
        """``synthetic`` or ``real`` (the manifest's), None when unknown."""
        return self.manifest.get("data_status")

    #: True when the data covers France beyond the report's region (more than one region):
    #: the France values are then compared (:meth:`france`)
    covers_france: bool = False

    def _key(
        self,
        indicator: str,
        year: int | None,
        type_siae: str,
        breakdown: str,
        terr: Territory | None,
    ) -> tuple:
        """The cell key of the indicator table (the report's territory and year by default)."""
        t = terr or self.territory
        return (indicator, t.level, t.code, year or self.year, type_siae, breakdown)

    def value(
        self,
        indicator: str,
        year: int | None = None,
        type_siae: str = "ALL",
        breakdown: str = "",
        terr: Territory | None = None,
    ) -> float | None:
        """One published value of the indicator table (None when absent, null or under
        statistical secrecy); ``terr``: another territory than the report's (one of its
        départements, or its region)."""
        key = self._key(indicator, year, type_siae, breakdown, terr)
        if key in self._secret:
            return None
        v = self._values.get(key)
        return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)

    def secret(
        self,
        indicator: str,
        year: int | None = None,
        type_siae: str = "ALL",
        breakdown: str = "",
        terr: Territory | None = None,
    ) -> bool:
        """True when the run's statistical-secrecy decision hides the value."""
        return self._key(indicator, year, type_siae, breakdown, terr) in self._secret

    def pct(
        self,
        indicator: str,
        year: int | None = None,
        type_siae: str = "ALL",
        breakdown: str = "",
        terr: Territory | None = None,
    ) -> str:
        """A share as a table cell: ``42 %``, ``n.d.``, or ``s`` under statistical secrecy."""
        if self.secret(indicator, year, type_siae, breakdown, terr):
            return SECRET_MARK
        return fmt_pct(self.value(indicator, year, type_siae, breakdown, terr))

    def cell(
        self,
        indicator: str,
        fmt=fmt_int,
        year: int | None = None,
        type_siae: str = "ALL",
        breakdown: str = "",
        terr: Territory | None = None,
        zero: bool = True,
    ) -> str:
        """A value as a table cell: ``s`` under statistical secrecy, else ``fmt(value)``
        (a missing value as 0 when ``zero``)."""
        if self.secret(indicator, year, type_siae, breakdown, terr):
            return SECRET_MARK
        v = self.value(indicator, year, type_siae, breakdown, terr)
        return fmt(v or 0.0) if zero else fmt(v)

    def secret_counts(self) -> dict[str, int]:
        """Cells hidden by the run's decision: over the run, and for the report's territory
        and year (``primary``, ``secondary``)."""
        d = self.decision
        if d is None:
            return {"run_primary": 0, "run_secondary": 0, "primary": 0, "secondary": 0}
        run, own = d.counts(), d.counts(self.territory.level, self.territory.code, self.year)
        return {
            "run_primary": run["primary"],
            "run_secondary": run["secondary"],
            "primary": own["primary"],
            "secondary": own["secondary"],
        }

    def name_type(self) -> int | None:
        """INSEE type of name (TNCC) of the territory, from the territory referential (which
        gives "la Seine-Saint-Denis", "les Hauts-de-Seine"): :attr:`Territory.tncc`."""
        return self.territory.tncc

    @property
    def report_types(self) -> list[str]:
        """The types of SIAE with at least one structure in the territory in a year of the
        report (the first year of the data to the report's year): the others (the EITI before
        2018) are left out of the tables and charts, and kept in the JSON."""
        years = [yr for yr in self.years if yr <= self.year]
        return [t for t in TYPES if any(self.value("structures", yr, t) for yr in years)]

    def absent_types_note(self) -> str | None:
        """The sentence naming the types left out by :attr:`report_types` (None if none)."""
        absent = [t for t in TYPES if t not in self.report_types]
        if not absent:
            return None
        y0 = min(self.years)
        period = f"de {y0} à {self.year}" if y0 < self.year else f"en {self.year}"
        which = narrative.join_fr(absent)
        verb = "ne figure" if len(absent) == 1 else "ne figurent"
        return (
            f"Aucune structure de type {which} dans les données {period} : "
            f"{'ce type' if len(absent) == 1 else 'ces types'} {verb} pas dans les tableaux."
        )

    @property
    def sector_labels(self) -> dict[str, str]:
        return sector_labels(self.sectors)

    def sub_territories(self) -> list[Territory]:
        """The départements of a region report that have data; empty for a département."""
        if self.territory.level != "region":
            return []
        present = set(
            self.indicators.loc[self.indicators["territory_level"] == "dep", "territory_code"]
        )
        return [Territory("dep", d) for d in self.territory.departements() if d in present]

    def siblings(self) -> list[Territory]:
        """The départements of the region of a département report (itself included) that have
        data, in code order: the ones its rank is computed among; empty for a region."""
        if self.territory.level != "dep":
            return []
        region = Territory("region", region_of_dep(self.territory.code))
        return [
            Territory("dep", d)
            for d in region.departements()
            if self.value("structures", self.year, terr=Territory("dep", d)) is not None
            or self.secret("structures", self.year, terr=Territory("dep", d))
        ]

    def france(self) -> Territory | None:
        """France, when the data covers more than the report's region (else None: with one
        region, France is that region and says nothing more)."""
        return Territory("france", "FR") if self.covers_france else None

    def parent(self) -> Territory | None:
        """The region of a département report when the table holds it."""
        if self.territory.level != "dep":
            return None
        r = Territory("region", region_of_dep(self.territory.code))
        has = (self.indicators["territory_level"] == "region") & (
            self.indicators["territory_code"] == r.code
        )
        return r if bool(has.any()) else None


def build_context(
    territory: str,
    year: int,
    processed_dir: str = "",
    geo_dir: str = "",
    diffusion: str = secrecy.PUBLIQUE,
    service: str = "",
    publication_date: str = "",
) -> ReportContext:
    """Validate the notebook parameters and load the data of the report.

    ``territory``: ``region:11`` or ``dep:93``; ``year``: a year of the data or 0 for the
    latest; ``processed_dir``: the folder written by ``iae-diag indicators`` (empty: the
    project's ``data/processed``); ``geo_dir``: the geography folder (empty: the configured
    one, if any); ``diffusion``: ``publique`` or ``interne`` (statistical secrecy);
    ``service``: the issuing service (empty: the territory's DREETS or DDETS);
    ``publication_date``: ``AAAA-MM-JJ`` (empty: no publication date printed)."""
    secrecy.check_diffusion(diffusion)
    terr = parse_territory(territory)
    publication_date = identity.check_date(publication_date, "publication_date")
    if terr.level == "france":
        raise ParameterError("The diagnostic is rendered for a region or a département.")
    proc = (
        Path(processed_dir).resolve()
        if processed_dir
        else config.ProjectPaths.from_root().processed
    )
    geo = Path(geo_dir).resolve() if geo_dir else config.geo_dir()
    ind, quality, siae, manifest = load_tables(proc)
    own = ind[(ind["territory_level"] == terr.level) & (ind["territory_code"] == terr.code)]
    if own.empty:
        raise ParameterError(
            f"No indicator for {terr.label()} in {proc / 'indicators.parquet'}: the data cover "
            + ", ".join(
                sorted(
                    {
                        f"{lv}:{c}"
                        for lv, c in zip(
                            ind["territory_level"], ind["territory_code"], strict=True
                        )
                    }
                )
            )
            + "."
        )
    years = sorted(int(y) for y in own["year"].unique())
    y = int(year)
    if y == 0:
        y = years[-1]
    if y not in years:
        raise ParameterError(
            f"Year {year} is not in the data of {terr.label()} (years: "
            f"{', '.join(str(v) for v in years)})."
        )
    codes = {(terr.level, terr.code)}
    if terr.level == "region":
        codes |= {("dep", d) for d in terr.departements()}
    else:
        codes.add(("region", region_of_dep(terr.code)))
    # compared, never shown as rows of the report: the other départements of the region (the
    # rank of a département) and France when the data covers more than the region
    compared: set[tuple[str, str]] = set()
    if terr.level == "dep":
        region = Territory("region", region_of_dep(terr.code))
        compared = {("dep", d) for d in region.departements()} | {("region", region.code)}
    france = ind["territory_level"] == "france"
    covers_france = bool(france.any()) and (
        ind.loc[ind["territory_level"] == "region", "territory_code"].nunique() > 1
    )
    if covers_france:
        compared.add(("france", "FR"))
    pairs = pd.MultiIndex.from_arrays([ind["territory_level"], ind["territory_code"]])
    rows = ind[pairs.isin(sorted(codes))].reset_index(drop=True)
    rows_compared = ind[pairs.isin(sorted(codes | compared))].reset_index(drop=True)
    sectors = load_sectors()
    decision = run_decision(proc, diffusion)  # one decision for the whole run
    status = manifest.get("data_status")  # synthetic | real (iae_diag.ingest)
    kf = key_figures(rows, terr, y, decision, status)  # rows hold every row of the territory
    prev = key_figures(rows, terr, y - 1, decision, status) if (y - 1) in years else None
    shown = secrecy.published(rows, decision)
    shown_compared = secrecy.published(rows_compared, decision)
    return ReportContext(
        territory=terr,
        year=y,
        years=years,
        processed_dir=proc,
        geo_dir=geo,
        indicators=shown,
        quality=quality,
        siae=siae,
        manifest=manifest,
        sectors=sectors,
        parameters={
            "territory": territory,
            "year": year,
            "processed_dir": processed_dir,
            "geo_dir": geo_dir,
            "diffusion": diffusion,
            "service": service,
            "publication_date": publication_date,
        },
        key_figures=kf,
        previous_key_figures=prev,
        source=plots.source_line(extract_date(manifest)),
        _values=value_index(rows_compared),
        _secret=set(value_index(shown_compared.loc[shown_compared["secret"]])),
        diffusion=diffusion,
        decision=decision,
        service=service or identity.default_service(terr),
        publication_date=publication_date,
        covers_france=covers_france,
    )


class KeyFiguresOutput:
    """The key figures of the report as a notebook output: the JSON text of the document
    (``figures.to_json``) under :data:`KEY_FIGURES_MIME`, so that the JSON written beside the
    report is the one the report itself used (computed once, in the kernel)."""

    def __init__(self, figures: dict) -> None:
        self.text = to_json(figures)

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, str]:
        return {KEY_FIGURES_MIME: self.text, "text/plain": SCHEMA}


def key_figures_output(ctx: ReportContext) -> KeyFiguresOutput:
    """The report's key figures for the orchestrator (a hidden cell of the notebook)."""
    return KeyFiguresOutput(ctx.key_figures)
