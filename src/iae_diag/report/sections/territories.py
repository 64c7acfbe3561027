"""Section 5: the territories (départements, communes, QPV, thinly covered areas, maps)."""

from __future__ import annotations

import pandas as pd
from IPython.display import HTML

from iae_diag import differences
from iae_diag.figures import publishable
from iae_diag.formatting import fmt_int, fmt_pct
from iae_diag.report import html
from iae_diag.report.context import ReportContext
from iae_diag.report.html import (
    note,
    para,
    secret_notes,
    section,
    share,
    table_html,
)
from iae_diag.report.narrative import name_types, the_name
from iae_diag.report.narrative import territories as sentences
from iae_diag.territories import Territory
from iae_diag.vocabulary import (
    SECRET_MARK,
)


def show_territories(ctx: ReportContext) -> HTML:
    """Region report: comparison of its départements; département report: its weight in the
    region."""
    from iae_diag.geo import sections  # geopandas: imported when the section is rendered

    y, y0 = ctx.year, ctx.years[0]
    geo = sections.load_geography(ctx.geo_dir)

    def row(terr: Territory, label: str) -> list[str]:
        n0, n1 = ctx.value("structures", y0, terr=terr), ctx.value("structures", y, terr=terr)
        r = [
            label,
            fmt_int(n1 or 0),
            ctx.cell("salaries", fmt_int, y, terr=terr),
            ctx.cell("etp_realises", fmt_int, y, terr=terr),
            ctx.cell("etp_conventionnes", fmt_int, y, terr=terr),
            ctx.cell("taux_realisation", fmt_pct, y, terr=terr, zero=False),
            differences.count(n1 or 0, n0 or 0).text if y0 < y else "n.d.",
            differences.relative(n1, n0).text if y0 < y else "n.d.",
        ]
        return r

    header = [
        "Territoire",
        "Structures",
        "Salariés",
        "ETP réalisés",
        "ETP conventionnés",
        "Taux de réalisation",
        f"Évolution des structures depuis {y0}",
        f"Évolution des structures depuis {y0} (%)",
    ]

    def with_coverage(terrs: list[Territory], rows: list[list[str]]) -> list[list[str]]:
        cov = sections.coverage_column(ctx.indicators, ctx.geo_dir, terrs, y)
        if cov is None:
            return rows
        header.append(cov[0])
        # a rate computed from hidden ETP réalisés would give them back: hidden too
        cells = [
            SECRET_MARK if ctx.secret("etp_realises", y, terr=t) else c
            for t, c in zip(terrs, cov[1], strict=True)
        ]
        return [r + [c] for r, c in zip(rows, cells, strict=True)]

    if ctx.territory.level == "region":
        subs = ctx.sub_territories()
        if not subs:
            return section([note(f"Aucun département de la région n'a de données en {y}.")])
        rows = [row(d, d.label()) for d in subs]
        rows.append(row(ctx.territory, "Ensemble de la région"))
        rows = with_coverage([*subs, ctx.territory], rows)
        parts = [
            table_html(header, rows, caption=f"Comparaison des départements, {y}", cls="wide"),
            *secret_notes(any(SECRET_MARK in r for r in rows)),
            *[para(x) for x in _region_sentences(ctx, subs)],
        ]
    else:
        parent = ctx.parent()
        rows = [row(ctx.territory, ctx.territory.label())]  # a département
        if parent is not None:
            rows.append(row(parent, f"Région {parent.name}"))
        terrs = [ctx.territory] + ([parent] if parent is not None else [])
        rows = with_coverage(terrs, rows)
        parts = [
            table_html(header, rows, caption=f"Le département dans sa région, {y}", cls="wide"),
            *secret_notes(any(SECRET_MARK in r for r in rows)),
        ]
        if parent is not None:
            shares = [
                (lab, share(ctx.value(k, y), ctx.value(k, y, terr=parent)))
                for lab, k in (
                    ("des structures", "structures"),
                    ("des salariés", "salaries"),
                    ("des ETP réalisés", "etp_realises"),
                )
            ]
            # a share of salariés: not quoted when the region counts too few of them
            shares[1] = (
                shares[1][0],
                publishable(shares[1][1], ctx.value("salaries", y, terr=parent)),
            )
            txt = ", ".join(f"{fmt_pct(v)} {lab}" for lab, v in shares if v is not None)
            if txt:
                who = sections.the_name(geo, ctx.territory)
                parts.append(
                    para(f"En {y}, {who} représente {txt} {sections.of_territory(geo, parent)}.")
                )
            if y0 < y:
                n0, n1 = ctx.value("structures", y0), ctx.value("structures", y)
                change = sentences.departement_change_sentence(
                    sections.of_territory(geo, ctx.territory),
                    y0,
                    differences.relative(n1, n0),
                    differences.relative(
                        ctx.value("structures", y, terr=parent),
                        ctx.value("structures", y0, terr=parent),
                    ),
                    differences.count(n1, n0),
                )
                if change:
                    parts.append(para(change))
    shown = any(h.startswith("ETP pour 10") for h in header)
    parts += [note(s) for s in sections.coverage_notes(ctx.geo_dir, y, shown)]
    parts += sections.needs_parts(ctx, html)
    return section(parts)


def show_maps(ctx: ReportContext) -> HTML:
    """The maps, the offer by commune and the table of the least covered territories (package
    :mod:`iae_diag.geo`, module ``sections``)."""
    from iae_diag.geo import sections  # geopandas: imported when the section is rendered

    return section(sections.maps_parts(ctx, html))


def _region_sentences(ctx: ReportContext, subs: list[Territory]) -> list[str]:
    """Region report: the change of the number of SIAE of each département since the first
    year (as the table prints it), the largest départements, the offer per inhabitant."""
    from iae_diag.geo import load_geography
    from iae_diag.geo.populations import coverage_per_inhabitants

    y, y0 = ctx.year, ctx.years[0]
    names = name_types(ctx.geo_dir)
    named = {d.code: the_name(d, names.get(("dep", d.code))) for d in subs}
    out = []
    if y0 < y:
        out += sentences.growth_sentences(
            y0,
            [
                (
                    named[d.code],
                    differences.count(
                        ctx.value("structures", y, terr=d) or 0,
                        ctx.value("structures", y0, terr=d) or 0,
                    ),
                )
                for d in subs
            ],
        )
    largest = sentences.largest_sentence(
        [(named[d.code], ctx.value("structures", y, terr=d) or 0.0) for d in subs],
        ctx.value("structures", y) or 0.0,
    )
    if largest:
        out.append(largest)
    geo = load_geography(ctx.geo_dir)
    cov = coverage_per_inhabitants(ctx.indicators, geo, [*subs, ctx.territory], y)
    rates = {
        (r.territory_level, r.territory_code): (
            None if pd.isna(r.etp_per_10000) else float(r.etp_per_10000)
        )
        for r in cov.itertuples()
    }
    coverage = sentences.coverage_sentence(
        [
            (named[d.code], rates.get(("dep", d.code)))
            for d in subs
            if not ctx.secret("etp_realises", y, terr=d)
        ],
        rates.get((ctx.territory.level, ctx.territory.code)),
    )
    if coverage:
        out.append(coverage)
    return out
