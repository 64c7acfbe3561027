"""Section 2: the offer (structures, salariés, ETP by type; ETP conventionnés vs
réalisés; creations and closures).
"""

from __future__ import annotations

import math

import pandas as pd
from IPython.display import HTML

from iae_diag import alt_text, narrative, plots
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
        parts.append(para(narrative.offer_contrast_paragraph(ctx.key_figures)))
    else:
        parts.append(note(f"Aucun salarié en insertion n'est recensé en {y} : pas de graphique."))
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
    parts.append(para(narrative.realisation_sentence(ctx.key_figures)))
    return section(parts)


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
            narrative.structures_evolution_sentence(
                y0,
                ctx.year,
                ctx.value("structures", y0) or 0.0,
                ctx.value("structures", ctx.year) or 0.0,
                sum(created) if known else None,
                sum(closed) if known else None,
            )
        )
    )
    return section(parts)
