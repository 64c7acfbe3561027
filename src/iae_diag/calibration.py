"""Compare the indicator table with the published figures of ``targets.yaml``.

``compare(indicators_df, targets)`` returns one row per published figure: ``check`` (what is
compared), ``year``, ``territory``, ``target``, ``obtained``, ``gap`` (obtained - target),
``tolerance`` (as written in targets.yaml), ``ok`` and ``required``. Tolerances: ``exact``
for counts marked so; relative for counts and ETP (``0.02`` = 2 %); absolute for shares.
Where targets.yaml gives no tolerance, the defaults below apply (and are printed).

The years 2007, 2009, 2013 and the 2007-2013 evolution are required; the optional anchors
(2019 structures, 2023 figures) are compared when the data cover their year, for information.

The plausible ranges of ``flows_and_exits_2013`` (rates, parcours length by type, monthly
average / salariés, présents / salariés, embauches / salariés, ``kind`` ``range``), its
``exits_order`` statement (``kind`` ``below``: the ACI sorties dynamiques rate under the
lowest of AI, EI, ETTI) and, when the table covers France (every metropolitan region), the
``france_2013`` figures are required too. A figure whose indicator is absent from the table
is ``computed`` False: printed "not computed", never a failure (the table of an older
version); so is a required year, or the 2007-2013 evolution, that the table does not cover
(``--region france --years 2012-2013``). On a table covering France the Île-de-France stock
figures are for information (``required`` False): that run is calibrated on ``france_2013``.
The ``contracts_running_at_extract`` statement needs the processed contracts:
``running_at_extract(processed_dir)`` measures it and ``compare(..., running=...)`` adds it.
``iae-diag calibration`` prints the table and exits 1 when a required computed figure is missed.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import numpy as np
import pandas as pd

from iae_diag import config
from iae_diag.errors import InputError, require_columns
from iae_diag.figures import value_index
from iae_diag.formatting import fmt_number, fmt_pct
from iae_diag.vocabulary import INDICATOR_KEYS

#: Tolerances used when targets.yaml states none: relative for counts, absolute for shares.
DEFAULT_COUNT_TOLERANCE = 0.02
DEFAULT_SHARE_TOLERANCE = 0.01
REQUIRED_YEARS = (2007, 2009, 2013)
COLUMNS = [
    "check",
    "year",
    "territory",
    "target",
    "obtained",
    "gap",
    "tolerance",
    "kind",
    "ok",
    "required",
    "computed",
]
#: The flows and exits figures of ``flows_and_exits_2013`` are compared for this year.
FLOWS_YEAR = 2013
#: The four historical types of the ``exits_order`` statement.
HISTORICAL_TYPES = ("ACI", "AI", "EI", "ETTI")
#: The table covers France when it holds at least this many regions (metropolitan France).
FRANCE_MIN_REGIONS = 13
#: ``contracts_running_at_extract``: among the contracts with an EMI row in December of the
#: last year, at least this share has no definitive exit date (a real extract: the persons
#: present in December mostly go on working; a dataset closing every parcours in December: 0).
RUNNING_AT_EXTRACT_MIN_SHARE = 0.5


def default_targets_file() -> Path:
    return config.shared_dir() / "calibration" / "targets.yaml"


def load_targets(path: Path | str | None = None) -> dict:
    """Read the targets YAML (default ``<shared>/calibration/targets.yaml``)."""
    from iae_diag.synth.design import load_targets as _load

    return _load(path if path is not None else default_targets_file())


class _Lookup:
    """Values of the indicator table by (indicator, level, code, year, type, breakdown)."""

    def __init__(self, df: pd.DataFrame):
        require_columns(
            df,
            [*INDICATOR_KEYS, "value"],
            "The indicator table",
            "Write it with `iae-diag indicators`.",
        )
        self.values = value_index(df)
        self.indicators = set(df["indicator"].astype(str).unique())
        self.regions = set(df.loc[df["territory_level"] == "region", "territory_code"].astype(str))
        self.years = set(int(y) for y in df["year"].unique())
        self.sectors = sorted({k[5] for k in self.values if k[0] == "hours_share_by_sector"})

    def get(
        self,
        indicator: str,
        level: str,
        code: str,
        year: int,
        type_siae: str = "ALL",
        breakdown: str = "",
    ) -> float:
        v = self.values.get((indicator, level, str(code), int(year), type_siae, breakdown))
        return float("nan") if v is None else float(v)


def _tol(block: dict, default: float) -> object:
    t = block.get("tolerance", default) if isinstance(block, dict) else default
    return t


def _value(v: object) -> float | None:
    if isinstance(v, dict):
        v = v.get("value")
    if isinstance(v, bool) or v is None:
        return None
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def _row(
    check, year, territory, target, obtained, tolerance, kind, required, computed=True
) -> dict:
    """One compared figure. ``kind`` ``range``: ``tolerance`` is (low, high), ``target`` its
    middle, ``gap`` the distance outside the range (0 inside); ``below``: obtained < target."""
    gap = obtained - target if not (np.isnan(obtained)) else float("nan")
    if kind == "range" and not np.isnan(obtained):
        lo, hi = float(tolerance[0]), float(tolerance[1])
        gap = obtained - lo if obtained < lo else (obtained - hi if obtained > hi else 0.0)
    if np.isnan(obtained):
        ok = False
    elif kind == "range":
        ok = float(tolerance[0]) - 1e-9 <= obtained <= float(tolerance[1]) + 1e-9
    elif kind == "below":
        ok = obtained < target
    elif tolerance == "exact":
        ok = round(obtained) == round(target)
    elif kind == "min":
        ok = obtained >= target
    elif kind == "max":
        ok = obtained <= target
    elif kind == "relative":
        ok = abs(gap) <= float(tolerance) * abs(target) + 1e-9
    else:
        ok = abs(gap) <= float(tolerance) + 1e-9
    return {
        "check": check,
        "year": year,
        "territory": territory,
        "target": float(target),
        "obtained": float(obtained),
        "gap": float(gap),
        "tolerance": tolerance,
        "kind": kind,
        "ok": bool(ok) and computed,
        "required": required,
        "computed": bool(computed),
    }


def _sectors_of(key: str, known: list[str]) -> list[str]:
    """``nettoyage_hors_sap_plus_collecte_tri`` -> [nettoyage_hors_sap, collecte_tri_recyclage]:
    each part is a sector code or the start of exactly one."""
    out = []
    for part in key.split("_plus_"):
        if part in known:
            out.append(part)
            continue
        hits = [s for s in known if s.startswith(part)]
        if len(hits) != 1:
            raise InputError(
                f"targets.yaml: sector {part!r} (in {key!r}) matches {hits or 'no'} sector code "
                f"of the indicator table (known: {', '.join(known)})."
            )
        out.append(hits[0])
    return out


def compare(
    indicators_df: pd.DataFrame, targets: dict, running: float | None = None
) -> pd.DataFrame:
    """One row per published figure: target, obtained, gap, tolerance, ok (see module doc)."""
    lk = _Lookup(indicators_df)
    region = str(targets.get("region", "11"))
    deps = [str(d) for d in targets.get("departements", [])]
    rows: list[dict] = []
    reg = ("region", region)
    terr = f"region:{region}"

    for year, block in sorted((targets.get("years") or {}).items()):
        year = int(year)
        required = year in REQUIRED_YEARS
        if not required and year not in lk.years:
            continue
        b = block or {}
        if "structures" in b:
            s = b["structures"]
            tol = _tol(s, DEFAULT_COUNT_TOLERANCE)
            kind = "exact" if tol == "exact" else "relative"
            if "total" in s:
                rows.append(
                    _row(
                        "structures",
                        year,
                        terr,
                        s["total"],
                        lk.get("structures", *reg, year),
                        tol,
                        kind,
                        required,
                    )
                )
            for t, v in (s.get("by_type") or {}).items():
                rows.append(
                    _row(
                        f"structures {t}",
                        year,
                        terr,
                        v,
                        lk.get("structures", *reg, year, t),
                        tol,
                        kind,
                        required,
                    )
                )
        for key, ind in (("salaries", "salaries"), ("etp", "etp_realises")):
            if key in b:
                s = b[key]
                tol = _tol(s, DEFAULT_COUNT_TOLERANCE)
                rows.append(
                    _row(
                        key,
                        year,
                        terr,
                        s["total"],
                        lk.get(ind, *reg, year),
                        tol,
                        "exact" if tol == "exact" else "relative",
                        required,
                    )
                )
        for key, ind in (
            ("salaries_share_by_type", "salaries_share"),
            ("etp_share_by_type", "etp_share"),
        ):
            if key in b:
                s = b[key]
                tol = _tol(s, DEFAULT_SHARE_TOLERANCE)
                for t, v in s.items():
                    if _value(v) is None or t == "tolerance":
                        continue
                    rows.append(
                        _row(
                            f"{ind} {t}",
                            year,
                            terr,
                            _value(v),
                            lk.get(ind, *reg, year, t),
                            tol,
                            "absolute",
                            required,
                        )
                    )
        if "publics" in b:
            s = b["publics"]
            tol = _tol(s, DEFAULT_SHARE_TOLERANCE)
            for k, v in s.items():
                if k in ("tolerance", "note", "source") or _value(v) is None:
                    continue
                rows.append(
                    _row(
                        f"public {k}",
                        year,
                        terr,
                        _value(v),
                        lk.get("public_share", *reg, year, "ALL", k),
                        tol,
                        "absolute",
                        required,
                    )
                )
        if "publics_by_type" in b:
            s = b["publics_by_type"]
            tol = _tol(s, DEFAULT_SHARE_TOLERANCE)
            for k, by in s.items():
                if not isinstance(by, dict):
                    continue
                for t, v in by.items():
                    if _value(v) is None:
                        continue
                    rows.append(
                        _row(
                            f"public {k} {t}",
                            year,
                            terr,
                            _value(v),
                            lk.get("public_share", *reg, year, t, k),
                            tol,
                            "absolute",
                            required,
                        )
                    )
        for k, by_dep in (b.get("publics_by_departement") or {}).items():
            for d, spec in by_dep.items():
                if isinstance(spec, dict) and "min" in spec:
                    rows.append(
                        _row(
                            f"public {k} >= min",
                            year,
                            f"dep:{d}",
                            spec["min"],
                            lk.get("public_share", "dep", str(d), year, "ALL", k),
                            "min",
                            "min",
                            required,
                        )
                    )
        if "hours_share_by_sector" in b:
            s = b["hours_share_by_sector"]
            tol = _tol(s, DEFAULT_SHARE_TOLERANCE)
            for k, v in s.items():
                if _value(v) is None or k == "tolerance":
                    continue
                got = sum(
                    lk.get("hours_share_by_sector", *reg, year, "ALL", sec)
                    for sec in _sectors_of(k, lk.sectors)
                )
                rows.append(
                    _row(f"hours share {k}", year, terr, _value(v), got, tol, "absolute", required)
                )
        if "hours_share_by_sector_and_type" in b:
            s = b["hours_share_by_sector_and_type"]
            tol = _tol(s, DEFAULT_SHARE_TOLERANCE)
            for t, by in s.items():
                if not isinstance(by, dict):
                    continue
                for k, v in by.items():
                    if _value(v) is None:
                        continue
                    got = sum(
                        lk.get("hours_share_by_sector", *reg, year, t, sec)
                        for sec in _sectors_of(k, lk.sectors)
                    )
                    rows.append(
                        _row(
                            f"hours share {t} {k}",
                            year,
                            terr,
                            _value(v),
                            got,
                            tol,
                            "absolute",
                            required,
                        )
                    )

    # a required year the table does not cover at all (e.g. a France 2012-2013 run) cannot be
    # compared: not computed, never a failure
    _not_computed([r for r in rows if r["year"] not in lk.years])

    evo = targets.get("evolution_2007_2013")
    if evo:
        n0 = len(rows)
        yrs = range(2008, 2014)
        for key, ind in (
            ("created_total", "structures_created"),
            ("closed_total", "structures_closed"),
            ("net", "structures_net"),
        ):
            if key in evo:
                got = sum(lk.get(ind, *reg, y) for y in yrs)
                rows.append(
                    _row(f"{ind} 2008-2013", 2013, terr, evo[key], got, "exact", "exact", True)
                )
        rows.extend(_departement_trend(lk, deps, str(evo.get("departements", ""))))
        if not {2007, 2013} <= lk.years:
            _not_computed(rows[n0:])

    s19 = targets.get("structures_2019_by_departement_and_type") or {}
    if 2019 in lk.years:
        for d, by in s19.items():
            for t, v in by.items():
                rows.append(
                    _row(
                        f"structures {t}",
                        2019,
                        f"dep:{d}",
                        v,
                        lk.get("structures", "dep", str(d), 2019, t),
                        "exact",
                        "exact",
                        False,
                    )
                )
    y23 = targets.get("year_2023") or {}
    if y23 and 2023 in lk.years:
        for t, v in (y23.get("structures", {}).get("by_type") or {}).items():
            rows.append(
                _row(
                    f"structures {t}",
                    2023,
                    terr,
                    v,
                    lk.get("structures", *reg, 2023, t),
                    DEFAULT_COUNT_TOLERANCE,
                    "relative",
                    False,
                )
            )
        for key, ind in (("salaries", "salaries"), ("etp", "etp_realises")):
            if key in y23:
                rows.append(
                    _row(
                        key,
                        2023,
                        terr,
                        y23[key]["total"],
                        lk.get(ind, *reg, 2023),
                        DEFAULT_COUNT_TOLERANCE,
                        "relative",
                        False,
                    )
                )
        for d, v in (y23.get("etp_share_by_departement") or {}).items():
            tot = lk.get("etp_realises", *reg, 2023)
            got = lk.get("etp_realises", "dep", str(d), 2023) / tot if tot else float("nan")
            rows.append(
                _row(
                    "etp share of the département",
                    2023,
                    f"dep:{d}",
                    v,
                    got,
                    DEFAULT_SHARE_TOLERANCE,
                    "absolute",
                    False,
                )
            )
    if len(lk.regions) >= FRANCE_MIN_REGIONS:
        # a France run is calibrated on france_2013 (national persons per SIAE by type): the
        # published Île-de-France stock figures are shown for information only
        for r in rows:
            r["required"] = False
    rows.extend(_flows_and_exits(lk, targets.get("flows_and_exits_2013") or {}, running))
    if len(lk.regions) >= FRANCE_MIN_REGIONS:
        rows.extend(_france(lk, targets.get("france_2013") or {}))
    return pd.DataFrame(rows, columns=COLUMNS)


def _not_computed(rows: list[dict]) -> None:
    for r in rows:
        r.update(computed=False, ok=False)


def _range_row(lk: _Lookup, check: str, territory: str, bounds: list, got: float, needs) -> dict:
    lo, hi = float(bounds[0]), float(bounds[1])
    computed = all(i in lk.indicators for i in needs)
    return _row(
        check, FLOWS_YEAR, territory, (lo + hi) / 2, got, (lo, hi), "range", True, computed
    )


def _flows_and_exits(lk: _Lookup, block: dict, running: float | None) -> list[dict]:
    """The plausible ranges of ``flows_and_exits_2013`` (definitions v2, "Flows" and
    "Parcours and exits"), its ``exits_order`` statement and, when ``running`` is given, the
    ``contracts_running_at_extract`` statement."""
    if not block:
        return []
    region = str(block.get("region", "11"))
    reg = ("region", region)
    terr = f"region:{region}"
    y = FLOWS_YEAR
    rows = []
    for k, bounds in (block.get("exits_rates_total") or {}).items():
        got = lk.get("exit_rate", *reg, y, "ALL", k)
        rows.append(_range_row(lk, f"exit_rate {k}", terr, bounds, got, ["exit_rate"]))
    order = str(block.get("exits_order", ""))
    m = re.match(r"\s*(\w+):\s*(\w+) has the lowest rate", order)
    if m:
        rate, low = m.group(1), m.group(2)
        others = [t for t in HISTORICAL_TYPES if t != low]
        best = min(lk.get("exit_rate", *reg, y, t, rate) for t in others)
        rows.append(
            _row(
                f"exit_rate {rate} {low} < {', '.join(others)}",
                y,
                terr,
                best,
                lk.get("exit_rate", *reg, y, low, rate),
                "below",
                "below",
                True,
                "exit_rate" in lk.indicators,
            )
        )
    for t, bounds in (block.get("duree_parcours_mois_mean") or {}).items():
        ind = "duree_parcours_mois_mean"
        got = lk.get(ind, *reg, y, t)
        rows.append(_range_row(lk, f"{ind} {t}", terr, bounds, got, [ind]))
    salaries = lk.get("salaries", *reg, y)
    for key, ind in (
        ("salaries_moyenne_mensuelle_over_salaries", "salaries_moyenne_mensuelle"),
        ("presents_fin_annee_over_salaries", "presents_fin_annee"),
        ("embauches_over_salaries", "embauches"),
    ):
        if key in block:
            got = lk.get(ind, *reg, y) / salaries if salaries else float("nan")
            rows.append(
                _range_row(lk, f"{ind} / salaries", terr, block[key], got, [ind, "salaries"])
            )
    if "contracts_running_at_extract" in block:
        rows.append(
            _row(
                "contracts running at the extract (share)",
                y,
                terr,
                RUNNING_AT_EXTRACT_MIN_SHARE,
                float("nan") if running is None else float(running),
                "min",
                "min",
                True,
                running is not None,
            )
        )
    return rows


def _france(lk: _Lookup, block: dict) -> list[dict]:
    """``france_2013``: structures, salariés en moyenne mensuelle and its shares by type, for
    France (the table covers every metropolitan region)."""
    rows = []
    fr = ("france", "FR")
    terr = "france:FR"
    y = 2013
    if "structures" in block:
        s = block["structures"]
        rows.append(
            _row(
                "structures",
                y,
                terr,
                s["total"],
                lk.get("structures", *fr, y),
                _tol(s, DEFAULT_COUNT_TOLERANCE),
                "relative",
                True,
            )
        )
    ind = "salaries_moyenne_mensuelle"
    computed = ind in lk.indicators
    if ind in block:
        s = block[ind]
        rows.append(
            _row(
                ind,
                y,
                terr,
                s["total"],
                lk.get(ind, *fr, y),
                _tol(s, DEFAULT_COUNT_TOLERANCE),
                "relative",
                True,
                computed,
            )
        )
    key = "salaries_moyenne_mensuelle_share_by_type"
    if key in block:
        s = block[key]
        tol = _tol(s, DEFAULT_SHARE_TOLERANCE)
        total = lk.get(ind, *fr, y)
        for t, v in s.items():
            if t == "tolerance" or _value(v) is None:
                continue
            got = lk.get(ind, *fr, y, t) / total if total else float("nan")
            rows.append(
                _row(f"{ind} share {t}", y, terr, _value(v), got, tol, "absolute", True, computed)
            )
    return rows


def running_at_extract(processed_dir: str | Path) -> float | None:
    """Share of the contracts with an EMI row in December of the last year of the data that
    have no ``contrat_date_sortie_definitive`` (None when the processed tables are absent)."""
    from iae_diag.processed import TABLE_FILES

    d = Path(processed_dir)
    emi_p, ctr_p = d / TABLE_FILES["EtatMensuelIndiv"], d / TABLE_FILES["ContratMission"]
    if not (emi_p.is_file() and ctr_p.is_file()):
        return None
    emi = pd.read_parquet(emi_p, columns=["emi_ctr_id", "emi_sme_annee", "emi_sme_mois"])
    last = emi["emi_sme_annee"].max()
    dec = emi.loc[(emi["emi_sme_annee"] == last) & (emi["emi_sme_mois"] == 12), "emi_ctr_id"]
    ctr = pd.read_parquet(ctr_p, columns=["contrat_id_ctr", "contrat_date_sortie_definitive"])
    ctr = ctr[ctr["contrat_id_ctr"].isin(dec.dropna().unique())]
    if ctr.empty:
        return None
    return float(ctr["contrat_date_sortie_definitive"].isna().mean())


def _departement_trend(lk: _Lookup, deps: list[str], text: str) -> list[dict]:
    """'the count grew in every département except 77; 95 and 92 grew the most': change
    2013 - 2007 > 0 for every département but the excepted ones (which must not grow), and
    the named ones have the largest changes."""
    rows = []
    if not deps or not text:
        return rows
    m = re.search(r"except\s+([0-9AB,\s]+?)(?:;|$)", text)
    excepted = re.findall(r"\b\d{2,3}[AB]?\b|\b2[AB]\b", m.group(1)) if m else []
    m2 = re.search(r";\s*([0-9AB,\sand]+?)\s+grew the most", text)
    most = re.findall(r"\b\d{2,3}[AB]?\b|\b2[AB]\b", m2.group(1)) if m2 else []
    change = {
        d: lk.get("structures", "dep", d, 2013) - lk.get("structures", "dep", d, 2007)
        for d in deps
    }
    for d in deps:
        if d in excepted:
            rows.append(
                _row(
                    "structures change 2007-2013 <= 0",
                    2013,
                    f"dep:{d}",
                    0,
                    change[d],
                    "max",
                    "max",
                    True,
                )
            )
        else:
            rows.append(
                _row(
                    "structures change 2007-2013 >= 1",
                    2013,
                    f"dep:{d}",
                    1,
                    change[d],
                    "min",
                    "min",
                    True,
                )
            )
    if most:
        others = [change[d] for d in deps if d not in most]
        best_other = max(others) if others else float("-inf")
        for d in most:
            rows.append(
                _row(
                    f"change above every other département ({best_other:+.0f})",
                    2013,
                    f"dep:{d}",
                    best_other + 1,
                    change[d],
                    "min",
                    "min",
                    True,
                )
            )
    return rows


def _is_share_bound(kind: str, target: float, tolerance: object = None) -> bool:
    if kind == "range":
        return max(abs(float(b)) for b in tolerance) <= 1
    return kind in ("min", "max", "below") and 0 < abs(target) < 1


def _fmt(v: float, kind: str, tolerance: object, target: float) -> str:
    if np.isnan(v):
        return "n.d."
    share = kind == "absolute" or _is_share_bound(kind, target, tolerance)
    if kind == "range" and not share:
        return fmt_number(v, 1)
    return fmt_pct(v, 1) if share else fmt_number(v, 0 if float(v).is_integer() else 1)


def _fmt_target(r) -> str:
    """The target column: a range is printed as its two bounds."""
    if r.kind != "range":
        return _fmt(r.target, r.kind, r.tolerance, r.target)
    lo, hi = (float(b) for b in r.tolerance)
    if _is_share_bound(r.kind, r.target, r.tolerance):
        return f"{fmt_number(lo * 100, 0)}-{fmt_number(hi * 100, 0)} %"
    return f"{fmt_number(lo, 0)}-{fmt_number(hi, 0)}"


def format_table(result: pd.DataFrame) -> str:
    """Side-by-side table in French number formats."""
    head = (
        f"{'indicateur':<52} {'année':>5} {'territoire':<10} {'cible':>10} {'obtenu':>10} "
        f"{'écart':>10} {'tolérance':>10}  résultat"
    )
    lines = [head, "-" * len(head)]
    for r in result.itertuples(index=False):
        tol = r.tolerance
        if tol == "exact":
            tol_s = "exact"
        elif r.kind == "range":
            tol_s = "fourchette"
        elif r.kind == "below":
            tol_s = "inférieur"
        elif r.kind in ("min", "max"):
            tol_s = "minimum" if r.kind == "min" else "maximum"
        elif r.kind == "relative":
            tol_s = "± " + fmt_pct(float(tol), 0)
        else:
            tol_s = "± " + fmt_number(float(tol) * 100, 1) + " pt"
        gap = (
            "n.d."
            if np.isnan(r.gap)
            else (
                fmt_number(r.gap * 100, 1) + " pt"
                if r.kind == "absolute" or _is_share_bound(r.kind, r.target, r.tolerance)
                else fmt_number(r.gap, 0 if float(r.gap).is_integer() else 1)
            )
        )
        verdict = ("OK" if r.ok else "HORS TOLÉRANCE") + ("" if r.required else " (indicatif)")
        if not r.computed:
            verdict, gap = "not computed (absent de la table)", "n.d."
        lines.append(
            f"{r.check:<52} {r.year:>5} {r.territory:<10} "
            f"{_fmt_target(r):>10} "
            f"{_fmt(r.obtained, r.kind, tol, r.target):>10} {gap:>10} {tol_s:>10}  {verdict}"
        )
    req = result[result["required"] & result["computed"]]
    skipped = int((result["required"] & ~result["computed"]).sum())
    lines.append("-" * len(head))
    lines.append(
        f"{int(req['ok'].sum())} / {len(req)} cibles atteintes"
        + ("" if req["ok"].all() else " : calibration NON conforme")
        + (
            f" ; {skipped} cible(s) not computed (indicateur ou année absents de la table)"
            if skipped
            else ""
        )
    )
    return "\n".join(lines)


def _load_indicators(processed_dir: str | Path) -> pd.DataFrame:
    from iae_diag.indicators import load_indicators

    return load_indicators(processed_dir)


def cli_main(args: argparse.Namespace) -> int:
    """``iae-diag calibration``: print the side-by-side table; exit 1 if a target is missed."""
    targets = load_targets(args.targets)
    result = compare(
        _load_indicators(args.processed), targets, running=running_at_extract(args.processed)
    )
    print(format_table(result))
    missed = result[result["required"] & result["computed"] & ~result["ok"]]
    return 1 if len(missed) else 0
