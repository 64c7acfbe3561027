"""Figures of the diagnostic, in one house style.

Every function takes a tidy frame and returns a matplotlib :class:`~matplotlib.figure.Figure`
(never shows it): a fixed colour per type of SIAE, French number and percent formats on axes
and labels (``7 055``, ``42 %``), a title stating the unit and the year, and a source line
("Source : ASP, fluxIAE (extraction du jj/mm/aaaa) ; traitement iae-diag"). An empty frame is
an error (:class:`ValueError`): a report section without data says so in a sentence instead.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.colors import to_rgb  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.legend_handler import HandlerTuple  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from iae_diag.formatting import fmt_int, fmt_pct  # noqa: E402
from iae_diag.vocabulary import SECRET_MARK, TYPES  # noqa: E402

#: fixed colour per type of SIAE (and for all types together)
TYPE_COLORS = {
    "ACI": "#2a9d8f",
    "AI": "#e76f51",
    "EI": "#264653",
    "ETTI": "#e9c46a",
    "EITI": "#8e7dbe",
    "ALL": "#6c757d",
}
#: fixed marker per type of SIAE on the lines: colour is not the only carrier of the type
TYPE_MARKERS = {"ACI": "o", "AI": "s", "EI": "^", "ETTI": "D", "EITI": "v", "ALL": "P"}
#: fixed colours of the sectors, in the order of reference/secteurs.csv
SECTOR_PALETTE = (
    "#1b4965",
    "#5fa8d3",
    "#62b6cb",
    "#2a9d8f",
    "#8ab17d",
    "#e9c46a",
    "#f4a261",
    "#e76f51",
    "#b56576",
    "#adb5bd",
    "#6c757d",
    "#dee2e6",
    "#495057",
)
#: colours and markers of the lines of the publics over time: distinct hues (no two blues
#: side by side), and a marker each so that colour is not the only carrier of meaning
LINE_STYLES = (
    ("#1b4965", "o"),
    ("#e76f51", "s"),
    ("#2a9d8f", "^"),
    ("#8e7dbe", "D"),
    ("#c9a227", "v"),
    ("#6c757d", "P"),
    ("#b56576", "X"),
    ("#5fa8d3", "*"),
    ("#3a5a40", "h"),
    ("#f4a261", "p"),
)
STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.titlesize": 10.5,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.axisbelow": True,
    "grid.color": "#dddddd",
    "grid.linewidth": 0.6,
    "legend.frameon": False,
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "svg.hashsalt": "iae-diag",
    "path.simplify": True,
}
WIDTH = 7.0  # inches: the text width of an A4 page with 2 cm margins


@contextmanager
def house_style() -> Iterator[None]:
    """The matplotlib settings of every figure of the report."""
    with plt.rc_context(STYLE):
        yield


def int_formatter() -> FuncFormatter:
    return FuncFormatter(lambda x, _pos: fmt_int(x))


def pct_formatter() -> FuncFormatter:
    """Axis values are shares in [0, 1] shown as ``42 %``."""
    return FuncFormatter(lambda x, _pos: fmt_pct(x))


def source_line(extract_date: str | None) -> str:
    """``Source : ASP, fluxIAE (extraction du 15/01/2014) ; traitement iae-diag``."""
    stamp = f" (extraction du {extract_date})" if extract_date else ""
    return f"Source\u00a0: ASP, fluxIAE{stamp}\u00a0; traitement iae-diag"


def _finish(fig: Figure, source: str, title: str, bottom: float = 0.05) -> Figure:
    """Title at the top left of the figure (never clipped by long tick labels), source line
    at the bottom left."""
    fig.suptitle(title, x=0.01, y=0.99, ha="left", va="top", fontsize=10, fontweight="bold")
    fig.text(0.01, 0.01, source, fontsize=7, color="#555555", ha="left", va="bottom")
    fig.tight_layout(rect=(0, bottom, 1, 1))  # tight_layout leaves room for the suptitle
    return fig


def _require(df: pd.DataFrame, columns: list[str], what: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"{what}: missing columns {missing}")
    if df.empty:
        raise ValueError(f"{what}: no data to draw")


def _types_in(df: pd.DataFrame) -> list[str]:
    present = set(df["type_siae"])
    return [t for t in TYPES if t in present]


def _type_swatch(types: list[str], alpha: float = 1.0) -> tuple[Patch, ...]:
    """A legend swatch made of the colours of the types drawn (bars coloured by type)."""
    return tuple(Patch(facecolor=TYPE_COLORS[t], alpha=alpha) for t in types)


def _legend_with_swatches(ax, entries: list[tuple[object, str]], **kwargs) -> None:
    """A legend whose handles may be tuples of patches (drawn side by side)."""
    ax.legend(
        handles=[h for h, _ in entries],
        labels=[lab for _, lab in entries],
        handler_map={tuple: HandlerTuple(ndivide=None, pad=0)},
        handlelength=3.0,
        **kwargs,
    )


def text_color_on(color: str) -> str:
    """Black or white, whichever reads better on ``color`` (relative luminance, WCAG)."""

    def lin(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (lin(c) for c in to_rgb(color))
    lum = 0.2126 * r + 0.7152 * g + 0.0722 * b
    # contrast with white (1.05 / (lum + 0.05)) against black ((lum + 0.05) / 0.05)
    return "white" if 1.05 / (lum + 0.05) >= (lum + 0.05) / 0.05 else "black"


def figure_png(fig: Figure) -> bytes:
    """PNG bytes of a figure, without the software/date metadata (same input, same bytes);
    closes the figure."""
    buf = io.BytesIO()
    with house_style():
        fig.savefig(buf, format="png", metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


def shares_by_type(df: pd.DataFrame, year: int, source: str) -> Figure:
    """Share of the salariés and share of the ETP of each type (columns ``type_siae``,
    ``salaries_share``, ``etp_share``, shares in [0, 1]). A share given as NaN is not drawn
    (statistical secrecy: no bar, the label is ``s``)."""
    _require(df, ["type_siae", "salaries_share", "etp_share"], "shares_by_type")
    types = _types_in(df)
    d = df.set_index("type_siae").loc[types]
    with house_style():
        fig, ax = plt.subplots(figsize=(WIDTH, 3.0))
        y = np.arange(len(types))
        h = 0.38
        for off, col, label, alpha in (
            (-h / 2, "salaries_share", "Part des salariés", 1.0),
            (h / 2, "etp_share", "Part des ETP", 0.45),
        ):
            raw = d[col].astype(float).to_numpy()
            vals = np.nan_to_num(raw, nan=0.0)
            bars = ax.barh(
                y + off,
                vals,
                height=h,
                color=[TYPE_COLORS[t] for t in types],
                alpha=alpha,
                label=label,
                edgecolor="white",
            )
            ax.bar_label(
                bars,
                labels=[
                    SECRET_MARK if np.isnan(r) else fmt_pct(v)
                    for r, v in zip(raw, vals, strict=True)
                ],
                padding=2,
                fontsize=8,
            )
        ax.set_yticks(y, types)
        ax.invert_yaxis()
        ax.xaxis.set_major_formatter(pct_formatter())
        ax.set_xlim(0, max(0.1, float(d[["salaries_share", "etp_share"]].max().max()) * 1.18))
        ax.grid(axis="y", visible=False)
        _legend_with_swatches(
            ax,
            [
                (_type_swatch(types), "Part des salariés (barre foncée)"),
                (_type_swatch(types, 0.45), "Part des ETP (barre claire)"),
            ],
            loc="lower right",
            fontsize=8,
        )
        return _finish(
            fig, source, f"Salariés et ETP d'insertion par type de SIAE, en % du total, {year}"
        )


def etp_conventionnes_realises(df: pd.DataFrame, year: int, source: str) -> Figure:
    """ETP conventionnés and réalisés by type (columns ``type_siae``, ``etp_conventionnes``,
    ``etp_realises``), with the taux de réalisation written above each pair."""
    _require(df, ["type_siae", "etp_conventionnes", "etp_realises"], "etp_conventionnes")
    types = _types_in(df)
    d = df.set_index("type_siae").loc[types]
    with house_style():
        fig, ax = plt.subplots(figsize=(WIDTH, 3.4))
        x = np.arange(len(types))
        w = 0.38
        conv = d["etp_conventionnes"].astype(float).fillna(0).to_numpy()
        real = d["etp_realises"].astype(float).fillna(0).to_numpy()
        ax.bar(x - w / 2, conv, w, color="#cfd8dc", label="ETP conventionnés")
        b = ax.bar(x + w / 2, real, w, color=[TYPE_COLORS[t] for t in types], label="ETP réalisés")
        rates = [fmt_pct(r / c) if c else "n.d." for r, c in zip(real, conv, strict=True)]
        ax.bar_label(b, labels=rates, padding=2, fontsize=8)
        ax.set_xticks(x, types)
        ax.yaxis.set_major_formatter(int_formatter())
        ax.set_ylim(0, max(1.0, float(max(conv.max(), real.max()))) * 1.15)
        ax.grid(axis="x", visible=False)
        _legend_with_swatches(
            ax,
            [
                (Patch(facecolor="#cfd8dc"), "ETP conventionnés (barre grise, à gauche)"),
                (_type_swatch(types), "ETP réalisés (à droite ; taux de réalisation au-dessus)"),
            ],
            # below the axis: above the bars it hid the tallest ones
            loc="upper center",
            bbox_to_anchor=(0.5, -0.12),
            ncols=2,
            fontsize=8,
        )
        return _finish(
            fig, source, f"ETP conventionnés et réalisés par type de SIAE, en ETP, {year}"
        )


def structures_over_time(df: pd.DataFrame, source: str) -> Figure:
    """Number of SIAE by type and year (columns ``year``, ``type_siae``, ``structures``)."""
    _require(df, ["year", "type_siae", "structures"], "structures_over_time")
    types = _types_in(df)
    years = sorted(int(y) for y in df["year"].unique())
    with house_style():
        fig, ax = plt.subplots(figsize=(WIDTH, 3.0))
        for t in types:
            s = df[df["type_siae"] == t].sort_values("year")
            ax.plot(
                s["year"].astype(int),
                s["structures"].astype(float),
                marker=TYPE_MARKERS[t],
                markersize=4,
                color=TYPE_COLORS[t],
                label=t,
            )
        ax.set_xticks(years, [str(y) for y in years])
        ax.yaxis.set_major_formatter(int_formatter())
        ax.set_ylim(bottom=0)
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
        return _finish(
            fig,
            source,
            f"Nombre de SIAE par type, en nombre de structures, {years[0]}-{years[-1]}"
            if len(years) > 1
            else f"Nombre de SIAE par type, en nombre de structures, {years[0]}",
        )


def publics_shares(df: pd.DataFrame, year: int, source: str) -> Figure:
    """Share of each public among the salariés, all types together (columns ``label``,
    ``share`` in [0, 1]), in the given row order."""
    _require(df, ["label", "share"], "publics_shares")
    d = df.dropna(subset=["share"])
    if d.empty:
        raise ValueError("publics_shares: no data to draw")
    with house_style():
        fig, ax = plt.subplots(figsize=(WIDTH, max(3.4, 0.24 * len(d) + 1.0)))
        y = np.arange(len(d))
        vals = d["share"].astype(float).to_numpy()
        bars = ax.barh(y, vals, color=TYPE_COLORS["ALL"], height=0.6)
        ax.bar_label(bars, labels=[fmt_pct(v) for v in vals], padding=2, fontsize=8)
        ax.set_yticks(y, list(d["label"]))
        ax.invert_yaxis()
        ax.xaxis.set_major_formatter(pct_formatter())
        ax.set_xlim(0, min(1.0, max(0.1, float(vals.max()) * 1.18)))
        ax.grid(axis="y", visible=False)
        return _finish(fig, source, f"Publics des SIAE, en % des salariés en insertion, {year}")


def publics_over_time(df: pd.DataFrame, source: str) -> Figure:
    """Share of some publics among the salariés by year (columns ``year``, ``label``,
    ``share``), one line per public."""
    _require(df, ["year", "label", "share"], "publics_over_time")
    d = df.dropna(subset=["share"])
    if d.empty:
        raise ValueError("publics_over_time: no data to draw")
    years = sorted(int(y) for y in d["year"].unique())
    with house_style():
        fig, ax = plt.subplots(figsize=(WIDTH, 3.8))
        groups = list(d.groupby("label", sort=False))
        for i, (label, s) in enumerate(groups):
            s = s.sort_values("year")
            color, marker = LINE_STYLES[i % len(LINE_STYLES)]
            ax.plot(
                s["year"].astype(int),
                s["share"].astype(float),
                marker=marker,
                markersize=4,
                color=color,
                label=label,
            )
        ax.set_xticks(years, [str(y) for y in years])
        ax.yaxis.set_major_formatter(pct_formatter())
        ax.set_ylim(0, min(1.0, float(d["share"].max()) * 1.2))
        # below the axis in two columns: the long labels of the publics are cut at the right
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncols=2, fontsize=7.5)
        return _finish(
            fig,
            source,
            f"Évolution de {len(groups)} publics, en % des salariés en insertion, "
            f"{years[0]}-{years[-1]}",
        )


#: fixed colours of the exit categories (from the most to the least favourable outcome)
EXIT_COLORS = {
    "emploi_durable": "#1b4965",
    "emploi_transition": "#5fa8d3",
    "sorties_positives": "#8ab17d",
    "autres_sorties": "#adb5bd",
}


def _stacked_shares(
    ax,
    piv: pd.DataFrame,
    order_types: list[str],
    colors: dict[str, str],
    label_size: float,
    legend_y: float,
    ncols: int,
) -> None:
    """100 % stacked horizontal bars, a bar per type (rows of ``piv``, in ``order_types``), a
    segment per column of ``piv`` in the order of ``colors`` (column -> colour), its share
    written inside when it is 7 % or more; the legend under the axes."""
    y = np.arange(len(order_types))
    left = np.zeros(len(order_types))
    for lab, color in colors.items():
        vals = piv[lab].to_numpy()
        bars = ax.barh(y, vals, left=left, color=color, label=lab, height=0.6)
        ax.bar_label(
            bars,
            labels=[fmt_pct(v) if v >= 0.07 else "" for v in vals],
            label_type="center",
            fontsize=label_size,
            color=text_color_on(color),
        )
        left += vals
    ax.set_yticks(y, ["Ensemble" if t == "ALL" else t for t in order_types])
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(pct_formatter())
    ax.set_xlim(0, 1)
    ax.grid(visible=False)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, legend_y), ncols=ncols, fontsize=7.5)


def exit_categories_by_type(df: pd.DataFrame, year: int, source: str) -> Figure:
    """Share of each exit category among the sorties examinées, for all types (``type_siae``
    = ``ALL``) and each type: 100 % stacked bars, a bar per type (columns ``type_siae``,
    ``category`` a key of :data:`EXIT_COLORS`, ``label``, ``share``), categories in the order
    of :data:`EXIT_COLORS`. A bar with no row is not drawn."""
    _require(df, ["type_siae", "category", "label", "share"], "exit_categories_by_type")
    present = set(df["type_siae"])
    order_types = [t for t in ("ALL", *TYPES) if t in present]
    cats = [c for c in EXIT_COLORS if c in set(df["category"])]
    labels = dict(zip(df["category"], df["label"], strict=True))
    piv = (
        df.pivot_table(index="type_siae", columns="category", values="share", aggfunc="sum")
        .reindex(index=order_types, columns=cats)
        .fillna(0.0)
        .rename(columns=labels)
    )
    with house_style():
        fig, ax = plt.subplots(figsize=(WIDTH, max(2.6, 0.42 * len(order_types) + 1.4)))
        _stacked_shares(
            ax, piv, order_types, {labels[c]: EXIT_COLORS[c] for c in cats}, 7.5, -0.12, 4
        )
        return _finish(
            fig,
            source,
            f"Sorties examinées par catégorie, en % des sorties examinées, {year}",
        )


def exit_rate_by_type(df: pd.DataFrame, year: int, source: str) -> Figure:
    """The sorties dynamiques rate of all types (``type_siae`` = ``ALL``) and each type, a bar
    each in the colour of the type, with the AF objective as a black mark where there is one
    (columns ``type_siae``, ``rate`` in [0, 1], ``objective`` in [0, 1] or NaN)."""
    _require(df, ["type_siae", "rate", "objective"], "exit_rate_by_type")
    d = df.dropna(subset=["rate"])
    if d.empty:
        raise ValueError("exit_rate_by_type: no data to draw")
    order = [t for t in ("ALL", *TYPES) if t in set(d["type_siae"])]
    d = d.set_index("type_siae").loc[order]
    with house_style():
        fig, ax = plt.subplots(figsize=(WIDTH, max(2.4, 0.4 * len(order) + 1.3)))
        y = np.arange(len(order))
        rates = d["rate"].astype(float).to_numpy()
        bars = ax.barh(y, rates, color=[TYPE_COLORS[t] for t in order], height=0.6)
        ax.bar_label(bars, labels=[fmt_pct(v) for v in rates], padding=2, fontsize=8)
        obj = d["objective"].astype(float).to_numpy()
        has_obj = ~np.isnan(obj)
        entries = [(_type_swatch(order), "Taux de sorties dynamiques")]
        if has_obj.any():
            marks = ax.scatter(
                obj[has_obj],
                y[has_obj],
                marker="|",
                s=320,
                linewidths=2.5,
                color="black",
                zorder=3,
            )
            entries.append((marks, "Objectif des annexes financières"))
        ax.set_yticks(y, ["Ensemble" if t == "ALL" else t for t in order])
        ax.invert_yaxis()
        ax.xaxis.set_major_formatter(pct_formatter())
        top = float(np.nanmax(np.concatenate([rates, obj[has_obj]])))
        ax.set_xlim(0, min(1.0, max(0.1, top * 1.2)))
        ax.grid(axis="y", visible=False)
        _legend_with_swatches(
            ax, entries, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncols=2, fontsize=7.5
        )
        return _finish(
            fig,
            source,
            f"Taux de sorties dynamiques par type de SIAE, en % des sorties examinées, {year}",
        )


def sector_colors(labels: list[str]) -> dict[str, str]:
    """Colour of each sector label, given every label of the reference in its order, so that
    a sector keeps its colour from one chart (and one report) to the next."""
    return {lab: SECTOR_PALETTE[i % len(SECTOR_PALETTE)] for i, lab in enumerate(labels)}


def sector_shares_by_type(
    df: pd.DataFrame, year: int, source: str, colors: dict[str, str] | None = None
) -> Figure:
    """Share of the hours worked by sector, for all types (``type_siae`` = ``ALL``) and each
    type: 100 % stacked bars (columns ``type_siae``, ``label``, ``share``), sectors in the
    given row order. ``colors``: label -> colour (:func:`sector_colors` of the reference);
    by default the palette in the row order."""
    _require(df, ["type_siae", "label", "share"], "sector_shares_by_type")
    order_types = ["ALL", *_types_in(df[df["type_siae"] != "ALL"])]
    order_types = [t for t in order_types if t in set(df["type_siae"])]
    labels = list(dict.fromkeys(df["label"]))
    colors = {**sector_colors(labels), **(colors or {})}
    piv = (
        df.pivot_table(index="type_siae", columns="label", values="share", aggfunc="sum")
        .reindex(index=order_types, columns=labels)
        .fillna(0.0)
    )
    with house_style():
        fig, ax = plt.subplots(figsize=(WIDTH, 3.6))
        _stacked_shares(ax, piv, order_types, {lab: colors[lab] for lab in labels}, 7, -0.08, 3)
        return _finish(
            fig, source, f"Répartition des heures travaillées par secteur, en % des heures, {year}"
        )
