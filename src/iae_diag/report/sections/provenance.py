"""Annex: provenance of the figures (input files, checksums, code version)."""

from __future__ import annotations

from pathlib import Path

from IPython.display import HTML

from iae_diag.formatting import fmt_int
from iae_diag.report.context import ReportContext, code_version
from iae_diag.report.html import (
    note,
    section,
    table_html,
)

#: French names of the fluxIAE tables
TABLE_NAMES = {
    "AnnexeFinanciere": "Annexes financières",
    "ContratMission": "Contrats de mission",
    "EtatMensuelIndiv": "États mensuels individuels",
    "Salarie": "Salariés",
    "Structure": "Structures",
}


def _stamp_fr(stamp: object) -> str:
    """``2014-01-15T06:00:00`` -> ``15/01/2014 à 06:00``; ``n.d.`` when unknown."""
    if not stamp:
        return "n.d."
    import pandas as pd

    d = pd.Timestamp(str(stamp))
    return f"{d.day:02d}/{d.month:02d}/{d.year:04d} à {d.hour:02d}:{d.minute:02d}"


def _manifest_sum(manifest: Path) -> str:
    """The checksum of the processed folder's manifest (never its path on the machine)."""
    from iae_diag.freshness import file_sha256

    return file_sha256(manifest) if manifest.is_file() else "n.d."


def show_provenance(ctx: ReportContext) -> HTML:
    """Input files (extraction, rows), code version and parameters of the report, in French;
    the checksums in the last table of the document."""
    tables = ctx.manifest.get("tables", {})
    rows, sums = [], []
    for name in sorted(tables):
        m = tables[name]
        label = TABLE_NAMES.get(name, name)
        rows.append(
            [
                label,
                str(m.get("file", "")),
                _stamp_fr(m.get("extract_stamp")),
                fmt_int(m.get("rows_read")),
                fmt_int(m.get("rows_kept")),
                fmt_int(m.get("rows_quarantined")),
            ]
        )
        sums.append([label, str(m.get("sha256", "") or "n.d.")])
    parts = []
    if rows:
        parts.append(
            table_html(
                ["Table", "Fichier", "Extraction", "Lignes lues", "Retenues", "Écartées"],
                rows,
                caption="Fichiers fluxIAE utilisés",
                cls="wide provenance",
            )
        )
    else:
        parts.append(note("Le manifeste des données ne décrit aucun fichier d'entrée."))
    prm = ctx.parameters
    items = [
        ("Version du code", code_version()),
        ("Territoire", ctx.territory.title_name()),
        (
            "Année",
            f"{ctx.year}" + (" (dernière année des données)" if int(prm["year"]) == 0 else ""),
        ),
        ("Dossier géographique", f"« {ctx.geo_dir.name} »" if ctx.geo_dir else "non utilisé"),
        (
            "Version du format des données traitées",
            str(ctx.manifest.get("schema_version", "n.d.")),
        ),
    ]
    if ctx.manifest.get("key_kind") == "demonstration":
        items.append(("Pseudonymisation", "clé de démonstration (données synthétiques)"))
    parts.append(
        table_html(
            ["Élément", "Valeur"], [[a, b] for a, b in items], caption="Version et paramètres"
        )
    )
    sums.append(
        ["Manifeste des données traitées", _manifest_sum(ctx.processed_dir / "manifest.json")]
    )
    parts.append(
        table_html(
            ["Fichier", "Empreinte SHA-256"],
            sums,
            caption="Empreintes SHA-256 des fichiers",
            cls="wide checksums",
        )
    )
    return section(parts)
