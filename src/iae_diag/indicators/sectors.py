"""ROME code -> sector of activity, through the packaged (or user-supplied) reference files.

``reference/rome_secteurs.csv`` maps ROME prefixes to sector codes (the longest prefix wins);
``reference/secteurs.csv`` gives each sector code its French label and display order. Lines
starting with ``#`` are comments. ``IAE_DIAG_ROME_SECTORS`` (``config.rome_sectors_file()``)
points to another prefix table in the same format.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from iae_diag.config import REFERENCE_DIR, rome_sectors_file
from iae_diag.errors import InputError
from iae_diag.vocabulary import SECTOR_MISSING, SECTOR_OTHER

#: Sector of a valid ROME code no prefix covers.
OTHER = SECTOR_OTHER
#: Sector of hours with no contract, no ROME code or a malformed one.
MISSING = SECTOR_MISSING
#: A ROME (v3) job code: one letter A-N then four digits.
ROME_PATTERN = re.compile(r"^[A-N]\d{4}$")


@dataclass(frozen=True)
class SectorReference:
    """The sector list (ordered) and the ROME prefix table."""

    sectors: pd.DataFrame  # sector_code, label_fr, order (sorted by order)
    prefixes: dict[str, str]  # rome_prefix -> sector_code

    @property
    def codes(self) -> list[str]:
        return list(self.sectors["sector_code"])

    @property
    def labels(self) -> dict[str, str]:
        return sector_labels(self.sectors)

    def sector_of(self, rome: object) -> str:
        """Sector code of one ROME code (longest matching prefix; see module docstring)."""
        if rome is None or (isinstance(rome, float) and np.isnan(rome)):
            return MISSING
        code = str(rome).strip().upper()
        if not ROME_PATTERN.match(code):
            return MISSING
        for n in range(len(code), 0, -1):
            hit = self.prefixes.get(code[:n])
            if hit is not None:
                return hit
        return OTHER


def _read_commented_csv(path: Path) -> list[dict[str, str]]:
    """Rows of a CSV whose lines starting with ``#`` are comments; every value as str."""
    if not path.is_file():
        raise InputError(f"The sector reference file {path} does not exist.")
    text = path.read_text(encoding="utf-8-sig")
    kept = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    return list(csv.DictReader(io.StringIO("\n".join(kept))))


def load_sectors() -> pd.DataFrame:
    """The sectors of ``reference/secteurs.csv``: sector_code, label_fr (French label shown in
    the reports and the key-figures JSON), order (int); sorted by order then code."""
    rows = _read_commented_csv(REFERENCE_DIR / "secteurs.csv")
    sectors = pd.DataFrame(rows, columns=["sector_code", "label_fr", "order"])
    sectors["order"] = sectors["order"].astype(int)
    return sectors.sort_values(["order", "sector_code"], kind="stable").reset_index(drop=True)


def sector_labels(sectors: pd.DataFrame) -> dict[str, str]:
    """Sector code -> French label, in the order of ``sectors`` (see :func:`load_sectors`)."""
    return dict(zip(sectors["sector_code"], sectors["label_fr"], strict=True))


def load_sector_reference(rome_file: Path | str | None = None) -> SectorReference:
    """Read ``secteurs.csv`` and the ROME prefix table (default: ``config.rome_sectors_file()``).

    Fails with :class:`InputError` on a missing column, an unknown sector code, a duplicated
    prefix, or a prefix that is not the start of a ROME code.
    """
    sectors = load_sectors()
    known = set(sectors["sector_code"])
    path = Path(rome_file) if rome_file is not None else rome_sectors_file()
    rows = _read_commented_csv(path)
    prefixes: dict[str, str] = {}
    for i, row in enumerate(rows, start=1):
        if "rome_prefix" not in row or "sector_code" not in row:
            raise InputError(
                f"{path}: expected columns rome_prefix, sector_code (and an optional note); "
                f"found {', '.join(row)}."
            )
        prefix = (row["rome_prefix"] or "").strip().upper()
        sector = (row["sector_code"] or "").strip()
        where = f"{path}, data row {i} (rome_prefix={prefix!r})"
        if not re.match(r"^[A-N]\d{0,4}$", prefix):
            raise InputError(
                f"{where}: a prefix must be the start of a ROME code (a letter A-N then up to "
                "four digits, e.g. F, K22, A1203)."
            )
        if sector not in known:
            raise InputError(
                f"{where}: unknown sector code {sector!r}; expected one of "
                f"{', '.join(sorted(known))} (reference/secteurs.csv)."
            )
        if prefix in prefixes:
            raise InputError(f"{where}: the prefix is listed twice.")
        prefixes[prefix] = sector
    return SectorReference(sectors=sectors, prefixes=prefixes)


def sector_positions(rome: pd.Series, ref: SectorReference) -> np.ndarray:
    """Position in ``ref.codes`` of the sector of each ROME code of ``rome`` (-1 for a sector
    not among them): ``pd.Index(ref.codes).get_indexer(sector_codes_of(rome, ref))``, with
    the column numbered once and the sectors decided per distinct value, without a text a row
    (the contracts of a national history, ``docs/performance.md``). int16: a few tens of
    sectors."""
    codes, uniques = pd.factorize(rome, use_na_sentinel=True)
    per_value = sector_codes_of(pd.Series(uniques, dtype=object), ref).tolist()
    at = pd.Index(ref.codes).get_indexer([*per_value, MISSING])  # code -1 (missing): MISSING
    return at.astype(np.int16)[codes]


def sector_codes_of(rome: pd.Series, ref: SectorReference) -> pd.Series:
    """Sector code of each ROME code of ``rome`` (computed once per distinct code)."""
    values = rome.astype("string")
    uniq = pd.unique(values.dropna())
    mapping = {u: ref.sector_of(u) for u in uniq}
    out = values.map(mapping)
    return out.fillna(MISSING).astype(str)
