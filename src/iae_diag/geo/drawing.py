"""Drawing the maps: the page layout of a map figure (title, map over the text width, legend
below, notes, source line), scale bar in Lambert-93, background layers, proportional symbols,
labels, and the two kinds of maps (a choropleth by département, the structures over the
communes or arrondissements). Which maps a report gets is :mod:`iae_diag.geo.maps`.
"""

from __future__ import annotations

import math
import textwrap

import geopandas as gpd
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib import patheffects
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.markers import MarkerStyle
from matplotlib.patches import Patch, Rectangle
from pyproj import Transformer

from iae_diag.formatting import fmt_int, fmt_number
from iae_diag.geo.codes import (
    LAMBERT93,
    WGS84,
    arrondissement_city,
    metric_crs,
)
from iae_diag.geo.distances import (
    rsa_label,
)
from iae_diag.geo.layers import Geography
from iae_diag.plots import TYPE_COLORS, TYPE_MARKERS, WIDTH, house_style
from iae_diag.vocabulary import SECRET_MARK, SECRET_NOTE, TYPES

NOTE_NO_GEO = (
    "Carte non disponible\u00a0: les fonds de carte n'ont pas été fournis pour ce rapport."
)

# colours of the background layers
COMMUNE_FILL, COMMUNE_EDGE = "#f2f2f2", "#c8c8c8"
DEP_EDGE = "#4d4d4d"
QPV_FILL, QPV_EDGE = "#c9c9c9", "#7f2704"
UNCOVERED_FILL, UNCOVERED_EDGE, UNCOVERED_HATCH = "#e8eef6", "#3b6ea5", "////"
# page layout of a map figure (inches): the map spans the text width, its legend is below it;
# the whole figure fits one A4 page of the report (text height 263 mm, the PNG scaled ~0.97)
MAP_MAX_HEIGHT = 9.2
MAP_TITLE_H = 0.65  # title (two lines at most)
MAP_NOTES_H = 0.85  # notes (up to three lines) and the source line
MAP_SIDE = 0.1  # margin left and right of the map
OFFER_LEGEND_H = 1.2  # legend of the structures map: types, ETP sizes, background layers

_TO_L93 = Transformer.from_crs(WGS84, LAMBERT93, always_xy=True)
_TO_WGS84 = Transformer.from_crs(LAMBERT93, WGS84, always_xy=True)


# --------------------------------------------------------------------------------------------
# notes and sources
# --------------------------------------------------------------------------------------------


def _missing_layer_note(geo: Geography, what: str) -> str:
    return f"Carte non disponible\u00a0: les fonds de carte fournis ne contiennent pas {what}."


def source_line(
    geo: Geography, layers: tuple[str, ...], population_vintage: str | None = None
) -> str:
    """``Sources : ASP fluxIAE ; IGN Admin Express COG 2018 ; ANCT QPV 2024 ; INSEE populations
    légales 2021``, limited to the layers used by the map."""
    parts = ["ASP fluxIAE"]
    if {"communes", "departements"} & set(layers):
        v = geo.vintages.get("communes") or geo.vintages.get("departements")
        parts.append("IGN Admin Express" + (f" COG {v}" if v else ""))
    if "qpv" in layers:
        v = geo.vintages.get("qpv") or geo.vintages.get("qpv_communes")
        parts.append("ANCT QPV" + (f" {v}" if v else ""))
    vintage = population_vintage or geo.population_vintage
    if "population" in layers and vintage:
        parts.append(f"INSEE populations légales {vintage}")
    if "arrondissements" in layers and geo.arrondissements is not None:
        parts.append("contours des arrondissements municipaux")
    if "rsa" in layers and geo.rsa_vintage:
        parts.append(f"CNAF foyers allocataires du RSA {rsa_label(geo.rsa_vintage)}")
    return "Sources\u00a0: " + "\u00a0; ".join(parts)


# --------------------------------------------------------------------------------------------
# drawing helpers
# --------------------------------------------------------------------------------------------


def _nice_length_km(width_km: float) -> float:
    """A round scale-bar length close to a fifth of the map width."""
    target = width_km / 5
    for v in (0.5, 1, 2, 5, 10, 20, 25, 50, 100, 200, 500):
        if v >= target:
            return float(v)
    return 1000.0


def add_scale_bar(ax, crs: str = LAMBERT93) -> float:
    """Draw a scale bar (km, measured in ``crs``) at the lower left of a WGS84 map; return its
    length in km."""
    to_m = Transformer.from_crs(WGS84, crs, always_xy=True)
    to_deg = Transformer.from_crs(crs, WGS84, always_xy=True)
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    lon, lat = x0 + 0.05 * (x1 - x0), y0 + 0.05 * (y1 - y0)
    mx, my = to_m.transform(lon, lat)
    ex, _ = to_m.transform(x1, lat)
    length = _nice_length_km((ex - mx) / 1000 / 0.95)
    lon2, lat2 = to_deg.transform(mx + length * 1000, my)
    ax.plot([lon, lon2], [lat, lat], color="black", linewidth=2.5, solid_capstyle="butt")
    ax.plot(
        [lon, lon2], [lat, lat], color="white", linewidth=1.0, solid_capstyle="butt", dashes=(4, 4)
    )
    ax.text(
        (lon + lon2) / 2,
        lat + 0.012 * (y1 - y0),
        f"{fmt_number(length, 0 if length >= 1 else 1)}\u00a0km",
        ha="center",
        va="bottom",
        fontsize=8,
    )
    return length


def _base_axes(bounds: np.ndarray, legend_h: float) -> tuple[Figure, plt.Axes]:
    """A figure of A4 text width: the title, the map over the whole width (its height follows
    its shape, bounds in WGS84; a tall territory is narrower so that the figure fits a page),
    ``legend_h`` inches for the legend below the map, then the notes and the source."""
    xmin, ymin, xmax, ymax = bounds
    (lx0, lx1), (ly0, ly1) = _TO_L93.transform([xmin, xmax], [ymin, ymax])
    ratio = (ly1 - ly0) / max(lx1 - lx0, 1.0)
    map_w = WIDTH - 2 * MAP_SIDE
    room = MAP_MAX_HEIGHT - MAP_TITLE_H - legend_h - MAP_NOTES_H
    map_h = max(min(map_w * ratio, room), 2.5)
    map_w = min(map_w, map_h / ratio)
    height = MAP_TITLE_H + map_h + legend_h + MAP_NOTES_H
    fig = plt.figure(figsize=(WIDTH, height))
    ax = fig.add_axes(
        (
            (WIDTH - map_w) / 2 / WIDTH,
            (MAP_NOTES_H + legend_h) / height,
            map_w / WIDTH,
            map_h / height,
        )
    )
    ax.set_axis_off()
    return fig, ax


def _legend_top(fig: Figure, legend_h: float) -> float:
    """Figure y (fraction) of the top of the legend band below the map."""
    return (MAP_NOTES_H + legend_h - 0.1) / fig.get_figheight()


def _wrap(text: str, width: int) -> str:
    """Wrap on ordinary spaces only (never inside ``10 000`` or before ``%``)."""
    lines = textwrap.wrap(text.replace("\u00a0", "\x00"), width, break_on_hyphens=False)
    return "\n".join(lines).replace("\x00", "\u00a0")


def _finish(fig: Figure, ax, title: str, source: str, note: str | None = None) -> Figure:
    height = fig.get_figheight()
    fig.text(
        0.01,
        1 - 0.1 / height,
        _wrap(title, 80),
        fontsize=10.5,
        fontweight="bold",
        ha="left",
        va="top",
    )
    if note:
        fig.text(
            0.01,
            0.28 / height,
            _wrap(note, 120),
            fontsize=7.5,
            color="#333333",
            ha="left",
            va="bottom",
        )
    fig.text(0.01, 0.08 / height, source, fontsize=7, color="#555555", ha="left", va="bottom")
    return fig


def _halo(color: str = "white") -> list:
    return [patheffects.withStroke(linewidth=2.2, foreground=color)]


def _draw_polygons(ax, gdf: gpd.GeoDataFrame, gid: str, **kw) -> None:
    gdf.plot(ax=ax, **kw)
    ax.collections[-1].set_gid(gid)


# --------------------------------------------------------------------------------------------
# the two kinds of maps
# --------------------------------------------------------------------------------------------


def choropleth_by_dep(
    geo: Geography,
    deps: list[str],
    values: pd.Series,
    title: str,
    fmt,
    legend_label: str,
    layers: tuple[str, ...],
    cmap: str = "YlGnBu",
    total: tuple[str, float] | None = None,
    extra_note: str | None = None,
    secret: frozenset[str] = frozenset(),
    population_vintage: str | None = None,
) -> Figure:
    """A choropleth of one value per département (``values`` indexed by code), labelled with
    the code and the formatted value; départements without a value are hatched (n.d.), or
    marked ``s`` when their code is in ``secret`` (statistical secrecy: no value drawn)."""
    d = geo.departements_layer
    d = d.loc[d["code_departement"].isin(deps)].copy()
    d["value"] = d["code_departement"].map(values)
    d.loc[d["code_departement"].isin(secret), "value"] = np.nan
    # the values, listed below the map (small départements cannot hold a label), in columns
    ncols = 1 if len(d) <= 4 else 2 if len(d) <= 16 else 3
    nrows = math.ceil(len(d) / ncols)
    row_h = 0.2 if ncols < 3 else 0.16
    legend_h = 0.45 + nrows * row_h + (0.3 if total is not None else 0.0)
    with house_style():
        fig, ax = _base_axes(d.total_bounds, legend_h)
        have = d.loc[d["value"].notna()]
        vmin, vmax = float(have["value"].min()), float(have["value"].max())
        if vmin == vmax:
            vmin, vmax = vmin * 0.9, (vmax * 1.1) or 1.0
        norm = plt.Normalize(vmin=vmin, vmax=vmax)
        # the palette without its palest tenth, so that the lowest value is not white
        cmap = ListedColormap(plt.get_cmap(cmap)(np.linspace(0.12, 1.0, 256)))
        _draw_polygons(
            ax,
            have,
            "departements",
            column="value",
            cmap=cmap,
            norm=norm,
            edgecolor="white",
            linewidth=1.0,
        )
        nd = d.loc[d["value"].isna()]
        if len(nd):
            _draw_polygons(
                ax,
                nd,
                "departements_nd",
                facecolor="white",
                edgecolor="#999999",
                hatch="///",
                linewidth=0.8,
            )
        pts = d.to_crs(metric_crs(deps)).representative_point().to_crs(WGS84)
        for code, p in zip(d["code_departement"], pts, strict=True):
            ax.annotate(
                code,
                (p.x, p.y),
                ha="center",
                va="center",
                fontsize=9,
                fontweight="bold",
                path_effects=_halo(),
            )
        height = fig.get_figheight()
        ranked = d.sort_values(
            ["value", "code_departement"], ascending=[False, True], na_position="last"
        )
        top = _legend_top(fig, legend_h)
        fig.text(0.02, top, legend_label, fontsize=9, fontweight="bold", va="top")
        top -= 0.3 / height
        fsize = 8.5 if ncols < 3 else 7
        col_w = 0.96 / ncols
        for i, row in enumerate(ranked.itertuples()):
            x0 = 0.02 + (i // nrows) * col_w
            x1 = x0 + col_w - 0.04  # right edge of the value
            y = top - (i % nrows) * row_h / height
            fig.patches.append(
                Rectangle(
                    (x0, y - 0.13 / height),
                    0.13 / WIDTH,
                    0.13 / height,
                    transform=fig.transFigure,
                    facecolor="white" if pd.isna(row.value) else cmap(norm(row.value)),
                    edgecolor="#777777",
                    linewidth=0.5,
                    hatch="///" if pd.isna(row.value) else None,
                )
            )
            label = f"{row.nom} ({row.code_departement})"
            fig.text(x0 + 0.2 / WIDTH, y, label, fontsize=fsize, va="top")
            shown = SECRET_MARK if row.code_departement in secret else fmt(row.value)
            fig.text(x1, y, shown, fontsize=fsize, va="top", ha="right")
        if total is not None:
            y = top - nrows * row_h / height - 0.08 / height
            fig.lines.append(
                Line2D(
                    [0.02, 0.02 + col_w - 0.04],
                    [y + 0.05 / height] * 2,
                    transform=fig.transFigure,
                    color="#777777",
                    linewidth=0.6,
                )
            )
            fig.text(0.02 + 0.2 / WIDTH, y, total[0], fontsize=fsize, va="top", fontweight="bold")
            fig.text(
                0.02 + col_w - 0.04,
                y,
                fmt(total[1]),
                fontsize=fsize,
                va="top",
                ha="right",
                fontweight="bold",
            )
        add_scale_bar(ax, metric_crs(deps))
        notes = []
        if len(nd) > len(secret & set(nd["code_departement"])):
            notes.append("Départements hachurés\u00a0: valeur non disponible (n.d.).")
        if secret & set(nd["code_departement"]):
            notes.append("Départements hachurés marqués " + SECRET_NOTE)
        if extra_note:
            notes.append(extra_note)
        _finish(
            fig, ax, title, source_line(geo, layers, population_vintage), " ".join(notes) or None
        )
    return fig


def structures_map(
    geo: Geography,
    deps: list[str],
    located: pd.DataFrame,
    unlocated: int,
    title: str,
    highlight: set[str] | None = None,
    extra_note: str | None = None,
    spread: str = "separate",
    size_max: float | None = None,
    labels: dict[str, str | None] | None = None,
    size_by: str = "etp_realises",
) -> Figure:
    """Units of ``deps`` (communes, arrondissements where the folder has them; outlines), QPV
    outlines, and one proportional symbol per unit and type of SIAE (area proportional to
    ``size_by``, the ETP réalisés or the number of structures, on the scale of ``size_max``;
    colour by type). ``highlight``: unit codes
    hatched in blue ("territoires peu couverts"); ``labels``: unit code -> name written on the
    map (None: the préfecture, its name in bold)."""
    communes = geo.units.rename(columns={"code_unit": "code_commune_ref"})
    communes = communes.loc[communes["code_departement"].isin(deps)]
    pts = located.loc[located["code_departement"].isin(deps)]
    layers: tuple[str, ...] = ("communes",)
    split = communes["code_commune_ref"].map(arrondissement_city).notna()
    if split.any():
        layers += ("arrondissements",)
    with house_style():
        fig, ax = _base_axes(communes.total_bounds, OFFER_LEGEND_H)
        _draw_polygons(
            ax,
            communes,
            "communes",
            facecolor=COMMUNE_FILL,
            edgecolor=COMMUNE_EDGE,
            linewidth=0.25,
        )
        handles: list = []
        if highlight:
            hl = communes.loc[communes["code_commune_ref"].isin(highlight)]
            with plt.rc_context({"hatch.color": UNCOVERED_EDGE, "hatch.linewidth": 0.6}):
                _draw_polygons(
                    ax,
                    hl,
                    "communes_sans_siae",
                    facecolor=UNCOVERED_FILL,
                    edgecolor=UNCOVERED_EDGE,
                    hatch=UNCOVERED_HATCH,
                    linewidth=0.6,
                )
            n_hl = len(set(hl["code_commune_ref"]))
            handles.append(
                Patch(
                    facecolor=UNCOVERED_FILL,
                    edgecolor=UNCOVERED_EDGE,
                    hatch=UNCOVERED_HATCH,
                    label=f"Territoire peu couvert\n({fmt_int(n_hl)})",
                )
            )
        dep_layer = geo.departements_layer
        dep_layer = dep_layer.loc[dep_layer["code_departement"].isin(deps)]
        _draw_polygons(
            ax, dep_layer, "departements", facecolor="none", edgecolor=DEP_EDGE, linewidth=0.9
        )
        if geo.qpv is not None:
            q = geo.qpv.loc[geo.qpv["code_departement"].isin(deps)]
            _draw_polygons(ax, q, "qpv", facecolor=QPV_FILL, edgecolor=QPV_EDGE, linewidth=0.5)
            handles.append(
                Patch(facecolor=QPV_FILL, edgecolor=QPV_EDGE, label=f"QPV ({fmt_int(len(q))})")
            )
            layers += ("qpv",)
        ax.set_aspect(ax.get_aspect())
        xmin, ymin, xmax, ymax = communes.total_bounds
        ax.set_xlim(xmin - 0.01 * (xmax - xmin), xmax + 0.01 * (xmax - xmin))
        ax.set_ylim(ymin - 0.01 * (ymax - ymin), ymax + 0.01 * (ymax - ymin))
        size_handles = _draw_symbols(ax, pts, spread, size_max, size_by)
        if labels:
            _draw_labels(ax, communes, labels, set(pts["code_commune_ref"]))
        type_handles = [
            Line2D(
                [],
                [],
                marker=TYPE_MARKERS[t],
                linestyle="",
                markersize=7,
                markerfacecolor=TYPE_COLORS[t],
                markeredgecolor="white",
                label=t,
            )
            # the types present on the map (an EITI legend in a year without EITI is noise)
            for t in TYPES
            if pts.empty or t in set(pts["type_siae"])
        ]
        sections = [
            ("Type de SIAE", type_handles),
            (SIZE_LEGENDS[size_by], size_handles),
            ("Fond de carte", handles),
        ]
        _sectioned_legend(fig, sections, _legend_top(fig, OFFER_LEGEND_H))
        add_scale_bar(ax, metric_crs(deps))
        n_struct = int(pts["structures"].sum()) if len(pts) else 0
        where = (
            "la commune (l'arrondissement à Paris, Lyon, Marseille)"
            if split.any()
            else ("la commune")
        )
        note = (
            f"{fmt_int(n_struct)} structures localisées à {where} de leur adresse "
            "administrative (un symbole par commune et par type)."
        )
        if unlocated:
            note += f" {fmt_int(unlocated)} sans commune reconnue, non représentées."
        if extra_note:
            note += " " + extra_note
        _finish(fig, ax, title, source_line(geo, layers), note)
    return fig


def _sectioned_legend(fig: Figure, sections: list[tuple[str, list]], top: float) -> None:
    """The legend below the map: one block per non-empty section, titled in bold, side by
    side from the left (``top``: figure y of their top edge)."""
    shown = [(h, items) for h, items in sections if items]
    for i, (header, items) in enumerate(shown):
        leg = fig.legend(
            handles=items,
            title=header,
            loc="upper left",
            bbox_to_anchor=(0.02 + i * 0.96 / len(shown), top),
            fontsize=8.5,
            title_fontproperties={"weight": "bold", "size": 9},
            labelspacing=0.7,
            handletextpad=0.6,
            borderaxespad=0,
            frameon=False,
            ncols=2 if len(items) > 3 else 1,
            columnspacing=1.2,
        )
        leg._legend_box.align = "left"


def _symbol_sizes(etp: np.ndarray, etp_max: float, smax: float) -> np.ndarray:
    """Marker areas (points²) proportional to the ETP, with a floor so small SIAE stay
    visible."""
    return np.maximum(smax * etp / etp_max, 6.0)


def _draw_labels(
    ax, units: gpd.GeoDataFrame, labels: dict[str, str | None], with_symbols: set[str]
) -> None:
    """Names of the units of ``labels`` at their representative point (préfecture in bold);
    below the symbols of the units of ``with_symbols``."""
    u = units.drop_duplicates("code_commune_ref").set_index("code_commune_ref")
    for code, name in labels.items():
        if code not in u.index:
            continue
        g = u.loc[[code]]
        pt = g.to_crs(LAMBERT93).representative_point().to_crs(WGS84).iloc[0]
        text = name if name is not None else str(g["nom"].iloc[0])
        if arrondissement_city(code) is not None:  # "Paris 17e Arrondissement" -> "17e"
            n = int(code[-2:]) if not code.startswith("6938") else int(code[-1])
            text = "1er" if n == 1 else f"{n}e"
        if code in with_symbols:  # the symbols sit at the centroid: the name goes below
            c = g.to_crs(LAMBERT93).centroid.to_crs(WGS84).iloc[0]
            pt, offset, va = c, (0, -9), "top"
        else:
            offset, va = (0, 0), "center"
        ax.annotate(
            text,
            (pt.x, pt.y),
            xytext=offset,
            textcoords="offset points",
            ha="center",
            va=va,
            fontsize=7 if name is not None else 8,
            fontweight="normal" if name is not None else "bold",
            path_effects=_halo(),
            zorder=7,
        ).set_gid("labels")


#: title of the size legend of the structures maps, by the column the symbols are sized by
SIZE_LEGENDS = {"etp_realises": "ETP réalisés", "structures": "Nombre de structures"}


def _draw_symbols(
    ax,
    pts: pd.DataFrame,
    spread: str,
    size_max: float | None = None,
    size_by: str = "etp_realises",
) -> list:
    """Proportional symbols, largest first, several types of one commune spread on a small
    circle; ``size_max`` (the largest value of the run, so that every map has the same scale)
    gets the largest symbol. Returns the size-legend handles."""
    if pts.empty:
        return []
    smax = 420.0 if spread == "fixed" else 320.0
    etp = pts[size_by].clip(lower=0).to_numpy(dtype=float)
    etp_max = float(size_max if size_max else etp.max()) or 1.0
    x0, x1 = ax.get_xlim()
    lx0, _ = _TO_L93.transform(x0, ax.get_ylim()[0])
    lx1, _ = _TO_L93.transform(x1, ax.get_ylim()[0])
    sizes = _symbol_sizes(etp, etp_max, smax)
    if spread == "fixed":  # overview: a small constant spread keeps symbols on their commune
        radius = np.full(len(pts), 0.012 * (lx1 - lx0))
    else:  # département: spread the types of a commune so that their symbols do not overlap
        bbox = ax.get_window_extent().transformed(ax.figure.dpi_scale_trans.inverted())
        metres_per_point = (lx1 - lx0) / (bbox.width * 72)
        r_max = pd.Series(np.sqrt(sizes) / 2).groupby(pts["code_commune_ref"].to_numpy())
        r_max = r_max.transform("max").to_numpy()
        radius = 1.15 * r_max * metres_per_point
    order = {t: i for i, t in enumerate(TYPES)}
    x = pts["x"].to_numpy(dtype=float).copy()
    y = pts["y"].to_numpy(dtype=float).copy()
    n_by_commune = pts.groupby("code_commune_ref")["type_siae"].transform("size").to_numpy()
    k = pts["type_siae"].map(order).fillna(0).to_numpy()
    angle = 2 * np.pi * k / len(TYPES) + np.pi / 2
    several = n_by_commune > 1
    x[several] += radius[several] * np.cos(angle[several])
    y[several] += radius[several] * np.sin(angle[several])
    lon, lat = _TO_WGS84.transform(x, y)
    colors = pts["type_siae"].map(TYPE_COLORS).fillna(TYPE_COLORS["ALL"]).to_numpy()
    idx = np.argsort(-sizes, kind="stable")
    sc = ax.scatter(
        np.asarray(lon)[idx],
        np.asarray(lat)[idx],
        s=sizes[idx],
        c=colors[idx],
        alpha=0.85,
        edgecolors="white",
        linewidths=0.5,
        zorder=5,
    )
    # a shape per type as well as a colour: colour is not the only carrier of the type
    shapes = pts["type_siae"].map(TYPE_MARKERS).fillna(TYPE_MARKERS["ALL"]).to_numpy()[idx]
    sc.set_paths([_marker_path(m) for m in shapes])
    sc.set_gid("structures")
    refs = [v for v in _round_steps(etp_max) if v <= etp_max]
    if size_by == "structures":  # a number of structures is a whole number
        refs = [v for v in refs if v >= 1 and v == int(v)]
    return [
        Line2D(
            [],
            [],
            marker="o",
            linestyle="",
            color="#777777",
            markeredgecolor="white",
            markersize=math.sqrt(_symbol_sizes(np.array([v]), etp_max, smax)[0]),
            label=fmt_number(v, 0 if v >= 1 else 1),
        )
        for v in refs
    ]


def _marker_path(marker: str):
    """The path of a marker at unit size, as ``scatter`` draws it."""
    style = MarkerStyle(marker)
    return style.get_path().transformed(style.get_transform())


def _round_steps(vmax: float) -> list[float]:
    """Three round legend values below ``vmax`` (e.g. 200, 50, 10)."""
    if vmax <= 0:
        return []
    mag = 10 ** math.floor(math.log10(vmax))
    top = max(v * mag for v in (1, 2, 5, 10) if v * mag <= vmax)
    return sorted({top, _round_down(top / 4), _round_down(top / 20)} - {0.0}, reverse=True)


def _round_down(v: float) -> float:
    if v <= 0:
        return 0.0
    mag = 10 ** math.floor(math.log10(v))
    return max(m * mag for m in (1, 2, 5) if m * mag <= v)
