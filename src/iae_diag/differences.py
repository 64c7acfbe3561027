"""Every difference the report prints, computed once from unrounded values.

A :class:`Difference` carries the unrounded value and its French text; tables, chart data and
sentences print that text (or the words of :meth:`Difference.phrase`), never a subtraction of
rounded figures, so a sentence cannot say "-1 point" beside a table that says "0 point".

Three kinds:

- ``points``: the change of a share, in percentage points (``0.11`` -> ``+11 points``);
- ``relative``: the relative change of a level (``407 / 358 - 1`` -> ``+14 %``);
- ``count``: the change of a count (``+49``).

A change of a share under one point, or a relative change under one percent, reads
``stable``: it is not commented as a change.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from iae_diag.formatting import MISSING, fmt_int, fmt_pct, fmt_points, fmt_signed

#: a change of a share smaller than this (0.01 = one percentage point) reads "stable"
STABLE_POINTS = 0.01
#: a relative change smaller than this (0.01 = 1 %) reads "stable"
STABLE_RELATIVE = 0.01
#: tolerance of the thresholds: 0.05 - 0.04 is 0.00999... in floating point, and one point
_EPS = 1e-9

STABLE = "stable"


def _num(x: object) -> float | None:
    if x is None:
        return None
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(v) else v


@dataclass(frozen=True)
class Difference:
    """A difference between two values: ``value`` unrounded (None when either value is
    missing, or a relative change from zero), ``text`` as a table cell."""

    kind: str
    value: float | None
    text: str

    @property
    def known(self) -> bool:
        return self.value is not None

    @property
    def stable(self) -> bool:
        """True when the change is under the threshold of its kind (or a zero count)."""
        if self.value is None:
            return False
        if self.kind == "points":
            return abs(self.value) < STABLE_POINTS - _EPS
        if self.kind == "relative":
            return abs(self.value) < STABLE_RELATIVE - _EPS
        return self.value == 0

    @property
    def sign(self) -> int:
        """1 up, -1 down, 0 stable or unknown."""
        if self.value is None or self.stable:
            return 0
        return 1 if self.value > 0 else -1

    @property
    def magnitude(self) -> str:
        """The text without its sign: ``11 points``, ``14 %``, ``49`` (``stable``, ``n.d.``)."""
        return self.text.lstrip("+-")

    def phrase(self, up: str = "en hausse", down: str = "en baisse") -> str:
        """The change in words: ``en hausse de 14 %``, ``en baisse de 11 points``,
        ``stable``; ``non comparable`` when unknown."""
        if self.value is None:
            return "non comparable"
        if self.stable:
            return STABLE
        return f"{up if self.value > 0 else down} de {self.magnitude}"


def points(now: object, before: object) -> Difference:
    """Change of a share (shares in [0, 1]) in percentage points."""
    a, b = _num(now), _num(before)
    if a is None or b is None:
        return Difference("points", None, MISSING)
    d = a - b
    text = STABLE if abs(d) < STABLE_POINTS - _EPS else fmt_points(d)
    return Difference("points", d, text)


def relative(now: object, before: object) -> Difference:
    """Relative change of a level: ``+14 %``; unknown from a missing or zero value."""
    a, b = _num(now), _num(before)
    if a is None or b is None or b == 0:
        return Difference("relative", None, MISSING)
    r = a / b - 1
    if abs(r) < STABLE_RELATIVE - _EPS:
        return Difference("relative", r, STABLE)
    text = fmt_pct(abs(r))
    return Difference("relative", r, ("+" if r > 0 else "-") + text)


def count(now: object, before: object) -> Difference:
    """Change of a count: ``+49``, ``-8``, ``0``."""
    a, b = _num(now), _num(before)
    if a is None or b is None:
        return Difference("count", None, MISSING)
    d = a - b
    return Difference("count", d, fmt_signed(d))


def count_words(n: float, singular: str, plural: str | None = None) -> str:
    """``49 structures``, ``1 structure`` (absolute value, French format)."""
    v = abs(round(n))
    return f"{fmt_int(v)} {singular if v <= 1 else (plural or singular + 's')}"
