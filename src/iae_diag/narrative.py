"""French sentences written from the figures, in the style of the published diagnostic.

Every function is deterministic and takes plain values or a key-figures dictionary
(schema ``iae-diag/key-figures/1``, see ``docs/architecture.md``); none reads data. Numbers go
through :mod:`iae_diag.formatting` (``7 055``, ``42 %``, ``+14 %``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from iae_diag.figures import publishable
from iae_diag.formatting import NBSP, fmt_int, fmt_pct, fmt_points, fmt_signed
from iae_diag.territories import Territory
from iae_diag.vocabulary import SECRET_MIN_PERSONS, TYPES

NO_DATA = "Données non disponibles"
SECRET_SENTENCE = (
    "ne sont pas publiées : elles seraient calculées sur moins de "
    f"{SECRET_MIN_PERSONS} salariés (secret statistique)."
)

#: region code -> feminine plural adjective ("les SIAE franciliennes")
REGION_ADJECTIVES = {"11": "franciliennes"}


def _num(x: object) -> float | None:
    if x is None:
        return None
    v = float(x)  # type: ignore[arg-type]
    return None if math.isnan(v) else v


def join_fr(items: list[str]) -> str:
    """``["a", "b", "c"]`` -> ``"a, b et c"``."""
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " et " + items[-1]


def approx_count(n: float) -> str:
    """A head count as the published text writes it: exact below 1 000; above, rounded down to
    two significant digits and preceded by "plus de" when that drops something
    (``28 345`` -> ``plus de 28 000``, ``7 000`` -> ``7 000``, ``987`` -> ``987``)."""
    v = int(round(n))
    if v < 1000:
        return fmt_int(v)
    step = 10 ** (len(str(v)) - 2)
    floor = (v // step) * step
    return fmt_int(v) if floor == v else f"plus de {fmt_int(floor)}"


def subject(territory: Territory, tncc: int | None = None) -> str:  # noqa: ARG001
    """Grammatical subject for the SIAE of the territory: ``les SIAE franciliennes``,
    ``les SIAE de la région Bretagne``, ``les SIAE de la Seine-Saint-Denis (93)``, ``les SIAE
    de Paris (75)`` (the article from the INSEE type of name of the territory referential,
    :meth:`Territory.of_name`; ``tncc`` is ignored, kept for callers)."""
    if territory.level == "region":
        adj = REGION_ADJECTIVES.get(territory.code)
        return f"les SIAE {adj}" if adj else f"les SIAE de la région {territory.name}"
    if territory.level == "dep":
        return f"les SIAE {territory.of_name()} ({territory.code})"
    return "les SIAE de France"


def territory_noun(territory: Territory, tncc: int | None = None) -> str:  # noqa: ARG001
    """``La région Île-de-France``, ``La Seine-Saint-Denis (93)``, ``Paris (75)``, ``Les
    Yvelines (78)`` (:meth:`Territory.the_name`), ``La France``."""
    if territory.level == "region":
        return f"La région {territory.name}"
    if territory.level == "dep":
        named = territory.the_name()
        return f"{named[:1].upper()}{named[1:]} ({territory.code})"
    return "La France"


def change_phrase(current: float | None, previous: float | None) -> str:
    """Relative change in words: ``en hausse de 3 %``, ``en baisse de 12 %``, ``stable``;
    ``non comparable`` when the previous value is missing or zero."""
    c, p = _num(current), _num(previous)
    if c is None or p is None or p == 0:
        return "non comparable"
    rel = c / p - 1
    if round(rel * 100) == 0:
        return "stable"
    word = "hausse" if rel > 0 else "baisse"
    return f"en {word} de {fmt_pct(abs(rel))}"


def _hidden(kf: Mapping, *prefixes: str) -> bool:
    """True when the key figures hide a value under one of the paths ``prefixes`` (statistical
    secrecy: the ``secret`` list of the document)."""
    return any(p == x or p.startswith(x + ".") for p in kf.get("secret", []) for x in prefixes)


SECRET_WORDS = "non publié (secret statistique)"


def _shares(by_type: Mapping[str, float], persons: bool = False) -> dict[str, float | None]:
    """Share of each type in the sum over the types; ``persons``: a share of salariés, None
    under statistical secrecy (figures.publishable)."""
    tot = sum(float(by_type.get(t, 0) or 0) for t in TYPES)
    shares = {t: (float(by_type.get(t, 0) or 0) / tot if tot else None) for t in TYPES}
    return {t: publishable(v, tot) for t, v in shares.items()} if persons else shares


def key_figures_paragraph(
    kf: Mapping, territory: Territory, previous: Mapping | None = None, tncc: int | None = None
) -> str:
    """Opening paragraph: salariés, ETP, structures (by type), and change from the previous
    year when ``previous`` (the key figures of year - 1) is given."""
    year = kf["year"]
    sal = _num(kf["salaries"]["total"]) or 0.0
    if _hidden(kf, "salaries.total"):
        n = int(kf["structures"]["total"] or 0)
        return (
            f"En {year}, {lower_first(territory_noun(territory, tncc))} comptait {fmt_int(n)} "
            f"structure{'s' if n > 1 else ''} d'insertion par l'activité économique ; le "
            f"nombre de leurs salariés n'est pas publié (secret statistique)."
        )
    if sal == 0:
        return f"En {year}, aucun salarié en insertion n'est recensé pour ce territoire."
    etp = _num(kf["etp"]["total"]) or 0.0
    etp_words = (
        "des équivalents temps plein d'insertion (ETP) dont le nombre n'est pas publié "
        "(secret statistique). "
        if _hidden(kf, "etp.total")
        else f"{fmt_int(etp)} équivalents temps plein d'insertion (ETP). "
    )
    structures = int(kf["structures"]["total"] or 0)
    by_type = {t: int(kf["structures"]["by_type"].get(t) or 0) for t in TYPES}
    present = sorted(
        (t for t in TYPES if by_type.get(t, 0)), key=lambda t: (-by_type[t], TYPES.index(t))
    )
    detail = ", ".join(f"{t}{NBSP}: {fmt_int(by_type[t])}" for t in present)
    s = (
        f"En {year}, {subject(territory, tncc)} ont salarié {approx_count(sal)} personnes, "
        f"correspondant à {etp_words}"
        f"{territory_noun(territory, tncc)} comptait {fmt_int(structures)} "
        f"structure{'s' if structures > 1 else ''} d'insertion par l'activité économique"
        + (f" ({detail})." if detail else ".")
    )
    if len(present) >= 3:
        top2 = present[:2]
        share = (by_type[top2[0]] + by_type[top2[1]]) / structures
        s += (
            f" Les {top2[0]} et les {top2[1]} sont les SIAE les plus répandues : elles "
            f"représentent {fmt_pct(share)} de l'offre."
        )
    if previous is not None:
        ps = _num(previous["salaries"]["total"])
        pe = _num(previous["etp"]["total"])
        pn = _num(previous["structures"]["total"])
        etp_change = (
            SECRET_WORDS
            if _hidden(kf, "etp.total") or _hidden(previous, "etp.total")
            else change_phrase(etp, pe)
        )
        sal_change = SECRET_WORDS if _hidden(previous, "salaries.total") else None
        s += (
            f" Par rapport à {previous['year']}, le nombre de salariés est "
            f"{sal_change or change_phrase(sal, ps)}, celui des ETP {etp_change} et celui des "
            f"structures {change_phrase(structures, pn)}."
        )
    return s


def offer_contrast_paragraph(kf: Mapping) -> str:
    """Shares of salariés and of ETP by type: the type employing most people, and how its
    weight changes when counted in ETP (the published diagnostic's AI contrast)."""
    if _hidden(kf, "salaries.by_type", "etp.by_type"):
        what = (
            "des effectifs et des ETP"
            if _hidden(kf, "salaries.by_type") and _hidden(kf, "etp.by_type")
            else "des effectifs"
            if _hidden(kf, "salaries.by_type")
            else "des ETP"
        )
        return (
            f"En {kf['year']}, une partie {what} par type de SIAE n'est pas publiée (secret "
            "statistique) : la répartition par type n'est pas commentée."
        )
    sal = _shares(kf["salaries"]["by_type"], persons=True)
    etp = _shares(kf["etp"]["by_type"])
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
    if _hidden(kf, "etp.total", "etp_conventionnes.total"):
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
    if net != 0 and first_count:
        pct = round(100 * net / first_count)
        s += f" de {fmt_int(abs(pct))}{NBSP}%"
    detail = f"soit {fmt_signed(net)} structure{'s' if abs(net) > 1 else ''}"
    if created is not None and closed is not None:
        s += (
            f" ({fmt_int(created)} création{'s' if created > 1 else ''} contre "
            f"{fmt_int(closed)} fermeture{'s' if closed > 1 else ''}, {detail})."
        )
    else:
        s += f" ({detail})."
    return s


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
    if _hidden(kf, "salaries.by_type"):
        present = []  # a hidden type: no sentence ranks the types
    if _hidden(kf, "salaries.total"):
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
        ranked = len(present) > 1 and not _hidden(kf, *(f"publics_by_type.{t}.rsa" for t in TYPES))
        hi = _extreme(by_type, "rsa", present, True) if ranked else None
        s += f" ({fmt_pct(hi[1])} dans les {hi[0]})." if hi else "."
        parts.append(s)
    v = _num(p.get("women"))
    if v is not None:
        s = f"La part des femmes s'établit à {fmt_pct(v)}"
        ranked = len(present) > 1 and not _hidden(
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


def lower_first(label: str) -> str:
    if len(label) > 1 and label[1].islower():
        return label[0].lower() + label[1:]
    return label


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
    ranked = sorted(
        ((k, v) for k, v in shares.items() if k not in excluded and _num(v) is not None),
        key=lambda kv: (-kv[1], kv[0]),
    )
    ranked = [kv for kv in ranked if kv[1] > 0]
    if not ranked:
        return f"{NO_DATA} : aucune heure travaillée n'est rattachée à un secteur en {year}."
    top = ranked[:4]
    total = sum(v for _, v in top)
    n = {1: "le premier secteur", 2: "deux secteurs", 3: "trois secteurs", 4: "quatre secteurs"}
    listed = join_fr([f"{lower_first(k)} ({fmt_pct(v)})" for k, v in top])
    if len(top) == 1:
        return (
            f"En {year}, {fmt_pct(total)} des heures travaillées par les salariés en insertion "
            f"relèvent d'un seul secteur identifié : {listed}."
        )
    return (
        f"En {year}, {fmt_pct(total)} des heures travaillées par les salariés en insertion se "
        f"concentrent dans {n[len(top)]} d'activité : {listed}."
    )


#: a change of a sector's share of the hours smaller than this (in share, 0.01 = 1 point) is
#: not commented as a change: the sentence says the distribution is stable
SECTOR_CHANGE_MIN = 0.01


def sector_change_sentence(
    type_label: str, sector: str, share_now: float, share_before: float, y0: int, y1: int
) -> str:
    """``AI : la part « services aux personnes » passe de 44 % en 2009 à 33 % en 2013
    (-11 points).`` (used for the largest change of each type). The change is the rounded
    difference of the unrounded shares, as in the sector table (``fmt_points``); a largest
    change under ``SECTOR_CHANGE_MIN`` is written as a stable distribution."""
    delta = share_now - share_before
    if abs(delta) < SECTOR_CHANGE_MIN - 1e-9:  # 0.05 - 0.04 is 0.00999...: 1 point
        return (
            f"{type_label} : répartition des heures par secteur stable entre {y0} et {y1} "
            "(aucun secteur ne varie d'un point ou plus)."
        )
    return (
        f"{type_label} : la part « {lower_first(sector)} » passe de {fmt_pct(share_before)} "
        f"en {y0} à {fmt_pct(share_now)} en {y1} ({fmt_points(delta)})."
    )
