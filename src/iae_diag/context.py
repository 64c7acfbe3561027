"""The report context and its sections: what the diagnostic notebook calls.

:func:`build_context` validates the notebook parameters, resolves the paths and loads the
indicator tables once (cached per process, keyed on the files' size and modification time).
Each ``show_*`` function renders one section of the diagnostic as French HTML (tables, figures
embedded as PNG, sentences from :mod:`iae_diag.narrative`) and returns an IPython display
object. A section without data says so in a sentence. Every data-derived text is escaped.
"""

from __future__ import annotations

import base64
import html
import json
import math
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from IPython.display import HTML, Markdown

from iae_diag import __version__, config, narrative, plots, secrecy
from iae_diag.errors import InputError, ParameterError, require_columns
from iae_diag.figures import key_figures, publishable, to_json, value_index
from iae_diag.formatting import NBSP, fmt_int, fmt_number, fmt_pct, fmt_points, fmt_signed
from iae_diag.indicators.sectors import load_sectors, sector_labels
from iae_diag.territories import Territory, parse_territory, region_of_dep
from iae_diag.vocabulary import (
    INDICATOR_COLUMNS,
    PUBLIC_KEYS,
    PUBLIC_LABELS,
    SECRET_MARK,
    SECRET_NOTE,
    SECTOR_MISSING,
    SECTOR_OTHER,
    TYPES,
    quality_label,
    quality_order,
)

#: MIME type of the hidden output carrying the key-figures document (JSON text) in the executed
#: notebook: :mod:`iae_diag.report` writes it beside the report as is
KEY_FIGURES_MIME = "text/vnd.iae-diag.key-figures"
PUBLICS_OVER_TIME = ("women", "under_26", "age_50_plus", "rsa", "job_seeker_24m_plus", "qpv")
#: sectors left out of the rankings of the sentences ("Autres", "Non renseigné")
UNRANKED_SECTORS = (SECTOR_OTHER, SECTOR_MISSING)
#: the mark of every page of an ``interne`` document (HTML top, PDF footer of every page)
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
        t = terr or self.territory
        key = (indicator, t.level, t.code, year or self.year, type_siae, breakdown)
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
        t = terr or self.territory
        return (indicator, t.level, t.code, year or self.year, type_siae, breakdown) in (
            self._secret
        )

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
        """INSEE type of name (TNCC) of the territory, from the INSEE list of the geography
        folder (which gives "la Seine-Saint-Denis", "les Hauts-de-Seine"); None without it."""
        if not self.geo_dir:
            return None
        from iae_diag.geo import load_geography  # geopandas: only with a geography folder

        geo = load_geography(self.geo_dir)
        return geo.name_type(self.territory.level, self.territory.code) if geo else None

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
) -> ReportContext:
    """Validate the notebook parameters and load the data of the report.

    ``territory``: ``region:11`` or ``dep:93``; ``year``: a year of the data or 0 for the
    latest; ``processed_dir``: the folder written by ``iae-diag indicators`` (empty: the
    project's ``data/processed``); ``geo_dir``: the geography folder (empty: the configured
    one, if any); ``diffusion``: ``publique`` or ``interne`` (statistical secrecy)."""
    secrecy.check_diffusion(diffusion)
    terr = parse_territory(territory)
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
    pairs = pd.MultiIndex.from_arrays([ind["territory_level"], ind["territory_code"]])
    rows = ind[pairs.isin(sorted(codes))].reset_index(drop=True)
    sectors = load_sectors()
    decision = run_decision(proc, diffusion)  # one decision for the whole run
    status = manifest.get("data_status")  # synthetic | real (iae_diag.ingest)
    kf = key_figures(rows, terr, y, decision, status)  # rows hold every row of the territory
    prev = key_figures(rows, terr, y - 1, decision, status) if (y - 1) in years else None
    shown = secrecy.published(rows, decision)
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
        },
        key_figures=kf,
        previous_key_figures=prev,
        source=plots.source_line(extract_date(manifest)),
        _values=value_index(rows),
        _secret=set(value_index(shown.loc[shown["secret"]])),
        diffusion=diffusion,
        decision=decision,
    )


class KeyFiguresOutput:
    """The key figures of the report as a notebook output: the JSON text of the document
    (``figures.to_json``) under :data:`KEY_FIGURES_MIME`, so that the JSON written beside the
    report is the one the report itself used (computed once, in the kernel)."""

    def __init__(self, figures: dict) -> None:
        self.text = to_json(figures)

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, str]:
        return {KEY_FIGURES_MIME: self.text, "text/plain": "iae-diag/key-figures/1"}


def key_figures_output(ctx: ReportContext) -> KeyFiguresOutput:
    """The report's key figures for the orchestrator (a hidden cell of the notebook)."""
    return KeyFiguresOutput(ctx.key_figures)


# --------------------------------------------------------------------------------------------
# HTML helpers
# --------------------------------------------------------------------------------------------


#: a space between digit groups ("10 000", "1 820") written in literal text: never a line
#: break there (the formatted numbers already use a no-break space)
_DIGIT_GROUP_SPACE = re.compile(r"(?<=\d) (?=\d{3}(?!\d))")
#: the units a numeric cell may carry; a cell with other letters is text
_CELL_UNITS = re.compile(r"points?|km|%")
#: cells that are neither text nor number (missing, secret, dash)
_NEUTRAL_CELLS = frozenset({"", "n.d.", SECRET_MARK, "–", "-"})
#: row labels up to this length are kept on one line ("Seine-et-Marne (77)")
_ROW_LABEL_NOWRAP = 30


def no_break_numbers(text: str) -> str:
    """``10 000 habitants`` -> ``10\u00a0000 habitants``; ``42 %`` -> ``42\u00a0%``."""
    return _DIGIT_GROUP_SPACE.sub(NBSP, text).replace(" %", NBSP + "%")


def esc(x: object) -> str:
    return html.escape(no_break_numbers(str(x)), quote=True)


def _is_text_cell(cell: object) -> bool | None:
    """True for a text cell (a commune name), False for a number (with its unit), None for a
    missing, secret or empty cell."""
    c = str(cell).strip()
    if c in _NEUTRAL_CELLS:
        return None
    return any(ch.isalpha() for ch in _CELL_UNITS.sub("", c))


def _text_columns(rows: list[list[str]]) -> set[int]:
    """Columns (after the first) whose cells are mostly text: they are left-aligned."""
    out = set()
    for j in range(1, max((len(r) for r in rows), default=0)):
        kinds = [_is_text_cell(r[j]) for r in rows if j < len(r)]
        if kinds.count(True) > kinds.count(False):
            out.add(j)
    return out


def table_html(header: list[str], rows: list[list[str]], caption: str = "", cls: str = "") -> str:
    """A table of already formatted cells (escaped here); the first column and the text
    columns left, the numbers right. The caption is a paragraph kept on the same page as the
    table."""
    text_cols = _text_columns(rows)

    def attr(j: int) -> str:
        return ' class="txt"' if j in text_cols else ""

    out = ['<div class="tbl">']
    if caption:
        out.append(f'<p class="caption">{esc(caption)}</p>')
    out.append(f'<table class="iae {esc(cls)}">' if cls else '<table class="iae">')
    out.append(
        "<thead><tr>"
        + "".join(f"<th{attr(j)}>{esc(h)}</th>" for j, h in enumerate(header))
        + "</tr></thead>"
    )
    out.append("<tbody>")
    for r in rows:
        nw = ' class="nw"' if len(str(r[0])) <= _ROW_LABEL_NOWRAP else ""
        cells = [f'<th scope="row"{nw}>{esc(r[0])}</th>'] + [
            f"<td{attr(j)}>{esc(c)}</td>" for j, c in enumerate(r[1:], start=1)
        ]
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table></div>")
    return "".join(out)


def figure_html(fig, alt: str, data: tuple[list[str], list[list[str]], str] | None = None) -> str:
    """A figure as an embedded PNG (fixed metadata: same data, same bytes); with ``data``
    (header, rows of formatted cells, caption), the chart's data as a table in a closed
    ``<details>`` right under it (RGAA 1.6; also read into the workbook and the CSV files)."""
    png = base64.b64encode(plots.figure_png(fig)).decode("ascii")
    out = f'<figure class="iae"><img alt="{esc(alt)}" src="data:image/png;base64,{png}"/></figure>'
    if data is not None:
        header, rows, caption = data
        out += (
            '<details class="chart-data"><summary>Données du graphique</summary>'
            + table_html(header, rows, caption=caption)
            + "</details>"
        )
    return out


def para(text: str) -> str:
    return f"<p>{esc(text)}</p>"


def note(text: str) -> str:
    return f'<p class="note">{esc(text)}</p>'


def h3(text: str) -> str:
    return f"<h3>{esc(text)}</h3>"


def _out(parts: list[str]) -> HTML:
    return HTML('<div class="iae-section">' + "".join(parts) + "</div>")


def _share(num: float | None, den: float | None) -> float | None:
    if num is None or not den:
        return None
    return num / den


def _secret_notes(any_secret: bool) -> list[str]:
    """The statistical-secrecy note under a table or a chart that left a value out."""
    return [note(SECRET_NOTE)] if any_secret else []


def _absent_from_chart_note(left_out: list[str]) -> list[str]:
    """The note under a chart from which hidden bars were left out (statistical secrecy)."""
    if not left_out:
        return []
    which = narrative.join_fr(left_out)
    return [
        note(
            f"Absent du graphique (secret statistique) : {which}."
            if len(left_out) == 1
            else f"Absents du graphique (secret statistique) : {which}."
        )
    ]


# --------------------------------------------------------------------------------------------
# sections
# --------------------------------------------------------------------------------------------


def show_title(ctx: ReportContext) -> HTML:
    """Title block: territory, year, data vintage."""
    t = ctx.territory
    name = t.label() if t.level == "dep" else f"Région {t.name}"
    stamp = extract_date(ctx.manifest)
    restricted = (
        [
            f'<p class="diffusion-banner">{esc(RESTRICTED_MARK)}</p>',
            f'<p class="diffusion-footer">{esc(RESTRICTED_MARK)}</p>',
        ]
        if ctx.diffusion == secrecy.INTERNE
        else []
    )
    return _out(
        [
            *restricted,
            '<div class="title-block">',
            "<h1>Diagnostic de l'insertion par l'activité économique</h1>",
            f'<p class="subtitle">{esc(name)} — année {ctx.year}</p>',
            note(
                "Données ASP, fluxIAE"
                + (f", extraction du {stamp}" if stamp else "")
                + f". Années couvertes : {ctx.years[0]}-{ctx.years[-1]}."
            ),
            "</div>",
        ]
    )


def show_key_figures(ctx: ReportContext) -> HTML:
    """Key figures of the year with the change from the previous year, and the opening
    paragraph."""
    y, p = ctx.year, ctx.year - 1
    has_prev = p in ctx.years
    specs = [
        ("Structures (SIAE)", "structures", fmt_int, "rel"),
        ("Salariés en insertion", "salaries", fmt_int, "rel"),
        ("ETP réalisés", "etp_realises", fmt_int, "rel"),
        ("ETP conventionnés", "etp_conventionnes", fmt_int, "rel"),
        ("Taux de réalisation", "taux_realisation", fmt_pct, "pts"),
        ("Heures travaillées", "hours", fmt_int, "rel"),
        ("Créations de SIAE", "structures_created", fmt_int, "abs"),
        ("Fermetures de SIAE", "structures_closed", fmt_int, "abs"),
    ]
    rows = []
    for label, ind, f, kind in specs:
        cur = ctx.value(ind, y)
        row = [label, ctx.cell(ind, f, y, zero=False)]
        if has_prev:
            prev = ctx.value(ind, p)
            if ctx.secret(ind, y) or ctx.secret(ind, p):
                ch = SECRET_MARK
            elif cur is None or prev is None:
                ch = "n.d."
            elif kind == "pts":
                ch = fmt_points(cur - prev)
            elif kind == "abs":
                ch = fmt_signed(cur - prev)
            else:
                ch = fmt_pct(cur / prev - 1) if prev else "n.d."
                ch = ch if ch.startswith("-") or ch == "n.d." else "+" + ch
            row = [label, ctx.cell(ind, f, p, zero=False), row[1], ch]
        rows.append(row)
    header = ["Indicateur", str(p), str(y), "Évolution"] if has_prev else ["Indicateur", str(y)]
    parts = []
    if ctx.value("salaries", y) is None and ctx.value("structures", y) is None:
        parts.append(note(f"Aucune donnée n'est disponible pour {ctx.territory.label()} en {y}."))
    parts.append(table_html(header, rows, caption=f"Chiffres clés {y}", cls="key"))
    parts += _secret_notes(any(SECRET_MARK in r for r in rows))
    if not has_prev:
        parts.append(
            note(f"L'année {p} n'est pas couverte par les données : pas d'évolution calculée.")
        )
    parts.append(
        para(
            narrative.key_figures_paragraph(
                ctx.key_figures, ctx.territory, ctx.previous_key_figures, ctx.name_type()
            )
        )
    )
    return _out(parts)


def show_offer(ctx: ReportContext) -> HTML:
    """Structures, salariés and ETP by type side by side, with the shares and the contrast."""
    y = ctx.year
    rows, chart = [], []
    types = ctx.report_types
    secret = any(
        ctx.secret(i, y, t)
        for i in ("salaries", "salaries_share", "etp_realises", "etp_share")
        for t in (*types, "ALL")
    )
    for t in types:
        s, sal = ctx.value("structures", y, t), ctx.value("salaries", y, t)
        ss, es = ctx.value("salaries_share", y, t), ctx.value("etp_share", y, t)
        rows.append(
            [
                t,
                fmt_int(s or 0),
                ctx.cell("salaries", fmt_int, y, t),
                ctx.pct("salaries_share", y, t),
                ctx.cell("etp_realises", fmt_int, y, t),
                ctx.pct("etp_share", y, t),
            ]
        )
        if sal or ctx.secret("salaries", y, t):
            chart.append(
                {
                    "type_siae": t,
                    # a secret share is left out of the chart (NaN: no bar)
                    "salaries_share": math.nan
                    if ctx.secret("salaries_share", y, t)
                    else ss or 0.0,
                    "etp_share": math.nan if ctx.secret("etp_share", y, t) else es or 0.0,
                }
            )
    rows.append(
        [
            "Ensemble",
            fmt_int(ctx.value("structures", y) or 0),
            ctx.cell("salaries", fmt_int, y),
            "100\u00a0%" if ctx.value("salaries", y) else "n.d.",
            ctx.cell("etp_realises", fmt_int, y),
            "100\u00a0%" if ctx.value("etp_realises", y) else "n.d.",
        ]
    )
    parts = [
        table_html(
            [
                "Type de SIAE",
                "Structures",
                "Salariés",
                "Part des salariés",
                "ETP réalisés",
                "Part des ETP",
            ],
            rows,
            caption=f"Offre d'insertion par type de SIAE, {y}",
        ),
        note(
            "Un salarié employé par deux types de SIAE compte dans chacun : les parts des "
            "salariés sont calculées sur la somme des effectifs par type, et l'ensemble compte "
            "chaque personne une fois."
        ),
        *([note(n)] if (n := ctx.absent_types_note()) else []),
        *_secret_notes(secret),
    ]
    if chart:
        parts.append(
            figure_html(
                plots.shares_by_type(pd.DataFrame(chart), y, ctx.source),
                f"Parts des salariés et des ETP par type de SIAE en {y}",
                (
                    ["Type de SIAE", "Part des salariés", "Part des ETP"],
                    [
                        [
                            c["type_siae"],
                            ctx.pct("salaries_share", y, c["type_siae"]),
                            ctx.pct("etp_share", y, c["type_siae"]),
                        ]
                        for c in chart
                    ],
                    f"Données du graphique : parts des salariés et des ETP par type de SIAE, {y}",
                ),
            )
        )
        parts += _secret_notes(secret)
        parts.append(para(narrative.offer_contrast_paragraph(ctx.key_figures)))
    else:
        parts.append(note(f"Aucun salarié en insertion n'est recensé en {y} : pas de graphique."))
    return _out(parts)


def show_etp(ctx: ReportContext) -> HTML:
    """ETP conventionnés vs réalisés by type and taux de réalisation."""
    y = ctx.year
    rows, chart, left_out = [], [], []
    for t in (*ctx.report_types, "ALL"):
        conv, real = ctx.value("etp_conventionnes", y, t), ctx.value("etp_realises", y, t)
        rows.append(
            [
                "Ensemble" if t == "ALL" else t,
                ctx.cell("etp_conventionnes", fmt_int, y, t),
                ctx.cell("etp_realises", fmt_int, y, t),
                ctx.cell("taux_realisation", fmt_pct, y, t, zero=False),
            ]
        )
        hidden = any(ctx.secret(i, y, t) for i in ("etp_conventionnes", "etp_realises"))
        if t != "ALL" and hidden:
            left_out.append(t)  # a hidden bar is absent from the chart
        elif t != "ALL" and (conv or real):
            chart.append(
                {"type_siae": t, "etp_conventionnes": conv or 0.0, "etp_realises": real or 0.0}
            )
    parts = [
        table_html(
            ["Type de SIAE", "ETP conventionnés", "ETP réalisés", "Taux de réalisation"],
            rows,
            caption=f"ETP conventionnés et réalisés, {y}",
        ),
        *_secret_notes(any(SECRET_MARK in r for r in rows)),
    ]
    if chart:
        parts.append(
            figure_html(
                plots.etp_conventionnes_realises(pd.DataFrame(chart), y, ctx.source),
                f"ETP conventionnés et réalisés par type de SIAE en {y}",
                (
                    ["Type de SIAE", "ETP conventionnés", "ETP réalisés"],
                    [
                        [
                            c["type_siae"],
                            ctx.cell("etp_conventionnes", fmt_int, y, c["type_siae"]),
                            ctx.cell("etp_realises", fmt_int, y, c["type_siae"]),
                        ]
                        for c in chart
                    ],
                    f"Données du graphique : ETP conventionnés et réalisés par type de SIAE, {y}",
                ),
            )
        )
        parts += _absent_from_chart_note(left_out)
    elif left_out:
        parts.append(
            note(
                "Les ETP par type de SIAE ne sont pas publiés (secret statistique) : pas de "
                "graphique."
            )
        )
    else:
        parts.append(note(f"Aucun ETP conventionné ni réalisé n'est recensé en {y}."))
    parts.append(para(narrative.realisation_sentence(ctx.key_figures)))
    return _out(parts)


def show_structures_evolution(ctx: ReportContext) -> HTML:
    """Number of SIAE by type since the first year of the data, creations and closures."""
    years = [v for v in ctx.years if v <= ctx.year]
    y0 = years[0]
    rows, chart = [], []
    for yr in years:
        row = [str(yr)]
        for t in ctx.report_types:
            n = ctx.value("structures", yr, t)
            row.append(fmt_int(n or 0))
            chart.append({"year": yr, "type_siae": t, "structures": n or 0.0})
        row += [
            fmt_int(ctx.value("structures", yr) or 0),
            fmt_int(ctx.value("structures_created", yr)),
            fmt_int(ctx.value("structures_closed", yr)),
            fmt_signed(ctx.value("structures_net", yr)),
        ]
        rows.append(row)
    parts = [
        table_html(
            ["Année", *ctx.report_types, "Ensemble", "Créations", "Fermetures", "Solde"],
            rows,
            caption=f"Nombre de SIAE par type, {y0}-{ctx.year}",
        ),
        note(
            "Créations et fermetures : SIAE actives dans l'année et non l'année précédente, et "
            "inversement ; « n.d. » pour la première année des données."
        ),
    ]
    cdf = pd.DataFrame(chart)
    cdf = cdf[cdf.groupby("type_siae")["structures"].transform("sum") > 0]
    if len(years) > 1 and not cdf.empty:
        parts.append(
            figure_html(
                plots.structures_over_time(cdf, ctx.source),
                f"Nombre de SIAE par type de {y0} à {ctx.year}",
            )
        )
    elif len(years) == 1:
        parts.append(note(f"Les données ne couvrent que {ctx.year} : pas de courbe d'évolution."))
    created = [ctx.value("structures_created", yr) for yr in years[1:]]
    closed = [ctx.value("structures_closed", yr) for yr in years[1:]]
    known = bool(created) and all(v is not None for v in created + closed)
    parts.append(
        para(
            narrative.structures_evolution_sentence(
                y0,
                ctx.year,
                ctx.value("structures", y0) or 0.0,
                ctx.value("structures", ctx.year) or 0.0,
                sum(created) if known else None,
                sum(closed) if known else None,
            )
        )
    )
    return _out(parts)


def _public(
    ctx: ReportContext, key: str, year: int, t: str = "ALL", terr: Territory | None = None
):
    return ctx.value("public_share", year, t, key, terr)


def show_publics(ctx: ReportContext) -> HTML:
    """Publics of the year: overall and by type, with the sentences."""
    y = ctx.year
    present = [t for t in TYPES if ctx.value("salaries", y, t) or ctx.secret("salaries", y, t)]
    rows, chart = [], []
    for k in PUBLIC_KEYS:
        rows.append(
            [PUBLIC_LABELS[k], ctx.pct("public_share", y, "ALL", k)]
            + [ctx.pct("public_share", y, t, k) for t in present]
        )
        v = _public(ctx, k, y)
        if v is not None:
            chart.append({"label": PUBLIC_LABELS[k], "share": v})
    in_table = any(
        ctx.secret("public_share", y, t, k) for k in PUBLIC_KEYS for t in ("ALL", *present)
    )
    in_chart = any(ctx.secret("public_share", y, "ALL", k) for k in PUBLIC_KEYS)
    parts = [
        table_html(
            ["Public", "Ensemble", *present],
            rows,
            caption=f"Publics des SIAE, en % des salariés en insertion, {y}",
        ),
        note(
            "Chaque part est calculée parmi les salariés dont la caractéristique est connue "
            "(QPV : statut en QPV ou hors QPV connu) ; la part des résidents d'un QPV parmi "
            "tous les salariés compte aussi les statuts inconnus. « n.d. » : aucun salarié "
            "concerné ou information absente."
        ),
        *_secret_notes(in_table),
    ]
    if chart:
        parts.append(
            figure_html(
                plots.publics_shares(pd.DataFrame(chart), y, ctx.source),
                f"Publics des SIAE en {y}",
            )
        )
        parts += _secret_notes(in_chart)
    elif in_chart:
        parts.append(note(f"Les parts des publics ne sont pas publiées en {y} ({SECRET_NOTE})"))
    else:
        parts.append(note(f"Les caractéristiques des salariés ne sont pas disponibles en {y}."))
    parts.append(para(narrative.publics_paragraph(ctx.key_figures)))
    return _out(parts)


def show_publics_over_time(ctx: ReportContext) -> HTML:
    """Publics over the years of the data (all types together)."""
    years = [v for v in ctx.years if v <= ctx.year]
    rows, chart = [], []
    for k in PUBLIC_KEYS:
        vals = [_public(ctx, k, yr) for yr in years]
        rows.append([PUBLIC_LABELS[k], *[ctx.pct("public_share", yr, "ALL", k) for yr in years]])
        if k in PUBLICS_OVER_TIME:
            chart += [
                {"year": yr, "label": PUBLIC_LABELS[k], "share": v}
                for yr, v in zip(years, vals, strict=True)
                if v is not None
            ]
    parts = [
        table_html(
            ["Public", *[str(v) for v in years]],
            rows,
            caption=(
                f"Évolution des publics, en % des salariés en insertion, {years[0]}-{years[-1]}"
            ),
        ),
        *_secret_notes(
            any(ctx.secret("public_share", yr, "ALL", k) for k in PUBLIC_KEYS for yr in years)
        ),
    ]
    if len(years) > 1 and chart:
        parts.append(
            figure_html(
                plots.publics_over_time(pd.DataFrame(chart), ctx.source),
                f"Évolution des publics de {years[0]} à {years[-1]}",
            )
        )
        parts += _secret_notes(
            any(
                ctx.secret("public_share", yr, "ALL", k) for k in PUBLICS_OVER_TIME for yr in years
            )
        )
    else:
        parts.append(note("Une seule année de données : pas de courbe d'évolution des publics."))
    return _out(parts)


def show_publics_by_territory(ctx: ReportContext) -> HTML:
    """Region report: publics by département; département report: against the region."""
    y = ctx.year
    if ctx.territory.level == "region":
        subs = ctx.sub_territories()
        if not subs:
            return _out([note(f"Aucun département de la région n'a de données en {y}.")])
        rows = [
            [PUBLIC_LABELS[k], ctx.pct("public_share", y, "ALL", k)]
            + [ctx.pct("public_share", y, "ALL", k, terr=d) for d in subs]
            for k in PUBLIC_KEYS
        ]
        secret = any(SECRET_MARK in r[1:] for r in rows)
        legend = "Départements : " + ", ".join(f"{d.code} {d.name}" for d in subs) + "."
        return _out(
            [
                table_html(
                    ["Public", "Région", *[d.code for d in subs]],
                    rows,
                    caption=f"Publics par département, en % des salariés en insertion, {y}",
                    cls="wide",
                ),
                note(legend),
                *_secret_notes(secret),
            ]
        )
    parent = ctx.parent()
    if parent is None:
        return _out(
            [note("Les données de la région ne sont pas disponibles : pas de comparaison.")]
        )
    rows = []
    for k in PUBLIC_KEYS:
        a, b = _public(ctx, k, y), _public(ctx, k, y, terr=parent)
        cells = [
            ctx.pct("public_share", y, "ALL", k),
            ctx.pct("public_share", y, "ALL", k, parent),
        ]
        if SECRET_MARK in cells:  # the gap would give the secret share away
            gap = SECRET_MARK
        else:
            gap = fmt_points(a - b) if a is not None and b is not None else "n.d."
        rows.append([PUBLIC_LABELS[k], *cells, gap])
    return _out(
        [
            table_html(
                ["Public", "Département", f"Région {parent.name}", "Écart"],
                rows,
                caption=f"Publics du département comparés à la région, {y}",
            ),
            *_secret_notes(any(SECRET_MARK in r for r in rows)),
        ]
    )


def _sector_shares(ctx: ReportContext, year: int, t: str = "ALL") -> dict[str, float | None]:
    return {c: ctx.value("hours_share_by_sector", year, t, c) for c in ctx.sectors["sector_code"]}


def show_sectors(ctx: ReportContext) -> HTML:
    """Sectors of the hours worked, overall and by type."""
    y = ctx.year
    labels = ctx.sector_labels
    present = [t for t in TYPES if ctx.value("hours", y, t) or ctx.secret("hours", y, t)]
    cols = ("ALL", *present)
    shares = {t: _sector_shares(ctx, y, t) for t in cols}

    def hidden(t: str, c: str) -> bool:
        return ctx.secret("hours_share_by_sector", y, t, c)

    codes = [
        c for c in ctx.sectors["sector_code"] if any(shares[t][c] or hidden(t, c) for t in shares)
    ]
    if not codes or not (ctx.value("hours", y) or ctx.secret("hours", y)):
        return _out([note(f"Aucune heure travaillée n'est rattachée à un secteur en {y}.")])
    rows = [
        [labels[c], *[ctx.cell("hours_share_by_sector", fmt_pct, y, t, c) for t in cols]]
        for c in codes
    ]
    rows.append(["Heures travaillées", *[ctx.cell("hours", fmt_int, y, t) for t in cols]])
    # a hidden share is absent from the chart (its part of the bar stays empty)
    chart = [
        {"type_siae": t, "label": labels[c], "share": shares[t][c] or 0.0}
        for t in cols
        for c in codes
        if not hidden(t, c)
    ]
    left_out = ["ensemble" if t == "ALL" else t for t in cols if any(hidden(t, c) for c in codes)]
    without_hours = [
        narrative.lower_first(labels[c]) for c in ctx.sectors["sector_code"] if c not in codes
    ]
    return _out(
        [
            table_html(
                ["Secteur", "Ensemble", *present],
                rows,
                caption=f"Répartition des heures travaillées par secteur, en %, {y}",
            ),
            *(
                [
                    note(
                        f"Sans heure travaillée en {y}, donc absent du tableau : "
                        f"{narrative.join_fr(without_hours)}."
                    )
                ]
                if without_hours
                else []
            ),
            figure_html(
                plots.sector_shares_by_type(
                    pd.DataFrame(chart), y, ctx.source, plots.sector_colors(list(labels.values()))
                ),
                f"Heures travaillées par secteur et type de SIAE en {y}",
            )
            if chart
            else note(
                "Aucune part des heures par secteur n'est publiable (secret statistique) : "
                "pas de graphique."
            ),
            *_secret_notes(any(SECRET_MARK in r for r in rows)),
            *(
                [note(f"Parts non publiées, absentes du graphique : {', '.join(left_out)}.")]
                if left_out and chart
                else []
            ),
            para(
                narrative.sectors_paragraph(
                    y,
                    {labels[c]: shares["ALL"][c] for c in codes},
                    tuple(labels[c] for c in UNRANKED_SECTORS if c in labels),
                    hidden=any(hidden("ALL", c) for c in codes),
                )
            ),
        ]
    )


def show_sectors_change(ctx: ReportContext) -> HTML:
    """Change of the sector shares over four years (or since the first year of the data)."""
    y = ctx.year
    y0 = max(ctx.years[0], y - 4)
    if y0 >= y:
        return _out(
            [
                note(
                    f"Les données ne couvrent que {y} : l'évolution des secteurs ne peut pas "
                    "être mesurée."
                )
            ]
        )
    labels = ctx.sector_labels

    def has_hours(t: str, yr: int) -> bool:
        return bool(ctx.value("hours", yr, t) or ctx.secret("hours", yr, t))

    def hidden(t: str, c: str) -> bool:
        return ctx.secret("hours_share_by_sector", y, t, c) or ctx.secret(
            "hours_share_by_sector", y0, t, c
        )

    cols = ["ALL", *[t for t in TYPES if has_hours(t, y) and has_hours(t, y0)]]
    rows, sentences = [], []
    for c in ctx.sectors["sector_code"]:
        a, b = (
            ctx.value("hours_share_by_sector", y0, "ALL", c),
            ctx.value("hours_share_by_sector", y, "ALL", c),
        )
        if not a and not b and not hidden("ALL", c):
            continue
        row = [
            labels[c],
            ctx.cell("hours_share_by_sector", fmt_pct, y0, "ALL", c),
            ctx.cell("hours_share_by_sector", fmt_pct, y, "ALL", c),
        ]
        row += [
            SECRET_MARK
            if hidden(t, c)
            else fmt_points(
                (ctx.value("hours_share_by_sector", y, t, c) or 0.0)
                - (ctx.value("hours_share_by_sector", y0, t, c) or 0.0)
            )
            for t in cols
        ]
        rows.append(row)
    if not rows:
        return _out(
            [note(f"Aucune heure travaillée n'est rattachée à un secteur en {y0} ni en {y}.")]
        )
    for t in cols[1:]:
        if any(hidden(t, c) for c in ctx.sectors["sector_code"]):
            continue  # no sentence ranks the changes of a type with a hidden share
        best = None
        for c in ctx.sectors["sector_code"]:
            if c in UNRANKED_SECTORS:
                continue
            a = ctx.value("hours_share_by_sector", y0, t, c) or 0.0
            b = ctx.value("hours_share_by_sector", y, t, c) or 0.0
            if best is None or abs(b - a) > abs(best[2] - best[1]) + 1e-12:
                best = (c, a, b)
        if best:
            sentences.append(
                narrative.sector_change_sentence(t, labels[best[0]], best[2], best[1], y0, y)
            )
    parts = [
        table_html(
            [
                "Secteur",
                f"Part {y0}",
                f"Part {y}",
                *[f"Écart {'ensemble' if t == 'ALL' else t}" for t in cols],
            ],
            rows,
            caption=f"Évolution de la part des heures par secteur entre {y0} et {y}",
            cls="wide",
        ),
        note("Écarts en points de pourcentage entre les deux années."),
        *_secret_notes(any(SECRET_MARK in r for r in rows)),
    ]
    if sentences:
        parts.append("<ul>" + "".join(f"<li>{esc(s)}</li>" for s in sentences) + "</ul>")
    return _out(parts)


def show_territories(ctx: ReportContext) -> HTML:
    """Region report: comparison of its départements; département report: its weight in the
    region."""
    from iae_diag.geo import sections  # geopandas: imported when the section is rendered

    y, y0 = ctx.year, ctx.years[0]
    geo = sections.load_geography(ctx.geo_dir)

    def row(terr: Territory, label: str) -> list[str]:
        n0, n1 = ctx.value("structures", y0, terr=terr), ctx.value("structures", y, terr=terr)
        r = [
            label,
            fmt_int(n1 or 0),
            ctx.cell("salaries", fmt_int, y, terr=terr),
            ctx.cell("etp_realises", fmt_int, y, terr=terr),
            ctx.cell("etp_conventionnes", fmt_int, y, terr=terr),
            ctx.cell("taux_realisation", fmt_pct, y, terr=terr, zero=False),
            fmt_signed((n1 or 0) - (n0 or 0)) if y0 < y else "n.d.",
        ]
        return r

    header = [
        "Territoire",
        "Structures",
        "Salariés",
        "ETP réalisés",
        "ETP conventionnés",
        "Taux de réalisation",
        f"Évolution des structures depuis {y0}",
    ]

    def with_coverage(terrs: list[Territory], rows: list[list[str]]) -> list[list[str]]:
        cov = sections.coverage_column(ctx.indicators, ctx.geo_dir, terrs, y)
        if cov is None:
            return rows
        header.append(cov[0])
        # a rate computed from hidden ETP réalisés would give them back: hidden too
        cells = [
            SECRET_MARK if ctx.secret("etp_realises", y, terr=t) else c
            for t, c in zip(terrs, cov[1], strict=True)
        ]
        return [r + [c] for r, c in zip(rows, cells, strict=True)]

    if ctx.territory.level == "region":
        subs = ctx.sub_territories()
        if not subs:
            return _out([note(f"Aucun département de la région n'a de données en {y}.")])
        rows = [row(d, d.label()) for d in subs]
        rows.append(row(ctx.territory, "Ensemble de la région"))
        rows = with_coverage([*subs, ctx.territory], rows)
        parts = [
            table_html(header, rows, caption=f"Comparaison des départements, {y}", cls="wide"),
            *_secret_notes(any(SECRET_MARK in r for r in rows)),
        ]
    else:
        parent = ctx.parent()
        rows = [row(ctx.territory, ctx.territory.label())]  # a département
        if parent is not None:
            rows.append(row(parent, f"Région {parent.name}"))
        terrs = [ctx.territory] + ([parent] if parent is not None else [])
        rows = with_coverage(terrs, rows)
        parts = [
            table_html(header, rows, caption=f"Le département dans sa région, {y}", cls="wide"),
            *_secret_notes(any(SECRET_MARK in r for r in rows)),
        ]
        if parent is not None:
            shares = [
                (lab, _share(ctx.value(k, y), ctx.value(k, y, terr=parent)))
                for lab, k in (
                    ("des structures", "structures"),
                    ("des salariés", "salaries"),
                    ("des ETP réalisés", "etp_realises"),
                )
            ]
            # a share of salariés: not quoted when the region counts too few of them
            shares[1] = (
                shares[1][0],
                publishable(shares[1][1], ctx.value("salaries", y, terr=parent)),
            )
            txt = ", ".join(f"{fmt_pct(v)} {lab}" for lab, v in shares if v is not None)
            if txt:
                who = sections.the_name(geo, ctx.territory)
                parts.append(
                    para(f"En {y}, {who} représente {txt} {sections.of_territory(geo, parent)}.")
                )
    shown = any(h.startswith("ETP pour 10") for h in header)
    parts += [note(s) for s in sections.coverage_notes(ctx.geo_dir, y, shown)]
    parts += sections.needs_parts(ctx, sys.modules[__name__])
    return _out(parts)


def show_maps(ctx: ReportContext) -> HTML:
    """The maps, the offer by commune and the table of the least covered territories (package
    :mod:`iae_diag.geo`, module ``sections``)."""
    from iae_diag.geo import sections  # geopandas: imported when the section is rendered

    return _out(sections.maps_parts(ctx, sys.modules[__name__]))


def show_methodology(ctx: ReportContext) -> Markdown:
    """The methodology page of the indicators (French Markdown)."""
    from iae_diag.indicators import methodology_markdown

    text = no_break_numbers(methodology_markdown().lstrip())
    first, _, rest = text.partition("\n")
    if first.strip().lower() in ("## méthodologie", "# méthodologie"):
        text = rest  # the notebook already titles the section
    return Markdown(text.rstrip() + "\n\n" + secrecy_summary(ctx) + "\n")


def secrecy_summary(ctx: ReportContext) -> str:
    """The methodology's paragraph on this run's statistical secrecy: level and cells hidden
    (primary, secondary), over the run and for the report's territory and year."""
    c = ctx.secret_counts()
    where = narrative.lower_first(narrative.territory_noun(ctx.territory, ctx.name_type()))
    level = (
        "publique (document publiable)"
        if ctx.diffusion == secrecy.PUBLIQUE
        else "interne (diffusion restreinte aux services de l'État)"
    )
    return (
        f"**Secret statistique de ce document.** Niveau de diffusion : {level}. Cellules "
        f"non publiées pour {where} en {ctx.year} : {fmt_int(c['primary'])} "
        f"par secret primaire et {fmt_int(c['secondary'])} par secret secondaire. Sur "
        f"l'ensemble des territoires et des années calculés : {fmt_int(c['run_primary'])} "
        f"et {fmt_int(c['run_secondary'])}."
    )


def show_siae_annex(ctx: ReportContext) -> HTML:
    """``interne`` documents only: an annex per département with one row per SIAE (type,
    commune, salariés, ETP conventionnés and réalisés, taux de réalisation, hours, created or
    closed in the year). The person rule still applies: 1 to 4 salariés print ``s``, with
    the secondary cells of :func:`annex_hidden_salaries`. Nothing in a ``publique``
    document."""
    if ctx.diffusion != secrecy.INTERNE:
        return HTML("")
    y = ctx.year
    parts = [f"<h2>{esc('Annexe : les SIAE par département (diffusion restreinte)')}</h2>"]
    if ctx.siae is None:
        return _out([*parts, note("La table des SIAE (siae.parquet) est absente.")])
    deps = ctx.territory.departements() if ctx.territory.level == "region" else []
    deps = deps or [ctx.territory.code]
    for d in deps:
        table = siae_annex_table(ctx.siae, d, y)
        parts.append(h3(Territory("dep", d).label()))
        if table.empty:
            parts.append(note(f"Aucune SIAE active en {y - 1} ou en {y}."))
            continue
        hidden = annex_hidden_salaries(table)
        rows = [
            [
                str(r.denomination),
                r.type_siae,
                str(r.code_commune),
                SECRET_MARK if i in hidden else fmt_int(r.salaries),
                fmt_number(r.etp_conventionnes, 1),
                fmt_number(r.etp_realises, 1),
                fmt_pct(r.taux_realisation),
                fmt_int(r.hours),
                r.mouvement,
            ]
            for i, r in enumerate(table.itertuples(index=False))
        ]
        parts.append(
            table_html(
                [
                    "SIAE",
                    "Type",
                    "Commune",
                    "Salariés",
                    "ETP conventionnés",
                    "ETP réalisés",
                    "Taux de réalisation",
                    "Heures",
                    f"Mouvement {y}",
                ],
                rows,
                caption=f"SIAE du département {d}, {y}",
                cls="wide",
            )
        )
    parts.append(
        note(
            "Document de travail réservé aux services de l'État : les chiffres par structure "
            "ne doivent pas être diffusés. « s » : moins de 5 salariés (secret statistique)."
        )
    )
    return _out(parts)


def annex_hidden_salaries(table: pd.DataFrame) -> set[int]:
    """Rows (positions) of an annex table whose salariés are not printed: 1 to 4 persons
    (primary), then, in the département and in each type (whose totals the report prints),
    while exactly one row is hidden, the smallest other non-zero count (ties: the first row)."""
    n = table["salaries"].to_numpy()
    hidden = {i for i, v in enumerate(n) if 0 < v < secrecy.MIN_PERSONS}
    groups = [list(range(len(n)))]
    groups += [
        [i for i, t in enumerate(table["type_siae"]) if t == typ]
        for typ in dict.fromkeys(table["type_siae"])
    ]
    changed = True
    while changed:
        changed = False
        for g in groups:
            if len([i for i in g if i in hidden]) == 1:
                others = [i for i in g if i not in hidden and n[i] > 0]
                if others:
                    hidden.add(min(others, key=lambda i: (n[i], i)))
                    changed = True
    return hidden


def siae_annex_table(siae: pd.DataFrame, dep: str, year: int) -> pd.DataFrame:
    """The SIAE of a département active in ``year`` (``mouvement`` « créée » when not active
    the year before) and those active the year before only (« fermée », figures 0), sorted by
    type then name. One row per SIAE (structure and type)."""
    s = siae.loc[siae["code_departement"].astype(str) == dep]
    keys = ["structure_id_siae", "type_siae"]
    cur = s.loc[s["year"] == year]
    prev_keys = set(map(tuple, s.loc[s["year"] == year - 1, keys].to_numpy().tolist()))
    cur_keys = set(map(tuple, cur[keys].to_numpy().tolist()))
    has_prev = bool((siae["year"] == year - 1).any())
    cur = cur.assign(
        mouvement=[
            "créée" if has_prev and k not in prev_keys else ""
            for k in map(tuple, cur[keys].to_numpy().tolist())
        ]
    )
    closed = s.loc[(s["year"] == year - 1)]
    closed = closed.loc[[tuple(k) not in cur_keys for k in closed[keys].to_numpy().tolist()]]
    closed = closed.assign(
        mouvement="fermée", salaries=0, etp_realises=0.0, etp_conventionnes=0.0, hours=0.0
    )
    out = pd.concat([cur, closed], ignore_index=True)
    out["taux_realisation"] = [
        r / c if c else None
        for r, c in zip(out["etp_realises"], out["etp_conventionnes"], strict=True)
    ]
    order = {t: i for i, t in enumerate(TYPES)}
    out = out.assign(_t=out["type_siae"].map(order))
    out = out.sort_values(["_t", "denomination", "structure_id_siae"], kind="stable")
    return out.drop(columns="_t").reset_index(drop=True)


def show_quality(ctx: ReportContext) -> HTML:
    """Data-quality checks of the territory and the year."""
    q = ctx.quality
    t, y = ctx.territory, ctx.year
    if q is None:
        return _out(
            [
                note(
                    "Le tableau de qualité des données (quality.parquet) est absent du dossier "
                    "des données traitées."
                )
            ]
        )
    sel = q[
        (q["territory_level"].astype(str) == t.level)
        & (q["territory_code"].astype(str) == t.code)
        & (q["year"].astype(int) == y)
    ]
    if sel.empty:
        return _out(
            [note(f"Aucun contrôle de qualité n'est enregistré pour ce territoire en {y}.")]
        )
    rows = []
    if "breakdown" not in sel.columns:
        sel = sel.assign(breakdown="")
    sel = sel.assign(breakdown=sel["breakdown"].fillna("").astype(str))
    order = [quality_order(c, b) for c, b in zip(sel["check"], sel["breakdown"], strict=True)]
    for _, r in sorted(zip(order, sel.itertuples(index=False), strict=True)):
        label = quality_label(r.check, r.breakdown)
        v = float(r.value)
        if ctx.decision is not None and ctx.decision.quality_hidden(
            t.level, t.code, y, r.check, r.breakdown
        ):
            rows.append([label, SECRET_MARK])  # a count of persons under statistical secrecy
            continue
        rows.append([label, fmt_int(v) if v == int(v) else fmt_number(v, 2)])
    return _out(
        [
            table_html(["Contrôle", "Valeur"], rows, caption=f"Qualité des données, {y}"),
            *_secret_notes(any(SECRET_MARK in r for r in rows)),
        ]
    )


def _folder_identity(manifest: Path) -> str:
    """A processed folder named by its manifest's checksum, never by its path on the
    machine."""
    from iae_diag.freshness import file_sha256

    if not manifest.is_file():
        return "manifeste absent"
    return f"manifest.json, SHA-256\u00a0: {file_sha256(manifest)}"


def show_provenance(ctx: ReportContext) -> HTML:
    """Input files (extract stamp, checksum), code version and parameters of the report."""
    tables = ctx.manifest.get("tables", {})
    rows, sums = [], []
    for name in sorted(tables):
        m = tables[name]
        rows.append(
            [
                name,
                str(m.get("file", "")),
                str(m.get("extract_stamp", "") or "n.d."),
                fmt_int(m.get("rows_read")),
                fmt_int(m.get("rows_kept")),
                fmt_int(m.get("rows_quarantined")),
            ]
        )
        sums.append([name, str(m.get("sha256", "") or "n.d.")])
    parts = []
    if rows:
        parts.append(
            table_html(
                ["Table", "Fichier", "Extraction", "Lignes lues", "Conservées", "Rejetées"],
                rows,
                caption="Fichiers fluxIAE utilisés",
                cls="wide provenance",
            )
        )
        parts.append(
            table_html(
                ["Table", "Empreinte SHA-256 du fichier"],
                sums,
                caption="Empreintes des fichiers",
                cls="wide checksums",
            )
        )
    else:
        parts.append(note("Le manifeste des données ne décrit aucun fichier d'entrée."))
    prm = ctx.parameters
    items = [
        ("Version du code", code_version()),
        ("Territoire", f"{prm['territory']} ({ctx.territory.label()})"),
        (
            "Année",
            f"{ctx.year}" + (" (dernière année des données)" if int(prm["year"]) == 0 else ""),
        ),
        ("Données traitées", _folder_identity(ctx.processed_dir / "manifest.json")),
        ("Dossier géographique", f"« {ctx.geo_dir.name} »" if ctx.geo_dir else "non configuré"),
        ("Schéma des données", str(ctx.manifest.get("schema_version", "n.d."))),
    ]
    if ctx.manifest.get("key_kind") == "demonstration":
        items.append(("Pseudonymisation", "clé de démonstration (données synthétiques)"))
    parts.append(
        table_html(
            ["Élément", "Valeur"], [[a, b] for a, b in items], caption="Version et paramètres"
        )
    )
    return _out(parts)


__all__ = [
    "NBSP",
    "ReportContext",
    "build_context",
    "key_figures_output",
    "show_title",
    "show_key_figures",
    "show_offer",
    "show_etp",
    "show_structures_evolution",
    "show_publics",
    "show_publics_over_time",
    "show_publics_by_territory",
    "show_sectors",
    "show_sectors_change",
    "show_territories",
    "show_maps",
    "show_methodology",
    "show_quality",
    "show_provenance",
    "show_siae_annex",
]
