"""Statistical secrecy: the one decision of what a run publishes
(``../shared/docs/definitions.md``, "Statistical secrecy").

:func:`decide` takes the whole indicator table (with the data-quality table and the SIAE
contributions) and a diffusion level, and returns a :class:`Decision`: the hidden cells, each
``primary`` (:mod:`.rules`) or ``secondary`` (:mod:`.groups`, :mod:`.decide`).
:func:`published` gives the indicator table as a run may show it (hidden values null and a
``secret`` column). :mod:`.audit` tries to recover hidden cells from what a run wrote.
"""

from __future__ import annotations

import pandas as pd

from iae_diag.vocabulary import INDICATOR_KEYS

from .decide import PRIMARY, SECONDARY, Decision, check_diffusion, decide
from .rules import DIFFUSION_LEVELS, DOMINANCE, INTERNE, MIN_PERSONS, MIN_SIAE, PUBLIQUE


def published(indicators: pd.DataFrame, decision: Decision) -> pd.DataFrame:
    """The indicator rows with ``value``, ``numerator`` and ``denominator`` null where the
    decision hides the cell, and a boolean ``secret`` column."""
    out = indicators.copy()
    keys = out[INDICATOR_KEYS].assign(breakdown=out["breakdown"].fillna("").astype(str))
    mask = [
        (i, lv, str(c), int(y), t, b) in decision.hidden
        for i, lv, c, y, t, b in keys.itertuples(index=False, name=None)
    ]
    out["secret"] = pd.Series(mask, index=out.index, dtype=bool)
    for c in ("value", "numerator", "denominator"):
        out.loc[out["secret"], c] = float("nan")
    return out


__all__ = [
    "DIFFUSION_LEVELS",
    "DOMINANCE",
    "INTERNE",
    "MIN_PERSONS",
    "MIN_SIAE",
    "PRIMARY",
    "PUBLIQUE",
    "SECONDARY",
    "Decision",
    "check_diffusion",
    "decide",
    "published",
]
