"""The territory sections of the report, in French: coverage per inhabitants (population of
the data year), the offer measured against the needs (RSA households, unemployment of the
zones d'emploi), the maps, the "territoires peu couverts" table and its definitions. Each
function returns HTML fragments (the helpers of :mod:`iae_diag.report.html`); the html module
calls them from ``show_territories`` and ``show_maps``."""

from __future__ import annotations

import pandas as pd

from iae_diag.formatting import fmt_int, fmt_number, fmt_pct
from iae_diag.geo.codes import arrondissement_city
from iae_diag.geo.distances import (
    THIN_OFFER_KM,
    THIN_OFFER_MIN_RSA,
    rsa_label,
    thin_offer_table,
)
from iae_diag.geo.layers import Geography, load_geography
from iae_diag.geo.maps import map_outputs
from iae_diag.geo.needs import needs_by_departement, needs_by_unit, unemployment_year
from iae_diag.geo.populations import coverage_per_inhabitants
from iae_diag.territories import Territory
from iae_diag.vocabulary import SECRET_MARK, SECRET_NOTE

#: first year of the QPV (2015 generation, decree 2014-1750)
QPV_FIRST_YEAR = 2015
#: rows of the "territoires peu couverts" and of the table by commune
TABLE_ROWS = 15


def the_name(geo: Geography | None, terr: Territory) -> str:  # noqa: ARG001 - kept for callers
    """``la Seine-Saint-Denis``, ``Paris``, ``la région Île-de-France``: the INSEE type of name
    of the territory referential (:meth:`Territory.the_name`), with or without a geography
    folder."""
    return terr.the_name()


def of_territory(geo: Geography | None, terr: Territory) -> str:  # noqa: ARG001 - kept for callers
    """``de la Seine-Saint-Denis``, ``du Val-de-Marne``, ``d'Île-de-France``
    (:meth:`Territory.of_name`)."""
    return terr.of_name()


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def _num(v: object, decimals: int = 1) -> str:
    return "n.d." if v is None or pd.isna(v) else fmt_number(v, decimals)


def _pct(v: object, decimals: int = 1) -> str:
    return "n.d." if v is None or pd.isna(v) else fmt_pct(v, decimals)


def coverage_column(
    indicators: pd.DataFrame, geo_dir, territories: list[Territory], year: int
) -> tuple[str, list[str]] | None:
    """(column header naming the population vintage, one cell per territory) of the ETP
    réalisés per 10,000 inhabitants in ``year``; None without population."""
    geo = load_geography(geo_dir)
    cov = coverage_per_inhabitants(indicators, geo, territories, year)
    if cov["vintage"].isna().all():
        return None
    vintages = sorted(set(cov["vintage"].dropna()))
    header = f"ETP pour 10\u00a0000 habitants (population {', '.join(vintages)})"
    return header, [_num(v) for v in cov["etp_per_10000"]]


def coverage_notes(geo_dir, year: int, shown: bool = True) -> list[str]:
    """Sentences on the population used (French); ``shown``: whether the table has the
    coverage column (else it is said to be missing)."""
    geo = load_geography(geo_dir)
    if geo is None or not geo.populations or not shown:
        return [
            "Le taux de couverture (ETP pour 10\u00a0000 habitants) n'est pas calculé\u00a0: la "
            "population légale n'est pas disponible pour tout le territoire."
        ]
    v = geo.population_vintage_for(year)
    if v == str(year):
        return [f"Population\u00a0: INSEE, population municipale {v} (année des données)."]
    return [
        f"Population\u00a0: INSEE, population municipale {v}, le millésime disponible le plus "
        f"proche de {year}."
    ]


def needs_parts(ctx, html) -> list[str]:
    """The section "L'offre au regard des besoins": table by département (region report) or
    the département beside its region, sentences, sources. ``html``: the context module (its
    table_html, para, note helpers)."""
    geo = load_geography(ctx.geo_dir)
    terr, year = ctx.territory, ctx.year
    if terr.level == "france":
        return []
    parts = [html.h3("L'offre au regard des besoins")]
    if geo is None or geo.rsa is None:
        parts.append(
            html.note(
                "Le nombre de foyers allocataires du RSA n'est pas disponible pour ce "
                "territoire\u00a0: l'offre n'est pas rapportée aux besoins."
            )
        )
        return parts
    t = needs_by_departement(ctx.indicators, geo, terr, year)
    if t["foyers_rsa"].isna().all():
        parts.append(
            html.note(
                "Le nombre de foyers allocataires du RSA n'est pas disponible pour ce "
                "territoire\u00a0: l'offre n'est pas rapportée aux besoins."
            )
        )
        return parts
    rsa_v = rsa_label(geo.rsa_vintage or "")
    uy = unemployment_year(geo, year)
    parent = Territory(t["level"].iloc[-1], t["code"].iloc[-1])
    header = [
        "Territoire",
        f"Salariés {year}",
        f"Foyers allocataires du RSA ({rsa_v})",
        "Salariés pour 100 foyers RSA",
        "ETP réalisés pour 100 foyers RSA",
        f"Part des foyers RSA {of_territory(geo, parent)}",
        f"Part des salariés {of_territory(geo, parent)}",
    ]
    if uy is not None:
        header.append(f"Taux de chômage {uy} (zones d'emploi)")
    rows, any_secret = [], False
    for r in t.itertuples():
        tt = Territory(r.level, r.code)
        label = tt.label() if r.level == "dep" else f"Ensemble {of_territory(geo, tt)}"
        # the run's statistical secrecy decision (iae_diag.secrecy): a hidden count of
        # salariés or of ETP hides every figure computed from it
        sal_secret = ctx.secret("salaries", year, terr=tt)
        etp_secret = ctx.secret("etp_realises", year, terr=tt)
        any_secret |= sal_secret or etp_secret
        row = [
            label,
            SECRET_MARK if sal_secret else fmt_int(r.salaries or 0),
            _num(r.foyers_rsa, 0),
            SECRET_MARK if sal_secret else _num(r.salaries_per_100_rsa),
            SECRET_MARK if etp_secret else _num(r.etp_per_100_rsa),
            _pct(r.share_rsa),
            SECRET_MARK if sal_secret else _pct(r.share_salaries),
        ]
        if uy is not None:
            row.append(
                "n.d." if pd.isna(r.taux_chomage) else fmt_number(r.taux_chomage, 1) + "\u00a0%"
            )
        rows.append(row)
    caption = f"Salariés en insertion au regard des foyers allocataires du RSA, {year}"
    parts.append(html.table_html(header, rows, caption=caption, cls="wide"))
    parts += [html.para(s) for s in _needs_sentences(geo, t, terr, year)]
    if any_secret:
        parts.append(html.note(SECRET_NOTE))
    parts.append(
        html.note(
            f"Foyers allocataires du RSA\u00a0: CNAF, {rsa_v}, foyers percevant le RSA (hors "
            "régime agricole, MSA)\u00a0: un minorant du nombre de foyers au RSA. Ce millésime "
            f"est le seul disponible\u00a0; il est rapporté aux salariés de {year}."
            + (
                f" Taux de chômage\u00a0: INSEE, taux de chômage localisés, moyenne des quatre "
                f"trimestres {uy} de la zone d'emploi (zonage 2020), le millésime disponible le "
                f"plus proche de {year}\u00a0; pour un département, moyenne des zones "
                "d'emploi de ses communes pondérée par leur population."
                if uy is not None
                else " Le taux de chômage par zone d'emploi n'est pas disponible."
            )
        )
    )
    return parts


def _needs_sentences(geo: Geography, t: pd.DataFrame, terr: Territory, year: int) -> list[str]:
    deps = t.loc[t["level"] == "dep"].dropna(subset=["share_rsa", "share_salaries"])
    total = t.iloc[-1]
    out = []
    if terr.level == "region" and len(deps):
        gap = deps["share_rsa"] - deps["share_salaries"]
        hi = deps.loc[gap.idxmax()]
        d = Territory("dep", hi["code"])
        out.append(
            f"{_cap(the_name(geo, d))} regroupe {fmt_pct(hi['share_rsa'], 1)} des foyers "
            f"allocataires du RSA de la région mais {fmt_pct(hi['share_salaries'], 1)} de ses "
            f"salariés en insertion\u00a0: {fmt_number(hi['salaries_per_100_rsa'], 1)} "
            f"salariés pour 100 foyers, contre {fmt_number(total['salaries_per_100_rsa'], 1)} "
            "dans la région."
        )
        lo = deps.loc[deps["salaries_per_100_rsa"].idxmax()]
        if lo["code"] != hi["code"]:
            d = Territory("dep", lo["code"])
            out.append(
                f"{_cap(the_name(geo, d))} compte le plus de salariés en insertion rapportés aux "
                f"foyers allocataires\u00a0: {fmt_number(lo['salaries_per_100_rsa'], 1)} pour "
                "100 foyers."
            )
    elif terr.level == "dep" and len(deps):
        r = deps.iloc[0]
        comp = "moins" if r["salaries_per_100_rsa"] < total["salaries_per_100_rsa"] else "plus"
        out.append(
            f"{_cap(the_name(geo, terr))} compte {fmt_number(r['salaries_per_100_rsa'], 1)} "
            f"salariés en insertion pour 100 foyers allocataires du RSA, {comp} que la région "
            f"({fmt_number(total['salaries_per_100_rsa'], 1)})\u00a0; "
            f"{the_name(geo, terr)} regroupe {fmt_pct(r['share_rsa'], 1)} des foyers "
            f"allocataires du RSA de la région et {fmt_pct(r['share_salaries'], 1)} de ses "
            "salariés en insertion."
        )
    return out


def unit_parts(ctx, html) -> list[str]:
    """Département report: the offer against the needs by commune (by arrondissement in a city
    whose contours are in the folder), the communes with the most RSA households first."""
    geo = load_geography(ctx.geo_dir)
    terr, year = ctx.territory, ctx.year
    if terr.level != "dep" or geo is None or geo.units is None:
        return []
    t = needs_by_unit(ctx.siae, geo, [terr.code], year)
    if t.empty:
        return []
    split = bool(set(t["code_unit"]) - set(geo.communes_ref["code_commune_ref"]))
    what = "arrondissement" if split else "commune"
    the_unit = "l'arrondissement" if split else "la commune"
    parts = [html.h3(f"L'offre par {what} au regard des besoins")]
    if geo.rsa is None:
        parts.append(
            html.note(
                f"Le nombre de foyers allocataires du RSA par {what} n'est pas disponible\u00a0: "
                "l'offre n'est pas rapportée aux besoins."
            )
        )
        return parts
    t = t.sort_values(["foyers_rsa", "code_unit"], ascending=[False, True], na_position="last")
    shown = t.head(TABLE_ROWS if not split else len(t))
    rsa_v = rsa_label(geo.rsa_vintage or "")
    uy = unemployment_year(geo, year)
    header = [
        _cap(what),
        "Structures",
        "Salariés",
        "ETP réalisés",
        f"Foyers RSA ({rsa_v})",
        "Salariés pour 100 foyers RSA",
    ]
    # one zone d'emploi for every unit (Paris): a sentence rather than a constant column
    rates = set(shown["taux_chomage"].dropna().round(3))
    one_zone = uy is not None and len(rates) == 1 and shown["taux_chomage"].notna().all()
    if uy is not None and not one_zone:
        header.append(f"Chômage {uy} (zone d'emploi)")
    rows, any_secret = [], False
    for r in shown.itertuples():
        secret = pd.isna(r.salaries)
        any_secret |= secret
        row = [
            unit_label(r.code_unit, r.nom, short=True),
            fmt_int(r.structures),
            SECRET_MARK if secret else fmt_int(r.salaries),
            _num(r.etp_realises),
            _num(r.foyers_rsa, 0),
            SECRET_MARK if secret else _num(r.salaries_per_100_rsa),
        ]
        if uy is not None and not one_zone:
            row.append(
                "n.d." if pd.isna(r.taux_chomage) else fmt_number(r.taux_chomage, 1) + "\u00a0%"
            )
        rows.append(row)
    caption = f"Structures, salariés et foyers allocataires du RSA par {what}, {year}" + (
        "" if split else f" ({len(shown)} communes ayant le plus de foyers allocataires)"
    )
    parts.append(html.table_html(header, rows, caption=caption, cls="wide"))
    parts += [html.para(x) for x in _unit_sentences(shown, what, year)]
    if one_zone:
        parts.append(
            html.para(
                f"Taux de chômage {uy} de la zone d'emploi ({shown['lib_ze'].iloc[0]})\u00a0: "
                f"{fmt_number(next(iter(rates)), 1)}\u00a0%."
            )
        )
    parts.append(
        html.note(
            f"Structures, salariés et ETP\u00a0: SIAE dont l'adresse administrative est dans "
            f"{the_unit} (un salarié de deux structures y compte deux fois)\u00a0; leurs "
            "chantiers et missions peuvent se trouver ailleurs. n.d.\u00a0: absent du fichier "
            "de la CNAF."
        )
    )
    if any_secret:
        parts.append(html.note(SECRET_NOTE))
    return parts


def _all_arrondissements(geo: Geography | None, terr: Territory) -> bool:
    """True when every unit of the territory is a municipal arrondissement (Paris)."""
    if geo is None or geo.units is None or terr.level != "dep":
        return False
    codes = geo.units.loc[geo.units["code_departement"] == terr.code, "code_unit"]
    return bool(len(codes)) and codes.map(arrondissement_city).notna().all()


def unit_label(code: str, nom: str, short: bool = False) -> str:
    """The name of a unit: ``18e arrondissement``, ``1er arrondissement`` (``short``: ``18e``,
    under a column headed "Arrondissement"), else the commune's name."""
    if arrondissement_city(code) is None:
        return str(nom)
    n = int(code[-1]) if code.startswith("6938") else int(code[-2:])
    return ("1er" if n == 1 else f"{n}e") + ("" if short else " arrondissement")


def _unit_sentences(t: pd.DataFrame, what: str, year: int) -> list[str]:
    """The unit with the most RSA households, and among the five with the most, the one with
    the fewest salariés per 100 households (when published)."""
    t = t.dropna(subset=["foyers_rsa"])
    if t.empty:
        return []
    first = t.iloc[0]
    out = [
        f"{_cap(_the_unit(first, what))} compte le plus de foyers allocataires du RSA "
        f"({fmt_int(first['foyers_rsa'])})."
    ]
    top = t.head(5).dropna(subset=["salaries_per_100_rsa"])
    if len(top) >= 2:
        low = top.loc[top["salaries_per_100_rsa"].idxmin()]
        out.append(
            f"Parmi les cinq {what}s qui en comptent le plus, {_the_unit(low, what)} a le moins "
            f"de salariés en insertion rapportés aux foyers allocataires\u00a0: "
            f"{fmt_number(low['salaries_per_100_rsa'], 1)} pour 100 foyers en {year} (salariés "
            "des structures dont l'adresse administrative y est située)."
        )
    return out


def _the_unit(r, what: str) -> str:
    label = unit_label(r["code_unit"], r["nom"])
    return f"le {label}" if what == "arrondissement" else label


def maps_parts(ctx, html) -> list[str]:
    """The maps, the QPV note of the years before 2015 and the "territoires peu couverts"
    table with its selection rule."""
    geo = load_geography(ctx.geo_dir)
    terr, year = ctx.territory, ctx.year
    parts: list[str] = []
    if year < QPV_FIRST_YEAR and geo is not None and geo.qpv is not None:
        v = geo.vintages.get("qpv") or geo.vintages.get("qpv_communes") or "actuelle"
        parts.append(
            html.note(
                f"Les quartiers prioritaires de la politique de la ville (QPV) existent depuis "
                f"2015\u00a0; en {year}, la géographie prioritaire était celle des ZUS et des "
                f"CUCS. Les cartes tracent les QPV d'aujourd'hui (génération {v})\u00a0; la "
                "résidence en QPV des salariés est celle qu'a enregistrée l'ASP."
            )
        )
    for m in map_outputs(terr, year, ctx.indicators, ctx.siae, ctx.geo_dir, ctx.diffusion):
        if isinstance(m.item, str):
            parts += [html.h3(m.title), html.note(m.item)]
        else:
            parts.append(html.figure_html(m.item, m.alt, m.data))
    parts += unit_parts(ctx, html)
    parts.append(html.h3("Territoires peu couverts"))
    low = thin_offer_table(terr, year, ctx.siae, ctx.geo_dir)
    km = fmt_number(THIN_OFFER_KM, 0)
    split = geo is not None and bool(geo.split_cities)
    unit = "communes (arrondissements à Paris)" if split else "communes"
    rule = (
        f"Sélection\u00a0: les {unit} ayant au moins {THIN_OFFER_MIN_RSA} foyers allocataires "
        f"du RSA ou un quartier prioritaire, sans aucune SIAE à moins de {km}\u00a0km, "
        "classées par nombre de foyers allocataires du RSA, puis par nombre de QPV. "
        "Distance\u00a0: à vol d'oiseau, du centre de la commune au centre de la commune où "
        "se trouve l'adresse administrative de la SIAE la plus proche (Lambert-93). Une SIAE "
        "est placée à son adresse administrative\u00a0: ses chantiers et ses missions peuvent "
        "couvrir des communes plus éloignées."
    )
    if isinstance(low, str):
        parts.append(html.note(low))
        return parts
    if low.empty:
        all_arr = _all_arrondissements(geo, terr)
        who = "Tous les arrondissements" if all_arr else f"Toutes les {unit}"
        where = f" {of_territory(geo, terr)}" if terr.level != "france" else ""
        parts.append(
            html.para(
                f"{who}{where} ayant au moins {THIN_OFFER_MIN_RSA} foyers allocataires du RSA "
                f"ou un QPV ont une SIAE à moins de {km}\u00a0km."
            )
        )
        parts.append(html.note(rule))
        return parts
    shown = low.drop(columns="Code commune").head(TABLE_ROWS)
    parts.append(
        html.table_html(
            [str(c) for c in shown.columns],
            [[str(v) for v in r] for r in shown.itertuples(index=False)],
            caption=f"Territoires ayant des besoins et sans SIAE à moins de {km}\u00a0km, {year}",
            cls="wide",
        )
    )
    more = (
        f" {fmt_int(len(low))} communes au total\u00a0; le tableau montre les {len(shown)} "
        "premières."
        if len(low) > len(shown)
        else ""
    )
    parts.append(html.note(rule + more))
    parts.append(html.para(thin_offer_sentence(low, km)))
    return parts


def thin_offer_sentence(low: pd.DataFrame, km: str) -> str:
    """The "territoires peu couverts" in one sentence: how many, and the first three of the
    table (the most RSA households), with their département."""
    first = [f"{r['Commune']} ({r['Département']})" for _, r in low.head(3).iterrows()]
    n = len(low)
    head = (
        f"{fmt_int(n)} communes ayant des besoins n'ont aucune SIAE à moins de {km}\u00a0km"
        if n > 1
        else f"Une commune ayant des besoins n'a aucune SIAE à moins de {km}\u00a0km"
    )
    if n == 1:
        return f"{head}\u00a0: {first[0]}."
    which = ", ".join(first[:-1]) + " et " + first[-1] if len(first) > 1 else first[0]
    return (
        f"{head}\u00a0; celles qui comptent le plus de foyers allocataires du RSA sont {which}."
        if len(first) > 1
        else f"{head}\u00a0: {which}."
    )
