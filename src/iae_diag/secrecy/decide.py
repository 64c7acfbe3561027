"""The one decision of a run: which cells of the indicator (and data-quality) table are
published, at a diffusion level. Primary suppression (:mod:`.rules`), then secondary
suppression over the groups (:mod:`.groups`), iterated until stable.

Secondary rule (definitions.md): in a ``sum`` group with exactly one hidden cell, hide the
smallest non-zero published member (ties: the first key in sort order); when there is none,
hide the margin. A ``same`` group is hidden whole. In a ``ratio`` group with one hidden term,
hide the ratio (or, when the ratio is the hidden one, its numerator). Same input, same cells.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pandas as pd

from iae_diag.errors import InputError, ParameterError
from iae_diag.vocabulary import INDICATOR_KEYS

from .groups import Group, Key, build_groups, cell_sizes
from .rules import (
    DIFFUSION_LEVELS,
    PUBLIQUE,
    QUALITY_PERSON_COUNTS,
    QUALITY_PREFIX,
    magnitude_contributions,
    magnitude_primary,
    person_primary,
)

PRIMARY = "primary"
SECONDARY = "secondary"


@dataclass
class Decision:
    """Hidden cells of a run (key -> ``primary`` | ``secondary``) at a diffusion level."""

    diffusion: str
    hidden: dict[Key, str] = field(default_factory=dict)

    def __contains__(self, key: object) -> bool:
        return key in self.hidden

    def keys(self) -> set[Key]:
        return set(self.hidden)

    def counts(self, level: str | None = None, code: str | None = None, year: int | None = None):
        """``{"primary": n, "secondary": m}`` over the run, or over one territory (and year)."""
        c = Counter(
            why
            for (_, lv, cd, yr, _, _), why in self.hidden.items()
            if (level is None or lv == level)
            and (code is None or cd == code)
            and (year is None or yr == year)
        )
        return {PRIMARY: c.get(PRIMARY, 0), SECONDARY: c.get(SECONDARY, 0)}

    def quality_hidden(self, level: str, code: str, year: int, check: str, breakdown: str = ""):
        """True when a data-quality value is hidden."""
        return (QUALITY_PREFIX + check, level, code, int(year), "ALL", breakdown) in self.hidden


def check_diffusion(diffusion: str) -> str:
    if diffusion not in DIFFUSION_LEVELS:
        raise ParameterError(
            f"diffusion {diffusion!r} is not a diffusion level: expected one of "
            f"{', '.join(DIFFUSION_LEVELS)}."
        )
    return diffusion


def cell_table(indicators: pd.DataFrame, quality: pd.DataFrame | None) -> pd.DataFrame:
    """The indicator rows plus the person checks of the quality table as cells."""
    ind = indicators[[*INDICATOR_KEYS, "value", "numerator", "denominator"]].copy()
    ind["breakdown"] = ind["breakdown"].fillna("").astype(str)
    ind["territory_code"] = ind["territory_code"].astype(str)
    ind["year"] = ind["year"].astype("int64")
    if quality is None or quality.empty:
        return ind.reset_index(drop=True)
    q = quality.loc[quality["check"].isin(QUALITY_PERSON_COUNTS)]
    qc = pd.DataFrame(
        {
            "indicator": QUALITY_PREFIX + q["check"].astype(str),
            "territory_level": q["territory_level"].astype(str),
            "territory_code": q["territory_code"].astype(str),
            "year": q["year"].astype("int64"),
            "type_siae": "ALL",
            "breakdown": q["breakdown"].fillna("").astype(str),
            "value": q["value"].astype(float),
            "numerator": float("nan"),
            "denominator": float("nan"),
        }
    )
    return pd.concat([ind, qc], ignore_index=True)


def decide(
    indicators: pd.DataFrame,
    quality: pd.DataFrame | None = None,
    siae: pd.DataFrame | None = None,
    siae_sectors: pd.DataFrame | None = None,
    diffusion: str = PUBLIQUE,
    secondary: bool = True,
) -> Decision:
    """The cells hidden in a run at ``diffusion`` over the whole tables (every territory,
    year, type and breakdown). ``publique`` needs ``siae`` and ``siae_sectors`` (the SIAE
    contributions of the magnitude rules). ``secondary=False`` stops after the primary
    suppression (for the audit's own test only)."""
    check_diffusion(diffusion)
    cells = cell_table(indicators, quality)
    keys = list(cells[INDICATOR_KEYS].itertuples(index=False, name=None))
    hide = person_primary(cells)
    if diffusion == PUBLIQUE:
        if siae is None or siae_sectors is None:
            raise InputError(
                "Statistical secrecy at the `publique` level needs siae.parquet and "
                "siae_sectors.parquet (the contribution of each SIAE) in the processed folder: "
                "re-run `iae-diag indicators` (or `make data`)."
            )
        hide = hide | magnitude_primary(cells, magnitude_contributions(siae, siae_sectors))
    hidden = {k: PRIMARY for k, h in zip(keys, hide.to_numpy(), strict=True) if h}
    if secondary:
        _secondary(hidden, build_groups(keys), cell_sizes(cells))
    return Decision(diffusion, hidden)


def _secondary(hidden: dict[Key, str], groups: list[Group], size: dict[Key, float]) -> None:
    """Hide more cells until no group has a single hidden cell (in place)."""
    by_cell: dict[Key, list[int]] = {}
    for i, g in enumerate(groups):
        for k in g.cells:
            by_cell.setdefault(k, []).append(i)
    todo = sorted({i for k in hidden for i in by_cell.get(k, [])})
    while todo:
        new: list[Key] = []
        for i in todo:
            for k in _fix(groups[i], hidden, size):
                if k not in hidden:
                    hidden[k] = SECONDARY
                    new.append(k)
        todo = sorted({i for k in new for i in by_cell.get(k, [])})


def _fix(g: Group, hidden: dict[Key, str], size: dict[Key, float]) -> list[Key]:
    """The cells to hide so that ``g`` no longer has exactly one hidden cell."""
    h = [k for k in g.cells if k in hidden]
    if not h or len(h) == len(g.cells):
        return []
    if g.kind == "same":
        return [k for k in g.cells if k not in hidden]
    if len(h) != 1:
        return []
    if g.kind == "ratio":
        num, _, ratio = g.members
        return [num] if h[0] == ratio else [ratio]
    others = [k for k in g.members if k not in hidden and size.get(k, 0.0) > 0]
    if others:
        return [min(others, key=lambda k: (size[k], k))]
    return [g.margin] if g.margin is not None and g.margin not in hidden else []
