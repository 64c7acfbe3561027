"""Section 2: the offer (structures, salariés, ETP by type; ETP conventionnés vs
réalisés; creations and closures).
"""

from __future__ import annotations

import math

import pandas as pd
from IPython.display import HTML

from iae_diag import alt_text, differences, plots
from iae_diag.formatting import fmt_int, fmt_pct, fmt_signed
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
from iae_diag.report.narrative import name_types, of_territory
from iae_diag.report.narrative import offer as sentences
from iae_diag.vocabulary import (
    SECRET_MARK,
)


def _drawn(share: float) -> float | None:
    """A share of the chart, None when it is not drawn (NaN: secret)."""
    return None if math.isnan(share) else share


def show_offer(ctx: ReportContext) -> HTML:
    """Structures, salariés and ETP by type side by side, with the shares and the contrast."""
    y = ctx.year
    rows, chart = [], []
    types = ctx.report_types
    n_all = ctx.value("structures", y) or 0.0
    secret = any(
        ctx.secret(i, y, t)
        for i in ("salaries", "salaries_share", "etp_realises", "etp_share")
        for t in (*types, "ALL")
    )
    for t in types:
        s, sal = ctx.value("structures", y, t), ctx.value("salaries", y, t)
        ss, es = ctx.value("salaries_share", y, t), ctx.value("etp_share", y, t)
        rows.append(
            [
                t,
                fmt_int(s or 0),
                fmt_pct((s or 0) / n_all) if n_all else "n.d.",
                ctx.cell("salaries", fmt_int, y, t),
                ctx.pct("salaries_share", y, t),
                ctx.cell("etp_realises", fmt_int, y, t),
                ctx.pct("etp_share", y, t),
            ]
        )
        if sal or ctx.secret("salaries", y, t):
            chart.append(
                {
                    "type_siae": t,
                    # a secret share is left out of the chart (NaN: no bar)
                    "salaries_share": math.nan
                    if ctx.secret("salaries_share", y, t)
                    else ss or 0.0,
                    "etp_share": math.nan if ctx.secret("etp_share", y, t) else es or 0.0,
                }
            )
    rows.append(
        [
            "Ensemble",
            fmt_int(ctx.value("structures", y) or 0),
            "100\u00a0%" if n_all else "n.d.",
            ctx.cell("salaries", fmt_int, y),
            "100\u00a0%" if ctx.value("salaries", y) else "n.d.",
            ctx.cell("etp_realises", fmt_int, y),
            "100\u00a0%" if ctx.value("etp_realises", y) else "n.d.",
        ]
    )
    parts = [
        table_html(
            [
                "Type de SIAE",
                "Structures",
                "Part des structures",
                "Salariés",
                "Part des salariés",
                "ETP réalisés",
                "Part des ETP",
            ],
            rows,
            caption=f"Offre d'insertion par type de SIAE, {y}",
        ),
        note(
            "Un salarié employé par deux types de SIAE compte dans chacun : les parts des "
            "salariés sont calculées sur la somme des effectifs par type, et l'ensemble compte "
            "chaque personne une fois."
        ),
        *([note(n)] if (n := ctx.absent_types_note()) else []),
        *secret_notes(secret),
    ]
    if chart:
        parts.append(
            figure_html(
                plots.shares_by_type(pd.DataFrame(chart), y, ctx.source),
                alt_text.shares_by_type(
                    y,
                    [
                        (c["type_siae"], _drawn(c["salaries_share"]), _drawn(c["etp_share"]))
                        for c in chart
                    ],
                ),
                (
                    ["Type de SIAE", "Part des salariés", "Part des ETP"],
                    [
                        [
                            c["type_siae"],
                            ctx.pct("salaries_share", y, c["type_siae"]),
                            ctx.pct("etp_share", y, c["type_siae"]),
                        ]
                        for c in chart
                    ],
                    f"Données du graphique : parts des salariés et des ETP par type de SIAE, {y}",
                ),
            )
        )
        parts += secret_notes(secret)
        parts.append(para(sentences.offer_contrast_paragraph(ctx.key_figures)))
    else:
        parts.append(note(f"Aucun salarié en insertion n'est recensé en {y} : pas de graphique."))
    mix = sentences.structure_mix_sentence(y, {t: ctx.value("structures", y, t) for t in types})
    if mix:
        parts.append(para(mix))
    return section(parts)


def show_etp(ctx: ReportContext) -> HTML:
    """ETP conventionnés vs réalisés by type and taux de réalisation."""
    y = ctx.year
    rows, chart, left_out = [], [], []
    for t in (*ctx.report_types, "ALL"):
        conv, real = ctx.value("etp_conventionnes", y, t), ctx.value("etp_realises", y, t)
        rows.append(
            [
                "Ensemble" if t == "ALL" else t,
                ctx.cell("etp_conventionnes", fmt_int, y, t),
                ctx.cell("etp_realises", fmt_int, y, t),
                ctx.cell("taux_realisation", fmt_pct, y, t, zero=False),
            ]
        )
        hidden = any(ctx.secret(i, y, t) for i in ("etp_conventionnes", "etp_realises"))
        if t != "ALL" and hidden:
            left_out.append(t)  # a hidden bar is absent from the chart
        elif t != "ALL" and (conv or real):
            chart.append(
                {"type_siae": t, "etp_conventionnes": conv or 0.0, "etp_realises": real or 0.0}
            )
    parts = [
        table_html(
            ["Type de SIAE", "ETP conventionnés", "ETP réalisés", "Taux de réalisation"],
            rows,
            caption=f"ETP conventionnés et réalisés, {y}",
        ),
        *secret_notes(any(SECRET_MARK in r for r in rows)),
    ]
    if chart:
        parts.append(
            figure_html(
                plots.etp_conventionnes_realises(pd.DataFrame(chart), y, ctx.source),
                alt_text.etp_by_type(
                    y,
                    [(c["type_siae"], c["etp_conventionnes"], c["etp_realises"]) for c in chart],
                ),
                (
                    ["Type de SIAE", "ETP conventionnés", "ETP réalisés"],
                    [
                        [
                            c["type_siae"],
                            ctx.cell("etp_conventionnes", fmt_int, y, c["type_siae"]),
                            ctx.cell("etp_realises", fmt_int, y, c["type_siae"]),
                        ]
                        for c in chart
                    ],
                    f"Données du graphique : ETP conventionnés et réalisés par type de SIAE, {y}",
                ),
            )
        )
        parts += absent_from_chart_note(left_out)
    elif left_out:
        parts.append(
            note(
                "Les ETP par type de SIAE ne sont pas publiés (secret statistique) : pas de "
                "graphique."
            )
        )
    else:
        parts.append(note(f"Aucun ETP conventionné ni réalisé n'est recensé en {y}."))
    parts.append(para(sentences.realisation_sentence(ctx.key_figures)))
    parts += _realisation_by_departement(ctx)
    parts.append(para(sentences.realisation_outliers_sentence(y, realisation_outliers(ctx))))
    return section(parts)


def realisation_outliers(ctx: ReportContext) -> list[tuple[str, float]]:
    """The published taux de réalisation outside [85 %, 105 %] of the report: by type of the
    territory (``les ETTI``), then, in a region report, by département and type (``les ETTI de
    la Seine-et-Marne``, ``l'ensemble des SIAE du Val-d'Oise``), in the order of the tables."""
    y = ctx.year
    names = name_types(ctx.geo_dir)

    def out_of_range(v: float | None) -> bool:
        return v is not None and not (
            sentences.REALISATION_LOW - 1e-9 <= v <= sentences.REALISATION_HIGH + 1e-9
        )

    found = []
    for t in (*ctx.report_types, "ALL"):
        v = ctx.value("taux_realisation", y, t)
        if out_of_range(v):
            found.append(("l'ensemble des SIAE" if t == "ALL" else f"les {t}", v))
    for d in ctx.sub_territories():
        of = of_territory(d, names.get(("dep", d.code)))
        for t in (*ctx.report_types, "ALL"):
            v = ctx.value("taux_realisation", y, t, terr=d)
            if out_of_range(v):
                found.append((f"l'ensemble des SIAE {of}" if t == "ALL" else f"les {t} {of}", v))
    return found


def _realisation_by_departement(ctx: ReportContext) -> list[str]:
    """Region report: the taux de réalisation of each département by type (the table the
    sentence on the rates outside [85 %, 105 %] reads)."""
    subs = ctx.sub_territories()
    if not subs:
        return []
    y, types = ctx.year, ctx.report_types
    rows = [
        [d.label()]
        + [ctx.cell("taux_realisation", fmt_pct, y, t, terr=d, zero=False) for t in types]
        + [ctx.cell("taux_realisation", fmt_pct, y, terr=d, zero=False)]
        for d in subs
    ]
    return [
        table_html(
            ["Département", *types, "Ensemble"],
            rows,
            caption=f"Taux de réalisation par département et type de SIAE, {y}",
        ),
        *secret_notes(any(SECRET_MARK in r for r in rows)),
    ]


def show_structures_evolution(ctx: ReportContext) -> HTML:
    """Number of SIAE by type since the first year of the data, creations and closures."""
    years = [v for v in ctx.years if v <= ctx.year]
    y0 = years[0]
    rows, chart = [], []
    for yr in years:
        row = [str(yr)]
        for t in ctx.report_types:
            n = ctx.value("structures", yr, t)
            row.append(fmt_int(n or 0))
            chart.append({"year": yr, "type_siae": t, "structures": n or 0.0})
        row += [
            fmt_int(ctx.value("structures", yr) or 0),
            fmt_int(ctx.value("structures_created", yr)),
            fmt_int(ctx.value("structures_closed", yr)),
            fmt_signed(ctx.value("structures_net", yr)),
        ]
        rows.append(row)
    parts = [
        table_html(
            ["Année", *ctx.report_types, "Ensemble", "Créations", "Fermetures", "Solde"],
            rows,
            caption=f"Nombre de SIAE par type, {y0}-{ctx.year}",
        ),
        note(
            "Créations et fermetures : SIAE actives dans l'année et non l'année précédente, et "
            "inversement ; « n.d. » pour la première année des données."
        ),
    ]
    cdf = pd.DataFrame(chart)
    cdf = cdf[cdf.groupby("type_siae")["structures"].transform("sum") > 0]
    if len(years) > 1 and not cdf.empty:
        drawn = list(dict.fromkeys(cdf["type_siae"]))
        counts = cdf.set_index(["year", "type_siae"])["structures"]
        parts.append(
            figure_html(
                plots.structures_over_time(cdf, ctx.source),
                alt_text.structures_over_time(
                    y0,
                    ctx.year,
                    (ctx.value("structures", y0) or 0.0, ctx.value("structures", ctx.year) or 0.0),
                    [(t, counts[(ctx.year, t)]) for t in drawn],
                ),
                (
                    ["Année", *drawn],
                    [[str(yr), *[fmt_int(counts[(yr, t)]) for t in drawn]] for yr in years],
                    f"Données du graphique : nombre de SIAE par type, {y0}-{ctx.year}",
                ),
            )
        )
    elif len(years) == 1:
        parts.append(note(f"Les données ne couvrent que {ctx.year} : pas de courbe d'évolution."))
    created = [ctx.value("structures_created", yr) for yr in years[1:]]
    closed = [ctx.value("structures_closed", yr) for yr in years[1:]]
    known = bool(created) and all(v is not None for v in created + closed)
    parts.append(
        para(
            sentences.structures_evolution_sentence(
                y0,
                ctx.year,
                ctx.value("structures", y0) or 0.0,
                ctx.value("structures", ctx.year) or 0.0,
                sum(created) if known else None,
                sum(closed) if known else None,
            )
        )
    )
    if len(years) > 1:
        parts += _evolution_by_type(ctx, years)
    return section(parts)


def _evolution_by_type(ctx: ReportContext, years: list[int]) -> list[str]:
    """The number of SIAE of each type in the first year and the report's year, the creations
    and closures of the years between, the net change and the change in %, the share of the
    type in the SIAE; and the sentences on the types."""
    y0, y = years[0], ctx.year
    n0_all, n_all = ctx.value("structures", y0) or 0.0, ctx.value("structures", y) or 0.0
    rows, counts = [], {}
    for t in ctx.report_types:
        a, b = ctx.value("structures", y0, t) or 0.0, ctx.value("structures", y, t) or 0.0
        cr = [ctx.value("structures_created", yr, t) for yr in years[1:]]
        cl = [ctx.value("structures_closed", yr, t) for yr in years[1:]]
        flows = all(v is not None for v in cr + cl)
        counts[t] = (a, b)
        rows.append(
            [
                t,
                fmt_int(a),
                fmt_int(b),
                fmt_int(sum(cr)) if flows else "n.d.",
                fmt_int(sum(cl)) if flows else "n.d.",
                differences.count(b, a).text,
                differences.relative(b, a).text,
                fmt_pct(a / n0_all) if n0_all else "n.d.",
                fmt_pct(b / n_all) if n_all else "n.d.",
                differences.points(
                    b / n_all if n_all else None, a / n0_all if n0_all else None
                ).text,
            ]
        )
    rows.append(
        [
            "Ensemble",
            fmt_int(n0_all),
            fmt_int(n_all),
            *[
                fmt_int(sum(v)) if all(x is not None for x in v) else "n.d."
                for v in (
                    [ctx.value("structures_created", yr) for yr in years[1:]],
                    [ctx.value("structures_closed", yr) for yr in years[1:]],
                )
            ],
            differences.count(n_all, n0_all).text,
            differences.relative(n_all, n0_all).text,
            "100\u00a0%" if n0_all else "n.d.",
            "100\u00a0%" if n_all else "n.d.",
            "",
        ]
    )
    return [
        table_html(
            [
                "Type de SIAE",
                str(y0),
                str(y),
                f"Créations {years[1]}-{y}",
                f"Fermetures {years[1]}-{y}",
                "Solde",
                "Évolution",
                f"Part des SIAE {y0}",
                f"Part des SIAE {y}",
                "Écart de part",
            ],
            rows,
            caption=f"Évolution du nombre de SIAE par type entre {y0} et {y}",
            cls="wide",
        ),
        note(
            "Évolution en % du nombre de SIAE ; écart de part en points ; « stable » : moins "
            "de 1 % ou d'un point."
        ),
        *[para(x) for x in sentences.type_evolution_sentences(y0, y, counts)],
    ]
