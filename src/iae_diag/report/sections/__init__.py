"""The sections of the diagnostic, one module per section, in the order of the document.

Each ``show_*`` function renders one section as French HTML (tables, figures embedded as PNG,
sentences written from the figures) and returns an IPython display object; the notebook
``notebooks/diagnostic.ipynb`` only calls them. A section without data says so in a sentence.
"""

from iae_diag.report.sections.highlights import show_highlights
from iae_diag.report.sections.key_figures import show_key_figures
from iae_diag.report.sections.methodology import show_methodology
from iae_diag.report.sections.offer import show_etp, show_offer, show_structures_evolution
from iae_diag.report.sections.parcours import (
    show_entrants_profile,
    show_exits,
    show_exits_by_territory,
    show_flows,
)
from iae_diag.report.sections.provenance import show_provenance
from iae_diag.report.sections.publics import (
    show_publics,
    show_publics_by_territory,
    show_publics_over_time,
)
from iae_diag.report.sections.quality import show_quality
from iae_diag.report.sections.sectors import show_sectors, show_sectors_change
from iae_diag.report.sections.siae_changes import show_siae_changes
from iae_diag.report.sections.siae_list import show_siae_annex
from iae_diag.report.sections.territories import show_maps, show_territories
from iae_diag.report.sections.title import show_title

__all__ = [
    "show_title",
    "show_highlights",
    "show_key_figures",
    "show_offer",
    "show_etp",
    "show_structures_evolution",
    "show_siae_changes",
    "show_publics",
    "show_publics_over_time",
    "show_publics_by_territory",
    "show_flows",
    "show_entrants_profile",
    "show_exits",
    "show_exits_by_territory",
    "show_sectors",
    "show_sectors_change",
    "show_territories",
    "show_maps",
    "show_methodology",
    "show_quality",
    "show_provenance",
    "show_siae_annex",
]
