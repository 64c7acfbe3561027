"""The groups of cells through which a hidden cell could be recovered, declared per
indicator: a new indicator only declares the group it belongs to here.

- ``sum``: cells adding up to a published margin (types -> ``ALL``; départements -> their
  region; regions -> France; a breakdown -> its margin indicator, e.g. sectors -> hours).
  One hidden cell of the equation is recovered by subtraction.
- ``same``: one figure published twice (a count and its share; ETP of a type and its share of
  the ETP; a rate per 10 000 inhabitants and its count): hidden together.
- ``ratio``: a ratio, its numerator and its denominator: any two give the third.

For the shares of a public (``public_share``) the group works on the numerators (persons of
the public): the denominators (salariés, and for the QPV the salariés of known status through
the data-quality table) are published, so share x denominator gives the count.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from iae_diag.territories import region_of_dep
from iae_diag.vocabulary import TYPE_ALL

from .rules import QUALITY_PERSON_COUNTS, QUALITY_PREFIX

Key = tuple[str, str, str, int, str, str]

#: indicators whose type cells add up to ALL and territory cells to the upper level
ADDITIVE: tuple[str, ...] = (
    "salaries",
    "etp_realises",
    "etp_conventionnes",
    "hours",
    "hours_by_sector",
    "public_share",
    *[QUALITY_PREFIX + c for c in QUALITY_PERSON_COUNTS],
    "embauches",
    "entrants",
    "renouvellements",
    "salaries_moyenne_mensuelle",
    "presents_fin_annee",
    "public_share_entrants",
    "sortants",
    "sorties_examinees",
    "exits_by_category",
    "exit_rate",
)
#: indicator whose breakdown cells add up to a margin indicator (same territory, year, type)
BREAKDOWN_MARGINS: dict[str, str] = {"hours_by_sector": "hours", "exits_by_category": "sortants"}
#: (indicator, the breakdowns whose cells add up to the margin, margin (indicator, breakdown)),
#: same territory, year and type: the sorties examinées of the four categories (the numerators
#: of ``exit_rate``) make the sorties examinées; the first three, the sorties dynamiques; and
#: the sorties dynamiques with the autres sorties, the sorties examinées again; the exits of
#: unknown category by reason (data-quality table, all types), the ``inconnue`` exits
BREAKDOWN_SUMS: tuple[tuple[str, tuple[str, ...], tuple[str, str]], ...] = (
    (
        "exit_rate",
        ("emploi_durable", "emploi_transition", "sorties_positives", "autres_sorties"),
        ("sorties_examinees", ""),
    ),
    (
        "exit_rate",
        ("emploi_durable", "emploi_transition", "sorties_positives"),
        ("exit_rate", "sorties_dynamiques"),
    ),
    ("exit_rate", ("sorties_dynamiques", "autres_sorties"), ("sorties_examinees", "")),
    (
        QUALITY_PREFIX + "exit_category_unknown",
        ("no_motif", "motif_not_in_reference", "reference_tables_absent"),
        ("exits_by_category", "inconnue"),
    ),
)
#: the same figure published under another indicator (same key)
SAME_CELL: dict[str, str] = {
    "salaries_share": "salaries",
    "etp_share": "etp_realises",
    "hours_share_by_sector": "hours_by_sector",
    "etp_per_10000_inhabitants": "etp_realises",
    "salaries_per_10000_inhabitants": "salaries",
}
#: ratio -> (numerator indicator, denominator indicator), same key
RATIOS: dict[str, tuple[str, str]] = {
    "taux_realisation": ("etp_realises", "etp_conventionnes"),
}
#: indicators whose group size is the numerator (persons of a public, sorties examinées of a
#: category) rather than the value
SIZE_IS_NUMERATOR: tuple[str, ...] = ("public_share", "public_share_entrants", "exit_rate")


@dataclass(frozen=True)
class Group:
    """Cells one of which cannot be hidden alone. ``kind``: ``sum`` (``members`` add up to
    ``margin``), ``same`` or ``ratio`` (``members`` = numerator, denominator, ratio)."""

    kind: str
    members: tuple[Key, ...]
    margin: Key | None = None

    @property
    def cells(self) -> tuple[Key, ...]:
        return self.members + ((self.margin,) if self.margin is not None else ())


def _upper(level: str, code: str) -> tuple[str, str] | None:
    if level == "dep":
        return "region", region_of_dep(code)
    if level == "region":
        return "france", "FR"
    return None


def build_groups(keys: list[Key]) -> list[Group]:
    """Every group over the given cell keys (only groups whose margin is a cell), in a fixed
    order (sorted keys)."""
    have = set(keys)
    groups: list[Group] = []
    by_type: dict[Key, list[Key]] = {}
    by_terr: dict[Key, list[Key]] = {}
    by_breakdown: dict[Key, list[Key]] = {}
    for k in sorted(have):
        ind, lv, code, yr, t, br = k
        if ind in ADDITIVE:
            if t != TYPE_ALL:
                by_type.setdefault((ind, lv, code, yr, TYPE_ALL, br), []).append(k)
            up = _upper(lv, code)
            if up is not None:
                by_terr.setdefault((ind, up[0], up[1], yr, t, br), []).append(k)
        if ind in BREAKDOWN_MARGINS:
            by_breakdown.setdefault((BREAKDOWN_MARGINS[ind], lv, code, yr, t, ""), []).append(k)
        if ind in SAME_CELL and (SAME_CELL[ind], lv, code, yr, t, br) in have:
            groups.append(Group("same", (k, (SAME_CELL[ind], lv, code, yr, t, br))))
        if ind in RATIOS:
            num, den = ((r, lv, code, yr, t, br) for r in RATIOS[ind])
            if num in have and den in have:
                groups.append(Group("ratio", (num, den, k)))
    for table in (by_type, by_terr, by_breakdown):
        for margin, members in sorted(table.items()):
            if margin in have:
                groups.append(Group("sum", tuple(members), margin))
    margins = sorted(k for k in have if k[0] in {m[0] for _, _, m in BREAKDOWN_SUMS})
    for ind, members, (m_ind, m_br) in BREAKDOWN_SUMS:
        for k in margins:
            if k[0] != m_ind or k[5] != m_br:
                continue
            _, lv, code, yr, t, _ = k
            cells = tuple((ind, lv, code, yr, t, b) for b in members)
            if all(c in have for c in cells):
                groups.append(Group("sum", cells, k))
    return groups


def cell_sizes(cells: pd.DataFrame) -> dict[Key, float]:
    """The size of each cell used to choose the secondary cell (the smallest non-zero one):
    the number of persons of a public share, the absolute value otherwise (0 when missing)."""
    num = cells["indicator"].isin(SIZE_IS_NUMERATOR)
    size = cells["value"].where(~num, cells["numerator"]).abs().fillna(0.0)
    keys = cells[
        ["indicator", "territory_level", "territory_code", "year", "type_siae", "breakdown"]
    ].itertuples(index=False, name=None)
    return dict(zip(keys, size.to_numpy(dtype=float), strict=True))
