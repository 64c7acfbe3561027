"""The maps of a report, in French: which maps a region and a département report get, each a
Figure (drawn with :mod:`iae_diag.geo.drawing`) or a French note saying why it is missing.

The territory sections (:mod:`iae_diag.geo.sections`) call :func:`territory_maps` (a list of
(French title, Figure or French note)); the "territoires peu couverts" table is
:func:`iae_diag.geo.distances.thin_offer_table` (importable from here too). The coverage per
inhabitants uses the population of the data year (:mod:`iae_diag.geo.populations`), the needs
map :mod:`iae_diag.geo.needs`. Nothing is drawn empty.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pandas as pd
from matplotlib.figure import Figure

from iae_diag import alt_text
from iae_diag.errors import require_columns
from iae_diag.figures import secret_keys
from iae_diag.formatting import fmt_int, fmt_number, fmt_pct
from iae_diag.geo.codes import (
    arrondissement_city,
    metric_crs,
    reference_codes,
)
from iae_diag.geo.distances import (
    SIAE_REQUIRED,
    TABLE_NO_GEO,
    THIN_OFFER_KM,
    locate_siae,
    rsa_label,
    territory_deps,
    thin_offer_table,
    thin_offer_units,
)
from iae_diag.geo.drawing import (
    NOTE_NO_GEO,
    _missing_layer_note,
    choropleth_by_dep,
    structures_map,
)
from iae_diag.geo.layers import Geography, load_geography
from iae_diag.geo.needs import needs_by_departement
from iae_diag.geo.populations import coverage_per_inhabitants
from iae_diag.secrecy import PUBLIQUE
from iae_diag.territories import Territory
from iae_diag.vocabulary import INDICATOR_KEYS, SECRET_MARK, SECRET_NOTE, TYPES

log = logging.getLogger(__name__)

# --------------------------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------------------------


INDICATORS_REQUIRED = (*INDICATOR_KEYS, "value")


def _indicator_by_dep(
    indicators: pd.DataFrame, indicator: str, year: int, deps: list[str], breakdown: str
) -> pd.Series:
    t = indicators
    sel = t.loc[
        (t["indicator"] == indicator)
        & (t["territory_level"] == "dep")
        & (t["year"] == year)
        & (t["type_siae"] == "ALL")
        & (t["breakdown"].fillna("") == breakdown)
        & (t["territory_code"].astype(str).isin(deps))
    ]
    return sel.set_index(sel["territory_code"].astype(str))["value"].astype(float)


def _titles(territory: Territory, year: int, size_by: str = "etp_realises") -> dict[str, str]:
    where = territory.label()
    sized = "les ETP réalisés" if size_by == "etp_realises" else "le nombre de structures"
    return {
        "etp": f"ETP réalisés pour 10\u00a0000 habitants, par département, {where}, {year}",
        "rsa": f"Salariés en insertion pour 100 foyers allocataires du RSA, par département, "
        f"{where}, {year}",
        "qpv": f"Part des salariés résidant en QPV (en\u00a0%), par département, {where}, {year}",
        "structures": f"Structures de l'IAE par commune, selon {sized} et le type, "
        f"{where}, {year}",
        "dep": f"Structures de l'IAE, quartiers prioritaires et territoires peu couverts, "
        f"{where}, {year}",
    }


#: the data of a map as the report shows it under the image: (header, rows of formatted
#: cells, caption)
MapData = tuple[list[str], list[list[str]], str]


@dataclass(frozen=True)
class MapOutput:
    """One map of a report: its French title, the Figure (or the French note saying why it is
    missing), its text alternative (what it shows and its main finding) and the values it
    draws as a table (hidden values ``s``, as in the report's tables)."""

    title: str
    item: Figure | str
    alt: str = ""
    data: MapData | None = None


def territory_maps(
    territory: Territory,
    year: int,
    indicators: pd.DataFrame,
    siae: pd.DataFrame,
    geo_dir,
    diffusion: str = PUBLIQUE,
) -> list[tuple[str, Figure | str]]:
    """The maps of a report: a list of (French title, Figure or French note); see
    :func:`map_outputs`, which gives each map's text alternative and data too."""
    return [
        (m.title, m.item)
        for m in map_outputs(territory, year, indicators, siae, geo_dir, diffusion)
    ]


def map_outputs(
    territory: Territory,
    year: int,
    indicators: pd.DataFrame,
    siae: pd.DataFrame,
    geo_dir,
    diffusion: str = PUBLIQUE,
) -> list[MapOutput]:
    """The maps of a report, each a :class:`MapOutput` (title, Figure or French note, text
    alternative, data table).

    The structures' symbols are sized by their ETP réalisés in an ``interne`` document, by
    their number in a ``publique`` one (a symbol standing for one or two SIAE would otherwise
    show a structure's magnitude, which statistical secrecy keeps out of public documents; the
    list of SIAE is public).

    Region (or France) report: ETP réalisés per 10,000 inhabitants by département, share of
    salariés living in a QPV by département (both from the indicator table), structures by
    commune over the QPV. Département report: its communes, the structures by type, the QPV
    and the communes holding a QPV but no SIAE. A map that cannot be drawn is a note."""
    require_columns(siae, SIAE_REQUIRED, "siae table given to territory_maps")
    require_columns(indicators, INDICATORS_REQUIRED, "indicator table given to territory_maps")
    size_by = "structures" if diffusion == PUBLIQUE else "etp_realises"
    t = _titles(territory, year, size_by)
    keys = ["dep"] if territory.level == "dep" else ["etp", "rsa", "qpv", "structures"]
    geo = load_geography(geo_dir)
    if geo is None:
        log.warning("no geography folder (GEO_DIR): the maps of %s are notes", territory.label())
        return [MapOutput(t[k], NOTE_NO_GEO) for k in keys]
    deps = territory_deps(geo, territory)
    if not deps:
        note = (
            f"Carte non disponible\u00a0: les fonds de carte fournis ne couvrent pas "
            f"{territory.label()}."
        )
        return [MapOutput(t[k], note) for k in keys]
    out: list[MapOutput] = []
    if territory.level != "dep":
        partial = _partial_coverage_note(territory, deps)
        out.append(
            MapOutput(
                t["etp"],
                *_coverage_map(geo, deps, indicators, year, t["etp"], territory, partial),
            )
        )
        out.append(
            MapOutput(
                t["rsa"], *_needs_map(geo, deps, indicators, year, t["rsa"], territory, partial)
            )
        )
        out.append(
            MapOutput(
                t["qpv"],
                *_qpv_share_map(geo, deps, indicators, year, t["qpv"], territory, partial),
            )
        )
        out.append(
            MapOutput(
                t["structures"],
                *_offer_map(
                    geo, deps, siae, year, t["structures"], False, size_by, "fixed", partial
                ),
            )
        )
        dense = dense_departements(geo, deps)
        if dense:
            title = (
                f"Structures de l'IAE par commune, zoom sur les départements "
                f"{_and_list(dense)}, {year}"
            )
            out.append(
                MapOutput(title, *_offer_map(geo, dense, siae, year, title, False, size_by))
            )
    else:
        out.append(
            MapOutput(t["dep"], *_offer_map(geo, deps, siae, year, t["dep"], True, size_by))
        )
    return out


#: what a choropleth map shows, for its text alternative (after "selon")
_CHOROPLETH_WHAT = {
    "etp": "les ETP réalisés pour 10\u00a0000 habitants",
    "rsa": "le nombre de salariés en insertion pour 100 foyers allocataires du RSA",
    "qpv": "la part des salariés résidant en QPV",
}


def _where(territory: Territory) -> str:
    """``la région Île-de-France``, ``la France``."""
    return (
        f"la {territory.label()}"
        if territory.level in ("region", "france")
        else (territory.label())
    )


def _choropleth(
    kind: str,
    geo,
    deps: list[str],
    values: pd.Series,
    title: str,
    fmt,
    legend_label: str,
    layers: tuple[str, ...],
    territory: Territory,
    year: int,
    total: tuple[str, float] | None,
    total_hidden: bool,
    secret: frozenset[str],
    **kw,
) -> tuple[Figure, str, MapData]:
    """A choropleth by département (:func:`choropleth_by_dep`) with its text alternative and
    its data: one row per département drawn (``s`` when hidden, ``n.d.`` without value), then
    the whole territory."""
    fig = choropleth_by_dep(
        geo, deps, values, title, fmt, legend_label, layers, total=total, secret=secret, **kw
    )
    rows, shown = [], []
    for d in sorted(deps):
        label = Territory("dep", d).label()
        v = values.get(d)
        if d in secret:
            rows.append([label, SECRET_MARK])
        elif v is None or pd.isna(v):
            rows.append([label, "n.d."])
        else:
            rows.append([label, fmt(float(v))])
            shown.append((label, float(v)))
    whole = f"Ensemble {of_territory_label(territory)}"
    if total_hidden:
        rows.append([whole, SECRET_MARK])
    elif total is not None:
        rows.append([whole, fmt(total[1])])
    alt = alt_text.choropleth(
        _CHOROPLETH_WHAT[kind],
        _where(territory),
        year,
        shown,
        fmt,
        total=None if total is None or total_hidden else (whole, total[1]),
        hidden=len(secret & set(deps)),
    )
    return fig, alt, (["Département", legend_label], rows, _data_caption(title))


def of_territory_label(territory: Territory) -> str:
    """``de la région Île-de-France``, ``de la France``, ``du département X``."""
    return (
        f"de {_where(territory)}"
        if territory.level != "dep"
        else (f"du département {territory.label()}")
    )


def _partial_coverage_note(territory: Territory, deps: list[str]) -> str | None:
    n_all = len(territory.departements())
    if len(deps) >= n_all:
        return None
    return (
        f"Les fonds de carte fournis couvrent {fmt_int(len(deps))} des {fmt_int(n_all)} "
        "départements du territoire\u00a0: seuls ceux-ci sont représentés."
    )


def _territory_value(
    indicators: pd.DataFrame, indicator: str, year: int, breakdown: str, territory: Territory
) -> tuple[str, float] | None:
    """(French label, value) of the whole territory, from the indicator table, or None."""
    t = indicators
    sel = t.loc[
        (t["indicator"] == indicator)
        & (t["territory_level"] == territory.level)
        & (t["territory_code"].astype(str) == territory.code)
        & (t["year"] == year)
        & (t["type_siae"] == "ALL")
        & (t["breakdown"].fillna("") == breakdown)
    ]
    if sel.empty or pd.isna(sel["value"].iloc[0]):
        return None
    return f"Ensemble\u00a0: {territory.name}", float(sel["value"].iloc[0])


def secret_areas(
    indicators: pd.DataFrame, indicator: str, year: int, breakdown: str, territory: Territory
) -> tuple[frozenset[str], bool]:
    """Statistical secrecy of a choropleth: the départements whose value the run hides (drawn
    "secret", not 0) and whether the territory's total is hidden."""
    hidden = {k for k in secret_keys(indicators) if k[0] == indicator and k[5] == breakdown}
    deps = frozenset(
        c for (_, lv, c, yr, t, _) in hidden if lv == "dep" and yr == year and t == "ALL"
    )
    key = (indicator, territory.level, territory.code, year, "ALL", breakdown)
    return deps, key in hidden


def _coverage_map(geo, deps, indicators, year, title, territory, partial) -> tuple:
    if geo.departements_layer is None:
        return (_missing_layer_note(geo, "de contours des départements ni des communes"),)
    cov = coverage_per_inhabitants(indicators, geo, [Territory("dep", d) for d in deps], year)
    values = cov.set_index("territory_code")["etp_per_10000"].dropna()
    if values.empty:
        return (
            "Carte non disponible\u00a0: la population ou les ETP réalisés des départements "
            f"ne sont pas disponibles pour {year}.",
        )
    vintage = str(cov["vintage"].dropna().iloc[0])
    tot = coverage_per_inhabitants(indicators, geo, [territory], year)["etp_per_10000"].iloc[0]
    # a rate computed from hidden ETP réalisés is hidden too
    secret, total_hidden = secret_areas(indicators, "etp_realises", year, "", territory)
    if total_hidden:
        tot = float("nan")
    return _choropleth(
        "etp",
        geo,
        deps,
        values,
        title,
        lambda v: fmt_number(v, 1),
        f"ETP réalisés pour 10\u00a0000 habitants (population {vintage})",
        ("departements", "population"),
        territory,
        year,
        total=None if pd.isna(tot) else (f"Ensemble\u00a0: {territory.name}", float(tot)),
        total_hidden=total_hidden,
        extra_note=partial,
        population_vintage=vintage,
        secret=secret,
    )


def _needs_map(geo, deps, indicators, year, title, territory, partial) -> tuple:
    """Salariés per 100 households receiving the RSA by département (:mod:`.needs`); a
    département whose rate rests on 1 to 4 salariés is marked ``s``."""
    if geo.departements_layer is None:
        return (_missing_layer_note(geo, "de contours des départements ni des communes"),)
    if geo.rsa is None:
        return (
            "Carte non disponible\u00a0: le nombre de foyers allocataires du RSA n'est pas "
            "disponible pour ce territoire.",
        )
    t = needs_by_departement(indicators, geo, territory, year)
    d = t.loc[t["level"] == "dep"].set_index("code")
    values = d["salaries_per_100_rsa"]
    secret, total_hidden = secret_areas(indicators, "salaries", year, "", territory)
    if values.drop(index=list(secret), errors="ignore").dropna().empty:
        return (
            "Carte non disponible\u00a0: le nombre de salariés ou de foyers allocataires du RSA "
            f"des départements n'est pas disponible pour {year}.",
        )
    tot = float("nan") if total_hidden else t.iloc[-1]["salaries_per_100_rsa"]
    return _choropleth(
        "rsa",
        geo,
        deps,
        values.dropna(),
        title,
        lambda v: fmt_number(v, 1),
        f"Salariés {year} pour 100 foyers allocataires du RSA "
        f"({rsa_label(geo.rsa_vintage or '')})",
        ("departements", "rsa"),
        territory,
        year,
        cmap="BuGn",
        total=None if pd.isna(tot) else (f"Ensemble\u00a0: {territory.name}", float(tot)),
        total_hidden=total_hidden,
        extra_note=partial,
        secret=secret,
    )


def _qpv_share_map(geo, deps, indicators, year, title, territory, partial) -> tuple:
    if geo.departements_layer is None:
        return (_missing_layer_note(geo, "de contours des départements ni des communes"),)
    values = _indicator_by_dep(indicators, "public_share", year, deps, "qpv")
    secret, total_hidden = secret_areas(indicators, "public_share", year, "qpv", territory)
    total = (
        None
        if total_hidden
        else _territory_value(indicators, "public_share", year, "qpv", territory)
    )
    if values.empty:
        return (
            "Carte non disponible\u00a0: le tableau des indicateurs ne contient pas la part des "
            f"salariés résidant en QPV par département en {year} (indicateur public_share, "
            "public qpv).",
        )
    if values.drop(index=list(secret), errors="ignore").dropna().empty:
        return (
            "Carte non disponible\u00a0: la part des salariés résidant en QPV n'est publiable "
            f"pour aucun département en {year} ({SECRET_NOTE})",
        )
    return _choropleth(
        "qpv",
        geo,
        deps,
        values,
        title,
        fmt_pct,
        "Part des salariés résidant en QPV",
        ("departements",),
        territory,
        year,
        cmap="PuRd",
        total=total,
        total_hidden=total_hidden,
        extra_note=partial,
        secret=secret,
    )


def _and_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " et " + items[-1]


def dense_departements(geo: Geography, deps: list[str]) -> list[str]:
    """Départements much smaller than the largest of the territory (area below a tenth of it,
    in Lambert-93), which the region map cannot show in detail: Paris and the petite couronne
    in Île-de-France. Empty unless at least two such départements exist."""
    layer = geo.departements_layer
    if layer is None or len(deps) < 3:
        return []
    d = layer.loc[layer["code_departement"].isin(deps)]
    area = d.to_crs(metric_crs(deps)).area.to_numpy()
    small = sorted(d.loc[area < 0.1 * area.max(), "code_departement"])
    return small if 2 <= len(small) < len(d) else []


def _offer_map(
    geo,
    deps,
    siae,
    year,
    title,
    highlight_uncovered: bool,
    size_by: str,
    spread: str = "separate",
    partial: str | None = None,
) -> tuple:
    if geo.communes is None:
        return (_missing_layer_note(geo, "de contours des communes"),)
    located, unlocated = locate_siae(geo, siae, year, deps)
    # one symbol scale for every map of the year (every report of a run): the largest symbol
    # of the whole SIAE table of the year
    everywhere, _ = locate_siae(geo, siae, year)
    size_max = float(everywhere[size_by].clip(lower=0).max()) if len(everywhere) else 1.0
    highlight, labels = None, {}
    if highlight_uncovered:
        thin = thin_offer_units(geo, deps, siae, year, THIN_OFFER_KM)
        highlight = set(thin["code"])
        labels = dict(
            zip(thin["code"].head(MAX_LABELS), thin["nom"].head(MAX_LABELS), strict=True)
        )
        # the units with the largest symbols are named too (where the offer is)
        here = located.loc[located["code_departement"].isin(deps)]
        by_unit = here.groupby("code_commune_ref")[size_by].sum()
        by_unit = by_unit.sort_values(ascending=False, kind="stable")
        for code in by_unit.index[:MAX_OFFER_LABELS]:
            if arrondissement_city(code) is None:
                labels.setdefault(
                    code, str(here.loc[here["code_commune_ref"] == code, "nom"].iloc[0])
                )
        for code in sorted(geo.units["code_unit"]):  # every arrondissement of a split city
            if code[:2] in deps and arrondissement_city(code) in geo.split_cities:
                labels.setdefault(code, code)
        for d in deps:
            pref = geo.prefecture(d)
            if pref is not None:
                pref_unit = str(geo.unit_codes(pd.Series([pref])).iloc[0])
                if pref_unit in set(geo.units["code_unit"]):
                    labels[pref_unit] = None  # None: the préfecture, named in bold
    fig = structures_map(
        geo,
        deps,
        located,
        unlocated,
        title,
        highlight,
        " ".join(n for n in (_arrondissement_note(geo, siae, year, deps), partial) if n) or None,
        spread,
        size_max=size_max,
        labels=labels,
        size_by=size_by,
    )
    return (fig, *_offer_data(located, deps, title, size_by, highlight, unlocated))


def _offer_data(
    located: pd.DataFrame,
    deps: list[str],
    title: str,
    size_by: str,
    highlight: set | None,
    unlocated: int = 0,
) -> tuple[str, MapData]:
    """The text alternative and the data of a map of the structures: one row per commune (or
    arrondissement) with SIAE, the number of SIAE by type (and their ETP réalisés when the
    symbols are sized by them: ``interne`` documents), the communes with the most first."""
    here = located.loc[located["code_departement"].isin(deps)]
    piv = here.pivot_table(
        index="code_commune_ref",
        columns="type_siae",
        values="structures",
        aggfunc="sum",
        fill_value=0,
    )
    types = [t for t in TYPES if t in piv.columns]
    first = here.groupby("code_commune_ref")[["nom", "code_departement"]].first()
    etp = here.groupby("code_commune_ref")["etp_realises"].sum()
    total = piv[types].sum(axis=1) if types else pd.Series(dtype=float)
    order = sorted(total.index, key=lambda c: (-int(total[c]), c))
    header = ["Commune", "Département", *types, "Ensemble"]
    if size_by == "etp_realises":
        header.append("ETP réalisés")
    rows = []
    for c in order:
        # the département by its name and code: a code alone ("01") would read as a number
        row = [
            str(first.at[c, "nom"]),
            Territory("dep", str(first.at[c, "code_departement"])).label(),
        ]
        row += [fmt_int(piv.at[c, t]) for t in types] + [fmt_int(total[c])]
        if size_by == "etp_realises":
            row.append(fmt_number(etp[c], 1))
        rows.append(row)
    top = (str(first.at[order[0], "nom"]), int(total[order[0]])) if order else None
    placed = "ne sont pas placées" if unlocated > 1 else "n'est pas placée"
    extra = (
        f"{fmt_int(unlocated)} structure{'s' if unlocated > 1 else ''} sans commune reconnue "
        f"{placed}. "
        if unlocated
        else ""
    )
    if highlight:
        n = len(highlight)
        extra += (
            f"{fmt_int(n)} commune{'s' if n > 1 else ''} ayant des besoins et sans SIAE à moins "
            f"de {fmt_number(THIN_OFFER_KM, 0)}\u00a0km {'sont mises' if n > 1 else 'est mise'} "
            "en évidence."
        )
    alt = alt_text.structures_map(title, int(total.sum()), len(order), top, extra.strip())
    return alt, (header, rows, _data_caption(title) + " (nombre de SIAE par type)")


def _data_caption(title: str) -> str:
    """``Données de la carte : part des salariés…`` (an initial acronym kept: ``ETP``)."""
    lower = title[:1].lower() + title[1:] if title[1:2].islower() else title
    return f"Données de la carte : {lower}"


#: communes named on a département map: the first of the "territoires peu couverts", and the
#: communes with the largest symbols (ETP réalisés, or number of structures in a publique document)
MAX_LABELS = 10
MAX_OFFER_LABELS = 5


def _arrondissement_note(
    geo: Geography, siae: pd.DataFrame, year: int, deps: list[str]
) -> str | None:
    """A sentence for the reader when a city with SIAE is drawn as one commune (its
    arrondissement contours are not available)."""
    s = siae.loc[(siae["year"] == year) & siae["code_departement"].astype(str).isin(deps)]
    _, reason = reference_codes(s["code_commune"].astype("string"), geo.mergers, geo.split_cities)
    n = int((reason == "arrondissement").sum())
    if not n:
        return None
    return (
        "Paris, Lyon et Marseille sont représentés à l'échelle de la commune : l'analyse "
        f"par arrondissement n'est pas disponible ({fmt_int(n)} structures placées au centre "
        "de la commune)."
    )


__all__ = [
    "NOTE_NO_GEO",
    "TABLE_NO_GEO",
    "THIN_OFFER_KM",
    "dense_departements",
    "locate_siae",
    "territory_maps",
    "thin_offer_table",
]
