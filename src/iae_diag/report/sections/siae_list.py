"""Annex: the list of the SIAE of a département (name, type, commune, salariés)."""

from __future__ import annotations

import pandas as pd
from IPython.display import HTML

from iae_diag import secrecy
from iae_diag.formatting import fmt_int, fmt_number, fmt_pct
from iae_diag.report.context import ReportContext
from iae_diag.report.html import (
    esc,
    h3,
    note,
    section,
    table_html,
)
from iae_diag.territories import Territory
from iae_diag.vocabulary import (
    SECRET_MARK,
    TYPES,
)


def show_siae_annex(ctx: ReportContext) -> HTML:
    """``interne`` documents only: an annex per département with one row per SIAE (type,
    commune, salariés, ETP conventionnés and réalisés, taux de réalisation, hours, created or
    closed in the year). The person rule still applies: 1 to 4 salariés print ``s``, with
    the secondary cells of :func:`annex_hidden_salaries`. Nothing in a ``publique``
    document."""
    if ctx.diffusion != secrecy.INTERNE:
        return HTML("")
    y = ctx.year
    parts = [f"<h2>{esc('Annexe : les SIAE par département (diffusion restreinte)')}</h2>"]
    if ctx.siae is None:
        return section([*parts, note("La table des SIAE est absente des données traitées.")])
    deps = ctx.territory.departements() if ctx.territory.level == "region" else []
    deps = deps or [ctx.territory.code]
    for d in deps:
        table = siae_annex_table(ctx.siae, d, y)
        parts.append(h3(Territory("dep", d).label()))
        if table.empty:
            parts.append(note(f"Aucune SIAE active en {y - 1} ou en {y}."))
            continue
        hidden = annex_hidden_salaries(table)
        rows = [
            [
                str(r.denomination),
                r.type_siae,
                str(r.code_commune),
                SECRET_MARK if i in hidden else fmt_int(r.salaries),
                fmt_number(r.etp_conventionnes, 1),
                fmt_number(r.etp_realises, 1),
                fmt_pct(r.taux_realisation),
                fmt_int(r.hours),
                r.mouvement,
            ]
            for i, r in enumerate(table.itertuples(index=False))
        ]
        parts.append(
            table_html(
                [
                    "SIAE",
                    "Type",
                    "Commune",
                    "Salariés",
                    "ETP conventionnés",
                    "ETP réalisés",
                    "Taux de réalisation",
                    "Heures",
                    f"Mouvement {y}",
                ],
                rows,
                caption=f"SIAE {Territory('dep', d).of_name()} ({d}), {y}",
                cls="wide",
            )
        )
    parts.append(
        note(
            "Document de travail réservé aux services de l'État : les chiffres par structure "
            "ne doivent pas être diffusés. « s » : moins de 5 salariés (secret statistique)."
        )
    )
    return section(parts)


def annex_hidden_salaries(table: pd.DataFrame) -> set[int]:
    """Rows (positions) of an annex table whose salariés are not printed: 1 to 4 persons
    (primary), then, in the département and in each type (whose totals the report prints),
    while exactly one row is hidden, the smallest other non-zero count (ties: the first row)."""
    n = table["salaries"].to_numpy()
    hidden = {i for i, v in enumerate(n) if 0 < v < secrecy.MIN_PERSONS}
    groups = [list(range(len(n)))]
    groups += [
        [i for i, t in enumerate(table["type_siae"]) if t == typ]
        for typ in dict.fromkeys(table["type_siae"])
    ]
    changed = True
    while changed:
        changed = False
        for g in groups:
            if len([i for i in g if i in hidden]) == 1:
                others = [i for i in g if i not in hidden and n[i] > 0]
                if others:
                    hidden.add(min(others, key=lambda i: (n[i], i)))
                    changed = True
    return hidden


def siae_annex_table(siae: pd.DataFrame, dep: str, year: int) -> pd.DataFrame:
    """The SIAE of a département active in ``year`` (``mouvement`` « créée » when not active
    the year before) and those active the year before only (« fermée », figures 0), sorted by
    type then name. One row per SIAE (structure and type)."""
    s = siae.loc[siae["code_departement"].astype(str) == dep]
    keys = ["structure_id_siae", "type_siae"]
    cur = s.loc[s["year"] == year]
    prev_keys = set(map(tuple, s.loc[s["year"] == year - 1, keys].to_numpy().tolist()))
    cur_keys = set(map(tuple, cur[keys].to_numpy().tolist()))
    has_prev = bool((siae["year"] == year - 1).any())
    cur = cur.assign(
        mouvement=[
            "créée" if has_prev and k not in prev_keys else ""
            for k in map(tuple, cur[keys].to_numpy().tolist())
        ]
    )
    closed = s.loc[(s["year"] == year - 1)]
    closed = closed.loc[[tuple(k) not in cur_keys for k in closed[keys].to_numpy().tolist()]]
    closed = closed.assign(
        mouvement="fermée", salaries=0, etp_realises=0.0, etp_conventionnes=0.0, hours=0.0
    )
    out = pd.concat([cur, closed], ignore_index=True)
    out["taux_realisation"] = [
        r / c if c else None
        for r, c in zip(out["etp_realises"], out["etp_conventionnes"], strict=True)
    ]
    order = {t: i for i, t in enumerate(TYPES)}
    out = out.assign(_t=out["type_siae"].map(order))
    out = out.sort_values(["_t", "denomination", "structure_id_siae"], kind="stable")
    return out.drop(columns="_t").reset_index(drop=True)
