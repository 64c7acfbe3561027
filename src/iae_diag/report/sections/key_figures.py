"""Section 1: key figures of the territory and the year."""

from __future__ import annotations

from IPython.display import HTML

from iae_diag import differences, narrative
from iae_diag.formatting import fmt_int, fmt_pct
from iae_diag.report.context import ReportContext
from iae_diag.report.html import (
    note,
    para,
    secret_notes,
    section,
    table_html,
)
from iae_diag.report.narrative import key_figures as key_figures_text
from iae_diag.report.narrative import name_types, of_territory
from iae_diag.vocabulary import (
    SECRET_MARK,
)


def show_key_figures(ctx: ReportContext) -> HTML:
    """Key figures of the year with the change from the previous year, and the opening
    paragraph."""
    y, p = ctx.year, ctx.year - 1
    has_prev = p in ctx.years
    specs = [
        ("Structures (SIAE)", "structures", fmt_int, "rel"),
        ("Salariés en insertion", "salaries", fmt_int, "rel"),
        ("ETP réalisés", "etp_realises", fmt_int, "rel"),
        ("ETP conventionnés", "etp_conventionnes", fmt_int, "rel"),
        ("Taux de réalisation", "taux_realisation", fmt_pct, "pts"),
        ("Heures travaillées", "hours", fmt_int, "rel"),
        ("Créations de SIAE", "structures_created", fmt_int, "abs"),
        ("Fermetures de SIAE", "structures_closed", fmt_int, "abs"),
    ]
    rows = []
    parent, france, siblings = ctx.parent(), ctx.france(), ctx.siblings()
    for label, ind, f, kind in specs:
        cur = ctx.value(ind, y)
        row = [label, ctx.cell(ind, f, y, zero=False)]
        if has_prev:
            ch = _change(ctx, ind, kind)
            row = [label, ctx.cell(ind, f, p, zero=False), row[1], ch]
        for t in (parent, france):
            if t is None:
                continue
            row.append(ctx.cell(ind, f, y, terr=t, zero=False))
            if has_prev:
                row.append(_change(ctx, ind, kind, t))
        if len(siblings) > 1:
            # no rank when a département's value is hidden: it would place the hidden value
            hidden = any(ctx.secret(ind, y, terr=d) for d in siblings)
            row.append(
                SECRET_MARK
                if hidden
                else key_figures_text.rank_text(
                    key_figures_text.rank(cur, [ctx.value(ind, y, terr=d) for d in siblings]),
                    len(siblings),
                )
            )
        rows.append(row)
    header = ["Indicateur", str(p), str(y), "Évolution"] if has_prev else ["Indicateur", str(y)]
    if parent is not None:
        header += [f"Région {parent.name} {y}"] + (["Évolution de la région"] if has_prev else [])
    if france is not None:
        header += [f"France {y}"] + (["Évolution France"] if has_prev else [])
    header += ["Rang dans la région"] if len(siblings) > 1 else []
    parts = []
    if ctx.value("salaries", y) is None and ctx.value("structures", y) is None:
        parts.append(note(f"Aucune donnée n'est disponible pour {ctx.territory.label()} en {y}."))
    parts.append(table_html(header, rows, caption=f"Chiffres clés {y}", cls="key"))
    parts += secret_notes(any(SECRET_MARK in r for r in rows))
    if not has_prev:
        parts.append(
            note(f"L'année {p} n'est pas couverte par les données : pas d'évolution calculée.")
        )
    if len(siblings) > 1:
        parts.append(
            note(
                f"Rang : place du département parmi les {len(siblings)} départements de la "
                "région, du plus grand au plus petit."
            )
        )
    parts.append(
        para(
            narrative.key_figures_paragraph(
                ctx.key_figures,
                ctx.territory,
                # a département's changes are said beside its region's (below)
                None if parent is not None else ctx.previous_key_figures,
                ctx.name_type(),
            )
        )
    )
    if parent is not None and has_prev:
        names = name_types(ctx.geo_dir)
        s = key_figures_text.against_region_sentence(
            of_territory(ctx.territory, names.get(("dep", ctx.territory.code))),
            p,
            [
                (
                    what,
                    then,
                    differences.relative(ctx.value(ind, y), ctx.value(ind, p)),
                    differences.relative(
                        ctx.value(ind, y, terr=parent), ctx.value(ind, p, terr=parent)
                    ),
                )
                for ind, what, then in key_figures_text.COMPARED
            ],
        )
        if s:
            parts.append(para(s))
    return section(parts)


def _change(ctx: ReportContext, ind: str, kind: str, terr=None) -> str:
    """The change of a key figure from the previous year as the table prints it (``s`` when
    either value is hidden): relative, in points (``pts``) or a count (``abs``)."""
    y, p = ctx.year, ctx.year - 1
    if ctx.secret(ind, y, terr=terr) or ctx.secret(ind, p, terr=terr):
        return SECRET_MARK
    compute = {"pts": differences.points, "abs": differences.count}.get(kind, differences.relative)
    return compute(ctx.value(ind, y, terr=terr), ctx.value(ind, p, terr=terr)).text
