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
from iae_diag.formatting import NBSP, fmt_int, fmt_pct
from iae_diag.territories import Territory, of_name, with_article
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


def subject(territory: Territory, tncc: int | None = None) -> str:
    """Grammatical subject for the SIAE of the territory: ``les SIAE franciliennes``,
    ``les SIAE de la région Bretagne``, ``les SIAE de la Seine-Saint-Denis (93)`` (``tncc``: the
    INSEE type of name, giving the article; without it ``du département Seine-Saint-Denis``)."""
    if territory.level == "region":
        adj = REGION_ADJECTIVES.get(territory.code)
        return f"les SIAE {adj}" if adj else f"les SIAE de la région {territory.name}"
    if territory.level == "dep":
        return f"les SIAE {of_name(territory.name, tncc)} ({territory.code})"
    return "les SIAE de France"


def territory_noun(territory: Territory, tncc: int | None = None) -> str:
    """``La région Île-de-France``, ``La Seine-Saint-Denis (93)`` (``tncc``: the INSEE type of
    name; without it ``Le département Seine-Saint-Denis (93)``), ``La France``."""
    if territory.level == "region":
        return f"La région {territory.name}"
    if territory.level == "dep":
        if tncc is None:
            return f"Le département {territory.label()}"
        named = with_article(territory.name, tncc)
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


def lower_first(label: str) -> str:
    if len(label) > 1 and label[1].islower():
        return label[0].lower() + label[1:]
    return label
