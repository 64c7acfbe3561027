"""Key figures of a territory and a year, read from the indicator table only.

:func:`key_figures` builds the JSON document ``iae-diag/key-figures/2`` of
``../shared/docs/definitions.md``; :func:`format_key_figures` prints it as a French table;
``iae-diag figures`` (:func:`cli_main`) does either.
"""

from __future__ import annotations

import argparse
import json
import math

import pandas as pd

from iae_diag.errors import InputError
from iae_diag.formatting import fmt_int, fmt_number, fmt_pct, fmt_signed
from iae_diag.indicators.parcours import CATEGORIES, RATE_KEYS
from iae_diag.indicators.sectors import load_sectors, sector_labels
from iae_diag.secrecy import INTERNE, PUBLIQUE, Decision, decide
from iae_diag.territories import Territory, parse_territory
from iae_diag.vocabulary import (
    EXIT_LABELS,
    FLOW_LABELS,
    INDICATOR_KEYS,
    PUBLIC_KEYS,
    PUBLIC_LABELS,
    SECRET_MARK,
    SECRET_MIN_PERSONS,
    SECRET_NOTE,
    TYPE_ALL,
    TYPES,
)

SCHEMA = "iae-diag/key-figures/2"
#: shares are published with at most this many decimals (as fractions)
SHARE_DECIMALS = 3
#: indicators of the ``flows`` block (schema 2), in its order
FLOW_INDICATORS = (
    "embauches",
    "entrants",
    "renouvellements",
    "salaries_moyenne_mensuelle",
    "presents_fin_annee",
)


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
    """Keys (as in :func:`value_index`) of the rows of the indicator table that a run does not
    publish: the rows marked in its ``secret`` column (a table from
    :func:`iae_diag.secrecy.published`), or else the person rules and their secondary
    suppression decided over the table alone (:func:`iae_diag.secrecy.decide`, ``interne``)."""
    if "secret" in indicators.columns:
        return set(value_index(indicators.loc[indicators["secret"].astype(bool)]))
    own = set(value_index(indicators))
    return decide(indicators, diffusion=INTERNE).keys() & own


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


def key_figures(
    indicators: pd.DataFrame,
    territory: Territory,
    year: int | None,
    decision: Decision | None = None,
    data_status: str | None = None,
) -> dict:
    """The key-figures document (schema ``iae-diag/key-figures/2``: every field of schema 1,
    ``data_status``, ``diffusion``, ``secret`` and the blocks ``flows``, ``publics_entrants``
    and ``exits``) of a territory and year. ``data_status``: the manifest's (``synthetic`` or
    ``real``; None when unknown).

    Counts are integers, ETP, hours, monthly averages and lengths (months) floats, shares and
    rates in [0, 1] with 3 decimals or None; all
    five types are always present; sector keys are the sectors' French labels (reference
    order). ``year`` None means the latest year of the territory. ``decision`` is the run's
    statistical-secrecy decision (:func:`iae_diag.secrecy.decide`): a hidden value is None and
    its path is listed in ``secret``. Without one, the person rules and their secondary
    suppression are decided over ``indicators`` alone (level ``interne``)."""
    rows = _select(indicators, territory, year)
    year = int(rows["year"].iloc[0])
    val = value_index(rows)
    if decision is None:
        decision = decide(indicators, diffusion=INTERNE)
    level, code = territory.level, territory.code
    secret: list[str] = []

    def get(path: str, indicator: str, type_siae=TYPE_ALL, breakdown="", integer=False, nd=6):
        key = (indicator, level, code, year, type_siae, breakdown)
        if key in decision:
            secret.append(path)
            return None
        v = _num(val.get(key), integer)
        return v if v is None or integer else round(v, nd) + 0.0

    def by_type(
        path: str, indicator: str, integer: bool = False, breakdown: str = "", nd: int = 6
    ) -> dict:
        return {
            "total": get(f"{path}.total", indicator, TYPE_ALL, breakdown, integer, nd),
            "by_type": {
                t: get(f"{path}.by_type.{t}", indicator, t, breakdown, integer, nd) for t in TYPES
            },
        }

    labels = sector_labels(load_sectors())
    table_sectors = set(rows.loc[rows["indicator"] == "hours_by_sector", "breakdown"])
    sectors = [c for c in labels if c in table_sectors] + sorted(table_sectors - set(labels))

    def sector_hours(path: str, type_siae: str) -> dict:
        return {
            labels.get(c, c): get(f"{path}.{labels.get(c, c)}", "hours_by_sector", type_siae, c)
            for c in sectors
        }

    def publics(path: str, type_siae: str) -> dict:
        return {
            k: get(f"{path}.{k}", "public_share", type_siae, k, nd=SHARE_DECIMALS)
            for k in PUBLIC_KEYS
        }

    doc = {
        "schema": SCHEMA,
        "territory": {"level": territory.level, "code": territory.code, "name": territory.name},
        "year": year,
        "data_status": data_status,
        "diffusion": decision.diffusion,
        "secret": secret,
        "structures": by_type("structures", "structures", integer=True),
        "structures_change": {
            "created": get("structures_change.created", "structures_created", integer=True),
            "closed": get("structures_change.closed", "structures_closed", integer=True),
            "net": get("structures_change.net", "structures_net", integer=True),
        },
        "salaries": by_type("salaries", "salaries", integer=True),
        "etp": by_type("etp", "etp_realises"),
        "etp_conventionnes": by_type("etp_conventionnes", "etp_conventionnes"),
        "hours": {
            "total": get("hours.total", "hours"),
            "by_sector": sector_hours("hours.by_sector", TYPE_ALL),
            "by_type_and_sector": {
                t: sector_hours(f"hours.by_type_and_sector.{t}", t) for t in TYPES
            },
        },
        "publics": publics("publics", TYPE_ALL),
        "publics_by_type": {t: publics(f"publics_by_type.{t}", t) for t in TYPES},
        "flows": {
            k: by_type(f"flows.{k}", k, integer=k != "salaries_moyenne_mensuelle")
            for k in FLOW_INDICATORS
        },
        "publics_entrants": {
            k: get(
                f"publics_entrants.{k}", "public_share_entrants", TYPE_ALL, k, nd=SHARE_DECIMALS
            )
            for k in PUBLIC_KEYS
        },
        "exits": {
            "sortants": by_type("exits.sortants", "sortants", integer=True),
            "sorties_examinees": by_type(
                "exits.sorties_examinees", "sorties_examinees", integer=True
            ),
            "by_category": {
                c: by_type(f"exits.by_category.{c}", "exits_by_category", True, c)
                for c in CATEGORIES
            },
            "rates": {
                k: by_type(f"exits.rates.{k}", "exit_rate", False, k, SHARE_DECIMALS)
                for k in RATE_KEYS
            },
            "duree_parcours_mois": {
                stat: by_type(f"exits.duree_parcours_mois.{stat}", f"duree_parcours_mois_{stat}")
                for stat in ("mean", "median")
            },
        },
    }
    doc["secret"] = sorted(secret)
    return doc


def to_json(figures: dict) -> str:
    """The document as deterministic JSON text (contract key order, UTF-8 characters)."""
    return json.dumps(figures, ensure_ascii=False, indent=2) + "\n"


def format_key_figures(figures: dict) -> str:
    """A readable French table of the key figures (French number formats; ``s`` for a value
    under statistical secrecy, a path of the document's ``secret`` list)."""
    ter = figures["territory"]
    name = ter["name"] if ter["level"] != "dep" else f"{ter['name']} ({ter['code']})"
    cols = ["Total", *TYPES]
    width = max(44, *(len(label) + 2 for label in PUBLIC_LABELS.values()))
    lines = [f"Chiffres clés {figures['year']} : {name}", ""]
    hidden = set(figures.get("secret", []))

    def cell(path: str, value, fmt) -> str:
        return SECRET_MARK if path in hidden else fmt(value)

    def row(label: str, values: list[str]) -> str:
        return label.ljust(width) + "".join(v.rjust(10) for v in values)

    def paths(key: str) -> list[str]:
        return [f"{key}.total"] + [f"{key}.by_type.{t}" for t in TYPES]

    lines.append(row("", cols))
    for key, label, fmt in (
        ("structures", "Structures (SIAE)", fmt_int),
        ("salaries", "Salariés en insertion", fmt_int),
        ("etp", "ETP réalisés", fmt_int),
        ("etp_conventionnes", "ETP conventionnés", fmt_int),
    ):
        block = figures[key]
        values = [block["total"]] + [block["by_type"][t] for t in TYPES]
        lines.append(
            row(label, [cell(p, v, fmt) for p, v in zip(paths(key), values, strict=True)])
        )
    taux = []
    for pe, pc in zip(paths("etp"), paths("etp_conventionnes"), strict=True):
        if pe in hidden or pc in hidden:
            taux.append(SECRET_MARK)
            continue
        e = (
            figures["etp"]["total"]
            if pe.endswith("total")
            else figures["etp"]["by_type"][pe.split(".")[-1]]
        )
        c = (
            figures["etp_conventionnes"]["total"]
            if pc.endswith("total")
            else figures["etp_conventionnes"]["by_type"][pc.split(".")[-1]]
        )
        taux.append(fmt_pct(None if not c else (e or 0) / c))
    lines.append(row("Taux de réalisation", taux))
    ch = figures["structures_change"]
    lines += [
        "",
        f"Structures créées : {fmt_int(ch['created'])}, fermées : {fmt_int(ch['closed'])}, "
        f"solde : {fmt_signed(ch['net'])}",
        "",
        f"Heures travaillées : {cell('hours.total', figures['hours']['total'], fmt_int)}",
    ]
    total_h = figures["hours"]["total"] or 0
    for label, h in figures["hours"]["by_sector"].items():
        path = f"hours.by_sector.{label}"
        share = (h or 0) / total_h if total_h else None
        shown = [cell(path, h, fmt_int), cell(path, share, fmt_pct)]
        lines.append(f"  {label.ljust(width - 2)}{shown[0].rjust(12)}{shown[1].rjust(8)}")
    lines += ["", row("Publics (part des salariés)", cols)]
    for k in PUBLIC_KEYS:
        ps = [f"publics.{k}"] + [f"publics_by_type.{t}.{k}" for t in TYPES]
        values = [figures["publics"][k]] + [figures["publics_by_type"][t][k] for t in TYPES]
        lines.append(
            row(PUBLIC_LABELS[k], [cell(p, v, fmt_pct) for p, v in zip(ps, values, strict=True)])
        )
    lines += ["", row("Flux", cols)]
    for key in FLOW_INDICATORS:
        block = figures["flows"][key]
        fmt = fmt_int if key != "salaries_moyenne_mensuelle" else fmt_dec
        lines.append(row(FLOW_LABELS[key], _cells(block, f"flows.{key}", hidden, fmt)))
    lines += ["", row("Publics des entrants", [""])]
    for k in PUBLIC_KEYS:
        shown = cell(f"publics_entrants.{k}", figures["publics_entrants"][k], fmt_pct)
        lines.append(row(PUBLIC_LABELS[k], [shown]))
    exits = figures["exits"]
    lines += ["", row("Sorties", cols)]
    for key in ("sortants", "sorties_examinees"):
        lines.append(row(FLOW_LABELS[key], _cells(exits[key], f"exits.{key}", hidden, fmt_int)))
    for c, block in exits["by_category"].items():
        path = f"exits.by_category.{c}"
        lines.append(row(f"  {EXIT_LABELS[c]}", _cells(block, path, hidden, fmt_int)))
    lines.append(row("Taux (part des sorties examinées)", [""]))
    for k, block in exits["rates"].items():
        path = f"exits.rates.{k}"
        lines.append(row(f"  {EXIT_LABELS[k]}", _cells(block, path, hidden, fmt_pct)))
    for stat, block in exits["duree_parcours_mois"].items():
        path = f"exits.duree_parcours_mois.{stat}"
        label = FLOW_LABELS[f"duree_parcours_mois_{stat}"]
        lines.append(row(label, _cells(block, path, hidden, fmt_dec)))
    lines.append("")
    lines.append(
        "n.d. : non disponible (aucune donnée ou année précédente absente). "
        + SECRET_NOTE
        + f" Diffusion : {figures.get('diffusion', 'n.d.')}."
    )
    return "\n".join(lines) + "\n"


def fmt_dec(x: object) -> str:
    """A number with one decimal, French format (monthly averages, lengths in months)."""
    return fmt_number(x, 1)


def _cells(block: dict, path: str, hidden: set[str], fmt) -> list[str]:
    """The total then the five types of a ``{"total", "by_type"}`` block, as printed."""
    pairs = [(f"{path}.total", block["total"])]
    pairs += [(f"{path}.by_type.{t}", block["by_type"][t]) for t in TYPES]
    return [SECRET_MARK if p in hidden else fmt(v) for p, v in pairs]


def folder_decision(processed_dir, diffusion: str = PUBLIQUE) -> Decision:
    """The statistical-secrecy decision of a processed folder (indicator, quality and SIAE
    tables) at ``diffusion``: the one a report run of that folder uses."""
    from pathlib import Path

    from iae_diag.indicators.io import load_indicators, load_quality, load_siae

    d = Path(processed_dir)
    quality = load_quality(d) if (d / "quality.parquet").is_file() else None
    siae = load_siae(d) if (d / "siae.parquet").is_file() else None
    sectors = d / "siae_sectors.parquet"
    return decide(
        load_indicators(d),
        quality,
        siae,
        pd.read_parquet(sectors) if sectors.is_file() else None,
        diffusion=diffusion,
    )


def data_status_of(processed_dir) -> str | None:
    """``data_status`` of a processed folder's manifest (``synthetic`` when every raw file
    carried the marker of ``iae-diag synth``, else ``real``); None without a manifest."""
    from pathlib import Path

    path = Path(processed_dir) / "manifest.json"
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8")).get("data_status")


def cli_main(args: argparse.Namespace) -> int:
    """``iae-diag figures --processed DIR [--year Y] --territory T [--json]``."""
    from iae_diag.indicators.io import load_indicators

    territory = parse_territory(args.territory)
    indicators = load_indicators(args.processed)
    figures = key_figures(
        indicators,
        territory,
        args.year,
        folder_decision(args.processed),
        data_status_of(args.processed),
    )
    print(to_json(figures) if args.json else format_key_figures(figures), end="")
    return 0
