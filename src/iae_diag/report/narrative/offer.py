"""Sentences of the section "L'offre d'insertion": the type mix (salariés and ETP by type),
ETP conventionnés against réalisés (the taux de réalisation outside [85 %, 105 %] named), the
change in the number of SIAE by type (creations, closures, net)."""

from __future__ import annotations

from collections.abc import Mapping

from iae_diag import differences
from iae_diag.formatting import fmt_int, fmt_pct, fmt_signed
from iae_diag.narrative import NO_DATA, SECRET_SENTENCE, _num, join_fr
from iae_diag.narrative import _hidden as hidden  # the key figures' secret paths
from iae_diag.narrative import _shares as type_shares
from iae_diag.vocabulary import TYPES

#: a taux de réalisation outside [REALISATION_LOW, REALISATION_HIGH] is commented (orientation
#: 4.1.1: the ETP of an annex far from its convention are a matter for the dialogue de gestion)
REALISATION_LOW = 0.85
REALISATION_HIGH = 1.05


def offer_contrast_paragraph(kf: Mapping) -> str:
    """Shares of salariés and of ETP by type: the type employing most people, and how its
    weight changes when counted in ETP (the published diagnostic's AI contrast)."""
    if hidden(kf, "salaries.by_type", "etp.by_type"):
        what = (
            "des effectifs et des ETP"
            if hidden(kf, "salaries.by_type") and hidden(kf, "etp.by_type")
            else "des effectifs"
            if hidden(kf, "salaries.by_type")
            else "des ETP"
        )
        return (
            f"En {kf['year']}, une partie {what} par type de SIAE n'est pas publiée (secret "
            "statistique) : la répartition par type n'est pas commentée."
        )
    sal = type_shares(kf["salaries"]["by_type"], persons=True)
    etp = type_shares(kf["etp"]["by_type"])
    present = [t for t in TYPES if sal[t]]
    if not present and (_num(kf["salaries"]["total"]) or 0):
        return f"En {kf['year']}, les parts des salariés par type de SIAE {SECRET_SENTENCE}"
    if not present:
        return f"{NO_DATA} : aucun salarié en insertion n'est recensé en {kf['year']}."
    top = max(present, key=lambda t: (sal[t], -TYPES.index(t)))
    s = f"Les {top} ont salarié {fmt_pct(sal[top])} des personnes en insertion"
    if etp[top] is not None and round(etp[top] * 100) < round(sal[top] * 100):
        s += f" ; leur poids se réduit quand il est calculé en nombre d'ETP ({fmt_pct(etp[top])})."
    elif etp[top] is not None and round(etp[top] * 100) > round(sal[top] * 100):
        s += f" et génèrent {fmt_pct(etp[top])} des ETP."
    else:
        s += f", pour une part identique des ETP ({fmt_pct(etp[top])})."
    others = [
        f"les {t} ({fmt_pct(sal[t])} des salariés pour {fmt_pct(etp[t])} des ETP)"
        for t in present
        if t != top
    ]
    if others:
        s += f" Pour les autres types : {join_fr(others)}."
    return s


def realisation_sentence(kf: Mapping) -> str:
    """ETP conventionnés, réalisés and taux de réalisation of the year."""
    if hidden(kf, "etp.total", "etp_conventionnes.total"):
        return (
            f"En {kf['year']}, les ETP réalisés et conventionnés de ce territoire ne sont pas "
            "publiés (secret statistique)."
        )
    conv = _num(kf["etp_conventionnes"]["total"]) or 0.0
    real = _num(kf["etp"]["total"]) or 0.0
    if conv == 0:
        return (
            f"Aucun ETP conventionné n'est recensé en {kf['year']} : le taux de réalisation "
            "ne peut pas être calculé."
        )
    return (
        f"En {kf['year']}, {fmt_int(real)} ETP ont été réalisés pour {fmt_int(conv)} ETP "
        f"conventionnés, soit un taux de réalisation de {fmt_pct(real / conv)}."
    )


def structures_evolution_sentence(
    first_year: int,
    last_year: int,
    first_count: float,
    last_count: float,
    created: float | None,
    closed: float | None,
) -> str:
    """``Entre 2007 et 2013, le nombre de SIAE a progressé de 14 % (193 créations contre
    144 fermetures, soit +49 structures).`` Created/closed are summed over the years after
    the first one; None when not known."""
    if first_year >= last_year:
        return (
            f"Les données ne couvrent que l'année {last_year} : l'évolution du nombre de SIAE "
            "ne peut pas être mesurée."
        )
    net = last_count - first_count
    if net > 0:
        verb = "a progressé"
    elif net < 0:
        verb = "a diminué"
    else:
        verb = "est resté stable"
    s = f"Entre {first_year} et {last_year}, le nombre de SIAE {verb}"
    rel = differences.relative(last_count, first_count)
    if net != 0 and rel.known and not rel.stable:
        s += f" de {rel.magnitude}"
    detail = f"soit {fmt_signed(net)} structure{'s' if abs(net) > 1 else ''}"
    if created is not None and closed is not None:
        s += (
            f" ({fmt_int(created)} création{'s' if created > 1 else ''} contre "
            f"{fmt_int(closed)} fermeture{'s' if closed > 1 else ''}, {detail})."
        )
    else:
        s += f" ({detail})."
    return s


def structure_mix_sentence(year: int, by_type: Mapping[str, float | None]) -> str | None:
    """The share of each type in the number of SIAE, from the largest: ``En 2013, les EI
    représentent 38 % des SIAE, les ACI 37 %, les AI 19 % et les ETTI 6 %.`` (None without
    SIAE). Structures are legal entities: never under statistical secrecy."""
    n = {t: float(by_type.get(t) or 0) for t in TYPES}
    total = sum(n.values())
    present = sorted((t for t in TYPES if n[t]), key=lambda t: (-n[t], TYPES.index(t)))
    if not total or len(present) < 2:
        return None
    first, *rest = present
    listed = join_fr([f"les {t} {fmt_pct(n[t] / total)}" for t in rest])
    return f"En {year}, les {first} représentent {fmt_pct(n[first] / total)} des SIAE, {listed}."


def type_evolution_sentences(
    y0: int, y1: int, counts: Mapping[str, tuple[float, float]]
) -> list[str]:
    """The change of the number of SIAE of each type between ``y0`` and ``y1`` (``counts``:
    type -> (number in y0, number in y1), types present in one of the years): the strongest
    relative growth with its two counts, the other growing types, the types that declined.

    ``L'augmentation a été la plus forte pour les ETTI, dont le nombre est passé de 15 à 23
    (+53 %).``
    ``Le nombre des ACI a progressé de 33 % (+38 structures) et celui des EI a progressé de
    8 % (+11).``
    ``Les AI sont les seules SIAE dont le nombre a diminué (-8 structures).``"""
    if y0 >= y1:
        return []
    diffs = {
        t: (a, b, differences.relative(b, a), differences.count(b, a))
        for t, (a, b) in counts.items()
    }
    up = sorted(
        (t for t, d in diffs.items() if d[3].value and d[3].value > 0 and d[2].known),
        key=lambda t: (-(diffs[t][2].value or 0.0), TYPES.index(t)),
    )
    down = [t for t in TYPES if t in diffs and diffs[t][3].value and diffs[t][3].value < 0]
    new = [t for t, d in diffs.items() if d[0] == 0 and d[1] > 0]
    out = []
    if up:
        t = up[0]
        a, b, rel, _ = diffs[t]
        out.append(
            f"L'augmentation a été la plus forte pour les {t}, dont le nombre est passé de "
            f"{fmt_int(a)} à {fmt_int(b)} ({rel.text})."
        )
        others = []
        for i, t in enumerate(up[1:]):
            _, _, rel, cnt = diffs[t]
            unit = " structures" if abs(cnt.value or 0) > 1 else " structure"
            what = f"{'le nombre' if i == 0 else 'celui'} des {t}"
            others.append(
                f"{what} a progressé de {rel.magnitude} ({cnt.text}{unit if i == 0 else ''})"
                if not rel.stable
                else f"{what} est stable ({cnt.text}{unit if i == 0 else ''})"
            )
        if others:
            out.append(
                _cap(", ".join(others[:-1]) + (" et " if len(others) > 1 else "") + others[-1])
                + "."
            )
    for t in new:
        out.append(f"Les {t} apparaissent : {fmt_int(diffs[t][1])} en {y1}, aucune en {y0}.")
    if len(down) == 1:
        t = down[0]
        cnt = diffs[t][3]
        only = " seules SIAE" if up else " SIAE"
        out.append(
            f"Les {t} sont les{only} dont le nombre a diminué ({cnt.text} "
            f"structure{'s' if abs(cnt.value or 0) > 1 else ''})."
        )
    elif down:
        listed = join_fr([f"des {t} ({diffs[t][3].text})" for t in down])
        out.append(f"Le nombre {listed} a diminué.")
    return out


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def realisation_outliers_sentence(year: int, outliers: list[tuple[str, float]]) -> str:
    """The taux de réalisation outside [85 %, 105 %]: ``outliers`` = (who, taux) in the order
    of the tables (``les ETTI``, ``les ETTI de la Seine-et-Marne``)."""
    lo, hi = fmt_pct(REALISATION_LOW), fmt_pct(REALISATION_HIGH)
    if not outliers:
        return (
            f"En {year}, tous les taux de réalisation publiés sont compris entre {lo} et {hi} : "
            "les ETP réalisés sont proches des ETP conventionnés."
        )
    over = [(w, v) for w, v in outliers if v > REALISATION_HIGH]
    under = [(w, v) for w, v in outliers if v < REALISATION_LOW]
    parts = []
    if over:
        parts.append(
            f"au-dessus de {hi} pour {join_fr([f'{w} ({fmt_pct(v)})' for w, v in over])}, qui "
            "ont réalisé plus d'ETP que leur convention n'en prévoyait"
        )
    if under:
        parts.append(
            f"en dessous de {lo} pour {join_fr([f'{w} ({fmt_pct(v)})' for w, v in under])}, "
            "dont une part des postes conventionnés n'a pas été pourvue"
        )
    return f"En {year}, le taux de réalisation est {' ; il est '.join(parts)}."
