"""French sentences written from the figures, in the style of the published diagnostic.

Every function is deterministic and takes plain values or a key-figures dictionary
(schema ``iae-diag/key-figures/2``, see ``docs/architecture.md``); none reads data. Numbers go
through :mod:`iae_diag.formatting` (``7 055``, ``42 %``, ``+14 %``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from iae_diag import differences
from iae_diag.figures import publishable
from iae_diag.formatting import NBSP, fmt_int, fmt_number, fmt_pct
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
    """Relative change in words: ``en hausse de 3 %``, ``en baisse de 12 %``, ``stable``
    (under 1 %); ``non comparable`` when the previous value is missing or zero (the one
    computation of :func:`iae_diag.differences.relative`)."""
    return differences.relative(current, previous).phrase()


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
        s += f" Par rapport à {previous['year']}, " + _changes_words(
            [
                ("salariés", sal_change or change_phrase(sal, ps)),
                ("ETP", etp_change),
                ("structures", change_phrase(structures, pn)),
            ]
        )
    return s


def _changes_words(changes: list[tuple[str, str]]) -> str:
    """The changes of several counts, the equal ones said once: ``les nombres de salariés,
    d'ETP et de structures sont tous en hausse de 2 %.``, ``le nombre de salariés et celui
    des ETP sont en baisse de 3 %, celui des structures en hausse de 1 %.``"""
    groups: dict[str, list[str]] = {}
    for what, phrase in changes:
        groups.setdefault(phrase, []).append(what)
    if len(groups) == 1:
        ((phrase, whats),) = groups.items()
        of = [f"d'{w}" if w[:1] in "AEIOUÉaeioué" else f"de {w}" for w in whats]
        return f"les nombres {join_fr(of)} sont tous {phrase}."
    out = []
    for i, (phrase, whats) in enumerate(groups.items()):
        first = f"le nombre de {whats[0]}" if i == 0 else f"celui des {whats[0]}"
        names = join_fr([first, *[f"celui des {w}" for w in whats[1:]]])
        verb = ("sont " if len(whats) > 1 else "est ") if i == 0 else ""
        out.append(f"{names} {verb}{phrase}")
    return ", ".join(out) + "."


# --------------------------------------------------------------------------------------------
# parcours et sorties (definitions v2, "Flows" and "Parcours and exits")
# --------------------------------------------------------------------------------------------

#: the publics compared between the entrants and all salariés, as nouns after "davantage de"
PROFILE_NOUNS = {
    "women": "femmes",
    "under_26": "jeunes de moins de 26 ans",
    "age_50_plus": "personnes de 50 ans ou plus",
    "rsa": "bénéficiaires du RSA",
    "job_seeker_24m_plus": "demandeurs d'emploi de très longue durée",
    "low_qualification": "personnes sans diplôme de niveau bac",
    "rqth": "travailleurs handicapés (RQTH)",
    "qpv": "résidents des quartiers prioritaires",
}
#: a gap of a share below this (one point) is not worth a sentence
PROFILE_GAP_MIN = 0.01
#: exit categories of the rates, in report order, and their words in a sentence
EXIT_WORDS = {
    "emploi_durable": "l'emploi durable",
    "emploi_transition": "l'emploi de transition",
    "sorties_positives": "les sorties positives",
    "autres_sorties": "les autres sorties",
}


def _type_ranking(by_type: Mapping[str, float | None]) -> tuple | None:
    """(lowest type, value), (highest type, value) over the published values of the types;
    None when fewer than two types have one."""
    vals = [(t, _num(by_type.get(t))) for t in TYPES]
    vals = [(t, v) for t, v in vals if v is not None]
    if len(vals) < 2:
        return None
    lo = sorted(vals, key=lambda tv: (tv[1], TYPES.index(tv[0])))[0]
    hi = sorted(vals, key=lambda tv: (-tv[1], TYPES.index(tv[0])))[0]
    return lo, hi


def flows_paragraph(
    year: int,
    cur: Mapping[str, float | None],
    prev: Mapping[str, float | None] | None = None,
    embauches_by_type: Mapping[str, float | None] | None = None,
) -> str:
    """Hirings, entrants, renewals (with the change of the hirings on the previous year), the
    type that hires most, the monthly average against the salariés of the year and the
    présents in December. ``cur``/``prev``: ``embauches``, ``entrants``, ``renouvellements``,
    ``salaries``, ``salaries_moyenne_mensuelle``, ``presents_fin_annee`` (None: not published
    or absent); ``embauches_by_type``: the hirings of every type present, given only when none
    of them is hidden (else no sentence ranks the types)."""
    emb, ent = _num(cur.get("embauches")), _num(cur.get("entrants"))
    ren = _num(cur.get("renouvellements"))
    parts = []
    if emb is not None:
        s = f"En {year}, les SIAE ont signé {fmt_int(emb)} contrats initiaux (embauches)"
        if ent is not None:
            s += f" avec {fmt_int(ent)} personnes (entrants)"
        p = _num((prev or {}).get("embauches"))
        if p:
            s += f", un nombre {change_phrase(emb, p)} sur {year - 1}"
        s += "."
        parts.append(s)
    elif ent is not None:
        parts.append(f"En {year}, {fmt_int(ent)} personnes ont été embauchées par les SIAE.")
    if ren is not None:
        parts.append(f"Par ailleurs, {fmt_int(ren)} contrats ont été renouvelés dans l'année.")
    if emb and embauches_by_type:
        tot = sum(_num(v) or 0.0 for v in embauches_by_type.values())
        top = max(embauches_by_type.items(), key=lambda tv: _num(tv[1]) or 0.0)
        if tot and len(embauches_by_type) > 1:
            parts.append(f"Les {top[0]} réalisent {fmt_pct(top[1] / tot)} des embauches.")
    avg, sal = _num(cur.get("salaries_moyenne_mensuelle")), _num(cur.get("salaries"))
    pres = _num(cur.get("presents_fin_annee"))
    if avg is not None:
        s = f"Chaque mois, {fmt_int(avg)} salariés en moyenne étaient en poste"
        if sal:
            s += f", soit {fmt_pct(avg / sal)} des {fmt_int(sal)} salariés de l'année"
        if pres is not None:
            s += f" ; {fmt_int(pres)} l'étaient en décembre"
        parts.append(s + ".")
    if not parts:
        return (
            f"{NO_DATA} : les embauches et les effectifs mensuels ne sont pas publiés en {year}."
        )
    return " ".join(parts)


def profile_gap_sentence(
    who: str, other: str, mine: Mapping[str, float | None], theirs: Mapping[str, float | None]
) -> str:
    """The public most over-represented and the one most under-represented in ``mine``
    against ``theirs`` (shares; None: not published), e.g. ``Les entrants de 2013 comptent
    davantage de jeunes de moins de 26 ans que l'ensemble des salariés (24 % contre 19 %) et
    moins de personnes de 50 ans ou plus (12 % contre 16 %).``"""
    gaps = [
        (k, a, b, a - b)
        for k in PROFILE_NOUNS
        if (a := _num(mine.get(k))) is not None and (b := _num(theirs.get(k))) is not None
    ]
    if not gaps:
        return f"{NO_DATA} : aucune part publiée ne permet de comparer {who} et {other}."
    order = list(PROFILE_NOUNS)
    up = sorted(
        (g for g in gaps if g[3] >= PROFILE_GAP_MIN), key=lambda g: (-g[3], order.index(g[0]))
    )
    down = sorted(
        (g for g in gaps if g[3] <= -PROFILE_GAP_MIN), key=lambda g: (g[3], order.index(g[0]))
    )
    if not up and not down:
        return (
            f"{who[0].upper()}{who[1:]} et {other} ont des profils très proches : aucun écart "
            "d'un point ou plus sur les publics suivis."
        )
    bits = []
    if up:
        k, a, b, _ = up[0]
        bits.append(
            f"davantage de {PROFILE_NOUNS[k]} que {other} ({fmt_pct(a)} contre {fmt_pct(b)})"
        )
    if down:
        k, a, b, _ = down[0]
        tail = f"({fmt_pct(a)} contre {fmt_pct(b)})"
        bits.append(
            f"moins de {PROFILE_NOUNS[k]} {tail}"
            if up
            else f"moins de {PROFILE_NOUNS[k]} que {other} {tail}"
        )
    return f"{who[0].upper()}{who[1:]} comptent {' et '.join(bits)}."


def exits_paragraph(year: int, f: Mapping, prev_dynamic: float | None = None) -> str:
    """The sortants and what is left out of the sorties examinées, the category that
    dominates, the sorties dynamiques rate with its change and the AF objective, the types at
    the extremes, the length of the parcours. ``f``: ``sortants``, ``examinees``, ``retrait``,
    ``inconnue``, ``hors_regle`` (counts), ``rates`` (category or ``sorties_dynamiques`` ->
    share), ``objective`` (sorties dynamiques objective of the AFs), ``dynamic_by_type``
    (type -> rate, only when no type is hidden), ``duree_mean``, ``duree_median`` (months);
    None: not published or absent. ``prev_dynamic``: the rate of the previous year."""
    n, ex = _num(f.get("sortants")), _num(f.get("examinees"))
    if n == 0:
        return f"Aucun parcours en SIAE ne s'est terminé en {year}."
    parts = []
    if n is not None:
        s = f"En {year}, {fmt_int(n)} parcours en SIAE se sont terminés"
        if ex == 0:
            s += " ; aucun n'est une sortie examinée au sens de l'ASP"
        elif ex is not None:
            s += f", dont {fmt_int(ex)} sorties examinées au sens de l'ASP"
        left = [
            (_num(f.get(k)), words)
            for k, words in (
                ("retrait", "retraits des sorties constatées"),
                ("inconnue", "sorties de catégorie inconnue"),
                ("hors_regle", "parcours trop courts pour la règle de l'ASP"),
            )
        ]
        said = [f"{fmt_int(v)} {w}" for v, w in left if v]
        if said:
            s += f" ; sont écartés des sorties examinées : {join_fr(said)}"
        parts.append(s + ".")
    elif ex is not None:
        parts.append(f"En {year}, {fmt_int(ex)} sorties de SIAE sont examinées au sens de l'ASP.")
    rates = f.get("rates") or {}
    if not ex:
        return (
            " ".join(parts)
            if parts
            else (f"{NO_DATA} : les sorties ne sont pas publiées en {year}.")
        )
    dyn = _num(rates.get("sorties_dynamiques"))
    if dyn is not None:
        s = f"Les sorties dynamiques représentent {fmt_pct(dyn)} des sorties examinées"
        p = _num(prev_dynamic)
        if p is not None:
            change = differences.points(dyn, p)
            s += (
                f" (stable par rapport à {year - 1})"
                if change.stable
                else f" ({change.text} sur {year - 1})"
            )
        obj = _num(f.get("objective"))
        if obj is not None:
            gap = differences.points(dyn, obj)
            where = "au-dessus de" if gap.sign > 0 else "en dessous de"
            s += (
                f", {gap.magnitude} {where} l'objectif de {fmt_pct(obj)} "
                "inscrit dans les annexes financières"
                if not gap.stable
                else f", au niveau de l'objectif de {fmt_pct(obj)} des annexes financières"
            )
        parts.append(s + ".")
    cats = [(k, _num(rates.get(k))) for k in EXIT_WORDS]
    cats = [(k, v) for k, v in cats if v is not None]
    if cats:
        k, v = sorted(cats, key=lambda kv: (-kv[1], list(EXIT_WORDS).index(kv[0])))[0]
        words = EXIT_WORDS[k]
        verb = "sont" if words.startswith("les ") else "est"
        parts.append(
            f"{words[0].upper()}{words[1:]} {verb} la première catégorie de sortie "
            f"({fmt_pct(v)} des sorties examinées)."
        )
    ranking = _type_ranking(f.get("dynamic_by_type") or {})
    if ranking:
        (lo, vlo), (hi, vhi) = ranking
        parts.append(
            f"Le taux de sorties dynamiques va de {fmt_pct(vlo)} dans les {lo} à "
            f"{fmt_pct(vhi)} dans les {hi}."
            if fmt_pct(vlo) != fmt_pct(vhi)
            else f"Le taux de sorties dynamiques est de {fmt_pct(vhi)} dans chaque type de SIAE."
        )
    mean, med = _num(f.get("duree_mean")), _num(f.get("duree_median"))
    if mean is not None:
        s = f"Les parcours examinés ont duré {fmt_number(mean, 1)} mois en moyenne"
        s += f" (médiane : {fmt_number(med, 1)} mois)." if med is not None else "."
        parts.append(s)
    return " ".join(parts)


def exits_by_departement_sentence(
    rates: Mapping[str, float | None], names: Mapping[str, str]
) -> str:
    """The départements at the extremes of the sorties dynamiques rate (``rates``: département
    code -> rate, given only when no département's rate is hidden; ``names``: code -> label)."""
    vals = sorted(
        ((c, v) for c, r in rates.items() if (v := _num(r)) is not None),
        key=lambda cv: (cv[1], cv[0]),
    )
    if len(vals) < 2:
        return ""
    (clo, lo), (chi, hi) = vals[0], vals[-1]
    if fmt_pct(lo) == fmt_pct(hi):
        return (
            "Le taux de sorties dynamiques est le même dans tous les départements "
            f"({fmt_pct(lo)})."
        )
    return (
        f"Le taux de sorties dynamiques va de {fmt_pct(lo)} ({names[clo]}) à {fmt_pct(hi)} "
        f"({names[chi]})."
    )


def exits_against_region_sentence(mine: Mapping, region: Mapping) -> str:
    """A département's sorties dynamiques and emploi durable rates against its region's
    (``mine``/``region``: ``sorties_dynamiques``, ``emploi_durable`` -> rate, None: not
    published)."""
    bits = []
    for key, words, fem in (
        ("sorties_dynamiques", "le taux de sorties dynamiques du département", False),
        ("emploi_durable", "la part de l'emploi durable", True),
    ):
        a, b = _num(mine.get(key)), _num(region.get(key))
        if a is None or b is None:
            continue
        e, that = ("e", "celle") if fem else ("", "celui")
        gap = differences.points(a, b)
        if gap.stable:
            how = f"proche de {that} de la région"
        else:
            side = "supérieur" if gap.sign > 0 else "inférieur"
            how = f"{side}{e} de {gap.magnitude} à {that} de la région"
        bits.append(f"{words} ({fmt_pct(a)}) est {how} ({fmt_pct(b)})")
    if not bits:
        return (
            "Les taux de sortie du département ou de la région ne sont pas publiés : "
            "pas de comparaison."
        )
    text = " ; ".join(bits)
    return text[0].upper() + text[1:] + "."


def lower_first(label: str) -> str:
    if len(label) > 1 and label[1].islower():
        return label[0].lower() + label[1:]
    return label
