"""Section 4: parcours et sorties (definitions v2, "Flows" and "Parcours and exits").

Hirings, entrants and renewals with their change, the monthly average against the salariés of
the year, the profile of the entrants beside that of all salariés, the sorties examinées by
category and type, the sorties dynamiques rate against the AF objectives, the length of the
parcours, and the territorial comparison (region: by département; département: against the
region). Every value goes through the run's statistical-secrecy decision (``ctx.cell``,
``ctx.pct``, ``ctx.value``: ``s`` in tables, left out of charts and sentences).
"""

from __future__ import annotations

import pandas as pd
from IPython.display import HTML

from iae_diag import differences, narrative, plots
from iae_diag.formatting import fmt_int, fmt_number, fmt_pct, fmt_signed
from iae_diag.indicators.parcours import RATE_CATEGORIES
from iae_diag.report.context import ReportContext
from iae_diag.report.html import (
    absent_from_chart_note,
    figure_html,
    note,
    para,
    secret_notes,
    section,
    table_html,
)
from iae_diag.territories import Territory
from iae_diag.vocabulary import (
    EXIT_LABELS,
    PUBLIC_LABELS,
    SECRET_MARK,
    SECRET_MIN_PERSONS,
)

#: the publics of the entrants shown beside those of all salariés
PROFILE_KEYS = tuple(narrative.PROFILE_NOUNS)
#: the flow indicators; their absence means an indicator table older than issue 10
FLOW_INDICATORS = ("embauches", "entrants", "renouvellements", "salaries_moyenne_mensuelle")
#: the reference tables of the exit categories in the extract (ingest manifest names)
EXIT_REFERENCE_TABLES = ("RefMotifSort", "RefCategorieSort")
NO_FLOW_INDICATORS = (
    "La table des indicateurs ne contient ni les embauches ni les sorties (elle a été produite "
    "par une version antérieure d'iae-diag) : relancer « iae-diag indicators »."
)


def _label(t: str) -> str:
    return "Ensemble" if t == "ALL" else t


def _rows_types(ctx: ReportContext) -> list[str]:
    """The types of the tables (those with a structure in a year of the report), then ALL."""
    return [*ctx.report_types, "ALL"]


def _has(ctx: ReportContext, indicator: str, year: int | None = None) -> bool:
    """True when the indicator table holds the indicator for the territory and year (published
    or hidden), all types together."""
    return ctx.value(indicator, year) is not None or ctx.secret(indicator, year)


def _change(ctx: ReportContext, indicator: str, t: str) -> str:
    """Relative change on the previous year as a cell: ``+12 %``, ``s``, ``n.d.``."""
    y, p = ctx.year, ctx.year - 1
    if ctx.secret(indicator, y, t) or ctx.secret(indicator, p, t):
        return SECRET_MARK
    return differences.relative(ctx.value(indicator, y, t), ctx.value(indicator, p, t)).text


def _ratio(ctx: ReportContext, num: str, den: str, t: str) -> str:
    """``num`` / ``den`` of type ``t`` as a percentage cell (``s`` when either is hidden)."""
    if ctx.secret(num, type_siae=t) or ctx.secret(den, type_siae=t):
        return SECRET_MARK
    a, b = ctx.value(num, type_siae=t), ctx.value(den, type_siae=t)
    return fmt_pct(a / b) if a is not None and b else "n.d."


def _points(ctx: ReportContext, a: tuple, b: tuple) -> str:
    """Gap in points between two shares given as (indicator, year, type, breakdown, terr)."""
    if ctx.secret(*a) or ctx.secret(*b):
        return SECRET_MARK  # the gap would give the hidden share away
    return differences.points(ctx.value(*a), ctx.value(*b)).text


# --------------------------------------------------------------------------------------------
# hirings, entrants, monthly average
# --------------------------------------------------------------------------------------------


def show_flows(ctx: ReportContext) -> HTML:
    """Hirings, entrants and renewals by type with their change on the previous year; the
    salariés en moyenne mensuelle against the salariés of the year and the présents in
    December, by type; the sentences."""
    y, p = ctx.year, ctx.year - 1
    if not any(_has(ctx, i) for i in FLOW_INDICATORS):
        return section([note(NO_FLOW_INDICATORS)])
    has_prev = p in ctx.years and _has(ctx, "embauches", p)
    types = _rows_types(ctx)
    hires = []
    for t in types:
        row = [_label(t), ctx.cell("embauches", fmt_int, y, t)]
        row += [_change(ctx, "embauches", t)] if has_prev else []
        row += [ctx.cell("entrants", fmt_int, y, t)]
        row += [_change(ctx, "entrants", t)] if has_prev else []
        row += [ctx.cell("renouvellements", fmt_int, y, t)]
        hires.append(row)
    evo = [f"Évolution sur {p}"] if has_prev else []
    stock = [
        [
            _label(t),
            ctx.cell("salaries", fmt_int, y, t),
            ctx.cell("salaries_moyenne_mensuelle", fmt_int, y, t),
            _ratio(ctx, "salaries_moyenne_mensuelle", "salaries", t),
            ctx.cell("presents_fin_annee", fmt_int, y, t),
        ]
        for t in types
    ]
    keys = (
        "embauches",
        "entrants",
        "renouvellements",
        "salaries",
        "salaries_moyenne_mensuelle",
        "presents_fin_annee",
    )
    cur = {k: ctx.value(k, y) for k in keys}
    prev = {k: ctx.value(k, p) for k in keys} if has_prev else None
    hidden_type = any(ctx.secret("embauches", y, t) for t in ctx.report_types)
    by_type = None if hidden_type else {t: ctx.value("embauches", y, t) for t in ctx.report_types}
    parts = [
        table_html(
            ["Type de SIAE", f"Embauches {y}", *evo, f"Entrants {y}", *evo, "Renouvellements"],
            hires,
            caption=f"Embauches, entrants et renouvellements de contrat par type de SIAE, {y}",
        ),
        note(
            "Embauches : contrats initiaux (hors renouvellements) signés dans l'année ; "
            "entrants : personnes distinctes embauchées (une personne embauchée par deux types "
            "de SIAE compte dans chacun, et une fois dans l'ensemble) ; renouvellements : "
            "contrats de renouvellement signés dans l'année."
            + ("" if has_prev else f" L'année {p} n'est pas couverte : pas d'évolution.")
        ),
        *secret_notes(any(SECRET_MARK in r for r in hires)),
        table_html(
            [
                "Type de SIAE",
                "Salariés de l'année",
                "Salariés en moyenne mensuelle",
                "Moyenne mensuelle en % des salariés de l'année",
                "Présents en décembre",
            ],
            stock,
            caption=f"Salariés de l'année, en moyenne mensuelle et en fin d'année, {y}",
        ),
        note(
            "Salariés de l'année : personnes distinctes ayant travaillé au moins une heure dans "
            "l'année ; moyenne mensuelle : moyenne sur les 12 mois du nombre de personnes en "
            "poste dans le mois (l'indicateur de référence de la Dares) ; présents en "
            "décembre : personnes en poste en décembre."
        ),
        *secret_notes(any(SECRET_MARK in r for r in stock)),
        para(narrative.flows_paragraph(y, cur, prev, by_type)),
    ]
    return section(parts)


def show_entrants_profile(ctx: ReportContext) -> HTML:
    """The publics of the entrants beside those of all salariés (a département report: and
    beside the entrants of its region), with the sentences."""
    y = ctx.year
    if not any(_has_share(ctx, "public_share_entrants", k, ctx.territory) for k in PROFILE_KEYS):
        if not any(_has(ctx, i) for i in FLOW_INDICATORS):
            return section([note(NO_FLOW_INDICATORS)])
        return section([note(f"Aucun entrant n'a de caractéristique connue en {y}.")])
    parent = ctx.parent()
    rows = []
    for k in PROFILE_KEYS:
        own = ("public_share_entrants", y, "ALL", k, None)
        row = [
            PUBLIC_LABELS[k],
            ctx.pct(*own),
            ctx.pct("public_share", y, "ALL", k),
            _points(ctx, own, ("public_share", y, "ALL", k, None)),
        ]
        if parent is not None:
            theirs = ("public_share_entrants", y, "ALL", k, parent)
            row += [ctx.pct(*theirs), _points(ctx, own, theirs)]
        rows.append(row)
    header = ["Public", f"Entrants {y}", f"Ensemble des salariés {y}", "Écart"]
    if parent is not None:
        header += [f"Entrants de la région {parent.name}", "Écart à la région"]

    def shares(indicator: str, terr: Territory | None = None) -> dict:
        return {k: ctx.value(indicator, y, "ALL", k, terr) for k in PROFILE_KEYS}

    parts = [
        table_html(
            header,
            rows,
            caption=f"Profil des entrants et de l'ensemble des salariés, en %, {y}",
            cls="wide" if parent is not None else "",
        ),
        note(
            "Les caractéristiques des entrants sont celles de leur contrat d'embauche ; chaque "
            "part est calculée parmi les personnes dont la caractéristique est connue. Écart "
            "en points de pourcentage."
        ),
        *secret_notes(any(SECRET_MARK in r for r in rows)),
        para(
            narrative.profile_gap_sentence(
                f"les entrants de {y}",
                "l'ensemble des salariés",
                shares("public_share_entrants"),
                shares("public_share"),
            )
        ),
    ]
    if parent is not None:
        parts.append(
            para(
                narrative.profile_gap_sentence(
                    "les entrants du département",
                    "ceux de la région",
                    shares("public_share_entrants"),
                    shares("public_share_entrants", parent),
                )
            )
        )
    return section(parts)


def _has_share(ctx: ReportContext, indicator: str, key: str, terr: Territory) -> bool:
    return ctx.value(indicator, None, "ALL", key, terr) is not None or ctx.secret(
        indicator, None, "ALL", key, terr
    )


# --------------------------------------------------------------------------------------------
# exits
# --------------------------------------------------------------------------------------------


def _left_by_rule(ctx: ReportContext, t: str, terr: Territory | None = None):
    """Sortants of a known category other than retrait that the ASP rule (3 months, 150 hours)
    leaves out: sortants - sorties examinées - retrait - inconnue. ``SECRET_MARK`` when one of
    them is hidden or the difference counts 1 to 4 persons, None when one is absent."""
    cells = [
        ("sortants", ""),
        ("sorties_examinees", ""),
        ("exits_by_category", "retrait"),
        ("exits_by_category", "inconnue"),
    ]
    if any(ctx.secret(i, None, t, b, terr) for i, b in cells):
        return SECRET_MARK
    vals = [ctx.value(i, None, t, b, terr) for i, b in cells]
    if any(v is None for v in vals):
        return None
    n = vals[0] - vals[1] - vals[2] - vals[3]
    return SECRET_MARK if 0 < n < SECRET_MIN_PERSONS else n


def _unknown_reason(ctx: ReportContext) -> str:
    """Why the exits have no category: the reference tables are absent from the extract, or
    the motifs are missing or not in them."""
    tables = ctx.manifest.get("tables", {})
    missing = [t for t in EXIT_REFERENCE_TABLES if t not in tables]
    if missing:
        which = narrative.join_fr([f"fluxIAE_{t}" for t in missing])
        return (
            f"Les tables de référence des motifs et des catégories de sortie ({which}) sont "
            "absentes de l'extraction : la catégorie de chaque sortie (emploi durable, emploi "
            "de transition, sorties positives, autres sorties, retrait) est inconnue, aucune "
            "sortie ne peut être examinée au sens de l'ASP et aucun taux de sortie n'est "
            "calculé."
        )
    return (
        "Aucune sortie n'a de catégorie connue : le motif de sortie manque ou n'est pas dans "
        "les tables de référence de l'extraction (détail dans la qualité des données). Aucun "
        "taux de sortie n'est calculé."
    )


def show_exits(ctx: ReportContext) -> HTML:
    """Sortants, sorties examinées and the exits left out, by type; the sorties examinées by
    category and type (stacked bar and table); the sorties dynamiques rate against the AF
    objectives; the length of the parcours; the sentences."""
    y, p = ctx.year, ctx.year - 1
    if not _has(ctx, "sortants"):
        return section([note(NO_FLOW_INDICATORS)])
    n = ctx.value("sortants", y)
    if n == 0 and not ctx.secret("sortants", y):
        return section([para(f"Aucun parcours en SIAE ne s'est terminé en {y}.")])
    types = _rows_types(ctx)
    rows = []
    for t in types:
        rule = _left_by_rule(ctx, t)
        rows.append(
            [
                _label(t),
                ctx.cell("sortants", fmt_int, y, t),
                ctx.cell("exits_by_category", fmt_int, y, t, "retrait"),
                ctx.cell("exits_by_category", fmt_int, y, t, "inconnue"),
                rule if rule in (SECRET_MARK, None) else fmt_int(rule),
                ctx.cell("sorties_examinees", fmt_int, y, t),
            ]
        )
    rows = [[c if c is not None else "n.d." for c in r] for r in rows]
    parts = [
        table_html(
            [
                "Type de SIAE",
                "Sortants",
                "Retrait des sorties constatées",
                "Catégorie inconnue",
                "Hors règle de durée",
                "Sorties examinées",
            ],
            rows,
            caption=f"Sortants et sorties examinées par type de SIAE, {y}",
        ),
        note(
            "Sortants : parcours terminés dans l'année (une personne dont deux parcours se "
            "terminent compte deux fois). Sorties examinées (règle de l'ASP) : sortants de "
            "catégorie connue, hors retrait des sorties constatées, dont le parcours a duré au "
            "moins 3 mois avec au moins une heure travaillée (ACI, EI, EITI) ou compte au moins "
            "150 heures travaillées (AI, ETTI) ; « hors règle de durée » : les autres sortants "
            "de catégorie connue."
        ),
        *secret_notes(any(SECRET_MARK in r for r in rows)),
    ]
    examined = ctx.value("sorties_examinees", y)
    if not examined and not ctx.secret("sorties_examinees", y):
        unknown = ctx.value("exits_by_category", y, "ALL", "inconnue")
        if unknown and n and unknown == n:
            parts.append(para(_unknown_reason(ctx)))
        else:
            parts.append(
                para(
                    f"Aucune sortie de {y} n'est examinée au sens de l'ASP : aucun taux de "
                    "sortie n'est calculé."
                )
            )
        parts.append(para(narrative.exits_paragraph(y, _exit_figures(ctx, y))))
        return section(parts)
    parts += _categories_table(ctx)
    parts += _categories_chart(ctx)
    parts += _rates_table(ctx)
    parts += _durations_table(ctx)
    prev = ctx.value("exit_rate", p, "ALL", "sorties_dynamiques") if p in ctx.years else None
    parts.append(para(narrative.exits_paragraph(y, _exit_figures(ctx, y), prev)))
    return section(parts)


def _exit_figures(ctx: ReportContext, y: int, terr: Territory | None = None) -> dict:
    """The published exit figures of the territory (``narrative.exits_paragraph``)."""
    rule = _left_by_rule(ctx, "ALL", terr)
    types = ctx.report_types
    hidden = any(ctx.secret("exit_rate", y, t, "sorties_dynamiques", terr) for t in types)
    return {
        "sortants": ctx.value("sortants", y, terr=terr),
        "examinees": ctx.value("sorties_examinees", y, terr=terr),
        "retrait": ctx.value("exits_by_category", y, "ALL", "retrait", terr),
        "inconnue": ctx.value("exits_by_category", y, "ALL", "inconnue", terr),
        "hors_regle": None if rule == SECRET_MARK else rule,
        "rates": {
            k: ctx.value("exit_rate", y, "ALL", k, terr)
            for k in (*RATE_CATEGORIES, "sorties_dynamiques")
        },
        "objective": ctx.value("exit_rate_objective", y, "ALL", "sorties_dynamiques", terr),
        "dynamic_by_type": None
        if hidden
        else {t: ctx.value("exit_rate", y, t, "sorties_dynamiques", terr) for t in types},
        "duree_mean": ctx.value("duree_parcours_mois_mean", y, terr=terr),
        "duree_median": ctx.value("duree_parcours_mois_median", y, terr=terr),
    }


def _categories_table(ctx: ReportContext) -> list[str]:
    """Sortants of each category and the share of each category in the sorties examinées,
    all types together. The sorties examinées of a category are not printed as a count: the
    run's secrecy decision covers them through their rate (a count of 1 to 4, or a hidden
    count of sortants when every exit is examined, would otherwise be printed)."""
    y = ctx.year
    rows = [
        [
            EXIT_LABELS[c],
            ctx.cell("exits_by_category", fmt_int, y, "ALL", c),
            ctx.pct("exit_rate", y, "ALL", c),
        ]
        for c in RATE_CATEGORIES
    ]
    rows.append(
        [
            f"dont {EXIT_LABELS['sorties_dynamiques'].lower()}",
            "",
            ctx.pct("exit_rate", y, "ALL", "sorties_dynamiques"),
        ]
    )
    for c in ("retrait", "inconnue"):
        rows.append([EXIT_LABELS[c], ctx.cell("exits_by_category", fmt_int, y, "ALL", c), "–"])
    rows.append(["Ensemble des sortants", ctx.cell("sortants", fmt_int, y), "–"])
    rows.append(
        [
            "dont sorties examinées",
            ctx.cell("sorties_examinees", fmt_int, y),
            "100 %" if ctx.value("sorties_examinees", y) else "n.d.",
        ]
    )
    return [
        table_html(
            ["Catégorie de sortie", "Sortants", "Part des sorties examinées"],
            rows,
            caption=f"Sorties par catégorie, tous types de SIAE, {y}",
        ),
        note(
            "Catégories lues dans les tables de référence des motifs de sortie de l'extraction. "
            "Les sortants d'une catégorie comptent aussi ceux dont le parcours est trop court "
            "pour être examiné ; la part ne porte que sur les sorties examinées. Sorties "
            "dynamiques : emploi durable, emploi de transition et sorties positives. Les "
            "retraits des sorties constatées et les sorties de catégorie inconnue sont comptés "
            "parmi les sortants et écartés des taux."
        ),
        *secret_notes(any(SECRET_MARK in r for r in rows)),
    ]


def _categories_chart(ctx: ReportContext) -> list[str]:
    """The stacked bar of the sorties examinées by category, a bar per type, with its data."""
    y = ctx.year
    bars = [
        t
        for t in ("ALL", *ctx.report_types)
        if ctx.value("sorties_examinees", y, t) or ctx.secret("sorties_examinees", y, t)
    ]
    data_rows, chart, left_out = [], [], []
    for t in bars:
        data_rows.append(
            [
                _label(t),
                *[ctx.pct("exit_rate", y, t, c) for c in RATE_CATEGORIES],
                ctx.cell("sorties_examinees", fmt_int, y, t),
            ]
        )
        hidden = False
        for c in RATE_CATEGORIES:
            v = ctx.value("exit_rate", y, t, c)
            if v is None:
                hidden = hidden or ctx.secret("exit_rate", y, t, c)
                continue
            chart.append({"type_siae": t, "category": c, "label": EXIT_LABELS[c], "share": v})
        if hidden:
            left_out.append(_label(t).lower() if t == "ALL" else t)
    if not chart:
        return [note(f"Aucune part de sortie n'est publiable en {y} (secret statistique).")]
    dyn = ctx.value("exit_rate", y, "ALL", "sorties_dynamiques")
    first = max(
        (
            (c, v)
            for c in RATE_CATEGORIES
            if (v := ctx.value("exit_rate", y, "ALL", c)) is not None
        ),
        key=lambda cv: cv[1],
        default=None,
    )
    finding = []
    if dyn is not None:
        finding.append(f"sorties dynamiques : {fmt_pct(dyn)} de l'ensemble")
    if first is not None:
        finding.append(
            f"première catégorie : {EXIT_LABELS[first[0]].lower()} ({fmt_pct(first[1])})"
        )
    alt = (
        "Barres empilées à 100 % : répartition des sorties examinées entre emploi durable, "
        f"emploi de transition, sorties positives et autres sorties, ensemble et par type de "
        f"SIAE, {y}" + (f" ; {' ; '.join(finding)}." if finding else ".")
    )
    return [
        figure_html(
            plots.exit_categories_by_type(pd.DataFrame(chart), y, ctx.source),
            alt,
            data=(
                ["Type de SIAE", *[EXIT_LABELS[c] for c in RATE_CATEGORIES], "Sorties examinées"],
                data_rows,
                f"Données du graphique : sorties examinées par catégorie et type de SIAE, en %, "
                f"{y}",
            ),
        ),
        *absent_from_chart_note(left_out),
    ]


def _objectives_present(ctx: ReportContext, terrs: list[Territory | None]) -> bool:
    return any(
        _has_share(ctx, "exit_rate_objective", "sorties_dynamiques", t or ctx.territory)
        or any(
            ctx.value("exit_rate_objective", None, ty, "sorties_dynamiques", t) is not None
            for ty in ctx.report_types
        )
        for t in terrs
    )


def _rates_table(ctx: ReportContext) -> list[str]:
    """The sorties dynamiques and emploi durable rates by type, their change, and the AF
    objectives when the annexes carry them."""
    y, p = ctx.year, ctx.year - 1
    has_prev = p in ctx.years and _has(ctx, "sortants", p)
    objectives = _objectives_present(ctx, [None])
    rows = []
    for t in _rows_types(ctx):
        rate = ("exit_rate", y, t, "sorties_dynamiques", None)
        row = [_label(t), ctx.cell("sorties_examinees", fmt_int, y, t), ctx.pct(*rate)]
        if has_prev:
            row.append(_points(ctx, rate, ("exit_rate", p, t, "sorties_dynamiques", None)))
        if objectives:
            obj = ("exit_rate_objective", y, t, "sorties_dynamiques", None)
            row += [ctx.pct(*obj), _points(ctx, rate, obj)]
        row.append(ctx.pct("exit_rate", y, t, "emploi_durable"))
        rows.append(row)
    header = ["Type de SIAE", "Sorties examinées", "Taux de sorties dynamiques"]
    header += [f"Évolution sur {p}"] if has_prev else []
    header += ["Objectif des annexes", "Écart à l'objectif"] if objectives else []
    header += ["Dont emploi durable"]
    parts = [
        table_html(
            header,
            rows,
            caption=(
                f"Taux de sorties dynamiques par type de SIAE, en % des sorties examinées, {y}"
            ),
        )
    ]
    parts.append(
        note(
            "Objectif des annexes : taux prévisionnel de sorties dynamiques des annexes "
            "financières de l'année, moyenne pondérée par leurs postes d'insertion. Évolution "
            "et écarts en points de pourcentage."
            if objectives
            else "Les annexes financières de l'année ne portent pas d'objectif de sorties "
            "dynamiques : pas de comparaison aux objectifs. Évolution en points de pourcentage."
        )
    )
    parts += secret_notes(any(SECRET_MARK in r for r in rows))
    return parts + _rates_chart(ctx, objectives)


def _rates_chart(ctx: ReportContext, objectives: bool) -> list[str]:
    """The sorties dynamiques rate of every type against the AF objective, with its data; a
    hidden rate leaves its bar out (named under the chart)."""
    y = ctx.year
    chart, data, left_out = [], [], []
    for t in ("ALL", *ctx.report_types):
        rate = ("exit_rate", y, t, "sorties_dynamiques")
        obj = ("exit_rate_objective", y, t, "sorties_dynamiques")
        if not (ctx.value("sorties_examinees", y, t) or ctx.secret("sorties_examinees", y, t)):
            continue
        data.append([_label(t), ctx.pct(*rate), *([ctx.pct(*obj)] if objectives else [])])
        v = ctx.value(*rate)
        if v is None:
            if ctx.secret(*rate):
                left_out.append(_label(t).lower() if t == "ALL" else t)
            continue
        o = ctx.value(*obj)
        chart.append(
            {"type_siae": t, "rate": v, "objective": o if o is not None else float("nan")}
        )
    if not chart:
        return []
    rate, obj = ctx.value("exit_rate", y, "ALL", "sorties_dynamiques"), None
    if objectives:
        obj = ctx.value("exit_rate_objective", y, "ALL", "sorties_dynamiques")
    finding = f" ; ensemble : {fmt_pct(rate)}" if rate is not None else ""
    if finding and obj is not None:
        finding += f" pour un objectif de {fmt_pct(obj)}"
    by_type = sorted(
        ((c["rate"], c["type_siae"]) for c in chart if c["type_siae"] != "ALL"),
        reverse=True,
    )
    if len(by_type) >= 2:
        (hi, t_hi), (lo, t_lo) = by_type[0], by_type[-1]
        finding += (
            f" ; le taux le plus élevé est celui des {t_hi} ({fmt_pct(hi)}), le plus bas celui "
            f"des {t_lo} ({fmt_pct(lo)})"
        )
    alt = (
        f"Diagramme en barres : taux de sorties dynamiques par type de SIAE, {y}"
        + (", avec l'objectif des annexes financières" if objectives else "")
        + finding
        + "."
    )
    return [
        figure_html(
            plots.exit_rate_by_type(pd.DataFrame(chart), y, ctx.source),
            alt,
            data=(
                ["Type de SIAE", "Taux de sorties dynamiques"]
                + (["Objectif des annexes"] if objectives else []),
                data,
                "Données du graphique : taux de sorties dynamiques et objectifs des annexes par "
                f"type de SIAE, {y}",
            ),
        ),
        *absent_from_chart_note(left_out),
    ]


def _months(v: float | None) -> str:
    return fmt_number(v, 1)


def _durations_table(ctx: ReportContext) -> list[str]:
    y = ctx.year
    rows = [
        [
            _label(t),
            ctx.cell("sorties_examinees", fmt_int, y, t),
            ctx.cell("duree_parcours_mois_mean", _months, y, t, zero=False),
            ctx.cell("duree_parcours_mois_median", _months, y, t, zero=False),
        ]
        for t in _rows_types(ctx)
    ]
    return [
        table_html(
            ["Type de SIAE", "Sorties examinées", "Durée moyenne", "Durée médiane"],
            rows,
            caption=f"Durée des parcours des sorties examinées, en mois, {y}",
        ),
        note("Durée : jours entre l'embauche et la sortie définitive, divisés par 30,4375."),
        *secret_notes(any(SECRET_MARK in r for r in rows)),
    ]


# --------------------------------------------------------------------------------------------
# territorial comparison
# --------------------------------------------------------------------------------------------


def show_exits_by_territory(ctx: ReportContext) -> HTML:
    """Region report: the exits by département; département report: against the region."""
    y = ctx.year
    if not _has(ctx, "sortants"):
        return section([note(NO_FLOW_INDICATORS)])
    if ctx.territory.level == "region":
        return _exits_by_departement(ctx)
    parent = ctx.parent()
    if parent is None:
        return section(
            [note("Les données de la région ne sont pas disponibles : pas de comparaison.")]
        )
    if not any(
        ctx.value("sorties_examinees", y, terr=t) or ctx.secret("sorties_examinees", y, terr=t)
        for t in (None, parent)
    ):
        return section(
            [
                note(
                    f"Aucune sortie n'est examinée en {y} dans le département ni dans la "
                    "région : pas de comparaison des taux de sortie."
                )
            ]
        )
    rows = []
    for k in (*RATE_CATEGORIES, "sorties_dynamiques"):
        own, theirs = ("exit_rate", y, "ALL", k, None), ("exit_rate", y, "ALL", k, parent)
        rows.append([EXIT_LABELS[k], ctx.pct(*own), ctx.pct(*theirs), _points(ctx, own, theirs)])
    for stat, label in (("mean", "Durée moyenne (mois)"), ("median", "Durée médiane (mois)")):
        ind = f"duree_parcours_mois_{stat}"
        a, b = ctx.value(ind, y), ctx.value(ind, y, terr=parent)
        gap = (
            SECRET_MARK
            if ctx.secret(ind, y) or ctx.secret(ind, y, terr=parent)
            else (fmt_signed(a - b, 1) if a is not None and b is not None else "n.d.")
        )
        rows.append(
            [
                label,
                ctx.cell(ind, _months, y, zero=False),
                ctx.cell(ind, _months, y, terr=parent, zero=False),
                gap,
            ]
        )

    def rates(terr: Territory | None) -> dict:
        return {
            k: ctx.value("exit_rate", y, "ALL", k, terr)
            for k in ("sorties_dynamiques", "emploi_durable")
        }

    return section(
        [
            table_html(
                ["Sorties examinées", "Département", f"Région {parent.name}", "Écart"],
                rows,
                caption=f"Sorties du département comparées à la région, {y}",
            ),
            note("Taux en % des sorties examinées ; écarts en points (en mois pour les durées)."),
            *secret_notes(any(SECRET_MARK in r for r in rows)),
            para(narrative.exits_against_region_sentence(rates(None), rates(parent))),
        ]
    )


def _exits_by_departement(ctx: ReportContext) -> HTML:
    y = ctx.year
    subs = ctx.sub_territories()
    if not subs:
        return section([note(f"Aucun département de la région n'a de données en {y}.")])
    if not any(
        ctx.value("sorties_examinees", y, terr=d) or ctx.secret("sorties_examinees", y, terr=d)
        for d in (None, *subs)
    ):
        return _sortants_by_departement(ctx, subs)
    objectives = _objectives_present(ctx, [None, *subs])
    rows = []
    for d in [*subs, None]:
        label = d.label() if d else "Ensemble de la région"
        row = [
            label,
            ctx.cell("sortants", fmt_int, y, terr=d),
            ctx.cell("sorties_examinees", fmt_int, y, terr=d),
            ctx.pct("exit_rate", y, "ALL", "sorties_dynamiques", d),
        ]
        if objectives:
            row.append(ctx.pct("exit_rate_objective", y, "ALL", "sorties_dynamiques", d))
        row += [
            ctx.pct("exit_rate", y, "ALL", "emploi_durable", d),
            ctx.cell("duree_parcours_mois_mean", _months, y, terr=d, zero=False),
        ]
        rows.append(row)
    header = ["Département", "Sortants", "Sorties examinées", "Taux de sorties dynamiques"]
    header += ["Objectif des annexes"] if objectives else []
    header += ["Dont emploi durable", "Durée moyenne (mois)"]
    hidden = any(ctx.secret("exit_rate", y, "ALL", "sorties_dynamiques", d) for d in subs)
    sentence = (
        ""
        if hidden
        else narrative.exits_by_departement_sentence(
            {d.code: ctx.value("exit_rate", y, "ALL", "sorties_dynamiques", d) for d in subs},
            {d.code: f"{d.name}, {d.code}" for d in subs},
        )
    )
    return section(
        [
            table_html(
                header,
                rows,
                caption=f"Sorties par département, {y}",
                cls="wide",
            ),
            note("Taux en % des sorties examinées de chaque département."),
            *secret_notes(any(SECRET_MARK in r for r in rows)),
            *([para(sentence)] if sentence else []),
        ]
    )


def _sortants_by_departement(ctx: ReportContext, subs: list[Territory]) -> HTML:
    """The sortants by département when no exit of the region is examined (no rate)."""
    y = ctx.year
    rows = [
        [
            d.label() if d else "Ensemble de la région",
            ctx.cell("sortants", fmt_int, y, terr=d),
            ctx.cell("exits_by_category", fmt_int, y, "ALL", "retrait", d),
            ctx.cell("exits_by_category", fmt_int, y, "ALL", "inconnue", d),
        ]
        for d in [*subs, None]
    ]
    return section(
        [
            table_html(
                [
                    "Département",
                    "Sortants",
                    "Retrait des sorties constatées",
                    "Catégorie inconnue",
                ],
                rows,
                caption=f"Sortants par département, {y}",
                cls="wide",
            ),
            note(
                f"Aucune sortie n'est examinée en {y} dans la région : pas de taux de sortie par "
                "département."
            ),
            *secret_notes(any(SECRET_MARK in r for r in rows)),
        ]
    )
