"""The recovery audit: from the key-figures documents a ``publique`` run wrote, try to
recover every hidden value by adding and subtracting published values (types against the
total, sectors against the hours, départements against their region, shares times counts),
and report each hidden value recovered exactly.

The documents' values are the unknowns or the knowns of linear equations; a hidden value is
recovered when the equations determine it (it lies in the row space of the unknowns' matrix)
and the value they determine equals the true one (from the same documents computed without
secrecy). Shares of a public enter as their number of persons (share x denominator): the
audit works on what a reader can compute. The denominator of a public share (the salariés whose
value of the key is known) is the salariés minus the data-quality counts the report prints
(``persons_without_contract``, ``persons_without_salarie_row`` for the keys read from the
Salarie row, ``public_unknown_value`` of the key; ``qpv_all``: all salariés). Those counts exist
for all types only: a share by type enters with the type's salariés as denominator when the
territory's counts for the key are published zeros, and as an unknown otherwise. Only hidden
paths (the document's ``secret`` list) can be reported as recovered.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from iae_diag.vocabulary import TYPES

#: blocks ``{"total": x, "by_type": {...}}`` whose types add up to the total
ADDITIVE_BLOCKS: tuple[str, ...] = ("salaries", "etp", "etp_conventionnes")
#: the public whose denominator is every salarié of the cell, unknown values included
ALL_SALARIES_PUBLIC = "qpv_all"
#: the publics read from the Salarie row (a person without one is out of their denominator)
SALARIE_KEYS: tuple[str, ...] = ("women", "under_26", "age_50_plus", "qpv", "zrr")


@dataclass(frozen=True)
class Recovery:
    document: str  # "dep:93"
    path: str  # "publics_by_type.EITI.women"
    value: float  # what the published values give
    truth: float


def _excluded(quality: dict | None, key: str) -> float | None:
    """Persons out of the denominator of ``key`` (all types) as a reader computes them from the
    printed quality counts; None when one of them is hidden, 0 without quality values."""
    if quality is None or key == ALL_SALARIES_PUBLIC:
        return 0.0
    parts = [("persons_without_contract", ""), ("public_unknown_value", key)]
    if key in SALARIE_KEYS:
        parts.append(("persons_without_salarie_row", ""))
    vals = [quality.get(p, 0.0) for p in parts]
    return None if any(v is None for v in vals) else float(sum(vals))


def _leaves(
    doc: dict, quality: dict | None = None, with_quality: bool = False
) -> dict[str, float | None]:
    """The values of the additive paths of a document, plus the persons of each public
    (``publics_n.<type|ALL>.<key>``: None unless the share and its denominator are known).
    ``quality``: the person counts of the data-quality table the run prints for the document
    (``(check, breakdown)`` -> value, None when hidden)."""
    out: dict[str, float | None] = {}
    for b in ADDITIVE_BLOCKS:
        out[f"{b}.total"] = doc[b]["total"]
        for t in TYPES:
            out[f"{b}.by_type.{t}"] = doc[b]["by_type"][t]
    out["hours.total"] = doc["hours"]["total"]
    for s, v in doc["hours"]["by_sector"].items():
        out[f"hours.by_sector.{s}"] = v
    for t in TYPES:
        for s, v in doc["hours"]["by_type_and_sector"][t].items():
            out[f"hours.by_type_and_sector.{t}.{s}"] = v
    for path, block in _count_blocks(doc):
        out[f"{path}.total"] = block["total"]
        for t in TYPES:
            out[f"{path}.by_type.{t}"] = block["by_type"][t]
    exits = doc.get("exits")
    if exits is not None:  # the sorties examinées of each category: rate x sorties examinées
        for t in ("ALL", *TYPES):
            n = _of(exits["sorties_examinees"], t)
            for k, block in exits["rates"].items():
                v = _of(block, t)
                out[f"exits_n.{t}.{k}"] = (
                    0.0 if n == 0 else None if v is None or n is None else v * n
                )
    entrants = doc.get("flows", {}).get("entrants")
    if entrants is not None:  # persons of a public among the entrants (all types)
        n = entrants["total"]
        for k, v in doc["publics_entrants"].items():
            out[f"publics_entrants_n.ALL.{k}"] = (
                0.0 if n == 0 else None if v is None or n is None else v * n
            )
    q = quality if with_quality else None
    for t in ("ALL", *TYPES):
        n = doc["salaries"]["total"] if t == "ALL" else doc["salaries"]["by_type"][t]
        shares = doc["publics"] if t == "ALL" else doc["publics_by_type"][t]
        for k, v in shares.items():
            if n == 0:  # no salarié: no person of the public either
                out[f"publics_n.{t}.{k}"] = 0.0
                continue
            excl = _excluded(q, k)
            if t != "ALL" and excl != 0.0:
                excl = None  # the exclusions of a type are not printed
            if v is None or n is None or excl is None:
                out[f"publics_n.{t}.{k}"] = None
            else:
                out[f"publics_n.{t}.{k}"] = 0.0 if n - excl == 0 else v * (n - excl)
    return out


def _of(block: dict, t: str):
    """The total (``t`` = ALL) or a type's value of a ``{"total", "by_type"}`` block."""
    return block["total"] if t == "ALL" else block["by_type"][t]


def _count_blocks(doc: dict) -> list[tuple[str, dict]]:
    """(path, block) of the ``{"total", "by_type"}`` blocks of the flows and exits (schema 2)
    whose types add up to the total."""
    out = [(f"flows.{k}", b) for k, b in doc.get("flows", {}).items()]
    exits = doc.get("exits")
    if exits is not None:
        out += [(f"exits.{k}", exits[k]) for k in ("sortants", "sorties_examinees")]
        out += [(f"exits.by_category.{c}", b) for c, b in exits["by_category"].items()]
    return out


#: the categories whose sorties examinées make all of them, and those of the sorties dynamiques
EXAMINED_CATEGORIES = (
    "emploi_durable",
    "emploi_transition",
    "sorties_positives",
    "autres_sorties",
)
DYNAMIC_CATEGORIES = EXAMINED_CATEGORIES[:3]


def _equations(paths: list[str]) -> list[tuple[str, list[str]]]:
    """(margin path, member paths) of one document."""
    have = set(paths)
    eqs = []
    for b in ADDITIVE_BLOCKS:
        eqs.append((f"{b}.total", [f"{b}.by_type.{t}" for t in TYPES]))
    blocks = sorted({p.rsplit(".", 1)[0] for p in paths if p.endswith(".total")})
    for b in blocks:
        if b.startswith(("flows.", "exits.")):
            eqs.append((f"{b}.total", [f"{b}.by_type.{t}" for t in TYPES]))
    cats = sorted({p.split(".")[2] for p in paths if p.startswith("exits.by_category.")})
    for x in ("total", *(f"by_type.{t}" for t in TYPES)):
        eqs.append((f"exits.sortants.{x}", [f"exits.by_category.{c}.{x}" for c in cats]))
    for t in ("ALL", *TYPES):
        eqs.append(
            (f"exits.sorties_examinees.{'total' if t == 'ALL' else f'by_type.{t}'}",
             [f"exits_n.{t}.{k}" for k in EXAMINED_CATEGORIES])
        )  # fmt: skip
        eqs.append(
            (f"exits_n.{t}.sorties_dynamiques", [f"exits_n.{t}.{k}" for k in DYNAMIC_CATEGORIES])
        )
    keys = {p.split(".")[2] for p in paths if p.startswith("exits_n.ALL.")}
    for k in sorted(keys):
        eqs.append((f"exits_n.ALL.{k}", [f"exits_n.{t}.{k}" for t in TYPES]))
    sectors = [p[len("hours.by_sector.") :] for p in paths if p.startswith("hours.by_sector.")]
    eqs.append(("hours.total", [f"hours.by_sector.{s}" for s in sectors]))
    for s in sectors:
        eqs.append((f"hours.by_sector.{s}", [f"hours.by_type_and_sector.{t}.{s}" for t in TYPES]))
    keys = {p.split(".")[2] for p in paths if p.startswith("publics_n.ALL.")}
    for k in sorted(keys):
        eqs.append((f"publics_n.ALL.{k}", [f"publics_n.{t}.{k}" for t in TYPES]))
    # an equation holds only when every term is a value of the document
    return [(m, ms) for m, ms in eqs if m in have and all(x in have for x in ms)]


def _doc_id(doc: dict) -> str:
    t = doc["territory"]
    return f"{t['level']}:{t['code']}:{doc['year']}"


def _origin(path: str) -> str:
    """The published path a derived unknown comes from (``publics_n.EITI.women`` ->
    ``publics_by_type.EITI.women``)."""
    if path.startswith("publics_n."):
        _, t, k = path.split(".")
        return f"publics.{k}" if t == "ALL" else f"publics_by_type.{t}.{k}"
    if path.startswith("exits_n."):
        _, t, k = path.split(".")
        return f"exits.rates.{k}.{'total' if t == 'ALL' else f'by_type.{t}'}"
    if path.startswith("publics_entrants_n."):
        return f"publics_entrants.{path.split('.')[2]}"
    return path


def audit(
    published: list[dict],
    truth: list[dict],
    quality: dict[str, float | None] | None = None,
    quality_truth: dict[str, float | None] | None = None,
) -> list[Recovery]:
    """Hidden values of ``published`` (documents of one run) that the published values give
    back exactly; ``truth``: the same documents without secrecy (same order). Equations:
    within each document, and each region against its départements of the same year.
    ``quality``: the person counts of the data-quality table the run prints for each document
    (``"dep:93:2013"`` -> {(check, breakdown): value, None when hidden}), ``quality_truth`` the
    true ones."""
    q, qt = quality or {}, quality_truth or {}
    pub = {_doc_id(d): _leaves(d, q.get(_doc_id(d)), quality is not None) for d in published}
    tru = {_doc_id(d): _leaves(d, qt.get(_doc_id(d)), quality is not None) for d in truth}
    eqs: list[tuple[tuple[str, str], list[tuple[str, str]]]] = []
    for did, leaves in pub.items():
        for m, ms in _equations(list(leaves)):
            eqs.append(((did, m), [(did, x) for x in ms]))
    for d in published:
        t = d["territory"]
        if t["level"] != "region":
            continue
        rid = _doc_id(d)
        deps = [
            _doc_id(x)
            for x in published
            if x["territory"]["level"] == "dep"
            and x["year"] == d["year"]
            and x["territory"].get("region", t["code"]) == t["code"]
        ]
        if deps:
            for p in pub[rid]:
                if all(p in pub[dd] for dd in deps):
                    eqs.append(((rid, p), [(dd, p) for dd in deps]))
    secret = {_doc_id(d): set(d.get("secret", [])) for d in published}
    unknown = sorted({(did, p) for did, lv in pub.items() for p, v in lv.items() if v is None})
    if not unknown:
        return []
    col = {u: i for i, u in enumerate(unknown)}
    rows, rhs = [], []
    for margin, members in eqs:
        terms = [(margin, 1.0)] + [(m, -1.0) for m in members]
        a = np.zeros(len(unknown))
        b = 0.0
        for cell, coef in terms:
            if cell in col:
                a[col[cell]] += coef
            else:
                b -= coef * pub[cell[0]][cell[1]]
        if a.any():
            rows.append(a)
            rhs.append(b)
    if not rows:
        return []
    a_mat, b_vec = np.vstack(rows), np.asarray(rhs)
    x, *_ = np.linalg.lstsq(a_mat, b_vec, rcond=None)
    _, sv, vt = np.linalg.svd(a_mat, full_matrices=True)
    rank = int((sv > 1e-9 * max(1.0, sv.max())).sum())
    null = vt[rank:]  # rows span the null space
    out = []
    for u, i in col.items():
        determined = null.shape[0] == 0 or float(np.abs(null[:, i]).max()) < 1e-9
        truth_v = tru[u[0]][u[1]]
        if not determined or truth_v is None or _origin(u[1]) not in secret[u[0]]:
            continue  # an unknown that was never published is not a hidden cell
        persons = ("publics_n.", "salaries.", "flows.", "exits", "publics_entrants_n.")
        tol = 0.5 if u[1].startswith(persons) else 1e-3
        if abs(float(x[i]) - float(truth_v)) < tol:
            out.append(Recovery(u[0], _origin(u[1]), float(x[i]), float(truth_v)))
    return sorted(out, key=lambda r: (r.document, r.path))


def territory_documents(processed_dir, territories, years, decision) -> list[dict]:
    """The key-figures documents of ``territories`` (``Territory``) and ``years`` of a
    processed folder under ``decision`` (a :class:`~iae_diag.secrecy.Decision`; one hiding
    nothing gives the truth)."""
    from iae_diag.figures import key_figures
    from iae_diag.indicators.io import load_indicators

    ind = load_indicators(processed_dir)
    return [key_figures(ind, t, y, decision) for y in years for t in territories]


def quality_of(processed_dir, documents: list[dict], decision) -> tuple[dict, dict]:
    """The person counts of the data-quality table (:data:`QUALITY_PERSON_COUNTS`) of each
    document as a run prints them (None when the decision hides one) and as they are, keyed like
    the documents (``dep:93:2013`` -> {(check, breakdown): value})."""
    from pathlib import Path

    import pandas as pd

    from .rules import QUALITY_PERSON_COUNTS

    path = Path(processed_dir) / "quality.parquet"
    shown: dict[str, dict] = {}
    true: dict[str, dict] = {}
    if not path.is_file():
        return shown, true
    q = pd.read_parquet(path)
    q = q.loc[q["check"].isin(QUALITY_PERSON_COUNTS)]
    wanted = {_doc_id(d) for d in documents}
    for did in wanted:  # no row: the count is 0 (the report prints every check it has)
        shown[did], true[did] = {}, {}
    for r in q.itertuples(index=False):
        key = f"{r.territory_level}:{r.territory_code}:{int(r.year)}"
        if key not in wanted:
            continue
        b = "" if r.breakdown is None or r.breakdown != r.breakdown else str(r.breakdown)
        true[key][(r.check, b)] = float(r.value)
        hidden = decision.quality_hidden(
            r.territory_level, r.territory_code, int(r.year), r.check, b
        )
        shown[key][(r.check, b)] = None if hidden else float(r.value)
    return shown, true


def audit_run(run_dir, processed_dir) -> list[Recovery]:
    """The audit of what a ``publique`` report run wrote: every key-figures JSON of ``run_dir``
    (``reports/<year>``) and the data-quality values its reports print, against the truth
    recomputed from ``processed_dir``."""
    import json
    from pathlib import Path

    from iae_diag.figures import folder_decision
    from iae_diag.territories import Territory

    from .decide import Decision

    docs = []
    for p in sorted(Path(run_dir).glob("*.json")):
        doc = json.loads(p.read_text(encoding="utf-8"))
        if isinstance(doc, dict) and doc.get("diffusion") == "publique":
            docs.append(doc)
    if not docs:
        return []
    decision = folder_decision(processed_dir)
    ind_docs = []
    for d in docs:
        t = d["territory"]
        ind_docs.append((Territory(t["level"], t["code"]), int(d["year"])))
    from iae_diag.figures import key_figures
    from iae_diag.indicators.io import load_indicators

    ind = load_indicators(processed_dir)
    truth = [key_figures(ind, t, y, Decision("publique")) for t, y in ind_docs]
    shown, true = quality_of(processed_dir, docs, decision)
    return audit(docs, truth, shown, true)
