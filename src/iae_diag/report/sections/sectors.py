"""Section 4: the sectors of the hours worked (shares by type, change over four years)."""

from __future__ import annotations

import pandas as pd
from IPython.display import HTML

from iae_diag import alt_text, differences, narrative, plots
from iae_diag.formatting import fmt_int, fmt_pct
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
from iae_diag.report.narrative import sectors as sentences
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
    unranked = tuple(labels[c] for c in UNRANKED_SECTORS if c in labels)
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
                sentences.sectors_paragraph(
                    y,
                    {labels[c]: shares["ALL"][c] for c in codes},
                    unranked,
                    hidden=any(hidden("ALL", c) for c in codes),
                )
            ),
            *_positioning(present, shares, codes, labels, unranked, hidden),
        ]
    )


def _positioning(present, shares, codes, labels, unranked, hidden) -> list[str]:
    """The dominant sectors of each type (a type with a hidden share is not commented)."""
    items = [
        sentences.type_positioning_sentence(t, {labels[c]: shares[t][c] for c in codes}, unranked)
        for t in present
        if not any(hidden(t, c) for c in codes)
    ]
    items = [s for s in items if s]
    if len(items) < 2:
        return [para(s) for s in items]
    return [
        para("Le positionnement sectoriel varie selon le type de SIAE :"),
        "<ul>" + "".join(f"<li>{esc(s)}</li>" for s in items) + "</ul>",
    ]


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

    def change(t: str, c: str) -> differences.Difference:
        return differences.points(
            ctx.value("hours_share_by_sector", y, t, c) or 0.0,
            ctx.value("hours_share_by_sector", y0, t, c) or 0.0,
        )

    rows, sentences_ = [], []
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
        row += [SECRET_MARK if hidden(t, c) else change(t, c).text for t in cols]
        rows.append(row)
    if not rows:
        return section(
            [note(f"Aucune heure travaillée n'est rattachée à un secteur en {y0} ni en {y}.")]
        )
    for t in cols:
        if any(hidden(t, c) for c in ctx.sectors["sector_code"]):
            continue  # no sentence ranks the changes of a type with a hidden share
        ranked = [c for c in ctx.sectors["sector_code"] if c not in UNRANKED_SECTORS]
        sentences_.append(
            sentences.type_changes_sentence(
                "Ensemble" if t == "ALL" else t,
                [
                    (labels[c], ctx.value("hours_share_by_sector", y, t, c), change(t, c))
                    for c in ranked
                ],
                y0,
                y,
            )
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
        note(
            "Écarts en points de pourcentage entre les deux années, calculés sur les parts non "
            "arrondies ; « stable » : moins d'un point."
        ),
        *secret_notes(any(SECRET_MARK in r for r in rows)),
    ]
    if sentences_:
        parts.append(para(f"Principales évolutions de la part des heures entre {y0} et {y} :"))
        parts.append("<ul>" + "".join(f"<li>{esc(s)}</li>" for s in sentences_) + "</ul>")
    return section(parts)
