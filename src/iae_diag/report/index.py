"""``index.html``: the landing page of a year's reports.

The region then its départements, each with its headline figures (structures, salariés, ETP
réalisés, taux de réalisation: read from the key-figures JSON published beside the report),
the links to its documents (HTML, PDF, JSON, XLSX, CSV), its diffusion level, and the failed
territories with their error; the data status (a banner when the data are synthetic). Written
into the staging folder by :func:`iae_diag.publish.publish`, before the swap.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from iae_diag import publish
from iae_diag.formatting import fmt_int, fmt_pct
from iae_diag.report import identity
from iae_diag.territories import Territory, parse_territory, region_of_dep
from iae_diag.vocabulary import SECRET_MARK

#: the documents of a report, in the order of the page: (output kind, link text)
DOCUMENTS = (
    ("html", "HTML"),
    ("pdf", "PDF"),
    ("json", "JSON"),
    ("xlsx", "XLSX"),
    ("csv", "CSV (zip)"),
)


def _figure(kf: dict, path: str, fmt) -> str:
    """A headline cell: the formatted value, ``s`` when hidden, ``n.d.`` when unknown."""
    if path in kf.get("secret", []):
        return SECRET_MARK
    node = kf
    for part in path.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return fmt(node) if node is not None else "n.d."


def headline(kf: dict) -> dict[str, str]:
    """The four headline figures of a key-figures document, as French cells."""
    etp, conv = kf.get("etp", {}).get("total"), kf.get("etp_conventionnes", {}).get("total")
    hidden = {"etp.total", "etp_conventionnes.total"} & set(kf.get("secret", []))
    if hidden:
        rate = SECRET_MARK
    elif etp is None or not conv:
        rate = "n.d."
    else:
        rate = fmt_pct(etp / conv)
    return {
        "structures": _figure(kf, "structures.total", fmt_int),
        "salaries": _figure(kf, "salaries.total", fmt_int),
        "etp": _figure(kf, "etp.total", fmt_int),
        "taux_realisation": rate,
    }


def index_rows(folder: Path, records: list[publish.ReportRecord]) -> list[dict]:
    """One row per report: the record, its territory's French name, its headline figures,
    data status and diffusion level (from its JSON in ``folder``; empty for a failure)."""
    rows = []
    for r in records:
        row = asdict(r)
        terr = parse_territory(r.territory)
        row["name"] = terr.title_name()
        kf = {}
        path = Path(folder) / r.outputs.get("json", "")
        if r.ok and r.outputs.get("json") and path.is_file():
            kf = json.loads(path.read_text(encoding="utf-8"))
        row["figures"] = headline(kf) if kf else None
        row["data_status"] = kf.get("data_status")
        row["diffusion"] = identity.DIFFUSION_WORDS.get(kf.get("diffusion", ""), "")
        row["documents"] = [(r.outputs[k], label) for k, label in DOCUMENTS if k in r.outputs]
        rows.append(row)
    return rows


def index_title(records: list[publish.ReportRecord]) -> str:
    """``Île-de-France`` when the reports are of one region's territories, else ``""``."""
    regions = set()
    for r in records:
        t = parse_territory(r.territory)
        regions.add(t.code if t.level == "region" else region_of_dep(t.code))
    if len(regions) != 1:
        return ""
    return Territory("region", regions.pop()).in_name()


def render_index(env, css: str, folder: Path, year: int, records) -> str:
    """The page (``env``: the report package's Jinja environment)."""
    rows = index_rows(folder, records)
    statuses = {x["data_status"] for x in rows if x["ok"]}
    datasets = sorted({r.dataset for r in records if r.ok})
    return env.get_template("index.html.j2").render(
        year=year,
        css=css,
        where=index_title(records),
        results=rows,
        failed=[x for x in rows if not x["ok"]],
        n_failed=sum(not x.ok for x in records),
        n_datasets=len(datasets),
        mark=identity.SYNTHETIC_MARK if "synthetic" in statuses else None,
        mixed_status=len(statuses) > 1,
        status_words=sorted(identity.DATA_STATUS_WORDS.get(s or "", "") for s in statuses),
    )
