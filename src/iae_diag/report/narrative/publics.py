"""Sentences of the section "Les publics": the publics of the year, their change over the
years of the data, and the comparison with the region (or between départements)."""

from __future__ import annotations

from collections.abc import Mapping

from iae_diag.differences import Difference
from iae_diag.formatting import fmt_pct
from iae_diag.narrative import NO_DATA, SECRET_SENTENCE, _num
from iae_diag.narrative import _hidden as hidden  # the key figures' secret paths
from iae_diag.vocabulary import SECRET_MIN_PERSONS, TYPES


def _extreme(by_type: Mapping[str, Mapping], key: str, present: list[str], high: bool):
    vals = [(t, _num(by_type.get(t, {}).get(key))) for t in present]
    vals = [(t, v) for t, v in vals if v is not None]
    if not vals:
        return None
    return sorted(vals, key=lambda tv: ((-tv[1] if high else tv[1]), TYPES.index(tv[0])))[0]


def publics_paragraph(kf: Mapping) -> str:
    """Job seekers of 24 months and more, RSA (highest type), women (highest and lowest type),
    QPV residents, from the key figures of the year."""
    year = kf["year"]
    p = kf["publics"]
    by_type = kf.get("publics_by_type", {})
    present = [t for t in TYPES if kf["salaries"]["by_type"].get(t)]
    if hidden(kf, "salaries.by_type"):
        present = []  # a hidden type: no sentence ranks the types
    if hidden(kf, "salaries.total"):
        return f"En {year}, les parts des publics {SECRET_SENTENCE}"
    if not (kf["salaries"]["total"] or 0):  # None or 0
        return f"{NO_DATA} : aucun salarié en insertion n'est recensé en {year}."
    parts = []
    v = _num(p.get("job_seeker_24m_plus"))
    if v is not None:
        parts.append(
            f"En {year}, {fmt_pct(v)} des salariés en insertion étaient demandeurs d'emploi "
            "de très longue durée (inscrits depuis 24 mois ou plus) avant leur embauche par une "
            "SIAE."
        )
    v = _num(p.get("rsa"))
    if v is not None:
        s = f"Les bénéficiaires du RSA représentent {fmt_pct(v)} des effectifs d'insertion"
        ranked = len(present) > 1 and not hidden(kf, *(f"publics_by_type.{t}.rsa" for t in TYPES))
        hi = _extreme(by_type, "rsa", present, True) if ranked else None
        s += f" ({fmt_pct(hi[1])} dans les {hi[0]})." if hi else "."
        parts.append(s)
    v = _num(p.get("women"))
    if v is not None:
        s = f"La part des femmes s'établit à {fmt_pct(v)}"
        ranked = len(present) > 1 and not hidden(
            kf, *(f"publics_by_type.{t}.women" for t in TYPES)
        )
        hi = _extreme(by_type, "women", present, True) if ranked else None
        lo = _extreme(by_type, "women", present, False) if ranked else None
        if hi and lo and hi[0] != lo[0]:
            s += (
                f" ; elle atteint {fmt_pct(hi[1])} dans les {hi[0]} et "
                f"{fmt_pct(lo[1])} dans les {lo[0]}."
            )
        else:
            s += "."
        parts.append(s)
    v = _num(p.get("qpv"))
    if v is not None:
        parts.append(
            "Les personnes résidant dans un quartier prioritaire de la politique de la ville "
            f"(QPV) représentent {fmt_pct(v)} des salariés en insertion dont l'adresse est "
            "connue."
        )
    if not parts and (_num(kf["salaries"]["total"]) or 0) < SECRET_MIN_PERSONS:
        return f"En {year}, les parts des publics {SECRET_SENTENCE}"
    if not parts:
        return f"{NO_DATA} : les caractéristiques des salariés ne sont pas renseignées en {year}."
    return " ".join(parts)


#: a gap between a territory's share and the region's of at least this is commented
PUBLIC_GAP_MIN = 0.05
#: a département report comments its gaps to the region of at least this many points
DEP_GAP_MIN = 0.03
#: at most this many publics are named in a sentence
PUBLICS_MAX = 4
#: a trend is "constant" when the share moved the same way every year for this many years
CONSTANT_YEARS = 3
#: the publics of a group whose label is not a group of persons
_OF_PERSONS = {
    "low_qualification": "des salariés de niveau inférieur au baccalauréat",
    "education_non_certifiante": "des salariés en formation non certifiante",
    "education_infra_cap": "des salariés de niveau infra CAP",
    "education_cap_bep": "des salariés de niveau CAP-BEP",
    "qpv": "des résidents d'un quartier prioritaire",
    "qpv_all": "des résidents d'un quartier prioritaire (parmi tous les salariés)",
}
#: publics never ranked (``qpv_all`` repeats ``qpv`` over another denominator)
UNRANKED_PUBLICS = ("qpv_all",)


def of_public(key: str, label: str) -> str:
    """``des femmes``, ``des bénéficiaires du RSA``, ``des salariés de niveau infra CAP``."""
    if key in _OF_PERSONS:
        return _OF_PERSONS[key]
    return "des " + (label[0].lower() + label[1:] if label[1:2].islower() else label)


def constant_since(years: list[int], values: list[float | None]) -> tuple[int, int] | None:
    """(first year, direction) of the run of yearly moves in one direction ending at the last
    year (unrounded values), when it lasts :data:`CONSTANT_YEARS` years or more; else None."""
    if len(years) < 2 or any(v is None for v in values):
        return None
    steps = [(b or 0.0) - (a or 0.0) for a, b in zip(values, values[1:], strict=False)]
    direction = 1 if steps[-1] > 0 else -1 if steps[-1] < 0 else 0
    if direction == 0:
        return None
    n = 0
    for s in reversed(steps):
        if s * direction <= 0:
            break
        n += 1
    if n < CONSTANT_YEARS:
        return None
    return years[len(years) - 1 - n], direction


def publics_trend_sentences(
    years: list[int],
    rows: list[tuple[str, str, list[float | None], Difference]],
) -> list[str]:
    """The publics whose share moved by a point or more between the first and last year:
    ``rows`` = (key, French label, share of each year, the :class:`Difference` of the table),
    in the order of the table. The largest move first, with its constant trend if any:
    ``En baisse constante depuis 2007, la part des femmes s'établit à 42 % en 2013 (-6 points
    depuis 2007).``; then up to three others; then the stable ones."""
    if len(years) < 2:
        return []
    y0, y1 = years[0], years[-1]
    rows = [r for r in rows if r[0] not in UNRANKED_PUBLICS]
    moving = sorted(
        (r for r in rows if r[3].known and not r[3].stable),
        key=lambda r: -abs(r[3].value or 0.0),
    )
    stable = [r for r in rows if r[3].known and r[3].stable]
    out = []
    if moving:
        key, label, vals, d = moving[0]
        run = constant_since(years, vals)
        words = "En hausse" if d.value and d.value > 0 else "En baisse"
        lead = f"{words} constante depuis {run[0]}, la" if run else "La"
        out.append(
            f"{lead} part {of_public(key, label)} s'établit à {fmt_pct(vals[-1])} en {y1} "
            f"({d.text} depuis {y0})."
        )
        others = []
        for i, (key, label, vals, d) in enumerate(moving[1:PUBLICS_MAX]):
            verb = "progresse" if d.value and d.value > 0 else "recule"
            others.append(
                f"{'la part' if i == 0 else 'celle'} {of_public(key, label)} {verb} de "
                f"{d.magnitude} ({fmt_pct(vals[-1])})"
            )
        if others:
            s = ", ".join(others[:-1]) + (" et " if len(others) > 1 else "") + others[-1]
            out.append(f"Sur la même période, {s}.")
    if stable and moving:
        out.append(f"Les parts des autres publics varient de moins d'un point entre {y0} et {y1}.")
    elif stable:
        out.append(f"Les parts des publics varient de moins d'un point entre {y0} et {y1}.")
    return out


def departement_extremes_sentences(
    rows: list[tuple[str, str, float | None, dict[str, float | None]]],
    names: dict[str, str],
) -> list[str]:
    """Region report: for each public (``rows`` = key, label, region share, share by
    département code), the département farthest from the region, named when the gap is at
    least :data:`PUBLIC_GAP_MIN`, the largest gaps first (at most :data:`PUBLICS_MAX`).
    ``names``: département code -> its name with its article (``la Seine-Saint-Denis``).
    ``La Seine-Saint-Denis compte la plus forte part des résidents d'un quartier prioritaire :
    63 % de ses salariés en insertion, contre 37 % dans la région.``"""
    found = []
    for key, label, reg, by_dep in rows:
        if key in UNRANKED_PUBLICS or reg is None:
            continue
        gaps = [(d, v - reg) for d, v in by_dep.items() if v is not None]
        if not gaps:
            continue
        d, gap = max(gaps, key=lambda dg: (abs(dg[1]), dg[0]))
        if abs(gap) >= PUBLIC_GAP_MIN - 1e-9:
            found.append((abs(gap), key, label, d, by_dep[d], reg, gap))
    found.sort(key=lambda f: (-f[0], f[1]))
    out = []
    for _, key, label, d, v, reg, gap in found[:PUBLICS_MAX]:
        most = "la plus forte" if gap > 0 else "la plus faible"
        who = names.get(d, d)
        out.append(
            f"{who[:1].upper()}{who[1:]} compte {most} part {of_public(key, label)} : "
            f"{fmt_pct(v)} de ses salariés en insertion, contre {fmt_pct(reg)} dans la région."
        )
    if not out and rows:
        out.append(
            "Les publics varient peu d'un département à l'autre : aucune part ne s'écarte de "
            f"{fmt_pct(PUBLIC_GAP_MIN)[:-2]} points ou plus de celle de la région."
        )
    return out


def against_region_sentence(
    of_who: str, rows: list[tuple[str, str, float | None, float | None, Difference]]
) -> str | None:
    """Département report: the publics whose share differs from the region's by
    :data:`DEP_GAP_MIN` or more (``rows`` = key, label, département share, region share, the
    gap of the table), the largest first. ``of_who``: ``de la Seine-Saint-Denis``."""
    gaps = sorted(
        (
            r
            for r in rows
            if r[0] not in UNRANKED_PUBLICS
            and r[4].known
            and abs(r[4].value or 0.0) >= DEP_GAP_MIN - 1e-9
        ),
        key=lambda r: (-abs(r[4].value or 0.0), r[0]),
    )[:PUBLICS_MAX]
    if not rows:
        return None
    if not gaps:
        return (
            f"Les publics {of_who} sont proches de ceux de la "
            f"région : aucune part ne s'en écarte de {fmt_pct(DEP_GAP_MIN)[:-2]} points ou plus."
        )
    listed = [
        f"{'la part' if i == 0 else 'celle'} {of_public(k, lab)} ({fmt_pct(a)} contre "
        f"{fmt_pct(b)}, {d.text})"
        for i, (k, lab, a, b, d) in enumerate(gaps)
    ]
    s = ", ".join(listed[:-1]) + (" et " if len(listed) > 1 else "") + listed[-1]
    return f"Par rapport à la région, les écarts les plus marqués portent sur {s}."
