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


def _folder_identity(manifest: Path) -> str:
    """A processed folder named by its manifest's checksum, never by its path on the
    machine."""
    from iae_diag.freshness import file_sha256

    if not manifest.is_file():
        return "manifeste absent"
    return f"manifest.json, SHA-256\u00a0: {file_sha256(manifest)}"


def show_provenance(ctx: ReportContext) -> HTML:
    """Input files (extract stamp, checksum), code version and parameters of the report."""
    tables = ctx.manifest.get("tables", {})
    rows, sums = [], []
    for name in sorted(tables):
        m = tables[name]
        rows.append(
            [
                name,
                str(m.get("file", "")),
                str(m.get("extract_stamp", "") or "n.d."),
                fmt_int(m.get("rows_read")),
                fmt_int(m.get("rows_kept")),
                fmt_int(m.get("rows_quarantined")),
            ]
        )
        sums.append([name, str(m.get("sha256", "") or "n.d.")])
    parts = []
    if rows:
        parts.append(
            table_html(
                ["Table", "Fichier", "Extraction", "Lignes lues", "Conservées", "Rejetées"],
                rows,
                caption="Fichiers fluxIAE utilisés",
                cls="wide provenance",
            )
        )
        parts.append(
            table_html(
                ["Table", "Empreinte SHA-256 du fichier"],
                sums,
                caption="Empreintes des fichiers",
                cls="wide checksums",
            )
        )
    else:
        parts.append(note("Le manifeste des données ne décrit aucun fichier d'entrée."))
    prm = ctx.parameters
    items = [
        ("Version du code", code_version()),
        ("Territoire", f"{prm['territory']} ({ctx.territory.label()})"),
        (
            "Année",
            f"{ctx.year}" + (" (dernière année des données)" if int(prm["year"]) == 0 else ""),
        ),
        ("Données traitées", _folder_identity(ctx.processed_dir / "manifest.json")),
        ("Dossier géographique", f"« {ctx.geo_dir.name} »" if ctx.geo_dir else "non configuré"),
        ("Schéma des données", str(ctx.manifest.get("schema_version", "n.d."))),
    ]
    if ctx.manifest.get("key_kind") == "demonstration":
        items.append(("Pseudonymisation", "clé de démonstration (données synthétiques)"))
    parts.append(
        table_html(
            ["Élément", "Valeur"], [[a, b] for a, b in items], caption="Version et paramètres"
        )
    )
    return section(parts)
