"""Sentences and cells of the section "Chiffres clés" that compare the territory: the rank of a
département among the départements of its region, and its change against the region's."""

from __future__ import annotations

from iae_diag.differences import Difference
from iae_diag.narrative import join_fr

#: the key figures whose change a département report sets against the region's: indicator,
#: subject, the same after a first one ("celui des ...")
COMPARED = (
    ("structures", "le nombre de SIAE", "celui des SIAE"),
    ("salaries", "le nombre de salariés", "celui des salariés"),
    ("etp_realises", "le nombre d'ETP réalisés", "celui des ETP réalisés"),
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
    who: str, previous_year: int, changes: list[tuple[str, str, Difference, Difference]]
) -> str | None:
    """A département's changes from the previous year beside its region's, the equal ones
    said once: ``changes`` = (subject, subject after a first one, change of the département,
    change of the region), in the order of the table; ``who``: ``de la Seine-Saint-Denis``.
    ``Par rapport à 2012, le nombre de salariés de la Seine-Saint-Denis et celui des ETP
    réalisés sont en baisse de 3 % (région : en hausse de 2 %), celui des SIAE est en hausse de
    1 % (région : en hausse de 2 %).`` None when no change is known."""
    groups: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for first, then, mine, region in changes:
        if mine.known and region.known:
            groups.setdefault((mine.phrase(), region.phrase()), []).append((first, then))
    if not groups:
        return None
    out = []
    for i, ((mine, region), whats) in enumerate(groups.items()):
        head = f"{whats[0][0]} {who}" if i == 0 else whats[0][1]
        names = join_fr([head, *[then for _, then in whats[1:]]])
        verb = "sont" if len(whats) > 1 else "est"
        out.append(f"{names} {verb} {mine} (région : {region})")
    return f"Par rapport à {previous_year}, " + ", ".join(out) + "."
