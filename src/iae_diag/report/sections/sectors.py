"""Section 4: the sectors of the hours worked (shares by type, change over four years)."""

from __future__ import annotations

import pandas as pd
from IPython.display import HTML

from iae_diag import alt_text, narrative, plots
from iae_diag.formatting import fmt_int, fmt_pct, fmt_points
from iae_diag.report.context import ReportContext
from iae_diag.report.html import (
    esc,
    figure_html,
    note,
    para,
    secret_notes,
    section,
    table_html,
)
from iae_diag.vocabulary import (
    SECRET_MARK,
    SECTOR_MISSING,
    SECTOR_OTHER,
    TYPES,
)

#: sectors left out of the rankings of the sentences ("Autres", "Non renseigné")
UNRANKED_SECTORS = (SECTOR_OTHER, SECTOR_MISSING)


def _sector_shares(ctx: ReportContext, year: int, t: str = "ALL") -> dict[str, float | None]:
    return {c: ctx.value("hours_share_by_sector", year, t, c) for c in ctx.sectors["sector_code"]}


def show_sectors(ctx: ReportContext) -> HTML:
    """Sectors of the hours worked, overall and by type."""
    y = ctx.year
    labels = ctx.sector_labels
    present = [t for t in TYPES if ctx.value("hours", y, t) or ctx.secret("hours", y, t)]
    cols = ("ALL", *present)
    shares = {t: _sector_shares(ctx, y, t) for t in cols}

    def hidden(t: str, c: str) -> bool:
        return ctx.secret("hours_share_by_sector", y, t, c)

    codes = [
        c for c in ctx.sectors["sector_code"] if any(shares[t][c] or hidden(t, c) for t in shares)
    ]
    if not codes or not (ctx.value("hours", y) or ctx.secret("hours", y)):
        return section([note(f"Aucune heure travaillée n'est rattachée à un secteur en {y}.")])
    rows = [
        [labels[c], *[ctx.cell("hours_share_by_sector", fmt_pct, y, t, c) for t in cols]]
        for c in codes
    ]
    rows.append(["Heures travaillées", *[ctx.cell("hours", fmt_int, y, t) for t in cols]])
    # a hidden share is absent from the chart (its part of the bar stays empty)
    chart = [
        {"type_siae": t, "label": labels[c], "share": shares[t][c] or 0.0}
        for t in cols
        for c in codes
        if not hidden(t, c)
    ]
    left_out = ["ensemble" if t == "ALL" else t for t in cols if any(hidden(t, c) for c in codes)]
    without_hours = [
        narrative.lower_first(labels[c]) for c in ctx.sectors["sector_code"] if c not in codes
    ]
    return section(
        [
            table_html(
                ["Secteur", "Ensemble", *present],
                rows,
                caption=f"Répartition des heures travaillées par secteur, en %, {y}",
            ),
            *(
                [
                    note(
                        f"Sans heure travaillée en {y}, donc absent du tableau : "
                        f"{narrative.join_fr(without_hours)}."
                    )
                ]
                if without_hours
                else []
            ),
            figure_html(
                plots.sector_shares_by_type(
                    pd.DataFrame(chart), y, ctx.source, plots.sector_colors(list(labels.values()))
                ),
                alt_text.sectors(
                    y,
                    [(labels[c], shares["ALL"][c]) for c in codes if not hidden("ALL", c)],
                    tuple(labels[c] for c in UNRANKED_SECTORS if c in labels),
                ),
                (
                    ["Secteur", "Ensemble", *present],
                    rows[:-1],
                    f"Données du graphique : répartition des heures travaillées par secteur et "
                    f"type de SIAE, en %, {y}",
                ),
            )
            if chart
            else note(
                "Aucune part des heures par secteur n'est publiable (secret statistique) : "
                "pas de graphique."
            ),
            *secret_notes(any(SECRET_MARK in r for r in rows)),
            *(
                [note(f"Parts non publiées, absentes du graphique : {', '.join(left_out)}.")]
                if left_out and chart
                else []
            ),
            para(
                narrative.sectors_paragraph(
                    y,
                    {labels[c]: shares["ALL"][c] for c in codes},
                    tuple(labels[c] for c in UNRANKED_SECTORS if c in labels),
                    hidden=any(hidden("ALL", c) for c in codes),
                )
            ),
        ]
    )


def show_sectors_change(ctx: ReportContext) -> HTML:
    """Change of the sector shares over four years (or since the first year of the data)."""
    y = ctx.year
    y0 = max(ctx.years[0], y - 4)
    if y0 >= y:
        return section(
            [
                note(
                    f"Les données ne couvrent que {y} : l'évolution des secteurs ne peut pas "
                    "être mesurée."
                )
            ]
        )
    labels = ctx.sector_labels

    def has_hours(t: str, yr: int) -> bool:
        return bool(ctx.value("hours", yr, t) or ctx.secret("hours", yr, t))

    def hidden(t: str, c: str) -> bool:
        return ctx.secret("hours_share_by_sector", y, t, c) or ctx.secret(
            "hours_share_by_sector", y0, t, c
        )

    cols = ["ALL", *[t for t in TYPES if has_hours(t, y) and has_hours(t, y0)]]
    rows, sentences = [], []
    for c in ctx.sectors["sector_code"]:
        a, b = (
            ctx.value("hours_share_by_sector", y0, "ALL", c),
            ctx.value("hours_share_by_sector", y, "ALL", c),
        )
        if not a and not b and not hidden("ALL", c):
            continue
        row = [
            labels[c],
            ctx.cell("hours_share_by_sector", fmt_pct, y0, "ALL", c),
            ctx.cell("hours_share_by_sector", fmt_pct, y, "ALL", c),
        ]
        row += [
            SECRET_MARK
            if hidden(t, c)
            else fmt_points(
                (ctx.value("hours_share_by_sector", y, t, c) or 0.0)
                - (ctx.value("hours_share_by_sector", y0, t, c) or 0.0)
            )
            for t in cols
        ]
        rows.append(row)
    if not rows:
        return section(
            [note(f"Aucune heure travaillée n'est rattachée à un secteur en {y0} ni en {y}.")]
        )
    for t in cols[1:]:
        if any(hidden(t, c) for c in ctx.sectors["sector_code"]):
            continue  # no sentence ranks the changes of a type with a hidden share
        best = None
        for c in ctx.sectors["sector_code"]:
            if c in UNRANKED_SECTORS:
                continue
            a = ctx.value("hours_share_by_sector", y0, t, c) or 0.0
            b = ctx.value("hours_share_by_sector", y, t, c) or 0.0
            if best is None or abs(b - a) > abs(best[2] - best[1]) + 1e-12:
                best = (c, a, b)
        if best:
            sentences.append(
                narrative.sector_change_sentence(t, labels[best[0]], best[2], best[1], y0, y)
            )
    parts = [
        table_html(
            [
                "Secteur",
                f"Part {y0}",
                f"Part {y}",
                *[f"Écart {'ensemble' if t == 'ALL' else t}" for t in cols],
            ],
            rows,
            caption=f"Évolution de la part des heures par secteur entre {y0} et {y}",
            cls="wide",
        ),
        note("Écarts en points de pourcentage entre les deux années."),
        *secret_notes(any(SECRET_MARK in r for r in rows)),
    ]
    if sentences:
        parts.append("<ul>" + "".join(f"<li>{esc(s)}</li>" for s in sentences) + "</ul>")
    return section(parts)
