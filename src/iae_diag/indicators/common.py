"""Constants and small helpers shared by the indicator modules (no I/O)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from iae_diag import errors
from iae_diag.territories import FRANCE_CODE, departements, regions

#: AF states whose annexes count (definitions.md, "Eligible AF").
ELIGIBLE_STATES = frozenset({"VALIDE", "PROVISOIRE", "CLOTURE"})

#: Annual hours of one full-time equivalent used when the AF carries none (or zero), by type.
DEFAULT_ANNUAL_HOURS: dict[str, float] = {
    "ACI": 1820.0,
    "AI": 1607.0,
    "EI": 1505.0,
    "ETTI": 1607.0,
    "EITI": 1607.0,
}

#: Education codes below the baccalauréat.
LOW_QUALIFICATION_CODES = frozenset({"00", "01", "50", "51", "60", "70"})
#: Education codes of the detailed publics keys (definitions v2, "Publics").
EDUCATION_KEYS: dict[str, frozenset[str]] = {
    "education_non_certifiante": frozenset({"00"}),
    "education_infra_cap": frozenset({"70", "01"}),
    "education_cap_bep": frozenset({"50", "51"}),
}
#: A known education code (ASP ``contrat_niveau_de_formation_code``, two digits once padded by
#: the ingest): anything else, or an empty value, is unknown and leaves the education keys'
#: denominators.
EDUCATION_CODE_PATTERN = r"^[0-9]{2}$"


def require_columns(df: pd.DataFrame, table: str, columns: list[str]) -> None:
    """Raise :class:`InputError` naming every column of ``columns`` missing from the
    processed table ``df``."""
    errors.require_columns(
        df,
        columns,
        f"The processed table {table}",
        "Re-run `iae-diag ingest` with the current version.",
    )


def text_in(values: pd.Series, accepted: frozenset[str] | set[str]) -> np.ndarray:
    """True where the value, stripped and upper-cased, is in ``accepted``; missing is False.

    Computed once per distinct value (factorize), so it stays linear on millions of rows."""
    codes, uniques = _codes(values)
    hit = np.array([str(u).strip().upper() in accepted for u in uniques] + [False], dtype=bool)
    return hit[codes]  # code -1 (missing) reads the trailing False


def _codes(values: pd.Series) -> tuple[np.ndarray, pd.Index | np.ndarray]:
    """(code of each row, -1 when missing; the distinct values the codes point to). A
    ``Categorical`` column gives its own codes and categories (no pass over the rows, no
    int64 copy of millions of codes); another column is factorized."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.cat.codes.to_numpy(), values.cat.categories
    return pd.factorize(values, use_na_sentinel=True)


@dataclass(frozen=True)
class TextColumn:
    """A text column coded once (``pd.factorize``): membership tests then look at its distinct
    values only, so several tests of one column cost one pass over the rows."""

    codes: np.ndarray  # -1 for a missing value
    uniques: tuple[str, ...]  # the distinct values, stripped and upper-cased

    @classmethod
    def of(cls, values: pd.Series) -> TextColumn:
        codes, uniques = _codes(values)
        return cls(codes, tuple(str(u).strip().upper() for u in uniques))

    def _select(self, hit: list[bool]) -> np.ndarray:
        return np.array([*hit, False], dtype=bool)[self.codes]  # -1 reads the trailing False

    def isin(self, accepted: frozenset[str] | set[str]) -> np.ndarray:
        """True where the value is in ``accepted``; missing is False."""
        return self._select([u in accepted for u in self.uniques])

    def matches(self, pattern: str) -> np.ndarray:
        """True where the value matches the regular expression ``pattern``; missing is
        False."""
        rx = re.compile(pattern)
        return self._select([bool(rx.match(u)) for u in self.uniques])


TRUE_TEXT = frozenset({"TRUE", "OUI", "1", "O", "VRAI", "1.0", "T", "Y", "YES"})
FALSE_TEXT = frozenset({"FALSE", "NON", "0", "N", "FAUX", "0.0", "F", "NO"})


def as_bool(values: pd.Series) -> np.ndarray:
    """True where the value means yes (booleans, ``true``/``TRUE``, ``OUI``, ``1``); missing
    and anything else is False."""
    if pd.api.types.is_bool_dtype(values.dtype):
        return values.to_numpy(dtype=bool, na_value=False)
    return text_in(values, TRUE_TEXT)


@dataclass(frozen=True)
class Geography:
    """Département and region indices for vectorised aggregation.

    Départements are numbered in the order of the packaged referential; index ``n_dep`` is a
    sentinel for an annex whose département is unknown (counted for France only).
    """

    deps: tuple[str, ...]
    regions: tuple[str, ...]
    region_of_dep: np.ndarray  # dep index (incl. sentinel) -> region index (sentinel n_reg)

    @classmethod
    def from_reference(cls) -> Geography:
        d = departements()
        regs = tuple(regions()["code_region"])
        reg_index = {r: i for i, r in enumerate(regs)}
        reg_of = np.array([reg_index[r] for r in d["code_region"]] + [len(regs)], dtype=np.int64)
        return cls(deps=tuple(d["code_departement"]), regions=regs, region_of_dep=reg_of)

    @property
    def n_dep(self) -> int:
        return len(self.deps)

    def dep_index(self, codes: pd.Series) -> np.ndarray:
        """Index of each département code; the sentinel ``n_dep`` for a missing one."""
        idx = pd.Index(self.deps).get_indexer(codes.astype(object).where(codes.notna(), None))
        return np.where(idx < 0, self.n_dep, idx).astype(np.int64)

    def n_territories(self, level: str) -> int:
        """Number of slots of a level, sentinel included."""
        return {"dep": self.n_dep + 1, "region": len(self.regions) + 1, "france": 1}[level]

    def territory_of(self, level: str, dep_i: np.ndarray) -> np.ndarray:
        """Territory slot of each département index at ``level``."""
        if level == "dep":
            return dep_i
        if level == "region":
            return self.region_of_dep[dep_i]
        return np.zeros(len(dep_i), dtype=np.int64)

    def codes(self, level: str) -> list[str | None]:
        """Code of each slot of a level (None for the sentinel)."""
        if level == "dep":
            return [*self.deps, None]
        if level == "region":
            return [*self.regions, None]
        return [FRANCE_CODE]

    def roll_up(self, level: str, dep_cube: np.ndarray) -> np.ndarray:
        """Sum an additive cube whose first axis is the département slot to ``level``."""
        if level == "dep":
            return dep_cube
        if level == "france":
            return dep_cube.sum(axis=0, keepdims=True)
        out = np.zeros((len(self.regions) + 1, *dep_cube.shape[1:]), dtype=dep_cube.dtype)
        np.add.at(out, self.region_of_dep, dep_cube)
        return out
