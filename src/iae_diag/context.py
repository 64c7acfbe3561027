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
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from IPython.display import HTML, Markdown

from iae_diag import __version__, config, narrative, plots
from iae_diag.errors import InputError, ParameterError, require_columns
from iae_diag.figures import key_figures, publishable, secret_keys, to_json, value_index
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
LOW_COVERAGE_ROWS = 15


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
    opt = [processed_dir / "quality.parquet", processed_dir / "siae.parquet"]
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
    manifest = json.loads(man_path.read_text(encoding="utf-8"))
    _CACHE.clear()
    _CACHE[key] = (ind, quality, siae, manifest)
    return _CACHE[key]


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
    #: keys of the shares of salariés under statistical secrecy (figures.secret_keys)
    _secret: set = field(default_factory=set, repr=False)

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
        """True when the value is a share of salariés under statistical secrecy."""
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
    territory: str, year: int, processed_dir: str = "", geo_dir: str = ""
) -> ReportContext:
    """Validate the notebook parameters and load the data of the report.

    ``territory``: ``region:11`` or ``dep:93``; ``year``: a year of the data or 0 for the
    latest; ``processed_dir``: the folder written by ``iae-diag indicators`` (empty: the
    project's ``data/processed``); ``geo_dir``: the geography folder (empty: the configured
    one, if any)."""
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
    kf = key_figures(rows, terr, y)  # rows hold every row of the territory
    prev = key_figures(rows, terr, y - 1) if (y - 1) in years else None
    return ReportContext(
        territory=terr,
        year=y,
        years=years,
        processed_dir=proc,
        geo_dir=geo,
        indicators=rows,
        quality=quality,
        siae=siae,
        manifest=manifest,
        sectors=sectors,
        parameters={
            "territory": territory,
            "year": year,
            "processed_dir": processed_dir,
            "geo_dir": geo_dir,
        },
        key_figures=kf,
        previous_key_figures=prev,
        source=plots.source_line(extract_date(manifest)),
        _values=value_index(rows),
        _secret=secret_keys(rows),
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


def esc(x: object) -> str:
    return html.escape(str(x), quote=True)


def table_html(header: list[str], rows: list[list[str]], caption: str = "", cls: str = "") -> str:
    """A table of already formatted cells (escaped here); first column left, others right.
    The caption is a paragraph kept on the same page as the table."""
    out = ['<div class="tbl">']
    if caption:
        out.append(f'<p class="caption">{esc(caption)}</p>')
    out.append(f'<table class="iae {esc(cls)}">' if cls else '<table class="iae">')
    out.append("<thead><tr>" + "".join(f"<th>{esc(h)}</th>" for h in header) + "</tr></thead>")
    out.append("<tbody>")
    for r in rows:
        cells = [f'<th scope="row">{esc(r[0])}</th>'] + [f"<td>{esc(c)}</td>" for c in r[1:]]
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table></div>")
    return "".join(out)


def figure_html(fig, alt: str) -> str:
    """A figure as an embedded PNG (fixed metadata: same data, same bytes)."""
    data = base64.b64encode(plots.figure_png(fig)).decode("ascii")
    return (
        f'<figure class="iae"><img alt="{esc(alt)}" src="data:image/png;base64,{data}"/></figure>'
    )


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
    """The statistical-secrecy note under a table or a chart that left a share out."""
    return [note(SECRET_NOTE)] if any_secret else []


# --------------------------------------------------------------------------------------------
# sections
# --------------------------------------------------------------------------------------------


def show_title(ctx: ReportContext) -> HTML:
    """Title block: territory, year, data vintage."""
    t = ctx.territory
    name = t.label() if t.level == "dep" else f"Région {t.name}"
    stamp = extract_date(ctx.manifest)
    return _out(
        [
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
        row = [label, f(cur)]
        if has_prev:
            prev = ctx.value(ind, p)
            if cur is None or prev is None:
                ch = "n.d."
            elif kind == "pts":
                ch = fmt_points(cur - prev)
            elif kind == "abs":
                ch = fmt_signed(cur - prev)
            else:
                ch = fmt_pct(cur / prev - 1) if prev else "n.d."
                ch = ch if ch.startswith("-") or ch == "n.d." else "+" + ch
            row = [label, f(prev), f(cur), ch]
        rows.append(row)
    header = ["Indicateur", str(p), str(y), "Évolution"] if has_prev else ["Indicateur", str(y)]
    parts = []
    if ctx.value("salaries", y) is None and ctx.value("structures", y) is None:
        parts.append(note(f"Aucune donnée n'est disponible pour {ctx.territory.label()} en {y}."))
    parts.append(table_html(header, rows, caption=f"Chiffres clés {y}", cls="key"))
    if not has_prev:
        parts.append(
            note(f"L'année {p} n'est pas couverte par les données : pas d'évolution calculée.")
        )
    parts.append(
        para(
            narrative.key_figures_paragraph(
                ctx.key_figures, ctx.territory, ctx.previous_key_figures
            )
        )
    )
    return _out(parts)


def show_offer(ctx: ReportContext) -> HTML:
    """Structures, salariés and ETP by type side by side, with the shares and the contrast."""
    y = ctx.year
    rows, chart = [], []
    secret = any(ctx.secret("salaries_share", y, t) for t in TYPES)
    for t in TYPES:
        s, sal, etp = (
            ctx.value("structures", y, t),
            ctx.value("salaries", y, t),
            ctx.value("etp_realises", y, t),
        )
        ss, es = ctx.value("salaries_share", y, t), ctx.value("etp_share", y, t)
        rows.append(
            [
                t,
                fmt_int(s or 0),
                fmt_int(sal or 0),
                ctx.pct("salaries_share", y, t),
                fmt_int(etp or 0),
                fmt_pct(es),
            ]
        )
        if sal:
            chart.append(
                {
                    "type_siae": t,
                    # a secret share is left out of the chart (NaN: no bar)
                    "salaries_share": math.nan
                    if ctx.secret("salaries_share", y, t)
                    else ss or 0.0,
                    "etp_share": es or 0.0,
                }
            )
    rows.append(
        [
            "Ensemble",
            fmt_int(ctx.value("structures", y) or 0),
            fmt_int(ctx.value("salaries", y) or 0),
            "100\u00a0%" if ctx.value("salaries", y) else "n.d.",
            fmt_int(ctx.value("etp_realises", y) or 0),
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
        *_secret_notes(secret),
    ]
    if chart:
        parts.append(
            figure_html(
                plots.shares_by_type(pd.DataFrame(chart), y, ctx.source),
                f"Parts des salariés et des ETP par type de SIAE en {y}",
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
    rows, chart = [], []
    for t in (*TYPES, "ALL"):
        conv, real = ctx.value("etp_conventionnes", y, t), ctx.value("etp_realises", y, t)
        rows.append(
            [
                "Ensemble" if t == "ALL" else t,
                fmt_int(conv or 0),
                fmt_int(real or 0),
                fmt_pct(ctx.value("taux_realisation", y, t)),
            ]
        )
        if t != "ALL" and (conv or real):
            chart.append(
                {"type_siae": t, "etp_conventionnes": conv or 0.0, "etp_realises": real or 0.0}
            )
    parts = [
        table_html(
            ["Type de SIAE", "ETP conventionnés", "ETP réalisés", "Taux de réalisation"],
            rows,
            caption=f"ETP conventionnés et réalisés, {y}",
        )
    ]
    if chart:
        parts.append(
            figure_html(
                plots.etp_conventionnes_realises(pd.DataFrame(chart), y, ctx.source),
                f"ETP conventionnés et réalisés par type de SIAE en {y}",
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
        for t in TYPES:
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
            ["Année", *TYPES, "Ensemble", "Créations", "Fermetures", "Solde"],
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
    present = [t for t in TYPES if ctx.value("salaries", y, t)]
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
    present = [t for t in TYPES if ctx.value("hours", y, t)]
    shares = {t: _sector_shares(ctx, y, t) for t in ("ALL", *present)}
    codes = [c for c in ctx.sectors["sector_code"] if any(shares[t][c] for t in shares)]
    if not codes or not ctx.value("hours", y):
        return _out([note(f"Aucune heure travaillée n'est rattachée à un secteur en {y}.")])
    rows = [[labels[c], *[fmt_pct(shares[t][c] or 0.0) for t in ("ALL", *present)]] for c in codes]
    rows.append(
        ["Heures travaillées", *[fmt_int(ctx.value("hours", y, t)) for t in ("ALL", *present)]]
    )
    chart = [
        {"type_siae": t, "label": labels[c], "share": shares[t][c] or 0.0}
        for t in ("ALL", *present)
        for c in codes
    ]
    return _out(
        [
            table_html(
                ["Secteur", "Ensemble", *present],
                rows,
                caption=f"Répartition des heures travaillées par secteur, en %, {y}",
            ),
            figure_html(
                plots.sector_shares_by_type(
                    pd.DataFrame(chart), y, ctx.source, plots.sector_colors(list(labels.values()))
                ),
                f"Heures travaillées par secteur et type de SIAE en {y}",
            ),
            para(
                narrative.sectors_paragraph(
                    y,
                    {labels[c]: shares["ALL"][c] for c in codes},
                    tuple(labels[c] for c in UNRANKED_SECTORS if c in labels),
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
    cols = ["ALL", *[t for t in TYPES if ctx.value("hours", y, t) and ctx.value("hours", y0, t)]]
    rows, sentences = [], []
    for c in ctx.sectors["sector_code"]:
        a, b = (
            ctx.value("hours_share_by_sector", y0, "ALL", c),
            ctx.value("hours_share_by_sector", y, "ALL", c),
        )
        if not a and not b:
            continue
        row = [labels[c], fmt_pct(a or 0.0), fmt_pct(b or 0.0)]
        row += [
            fmt_points(
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
        best = None
        for c in ctx.sectors["sector_code"]:
            if c in UNRANKED_SECTORS:
                continue
            a = ctx.value("hours_share_by_sector", y0, t, c) or 0.0
            b = ctx.value("hours_share_by_sector", y, t, c) or 0.0
            if best is None or abs(b - a) > abs(best[2] - best[1]) + 1e-12:
                best = (c, a, b)
        if best and round(100 * best[2]) != round(100 * best[1]):
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
    ]
    if sentences:
        parts.append("<ul>" + "".join(f"<li>{esc(s)}</li>" for s in sentences) + "</ul>")
    return _out(parts)


def show_territories(ctx: ReportContext) -> HTML:
    """Region report: comparison of its départements; département report: its weight in the
    region."""
    y, y0 = ctx.year, ctx.years[0]
    per10k = ctx.value("etp_per_10000_inhabitants", y) is not None

    def row(terr: Territory, label: str) -> list[str]:
        n0, n1 = ctx.value("structures", y0, terr=terr), ctx.value("structures", y, terr=terr)
        r = [
            label,
            fmt_int(n1 or 0),
            fmt_int(ctx.value("salaries", y, terr=terr) or 0),
            fmt_int(ctx.value("etp_realises", y, terr=terr) or 0),
            fmt_int(ctx.value("etp_conventionnes", y, terr=terr) or 0),
            fmt_pct(ctx.value("taux_realisation", y, terr=terr)),
            fmt_signed((n1 or 0) - (n0 or 0)) if y0 < y else "n.d.",
        ]
        if per10k:
            r.append(fmt_number(ctx.value("etp_per_10000_inhabitants", y, terr=terr), 1))
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
    if per10k:
        header.append("ETP pour 10 000 habitants")
    if ctx.territory.level == "region":
        subs = ctx.sub_territories()
        if not subs:
            return _out([note(f"Aucun département de la région n'a de données en {y}.")])
        rows = [row(d, d.label()) for d in subs]
        rows.append(row(ctx.territory, "Ensemble de la région"))
        parts = [
            table_html(header, rows, caption=f"Comparaison des départements, {y}", cls="wide")
        ]
    else:
        parent = ctx.parent()
        rows = [row(ctx.territory, ctx.territory.label())]  # a département
        if parent is not None:
            rows.append(row(parent, f"Région {parent.name}"))
        parts = [
            table_html(header, rows, caption=f"Le département dans sa région, {y}", cls="wide")
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
                parts.append(
                    para(f"En {y}, le département représente {txt} de la région {parent.name}.")
                )
    if not per10k:
        parts.append(
            note(
                "Le taux de couverture (ETP pour 10 000 habitants) n'est pas calculé : les "
                "données de population (dossier géographique) n'étaient pas disponibles lors "
                "du calcul des indicateurs."
            )
        )
    return _out(parts)


def show_maps(ctx: ReportContext) -> HTML:
    """The maps and the table of the least covered territories (module :mod:`iae_diag.maps`)."""
    from iae_diag import maps  # geopandas: imported when the section is rendered

    parts = []
    for title, item in maps.territory_maps(
        ctx.territory, ctx.year, ctx.indicators, ctx.siae, ctx.geo_dir
    ):
        if isinstance(item, str):
            parts += [h3(title), note(item)]
        else:  # the map carries its own title
            parts.append(figure_html(item, title))
    low = maps.low_coverage_table(ctx.territory, ctx.year, ctx.siae, ctx.geo_dir)
    parts.append(h3("Territoires peu couverts"))
    if isinstance(low, str):
        parts.append(note(low))
    elif low.empty:
        parts.append(
            note("Aucune commune avec un quartier prioritaire sans SIAE n'est identifiée.")
        )
    else:
        shown = low.head(LOW_COVERAGE_ROWS)
        parts.append(
            table_html(
                [str(c) for c in shown.columns],
                [[str(v) for v in r] for r in shown.itertuples(index=False)],
                caption=f"Communes avec un quartier prioritaire et sans SIAE, {ctx.year}",
                cls="wide",
            )
        )
        if len(low) > len(shown):
            parts.append(
                note(
                    f"{fmt_int(len(low))} communes au total ; le tableau montre les "
                    f"{len(shown)} premières (par population décroissante)."
                )
            )
    return _out(parts)


def show_methodology(ctx: ReportContext) -> Markdown:
    """The methodology page of the indicators (French Markdown)."""
    from iae_diag.indicators import methodology_markdown

    text = methodology_markdown().lstrip()
    first, _, rest = text.partition("\n")
    if first.strip().lower() in ("## méthodologie", "# méthodologie"):
        text = rest  # the notebook already titles the section
    return Markdown(text)


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
        rows.append([label, fmt_int(v) if v == int(v) else fmt_number(v, 2)])
    return _out([table_html(["Contrôle", "Valeur"], rows, caption=f"Qualité des données, {y}")])


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
        ("Données traitées", str(ctx.processed_dir)),
        ("Dossier géographique", str(ctx.geo_dir) if ctx.geo_dir else "non configuré"),
        ("Schéma des données", str(ctx.manifest.get("schema_version", "n.d."))),
    ]
    if ctx.manifest.get("salt_is_default"):
        items.append(("Pseudonymisation", "sel par défaut (jeu de données de démonstration)"))
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
]
