"""Section 5: the territories (départements, communes, QPV, thinly covered areas, maps)."""

from __future__ import annotations

from IPython.display import HTML

from iae_diag.figures import publishable
from iae_diag.formatting import fmt_int, fmt_pct, fmt_signed
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
            fmt_signed((n1 or 0) - (n0 or 0)) if y0 < y else "n.d.",
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
    shown = any(h.startswith("ETP pour 10") for h in header)
    parts += [note(s) for s in sections.coverage_notes(ctx.geo_dir, y, shown)]
    parts += sections.needs_parts(ctx, html)
    return section(parts)


def show_maps(ctx: ReportContext) -> HTML:
    """The maps, the offer by commune and the table of the least covered territories (package
    :mod:`iae_diag.geo`, module ``sections``)."""
    from iae_diag.geo import sections  # geopandas: imported when the section is rendered

    return section(sections.maps_parts(ctx, html))
