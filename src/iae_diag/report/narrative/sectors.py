"""Sentences of the section "Les secteurs d'activité": the leading sectors of the hours worked,
the positioning of each type of SIAE, and the changes over four years."""

from __future__ import annotations

from collections.abc import Mapping

from iae_diag.differences import Difference
from iae_diag.formatting import fmt_pct
from iae_diag.narrative import NO_DATA, join_fr, lower_first

#: the dominant sectors of a type: the leading ones until they hold this share of its hours...
DOMINANT_CUMULATED = 0.45
#: ...each holding at least this share (the first one always counts)...
DOMINANT_MIN = 0.10
#: ...and at most this many
DOMINANT_MAX = 3
#: the changes quoted for a type: the largest ones (a change under one point is stable)
CHANGES_MAX = 2

_COUNT_WORDS = {1: "un secteur", 2: "deux secteurs", 3: "trois secteurs", 4: "quatre secteurs"}


def _ranked(shares: Mapping[str, float | None], excluded: tuple[str, ...]) -> list:
    out = [(k, float(v)) for k, v in shares.items() if k not in excluded and v is not None]
    return sorted([kv for kv in out if kv[1] > 0], key=lambda kv: (-kv[1], kv[0]))


def sectors_paragraph(
    year: int, shares: Mapping[str, float], excluded: tuple[str, ...] = (), hidden: bool = False
) -> str:
    """The leading sectors of the hours worked: ``shares`` maps a sector label to its share of
    the hours (in [0, 1]); labels in ``excluded`` ("Autres", "Non renseigné") are not ranked.
    ``hidden``: a sector's share is under statistical secrecy, so no sector is ranked."""
    if hidden:
        return (
            f"En {year}, la part d'au moins un secteur dans les heures travaillées n'est pas "
            "publiée (secret statistique) : les secteurs ne sont pas classés."
        )
    ranked = _ranked(shares, excluded)
    if not ranked:
        return f"{NO_DATA} : aucune heure travaillée n'est rattachée à un secteur en {year}."
    top = ranked[:4]
    total = sum(v for _, v in top)
    listed = join_fr([f"{lower_first(k)} ({fmt_pct(v)})" for k, v in top])
    if len(top) == 1:
        return (
            f"En {year}, {fmt_pct(total)} des heures travaillées par les salariés en insertion "
            f"relèvent d'un seul secteur identifié : {listed}."
        )
    return (
        f"En {year}, {fmt_pct(total)} des heures travaillées par les salariés en insertion se "
        f"concentrent dans {_COUNT_WORDS[len(top)]} d'activité : {listed}."
    )


def dominant_sectors(
    shares: Mapping[str, float | None], excluded: tuple[str, ...] = ()
) -> list[tuple[str, float]]:
    """The dominant sectors of a type (label, share): the leading ones, each of at least
    :data:`DOMINANT_MIN` (the first always), until they hold :data:`DOMINANT_CUMULATED` of the
    hours, at most :data:`DOMINANT_MAX`."""
    out: list[tuple[str, float]] = []
    for k, v in _ranked(shares, excluded):
        if len(out) == DOMINANT_MAX or sum(s for _, s in out) >= DOMINANT_CUMULATED - 1e-9:
            break
        if out and v < DOMINANT_MIN - 1e-9:
            break
        out.append((k, v))
    return out


def type_positioning_sentence(
    type_label: str, shares: Mapping[str, float | None], excluded: tuple[str, ...] = ()
) -> str | None:
    """``Les EI réalisent 48 % de leurs heures dans deux secteurs : nettoyage hors services
    aux personnes (30 %) et collecte-tri-recyclage (18 %).`` (None without hours). The total is
    the share of the unrounded sum."""
    top = dominant_sectors(shares, excluded)
    if not top:
        return None
    if len(top) == 1:
        k, v = top[0]
        return (
            f"Les {type_label} réalisent {fmt_pct(v)} de leurs heures dans un secteur : "
            f"{lower_first(k)}."
        )
    listed = join_fr([f"{lower_first(k)} ({fmt_pct(v)})" for k, v in top])
    return (
        f"Les {type_label} réalisent {fmt_pct(sum(v for _, v in top))} de leurs heures dans "
        f"{_COUNT_WORDS[len(top)]} : {listed}."
    )


def type_changes_sentence(
    type_label: str,
    changes: list[tuple[str, float | None, Difference]],
    y0: int,
    y1: int,
) -> str:
    """The largest changes of a type's sector shares between ``y0`` and ``y1``: ``changes`` =
    (sector label, share in ``y1``, its :class:`Difference` in points), ranked sectors only.
    ``AI : services aux personnes -11 points (33 % des heures en 2013), bâtiment-travaux
    publics +6 points (10 %).``; ``ACI : répartition stable ...`` when every change is under
    one point."""
    moving = sorted(
        (c for c in changes if c[2].known and not c[2].stable),
        key=lambda c: (-abs(c[2].value or 0.0), c[0]),
    )[:CHANGES_MAX]
    if not moving:
        return (
            f"{type_label} : répartition des heures par secteur stable entre {y0} et {y1} "
            "(aucun secteur ne varie d'un point ou plus)."
        )
    parts = []
    for i, (label, now, d) in enumerate(moving):
        share = (
            ""
            if now is None
            else f" ({fmt_pct(now)} des heures en {y1})"
            if i == 0
            else f" ({fmt_pct(now)})"
        )
        parts.append(f"{lower_first(label)} {d.text}{share}")
    return f"{type_label} : {join_fr(parts)}."
