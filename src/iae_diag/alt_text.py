"""Text alternatives of the charts and maps, in French: what the image shows and its main
finding, written from the values it draws (RGAA criterion 1.6, WCAG 1.1.1). The full data of
each image is the table under it (``figure_html(..., data=...)``); the alternative says what a
reader would see first.

Every function takes the values the image draws (hidden values already left out: statistical
secrecy) and returns one or two sentences; ties are broken by the order given, so the same
values give the same text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from iae_diag import differences
from iae_diag.formatting import fmt_int, fmt_number, fmt_pct


def _known(items: Sequence[tuple[str, float | None]]) -> list[tuple[str, float]]:
    return [(k, float(v)) for k, v in items if v is not None and v == v]


def _largest(items: Sequence[tuple[str, float | None]]) -> tuple[str, float] | None:
    """The item with the largest value (the first of equal ones), or None."""
    known = _known(items)
    if not known:
        return None
    best = known[0]
    for k, v in known[1:]:
        if v > best[1]:
            best = (k, v)
    return best


def _smallest(items: Sequence[tuple[str, float | None]]) -> tuple[str, float] | None:
    known = _known(items)
    if not known:
        return None
    best = known[0]
    for k, v in known[1:]:
        if v < best[1]:
            best = (k, v)
    return best


def shares_by_type(year: int, rows: Sequence[tuple[str, float | None, float | None]]) -> str:
    """Bars of the shares of salariés and of ETP by type. ``rows``: (type, share of the
    salariés, share of the ETP)."""
    head = f"Diagramme en barres des parts des salariés et des ETP par type de SIAE en {year}"
    sal = _largest([(t, s) for t, s, _ in rows])
    etp = _largest([(t, e) for t, _, e in rows])
    if sal is None and etp is None:
        return head + "."
    if sal is not None and etp is not None and sal[0] == etp[0]:
        return (
            f"{head} : les {sal[0]} ont la plus grande part des salariés, {fmt_pct(sal[1])}, "
            f"et des ETP, {fmt_pct(etp[1])}."
        )
    out = []
    if sal is not None:
        out.append(f"les {sal[0]} emploient la plus grande part des salariés, {fmt_pct(sal[1])}")
    if etp is not None:
        out.append(f"les {etp[0]} réalisent la plus grande part des ETP, {fmt_pct(etp[1])}")
    return f"{head} : " + " ; ".join(out) + "."


def etp_by_type(year: int, rows: Sequence[tuple[str, float, float]]) -> str:
    """Bars of the ETP conventionnés and réalisés by type. ``rows``: (type, ETP
    conventionnés, ETP réalisés)."""
    head = f"Diagramme en barres des ETP conventionnés et réalisés par type de SIAE en {year}"
    top = _largest([(t, r) for t, _, r in rows])
    if top is None:
        return head + "."
    conv = next(c for t, c, _ in rows if t == top[0])
    total = sum(r for _, _, r in rows)
    out = f"{head} : les {top[0]} en réalisent le plus, {fmt_int(top[1])} ETP"
    if total > 0 and len(rows) > 1:
        out += f", soit {fmt_pct(top[1] / total)} des ETP du graphique"
    if conv:
        out += f", pour {fmt_int(conv)} ETP conventionnés"
    return out + "."


def structures_over_time(
    first: int, last: int, totals: tuple[float, float], last_by_type: Sequence[tuple[str, float]]
) -> str:
    """Lines of the number of SIAE by type. ``totals``: number of SIAE of the first and last
    years; ``last_by_type``: (type, number of SIAE) of the last year."""
    head = f"Courbes du nombre de SIAE par type de {first} à {last}"
    n0, n1 = totals
    out = f"{head} : {fmt_int(n1)} SIAE en {last} contre {fmt_int(n0)} en {first}"
    top = _largest(list(last_by_type))
    if top is not None and top[1] > 0:
        out += f" ; les {top[0]} sont les plus nombreuses en {last}, {fmt_int(top[1])}"
    return out + "."


def publics(year: int, items: Sequence[tuple[str, float | None]]) -> str:
    """Bars of the share of each public among the salariés. ``items``: (label, share)."""
    head = f"Diagramme en barres des publics des SIAE en {year}, en % des salariés en insertion"
    known = _known(items)
    if not known:
        return head + "."
    ranked = sorted(known, key=lambda kv: -kv[1])  # stable: the given order breaks ties
    first = ranked[0]
    out = (
        f"{head} : la part la plus élevée est celle du public « {first[0]} », {fmt_pct(first[1])}"
    )
    if len(ranked) > 1:
        second = ranked[1]
        out += f", puis « {second[0]} », {fmt_pct(second[1])}"
    return out + "."


def publics_over_time(
    first: int, last: int, series: Sequence[tuple[str, float | None, float | None]]
) -> str:
    """Lines of the share of some publics by year. ``series``: (label, share of the first
    year, share of the last year)."""
    head = (
        f"Courbes de l'évolution de {len(series)} publics de {first} à {last}, en % des "
        "salariés en insertion"
    )
    changes = [(lab, b - a) for lab, a, b in series if a is not None and b is not None]
    top = _largest([(lab, abs(d)) for lab, d in changes])
    if top is None:
        return head + "."
    d = next(d for lab, d in changes if lab == top[0])
    a, b = next((a, b) for lab, a, b in series if lab == top[0])
    verb = "augmente" if d > 0 else "diminue" if d < 0 else "reste stable"
    return (
        f"{head} : le plus fort changement est celui du public « {top[0]} », dont la part "
        f"{verb} de {fmt_pct(a)} à {fmt_pct(b)} ({differences.points(b, a).text})."
    )


def sectors(year: int, shares_all: Sequence[tuple[str, float | None]], unranked=()) -> str:
    """100 % stacked bars of the hours by sector, for all types and each type.
    ``shares_all``: (sector label, share of the hours of all types); ``unranked``: labels
    never named first ("Autres", "Non renseigné")."""
    head = (
        f"Barres empilées de la répartition des heures travaillées par secteur en {year}, "
        "pour l'ensemble des SIAE et pour chaque type"
    )
    top = _largest([(k, v) for k, v in shares_all if k not in unranked])
    if top is None:
        return head + "."
    return (
        f"{head} : le premier secteur de l'ensemble est « {top[0]} », {fmt_pct(top[1])} des "
        "heures."
    )


def choropleth(
    what: str,
    where: str,
    year: int,
    values: Sequence[tuple[str, float | None]],
    fmt: Callable[[float], str],
    total: tuple[str, float] | None = None,
    hidden: int = 0,
) -> str:
    """A map of départements coloured by a value. ``what``: the value ("ETP réalisés pour
    10 000 habitants"); ``where``: "la région Île-de-France"; ``values``: (département label,
    value) drawn; ``total``: (label, value) of the whole territory; ``hidden``: départements
    drawn "secret"."""
    head = f"Carte des départements de {where} selon {what}, {year}"
    hi, lo = _largest(values), _smallest(values)
    if hi is None:
        return head + "."
    out = f"{head} : valeur la plus élevée, {hi[0]} : {fmt(hi[1])}"
    if lo is not None and lo[0] != hi[0]:
        out += f" ; la plus faible, {lo[0]} : {fmt(lo[1])}"
    if total is not None:
        out += f" ; {total[0]} : {fmt(total[1])}"
    if hidden:
        out += f" ; {fmt_int(hidden)} département{'s' if hidden > 1 else ''} non publié"
        out += "s (secret statistique)" if hidden > 1 else " (secret statistique)"
    return out + "."


def structures_map(
    title: str, n_structures: int, n_units: int, top: tuple[str, int] | None, extra: str = ""
) -> str:
    """A map of the structures by commune (symbols by type). ``top``: (commune, number of
    structures) of the commune with the most; ``extra``: a last sentence (the communes
    highlighted)."""
    out = (
        f"Carte : {title[:1].lower()}{title[1:]}. {fmt_int(n_structures)} structure"
        f"{'s' if n_structures > 1 else ''} placée{'s' if n_structures > 1 else ''} dans "
        f"{fmt_int(n_units)} commune{'s' if n_units > 1 else ''}"
    )
    if top is not None and top[1] > 1:
        out += f" ; {top[0]} en compte le plus, {fmt_int(top[1])}"
    out += "."
    return out + (f" {extra}" if extra else "")


def fmt_decimal(v: float) -> str:
    """One decimal, French: ``7.46`` -> ``7,5``."""
    return fmt_number(v, 1)
