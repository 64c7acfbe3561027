"""French number formats, used by the narrative, the figures, the tables and the CLI.

Thousands are separated by a no-break space (U+00A0), the decimal mark is a comma, a percent
sign is preceded by a no-break space: ``7 055``, ``7 055,4``, ``42 %``. Missing values print
as ``n.d.`` (non disponible). All functions are deterministic and locale-independent.
"""

from __future__ import annotations

import math

NBSP = "\u00a0"
MISSING = "n.d."


def _is_missing(x: object) -> bool:
    if x is None:
        return True
    try:
        return bool(math.isnan(float(x)))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def fmt_number(x: object, decimals: int = 0) -> str:
    """``7055`` -> ``7 055``; ``7055.44, 1`` -> ``7 055,4``; ``-1234`` -> ``-1 234``."""
    if _is_missing(x):
        return MISSING
    v = round(float(x), decimals)  # type: ignore[arg-type]
    if v == 0:
        v = 0.0  # no "-0"
    s = f"{abs(v):,.{decimals}f}"
    s = s.replace(",", NBSP).replace(".", ",")
    return ("-" if v < 0 else "") + s


def fmt_int(x: object) -> str:
    return fmt_number(x, 0)


def fmt_pct(share: object, decimals: int = 0) -> str:
    """A share in [0, 1] as a French percentage: ``0.42`` -> ``42 %``."""
    if _is_missing(share):
        return MISSING
    return f"{fmt_number(float(share) * 100, decimals)}{NBSP}%"  # type: ignore[arg-type]


def fmt_signed(x: object, decimals: int = 0) -> str:
    """A change with its sign: ``+49``, ``-8``, ``0``."""
    if _is_missing(x):
        return MISSING
    s = fmt_number(x, decimals)
    if s.startswith("-") or not any(c in "123456789" for c in s):
        return s  # negative, or zero once rounded: no sign
    return "+" + s


def fmt_points(delta_share: object, decimals: int = 0) -> str:
    """A change of a share, in percentage points: ``-0.11`` -> ``-11 points``."""
    if _is_missing(delta_share):
        return MISSING
    v = float(delta_share) * 100  # type: ignore[arg-type]
    word = "point" if abs(round(v, decimals)) < 2 else "points"
    return f"{fmt_signed(v, decimals)}{NBSP}{word}"


#: the French names of the months, January first (dates written out: "15 mars 2014")
MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
