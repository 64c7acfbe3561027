"""Sentences of the section "Les territoires": the change of the number of SIAE by
département (every one growing but...), the largest départements, the offer per inhabitant
(the extremes), and for a département its weight and change against the region."""

from __future__ import annotations

from iae_diag.differences import Difference
from iae_diag.formatting import fmt_number, fmt_pct
from iae_diag.narrative import join_fr
from iae_diag.report.narrative import cap

#: the départements named as the strongest growth
GROWTH_NAMED = 2
#: at most this many exceptions are named ("tous ... à l'exception de ...")
EXCEPTIONS_NAMED = 2


def growth_sentences(y0: int, rows: list[tuple[str, Difference]]) -> list[str]:
    """``rows`` = (département name with its article, change of its number of SIAE since
    ``y0`` as printed in the table). ``Depuis 2007, le nombre de SIAE a augmenté dans tous les
    départements à l'exception de la Seine-et-Marne (-2). Le Val-d'Oise (+16) et les
    Hauts-de-Seine (+13) sont les départements où il a le plus progressé.``"""
    rows = [r for r in rows if r[1].known]
    if len(rows) < 2:
        return []
    up = [r for r in rows if (r[1].value or 0) > 0]
    down = [r for r in rows if (r[1].value or 0) < 0]
    flat = [r for r in rows if r[1].value == 0]
    others = down + flat
    out = []
    if up and not others:
        out.append(f"Depuis {y0}, le nombre de SIAE a augmenté dans tous les départements.")
    elif up and len(others) <= EXCEPTIONS_NAMED:
        listed = join_fr([f"{_of(name)} ({d.text})" for name, d in others])
        out.append(
            f"Depuis {y0}, le nombre de SIAE a augmenté dans tous les départements à "
            f"l'exception {listed}."
        )
    elif up:
        out.append(
            f"Depuis {y0}, le nombre de SIAE a augmenté dans {len(up)} départements, a diminué "
            f"dans {len(down)}" + (f" et n'a pas changé dans {len(flat)}." if flat else ".")
        )
    else:
        out.append(f"Depuis {y0}, le nombre de SIAE n'a augmenté dans aucun département.")
    best = sorted(up, key=lambda r: (-(r[1].value or 0), r[0]))[:GROWTH_NAMED]
    if len(up) > GROWTH_NAMED and best:
        listed = join_fr([f"{name} ({d.text})" for name, d in best])
        out.append(f"{cap(listed)} sont les départements où il a le plus progressé.")
    return out


def _of(listed: str) -> str:
    """``de`` before a name with its article: ``de la Seine-et-Marne``, ``du Val-de-Marne``,
    ``des Yvelines``, ``de l'Essonne``, ``de Paris``."""
    if listed.startswith("le "):
        return "du " + listed[3:]
    if listed.startswith("les "):
        return "des " + listed[4:]
    return "de " + listed


def largest_sentence(rows: list[tuple[str, float]], total: float) -> str | None:
    """The two départements with the most SIAE and their share of the region's: ``Paris
    (86 SIAE) et la Seine-Saint-Denis (80) regroupent 41 % des SIAE de la région.``"""
    if len(rows) < 3 or not total:
        return None
    top = sorted(rows, key=lambda r: (-r[1], r[0]))[:2]
    listed = join_fr(
        [f"{name} ({fmt_number(n)}{' SIAE' if i == 0 else ''})" for i, (name, n) in enumerate(top)]
    )
    return (
        f"{cap(listed)} regroupent {fmt_pct(sum(n for _, n in top) / total)} des SIAE de la "
        "région."
    )


def coverage_sentence(rows: list[tuple[str, float]], region_rate: float | None) -> str | None:
    """The départements with the most and the fewest ETP réalisés per 10,000 inhabitants
    (``rows`` = name with its article, rate; published rates only), against the region's."""
    rows = [r for r in rows if r[1] is not None]
    if len(rows) < 2:
        return None
    hi = max(rows, key=lambda r: (r[1], r[0]))
    lo = min(rows, key=lambda r: (r[1], r[0]))
    against = (
        f", contre {fmt_number(region_rate, 1)} dans la région" if region_rate is not None else ""
    )
    return (
        f"Rapportée à la population, l'offre est la plus dense {_in(hi[0])} "
        f"({fmt_number(hi[1], 1)} ETP pour 10\u00a0000 habitants{against}) et la plus faible "
        f"{_in(lo[0])} ({fmt_number(lo[1], 1)})."
    )


def _in(name: str) -> str:
    """``dans la Seine-Saint-Denis``, ``dans les Yvelines``, ``à Paris`` (a name with its
    article, or without one)."""
    if name.split(" ")[0] in ("le", "la", "les") or name.startswith("l'"):
        return f"dans {name}"
    return f"à {name}"


def departement_change_sentence(
    who: str, y0: int, mine: Difference, region: Difference, count: Difference
) -> str | None:
    """Département report: ``Depuis 2007, le nombre de SIAE de la Seine-Saint-Denis a
    progressé de 8 % (+6) ; celui de la région est en hausse de 14 %.``"""
    if not (mine.known and region.known):
        return None
    if mine.stable:
        verb = f"est stable ({count.text})"
    else:
        way = "progressé" if (mine.value or 0) > 0 else "diminué"
        verb = f"a {way} de {mine.magnitude} ({count.text})"
    return (
        f"Depuis {y0}, le nombre de SIAE {who} {verb} ; celui de la région est {region.phrase()}."
    )
