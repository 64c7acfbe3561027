"""Key figures of a territory and a year, read from the indicator table only.

:func:`key_figures` builds the JSON document ``iae-diag/key-figures/1`` of
``../shared/docs/definitions.md``; :func:`format_key_figures` prints it as a French table;
``iae-diag figures`` (:func:`cli_main`) does either.
"""

from __future__ import annotations

import argparse
import json
import math

import pandas as pd

from iae_diag.errors import InputError
from iae_diag.formatting import fmt_int, fmt_pct, fmt_signed
from iae_diag.indicators.sectors import load_sectors, sector_labels
from iae_diag.territories import Territory, parse_territory
from iae_diag.vocabulary import (
    INDICATOR_KEYS,
    PERSON_SHARE_INDICATORS,
    PUBLIC_KEYS,
    PUBLIC_LABELS,
    SECRET_MIN_PERSONS,
    TYPE_ALL,
    TYPES,
)

SCHEMA = "iae-diag/key-figures/1"


def value_index(indicators: pd.DataFrame) -> dict[tuple[str, str, str, int, str, str], float]:
    """The value of each row of the indicator table by its key (indicator, territory_level,
    territory_code, year, type_siae, breakdown): codes as str, year as int, a missing
    breakdown as ``""``."""
    return {
        (i, lv, str(c), int(y), t, "" if b is None or pd.isna(b) else str(b)): v
        for i, lv, c, y, t, b, v in indicators[[*INDICATOR_KEYS, "value"]].itertuples(
            index=False, name=None
        )
    }


def _missing(v: object) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or bool(pd.isna(v))


def is_secret(value: object, denominator: object) -> bool:
    """Statistical secrecy, the one rule: a share of salariés whose value exists and whose
    denominator counts fewer than ``SECRET_MIN_PERSONS`` persons is not published (it could
    describe one identifiable person). A share without a value (no salarié) is not secret: it
    is "n.d."."""
    if _missing(value) or _missing(denominator):
        return False
    return float(denominator) < SECRET_MIN_PERSONS  # type: ignore[arg-type]


def publishable(value: float | None, denominator: float | None) -> float | None:
    """``value`` when it may be published, None when it is missing or secret
    (:func:`is_secret`)."""
    if _missing(value) or is_secret(value, denominator):
        return None
    return float(value)  # type: ignore[arg-type]


def secret_keys(indicators: pd.DataFrame) -> set[tuple[str, str, str, int, str, str]]:
    """Keys (as in :func:`value_index`) of the rows of the indicator table that are shares of
    salariés (``PERSON_SHARE_INDICATORS``) and secret (:func:`is_secret`). The table keeps
    their values (internal); reports and key figures do not publish them."""
    rows = indicators.loc[indicators["indicator"].isin(PERSON_SHARE_INDICATORS)]
    mask = [is_secret(v, d) for v, d in zip(rows["value"], rows["denominator"], strict=True)]
    return set(value_index(rows.loc[mask]))


def _num(v: object, integer: bool = False) -> float | int | None:
    """A JSON number (None for a missing value); floats rounded to 6 decimals."""
    if v is None:
        return None
    f = float(v)  # type: ignore[arg-type]
    if math.isnan(f):
        return None
    if integer:
        return int(round(f))
    return round(f, 6) + 0.0


def _select(indicators: pd.DataFrame, territory: Territory, year: int | None) -> pd.DataFrame:
    """Rows of the territory and year; InputError naming what exists otherwise."""
    if indicators.empty:
        raise InputError("The indicator table is empty: the processed data holds no year.")
    t = indicators.loc[
        (indicators["territory_level"] == territory.level)
        & (indicators["territory_code"] == territory.code)
    ]
    if t.empty:
        present = indicators[["territory_level", "territory_code"]].drop_duplicates()
        listed = ", ".join(
            "france" if lv == "france" else f"{lv}:{c}"
            for lv, c in sorted(present.itertuples(index=False, name=None))
        )
        raise InputError(
            f"The territory {territory.level}:{territory.code} is not in the indicator table "
            f"(no eligible annex there). Territories present: {listed}."
        )
    years = sorted(int(y) for y in t["year"].unique())
    if year is None:
        year = years[-1]
    if int(year) not in years:
        raise InputError(
            f"The year {year} is not in the data for {territory.label()}: years present are "
            f"{', '.join(str(y) for y in years)}."
        )
    return t.loc[t["year"] == int(year)]


def key_figures(indicators: pd.DataFrame, territory: Territory, year: int | None) -> dict:
    """The key-figures document (schema ``iae-diag/key-figures/1``) of a territory and year.

    Counts are integers, ETP and hours floats, shares in [0, 1] or None; all five types are
    always present; sector keys are the sectors' French labels (reference order). ``year``
    None means the latest year of the territory. A share of salariés computed over fewer than
    ``SECRET_MIN_PERSONS`` persons is None (statistical secrecy, :func:`is_secret`)."""
    rows = _select(indicators, territory, year)
    year = int(rows["year"].iloc[0])
    val = value_index(rows)
    for key in secret_keys(rows):
        val[key] = None
    level, code = territory.level, territory.code

    def get(indicator: str, type_siae: str = TYPE_ALL, breakdown: str = "", integer=False):
        return _num(val.get((indicator, level, code, year, type_siae, breakdown)), integer)

    def by_type(indicator: str, integer: bool = False) -> dict:
        return {
            "total": get(indicator, integer=integer),
            "by_type": {t: get(indicator, t, integer=integer) for t in TYPES},
        }

    labels = sector_labels(load_sectors())
    table_sectors = set(rows.loc[rows["indicator"] == "hours_by_sector", "breakdown"])
    sectors = [c for c in labels if c in table_sectors] + sorted(table_sectors - set(labels))

    def sector_hours(type_siae: str) -> dict:
        return {labels.get(c, c): get("hours_by_sector", type_siae, c) for c in sectors}

    def publics(type_siae: str) -> dict:
        return {k: get("public_share", type_siae, k) for k in PUBLIC_KEYS}

    return {
        "schema": SCHEMA,
        "territory": {"level": territory.level, "code": territory.code, "name": territory.name},
        "year": year,
        "structures": by_type("structures", integer=True),
        "structures_change": {
            "created": get("structures_created", integer=True),
            "closed": get("structures_closed", integer=True),
            "net": get("structures_net", integer=True),
        },
        "salaries": by_type("salaries", integer=True),
        "etp": by_type("etp_realises"),
        "etp_conventionnes": by_type("etp_conventionnes"),
        "hours": {
            "total": get("hours"),
            "by_sector": sector_hours(TYPE_ALL),
            "by_type_and_sector": {t: sector_hours(t) for t in TYPES},
        },
        "publics": publics(TYPE_ALL),
        "publics_by_type": {t: publics(t) for t in TYPES},
    }


def to_json(figures: dict) -> str:
    """The document as deterministic JSON text (contract key order, UTF-8 characters)."""
    return json.dumps(figures, ensure_ascii=False, indent=2) + "\n"


def format_key_figures(figures: dict) -> str:
    """A readable French table of the key figures (French number formats)."""
    ter = figures["territory"]
    name = ter["name"] if ter["level"] != "dep" else f"{ter['name']} ({ter['code']})"
    cols = ["Total", *TYPES]
    width = max(44, *(len(label) + 2 for label in PUBLIC_LABELS.values()))
    lines = [f"Chiffres clés {figures['year']} : {name}", ""]

    def row(label: str, values: list[str]) -> str:
        return label.ljust(width) + "".join(v.rjust(10) for v in values)

    lines.append(row("", cols))
    for key, label, fmt in (
        ("structures", "Structures (SIAE)", fmt_int),
        ("salaries", "Salariés en insertion", fmt_int),
        ("etp", "ETP réalisés", fmt_int),
        ("etp_conventionnes", "ETP conventionnés", fmt_int),
    ):
        block = figures[key]
        lines.append(row(label, [fmt(block["total"])] + [fmt(block["by_type"][t]) for t in TYPES]))
    taux = [
        None if not c else (e or 0) / c
        for e, c in zip(
            [figures["etp"]["total"]] + [figures["etp"]["by_type"][t] for t in TYPES],
            [figures["etp_conventionnes"]["total"]]
            + [figures["etp_conventionnes"]["by_type"][t] for t in TYPES],
            strict=True,
        )
    ]
    lines.append(row("Taux de réalisation", [fmt_pct(x) for x in taux]))
    ch = figures["structures_change"]
    lines += [
        "",
        f"Structures créées : {fmt_int(ch['created'])}, fermées : {fmt_int(ch['closed'])}, "
        f"solde : {fmt_signed(ch['net'])}",
        "",
        f"Heures travaillées : {fmt_int(figures['hours']['total'])}",
    ]
    total_h = figures["hours"]["total"] or 0
    for label, h in figures["hours"]["by_sector"].items():
        share = (h or 0) / total_h if total_h else None
        lines.append(f"  {label.ljust(width - 2)}{fmt_int(h).rjust(12)}{fmt_pct(share).rjust(8)}")
    lines += ["", row("Publics (part des salariés)", cols)]
    for k in PUBLIC_KEYS:
        values = [figures["publics"][k]] + [figures["publics_by_type"][t][k] for t in TYPES]
        lines.append(row(PUBLIC_LABELS[k], [fmt_pct(v) for v in values]))
    lines.append("")
    lines.append(
        "n.d. : non disponible (aucune donnée ou année précédente absente) ; pour une part "
        f"des salariés, aussi le secret statistique (part calculée sur moins de "
        f"{SECRET_MIN_PERSONS} salariés)."
    )
    return "\n".join(lines) + "\n"


def cli_main(args: argparse.Namespace) -> int:
    """``iae-diag figures --processed DIR [--year Y] --territory T [--json]``."""
    from iae_diag.indicators.io import load_indicators

    territory = parse_territory(args.territory)
    indicators = load_indicators(args.processed)
    figures = key_figures(indicators, territory, args.year)
    print(to_json(figures) if args.json else format_key_figures(figures), end="")
    return 0
