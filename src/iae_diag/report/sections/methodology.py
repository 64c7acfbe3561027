"""Annex: the methodology page and the statistical-secrecy summary."""

from __future__ import annotations

import re

from IPython.display import Markdown

from iae_diag import narrative, secrecy
from iae_diag.formatting import fmt_int
from iae_diag.report.context import ReportContext
from iae_diag.report.html import (
    no_break_numbers,
)


def show_methodology(ctx: ReportContext) -> Markdown:
    """The methodology page of the indicators (French Markdown)."""
    from iae_diag.indicators import methodology_markdown

    text = no_break_numbers(methodology_markdown().lstrip())
    first, _, rest = text.partition("\n")
    if first.strip().lower() in ("## méthodologie", "# méthodologie"):
        text = rest  # the notebook already titles the section
    # the page is a part of the technical annex (### Méthodologie): its headings one level down
    text = re.sub(r"^(#{2,5}) ", r"#\1 ", text, flags=re.M)
    return Markdown(text.rstrip() + "\n\n" + secrecy_summary(ctx) + "\n")


def secrecy_summary(ctx: ReportContext) -> str:
    """The methodology's paragraph on this run's statistical secrecy: level and cells hidden
    (primary, secondary), over the run and for the report's territory and year."""
    c = ctx.secret_counts()
    where = narrative.lower_first(narrative.territory_noun(ctx.territory, ctx.name_type()))
    level = (
        "publique (document publiable)"
        if ctx.diffusion == secrecy.PUBLIQUE
        else "interne (diffusion restreinte aux services de l'État)"
    )
    return (
        f"**Secret statistique de ce document.** Niveau de diffusion : {level}. Cellules "
        f"non publiées pour {where} en {ctx.year} : {fmt_int(c['primary'])} "
        f"par secret primaire et {fmt_int(c['secondary'])} par secret secondaire. Sur "
        f"l'ensemble des territoires et des années calculés : {fmt_int(c['run_primary'])} "
        f"et {fmt_int(c['run_secondary'])}."
    )
