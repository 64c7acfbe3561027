"""Annex: data quality (quarantined rows, unknown values, fallbacks)."""

from __future__ import annotations

from IPython.display import HTML

from iae_diag.formatting import fmt_int, fmt_number
from iae_diag.report.context import ReportContext
from iae_diag.report.html import (
    note,
    secret_notes,
    section,
    table_html,
)
from iae_diag.vocabulary import (
    SECRET_MARK,
    quality_label,
    quality_order,
)


def show_quality(ctx: ReportContext) -> HTML:
    """Data-quality checks of the territory and the year."""
    q = ctx.quality
    t, y = ctx.territory, ctx.year
    if q is None:
        return section(
            [
                note(
                    "Le tableau de qualité des données est absent des données traitées : "
                    "aucun contrôle ne peut être présenté."
                )
            ]
        )
    sel = q[
        (q["territory_level"].astype(str) == t.level)
        & (q["territory_code"].astype(str) == t.code)
        & (q["year"].astype(int) == y)
    ]
    if sel.empty:
        return section(
            [note(f"Aucun contrôle de qualité n'est enregistré pour ce territoire en {y}.")]
        )
    rows = []
    if "breakdown" not in sel.columns:
        sel = sel.assign(breakdown="")
    sel = sel.assign(breakdown=sel["breakdown"].fillna("").astype(str))
    order = [quality_order(c, b) for c, b in zip(sel["check"], sel["breakdown"], strict=True)]
    for _, r in sorted(zip(order, sel.itertuples(index=False), strict=True)):
        label = quality_label(r.check, r.breakdown)
        v = float(r.value)
        if ctx.decision is not None and ctx.decision.quality_hidden(
            t.level, t.code, y, r.check, r.breakdown
        ):
            rows.append([label, SECRET_MARK])  # a count of persons under statistical secrecy
            continue
        rows.append([label, fmt_int(v) if v == int(v) else fmt_number(v, 2)])
    return section(
        [
            table_html(["Contrôle", "Valeur"], rows, caption=f"Qualité des données, {y}"),
            *secret_notes(any(SECRET_MARK in r for r in rows)),
        ]
    )
