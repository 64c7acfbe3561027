"""Sentences and cells of the section "Chiffres clés" that compare the territory: the rank of a
département among the départements of its region, and its change against the region's."""

from __future__ import annotations

from iae_diag.differences import Difference
from iae_diag.narrative import join_fr

#: the key figures whose change a département report sets against the region's
COMPARED = (
    ("structures", "le nombre de SIAE"),
    ("salaries", "le nombre de salariés"),
    ("etp_realises", "celui des ETP réalisés"),
)


def rank(value: float | None, others: list[float | None]) -> int | None:
    """Rank of ``value`` among ``others`` (``value`` included), 1 for the largest; ties share
    the best rank. None when a value is missing."""
    if value is None or any(v is None for v in others):
        return None
    return 1 + sum(1 for v in others if v is not None and v > value + 1e-9)


def rank_text(r: int | None, n: int) -> str:
    """``1er sur 8``, ``2e sur 8``; ``n.d.`` when unknown."""
    if r is None:
        return "n.d."
    return f"{'1er' if r == 1 else f'{r}e'} sur {n}"


def against_region_sentence(
    who: str, previous_year: int, changes: list[tuple[str, Difference, Difference]]
) -> str | None:
    """``Par rapport à 2012, le nombre de salariés de la Seine-Saint-Denis est en baisse de
    3 % quand celui de la région est en hausse de 2 %.`` ``changes`` = (what, change of the
    département, change of the region); only the figures whose direction differs from the
    region's or whose change differs by a point or more are said. ``who``: ``de la
    Seine-Saint-Denis``."""
    said = []
    for what, mine, region in changes:
        if not (mine.known and region.known):
            continue
        if mine.sign == region.sign and abs((mine.value or 0.0) - (region.value or 0.0)) < 0.01:
            continue
        whose = f" {who}" if not said else ""
        said.append(f"{what}{whose} est {mine.phrase()} (région : {region.phrase()})")
    if not said:
        if any(m.known and r.known for _, m, r in changes):
            return (
                f"Par rapport à {previous_year}, les effectifs et les ETP {who} évoluent comme "
                "ceux de la région."
            )
        return None
    return f"Par rapport à {previous_year}, {join_fr(said)}."
