""" "À retenir": the 5 to 7 messages of the first page, chosen from the figures by how much they
matter.

Every candidate message is one French sentence with its number and a score; the scores put
different families on one scale, "how many points would a reader weigh this":

- a relative change counts its percentage (a 14 % growth: 14), halved over the whole period;
- a change or a gap of shares counts 1.5 per point (women -6 points: 9);
- the dominant sector counts a third of its share (25 %: 8.3);
- a taux de réalisation outside [85 %, 105 %] counts 10 plus its distance in points;
- the type employing most salariés against its share of the ETP counts 0.3 per point of gap;
- a thinly covered territory counts a fixed 6, exits a fixed 10; the share of long-term job
  seekers counts 1 (it fills the page when the data give few changes, a single year).

The first message (the level of the year: structures, salariés, ETP) always comes first and
names the year; then the best scores, at most :data:`PER_FAMILY` per family, at least
:data:`MIN_MESSAGES` and at most :data:`MAX_MESSAGES` in all. Messages are built from
published values only (the context's ``value``, None under statistical secrecy).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

#: the number of messages kept
MIN_MESSAGES = 5
MAX_MESSAGES = 7
#: at most this many messages of one family
PER_FAMILY = 2
#: a candidate scoring under this is kept only to reach MIN_MESSAGES
MIN_SCORE = 3.0

#: weights of the families (see the module docstring)
WEIGHT_RELATIVE = 1.0
WEIGHT_PERIOD = 0.5
WEIGHT_POINTS = 1.5
WEIGHT_SECTOR_SHARE = 1 / 3
WEIGHT_SECTOR_POINTS = 0.5
#: the type employing most salariés against its share of the ETP: 0.3 per point of gap, from
#: CONTRAST_MIN
WEIGHT_CONTRAST = 0.3
CONTRAST_MIN = 0.05
#: a level that matters little but fills the page when the data give few changes (one year)
LEVEL_FILL_SCORE = 1.0
REALISATION_BASE = 10.0
THIN_OFFER_SCORE = 6.0
EXITS_SCORE = 10.0


@dataclass(frozen=True)
class Message:
    """One candidate: ``family`` (``level``, ``change``, ``types``, ``mix``, ``publics``,
    ``territories``, ``sectors``, ``realisation``, ``coverage``, ``exits``), ``score`` (higher
    matters more; ``math.inf`` for the level), ``text`` (one sentence with its number)."""

    family: str
    score: float
    text: str


def select(candidates: list[Message]) -> list[Message]:
    """The messages of "À retenir", in order: the ``level`` message first, then by score
    (ties: family, then text, so the same figures give the same page), at most
    :data:`PER_FAMILY` of a family, :data:`MIN_MESSAGES` to :data:`MAX_MESSAGES` in all
    (fewer only when there are fewer candidates)."""
    ranked = sorted(candidates, key=lambda m: (-m.score, m.family, m.text))
    out: list[Message] = []
    per: dict[str, int] = {}

    def take(m: Message) -> None:
        out.append(m)
        per[m.family] = per.get(m.family, 0) + 1

    for m in ranked:  # the level first (its score is infinite), then the strong ones
        if len(out) < MAX_MESSAGES and per.get(m.family, 0) < PER_FAMILY:
            if m.score >= MIN_SCORE or m.score == math.inf:
                take(m)
    for cap in (PER_FAMILY, MAX_MESSAGES):  # too few: weaker ones, then any family
        for m in ranked:
            if len(out) >= MIN_MESSAGES:
                break
            if m not in out and per.get(m.family, 0) < cap:
                take(m)
    return out
