"""Title block of the report."""

from __future__ import annotations

from IPython.display import HTML

from iae_diag import secrecy
from iae_diag.report.context import RESTRICTED_MARK, ReportContext, extract_date
from iae_diag.report.html import (
    esc,
    note,
    section,
)


def show_title(ctx: ReportContext) -> HTML:
    """Title block: territory, year, data vintage."""
    t = ctx.territory
    name = t.label() if t.level == "dep" else f"Région {t.name}"
    stamp = extract_date(ctx.manifest)
    restricted = (
        [
            f'<p class="diffusion-banner">{esc(RESTRICTED_MARK)}</p>',
            f'<p class="diffusion-footer">{esc(RESTRICTED_MARK)}</p>',
        ]
        if ctx.diffusion == secrecy.INTERNE
        else []
    )
    return section(
        [
            *restricted,
            '<div class="title-block">',
            "<h1>Diagnostic de l'insertion par l'activité économique</h1>",
            f'<p class="subtitle">{esc(name)} — année {ctx.year}</p>',
            note(
                "Données ASP, fluxIAE"
                + (f", extraction du {stamp}" if stamp else "")
                + f". Années couvertes : {ctx.years[0]}-{ctx.years[-1]}."
            ),
            "</div>",
        ]
    )
