"""Section 3: the publics (shares, their change over time, territorial comparison)."""

from __future__ import annotations

import pandas as pd
from IPython.display import HTML

from iae_diag import alt_text, differences, plots
from iae_diag.report.context import ReportContext
from iae_diag.report.html import (
    figure_html,
    note,
    para,
    secret_notes,
    section,
    table_html,
)
from iae_diag.report.narrative import name_types, of_territory, the_name
from iae_diag.report.narrative import publics as sentences
from iae_diag.territories import Territory
from iae_diag.vocabulary import (
    PUBLIC_KEYS,
    PUBLIC_LABELS,
    SECRET_MARK,
    SECRET_NOTE,
    TYPES,
)

PUBLICS_OVER_TIME = ("women", "under_26", "age_50_plus", "rsa", "job_seeker_24m_plus", "qpv")


def _public(
    ctx: ReportContext, key: str, year: int, t: str = "ALL", terr: Territory | None = None
):
    return ctx.value("public_share", year, t, key, terr)


def show_publics(ctx: ReportContext) -> HTML:
    """Publics of the year: overall and by type, with the sentences."""
    y = ctx.year
    present = [t for t in TYPES if ctx.value("salaries", y, t) or ctx.secret("salaries", y, t)]
    rows, chart = [], []
    for k in PUBLIC_KEYS:
        rows.append(
            [PUBLIC_LABELS[k], ctx.pct("public_share", y, "ALL", k)]
            + [ctx.pct("public_share", y, t, k) for t in present]
        )
        v = _public(ctx, k, y)
        if v is not None:
            chart.append({"label": PUBLIC_LABELS[k], "share": v})
    in_table = any(
        ctx.secret("public_share", y, t, k) for k in PUBLIC_KEYS for t in ("ALL", *present)
    )
    in_chart = any(ctx.secret("public_share", y, "ALL", k) for k in PUBLIC_KEYS)
    parts = [
        table_html(
            ["Public", "Ensemble", *present],
            rows,
            caption=f"Publics des SIAE, en % des salariés en insertion, {y}",
        ),
        note(
            "Chaque part est calculée parmi les salariés dont la caractéristique est connue "
            "(QPV : statut en QPV ou hors QPV connu) ; la part des résidents d'un QPV parmi "
            "tous les salariés compte aussi les statuts inconnus. « n.d. » : aucun salarié "
            "concerné ou information absente."
        ),
        *secret_notes(in_table),
    ]
    if chart:
        parts.append(
            figure_html(
                plots.publics_shares(pd.DataFrame(chart), y, ctx.source),
                alt_text.publics(y, [(c["label"], c["share"]) for c in chart]),
                (
                    ["Public", "Part des salariés"],
                    [
                        [PUBLIC_LABELS[k], ctx.pct("public_share", y, "ALL", k)]
                        for k in PUBLIC_KEYS
                        if _public(ctx, k, y) is not None
                        or ctx.secret("public_share", y, "ALL", k)
                    ],
                    f"Données du graphique : publics des SIAE, en % des salariés en insertion, "
                    f"{y}",
                ),
            )
        )
        parts += secret_notes(in_chart)
    elif in_chart:
        parts.append(note(f"Les parts des publics ne sont pas publiées en {y} ({SECRET_NOTE})"))
    else:
        parts.append(note(f"Les caractéristiques des salariés ne sont pas disponibles en {y}."))
    parts.append(para(sentences.publics_paragraph(ctx.key_figures)))
    return section(parts)


def show_publics_over_time(ctx: ReportContext) -> HTML:
    """Publics over the years of the data (all types together)."""
    years = [v for v in ctx.years if v <= ctx.year]
    rows, chart, trend = [], [], []
    for k in PUBLIC_KEYS:
        vals = [_public(ctx, k, yr) for yr in years]
        hidden = any(ctx.secret("public_share", yr, "ALL", k) for yr in (years[0], years[-1]))
        gap = differences.points(vals[-1], vals[0])
        rows.append(
            [
                PUBLIC_LABELS[k],
                *[ctx.pct("public_share", yr, "ALL", k) for yr in years],
                *([SECRET_MARK if hidden else gap.text] if len(years) > 1 else []),
            ]
        )
        if not any(ctx.secret("public_share", yr, "ALL", k) for yr in years):
            trend.append((k, PUBLIC_LABELS[k], vals, gap))
        if k in PUBLICS_OVER_TIME:
            chart += [
                {"year": yr, "label": PUBLIC_LABELS[k], "share": v}
                for yr, v in zip(years, vals, strict=True)
                if v is not None
            ]
    parts = [
        table_html(
            [
                "Public",
                *[str(v) for v in years],
                *([f"Écart {years[0]}-{years[-1]}"] if len(years) > 1 else []),
            ],
            rows,
            caption=(
                f"Évolution des publics, en % des salariés en insertion, {years[0]}-{years[-1]}"
            ),
        ),
        *secret_notes(
            any(ctx.secret("public_share", yr, "ALL", k) for k in PUBLIC_KEYS for yr in years)
        ),
    ]
    if len(years) > 1 and chart:
        drawn = [
            k for k in PUBLICS_OVER_TIME if any(c["label"] == PUBLIC_LABELS[k] for c in chart)
        ]
        parts.append(
            figure_html(
                plots.publics_over_time(pd.DataFrame(chart), ctx.source),
                alt_text.publics_over_time(
                    years[0],
                    years[-1],
                    [
                        (PUBLIC_LABELS[k], _public(ctx, k, years[0]), _public(ctx, k, years[-1]))
                        for k in drawn
                    ],
                ),
                (
                    ["Public", *[str(v) for v in years]],
                    [
                        [
                            PUBLIC_LABELS[k],
                            *[ctx.pct("public_share", yr, "ALL", k) for yr in years],
                        ]
                        for k in drawn
                    ],
                    f"Données du graphique : évolution de {len(drawn)} publics, en % des "
                    f"salariés en insertion, {years[0]}-{years[-1]}",
                ),
            )
        )
        parts += secret_notes(
            any(
                ctx.secret("public_share", yr, "ALL", k) for k in PUBLICS_OVER_TIME for yr in years
            )
        )
    else:
        parts.append(note("Une seule année de données : pas de courbe d'évolution des publics."))
    if len(years) > 1:
        parts.append(note("Écart en points de pourcentage ; « stable » : moins d'un point."))
    parts += [para(x) for x in sentences.publics_trend_sentences(years, trend)]
    return section(parts)


def show_publics_by_territory(ctx: ReportContext) -> HTML:
    """Region report: publics by département; département report: against the region."""
    y = ctx.year
    if ctx.territory.level == "region":
        subs = ctx.sub_territories()
        if not subs:
            return section([note(f"Aucun département de la région n'a de données en {y}.")])
        rows = [
            [PUBLIC_LABELS[k], ctx.pct("public_share", y, "ALL", k)]
            + [ctx.pct("public_share", y, "ALL", k, terr=d) for d in subs]
            for k in PUBLIC_KEYS
        ]
        secret = any(SECRET_MARK in r[1:] for r in rows)
        legend = "Départements : " + ", ".join(f"{d.code} {d.name}" for d in subs) + "."
        names = name_types(ctx.geo_dir)
        extremes = sentences.departement_extremes_sentences(
            [
                (
                    k,
                    PUBLIC_LABELS[k],
                    _public(ctx, k, y),
                    {d.code: _public(ctx, k, y, terr=d) for d in subs},
                )
                for k in PUBLIC_KEYS
                # a hidden share is never compared (nor one that would give it away)
                if not any(
                    ctx.secret("public_share", y, "ALL", k, terr=t) for t in (ctx.territory, *subs)
                )
            ],
            {d.code: the_name(d, names.get(("dep", d.code))) for d in subs},
        )
        return section(
            [
                table_html(
                    ["Public", "Région", *[d.code for d in subs]],
                    rows,
                    caption=f"Publics par département, en % des salariés en insertion, {y}",
                    cls="wide",
                ),
                note(legend),
                *secret_notes(secret),
                *[para(x) for x in extremes],
            ]
        )
    parent = ctx.parent()
    if parent is None:
        return section(
            [note("Les données de la région ne sont pas disponibles : pas de comparaison.")]
        )
    rows, compared = [], []
    for k in PUBLIC_KEYS:
        a, b = _public(ctx, k, y), _public(ctx, k, y, terr=parent)
        cells = [
            ctx.pct("public_share", y, "ALL", k),
            ctx.pct("public_share", y, "ALL", k, parent),
        ]
        if SECRET_MARK in cells:  # the gap would give the secret share away
            gap = SECRET_MARK
        else:
            d = differences.points(a, b)
            gap = d.text
            compared.append((k, PUBLIC_LABELS[k], a, b, d))
        rows.append([PUBLIC_LABELS[k], *cells, gap])
    names = name_types(ctx.geo_dir)
    against = sentences.against_region_sentence(
        of_territory(ctx.territory, names.get(("dep", ctx.territory.code))), compared
    )
    return section(
        [
            table_html(
                ["Public", "Département", f"Région {parent.name}", "Écart"],
                rows,
                caption=f"Publics du département comparés à la région, {y}",
            ),
            note("Écart en points de pourcentage ; « stable » : moins d'un point."),
            *secret_notes(any(SECRET_MARK in r for r in rows)),
            *([para(against)] if against else []),
        ]
    )
