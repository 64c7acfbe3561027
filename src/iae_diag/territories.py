"""Départements and regions of France (INSEE COG codes, as strings).

The referential is the packaged ``reference/departements.csv`` (101 départements, current
regions since 2016) and ``reference/regions.csv``. Codes are strings: ``"01"``, ``"2A"``,
``"971"``. Both carry the INSEE type of name (``tncc``, COG 2024) that gives the article and the
preposition of a name: ``Territory("dep", "93").of_name() == "de la Seine-Saint-Denis"``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from iae_diag.config import REFERENCE_DIR
from iae_diag.errors import ParameterError

LEVELS = ("dep", "region", "france")
FRANCE_CODE = "FR"


@lru_cache(maxsize=1)
def departements() -> pd.DataFrame:
    """Table (code_departement, nom_departement, code_region, tncc), codes as str."""
    return pd.read_csv(REFERENCE_DIR / "departements.csv", dtype=str, keep_default_na=False)


@lru_cache(maxsize=1)
def regions() -> pd.DataFrame:
    """Table (code_region, nom_region, tncc), codes as str."""
    return pd.read_csv(REFERENCE_DIR / "regions.csv", dtype=str, keep_default_na=False)


def normalize_dep_code(code: object) -> str | None:
    """Normalise a département code to its COG form: ``"093"`` -> ``"93"``, ``"02A"`` -> ``"2A"``,
    ``"971"`` -> ``"971"``, ``"1"`` -> ``"01"``. Returns None for an empty or unknown code."""
    if code is None:
        return None
    s = str(code).strip().upper()
    if not s or s in {"NAN", "NONE", "<NA>"}:
        return None
    if s.endswith(".0"):
        s = s[:-2]
    if len(s) == 3 and s.startswith("0"):
        s = s[1:]
    if len(s) == 1 and s.isdigit():
        s = "0" + s
    return s if s in _dep_codes() else None


@lru_cache(maxsize=1)
def _dep_codes() -> frozenset[str]:
    return frozenset(departements()["code_departement"])


def dep_of_commune(insee: object) -> str | None:
    """Département of an INSEE commune code (``"93066"`` -> ``"93"``, ``"2A004"`` -> ``"2A"``,
    ``"97105"`` -> ``"971"``)."""
    if insee is None:
        return None
    s = str(insee).strip().upper()
    if len(s) != 5:
        return None
    return normalize_dep_code(s[:3] if s.startswith("97") else s[:2])


def deps_of_region(code_region: str) -> list[str]:
    """Sorted département codes of a region (``"11"`` -> ``["75", "77", ..., "95"]``)."""
    code_region = str(code_region).strip()
    d = departements()
    out = sorted(d.loc[d["code_region"] == code_region, "code_departement"])
    if not out:
        raise ParameterError(
            f"Unknown region code {code_region!r}: expected one of "
            f"{', '.join(regions()['code_region'])} (INSEE codes since 2016)."
        )
    return out


def region_of_dep(code_departement: str) -> str:
    d = departements()
    hit = d.loc[d["code_departement"] == str(code_departement), "code_region"]
    if hit.empty:
        raise ParameterError(f"Unknown département code {code_departement!r}.")
    return str(hit.iloc[0])


@dataclass(frozen=True)
class Territory:
    """A territory of the diagnostic: a département, a region or France."""

    level: str  # "dep" | "region" | "france"
    code: str  # "93" | "11" | "FR"

    @property
    def name(self) -> str:
        if self.level == "france":
            return "France"
        if self.level == "region":
            r = regions()
            return str(r.loc[r["code_region"] == self.code, "nom_region"].iloc[0])
        d = departements()
        return str(d.loc[d["code_departement"] == self.code, "nom_departement"].iloc[0])

    @property
    def slug(self) -> str:
        """File-name stem of the territory's outputs: ``region-11``, ``dep-93``, ``france``."""
        return "france" if self.level == "france" else f"{self.level}-{self.code}"

    def departements(self) -> list[str]:
        """Département codes making up the territory."""
        if self.level == "dep":
            return [self.code]
        if self.level == "region":
            return deps_of_region(self.code)
        return sorted(departements()["code_departement"])

    @property
    def tncc(self) -> int | None:
        """INSEE type of name (TNCC of the COG) of the département or region; None for France."""
        if self.level == "region":
            r = regions()
            return int(r.loc[r["code_region"] == self.code, "tncc"].iloc[0])
        if self.level == "dep":
            d = departements()
            return int(d.loc[d["code_departement"] == self.code, "tncc"].iloc[0])
        return None

    def the_name(self) -> str:
        """The name with its article: ``la Seine-Saint-Denis``, ``les Yvelines``, ``le
        Val-d'Oise``, ``l'Essonne``, ``Paris``, ``Seine-et-Marne``, ``la France``; a region:
        ``la région Île-de-France``."""
        if self.level == "france":
            return "la France"
        if self.level == "region":
            return f"la région {self.name}"
        return with_article(self.name, self.tncc)

    def of_name(self) -> str:
        """``de`` and the name: ``de la Seine-Saint-Denis``, ``des Yvelines``, ``du
        Val-d'Oise``, ``de l'Essonne``, ``de Paris``, ``d'Île-de-France``, ``de France``."""
        if self.level == "france":
            return "de France"
        return of_name(self.name, self.tncc, self.level)

    def in_name(self) -> str:
        """Where: ``en Seine-Saint-Denis``, ``dans les Yvelines``, ``dans le Val-d'Oise``,
        ``en Essonne``, ``à Paris``, ``en Île-de-France``, ``dans le Grand Est``, ``en
        France``."""
        if self.level == "france":
            return "en France"
        if (self.level, self.code) in _AT_NAMES:
            return f"à {self.name}"
        tncc = self.tncc
        if tncc in (2, 4, 6, 7, 8):
            return f"dans {with_article(self.name, tncc)}"
        return f"en {self.name}"

    def title_name(self) -> str:
        """The name as a title gives it: ``Seine-Saint-Denis (93)``, ``Région Île-de-France``,
        ``France``."""
        if self.level == "region":
            return f"Région {self.name}"
        return self.label()

    def label(self) -> str:
        """French label: ``Seine-Saint-Denis (93)``, ``région Île-de-France``, ``France``."""
        if self.level == "dep":
            return f"{self.name} ({self.code})"
        if self.level == "region":
            return f"région {self.name}"
        return "France"


def parse_territory(spec: str) -> Territory:
    """Parse ``dep:93``, ``region:11`` or ``france`` (codes kept as strings)."""
    s = str(spec).strip()
    if s.lower() == "france":
        return Territory("france", FRANCE_CODE)
    level, sep, code = s.partition(":")
    level = level.strip().lower()
    code = code.strip()
    if not sep or level not in ("dep", "region"):
        raise ParameterError(
            f"Invalid territory {spec!r}: expected 'dep:<code>' (e.g. dep:93, dep:2A, "
            "dep:971), 'region:<code>' (e.g. region:11) or 'france'."
        )
    if level == "dep":
        norm = normalize_dep_code(code)
        if norm is None:
            raise ParameterError(f"Unknown département code {code!r} in territory {spec!r}.")
        return Territory("dep", norm)
    if code not in set(regions()["code_region"]):
        raise ParameterError(
            f"Unknown region code {code!r} in territory {spec!r}: expected one of "
            f"{', '.join(regions()['code_region'])}."
        )
    return Territory("region", code)


# --------------------------------------------------------------------------------------------
# names with their article (INSEE "type de nom en clair", TNCC)
# --------------------------------------------------------------------------------------------

#: the city and island territories whose place reads "à" (à Paris, à Mayotte, à La Réunion)
_AT_NAMES = frozenset(
    {("dep", "75"), ("dep", "974"), ("dep", "976"), ("region", "04"), ("region", "06")}
)

#: TNCC -> (article, "de" form): INSEE COG documentation
_TNCC = {
    0: ("", "de "),
    1: ("", "d'"),
    2: ("le ", "du "),
    3: ("la ", "de la "),
    4: ("les ", "des "),
    5: ("l'", "de l'"),
    6: ("aux ", "des "),
    7: ("las ", "de las "),
    8: ("los ", "de los "),
}


def with_article(name: str, tncc: int | None) -> str:
    """The name with its article: ``la Seine-Saint-Denis``, ``le Val-de-Marne``, ``Paris``,
    ``l'Essonne``. Without a type of name (``None``), the name alone."""
    if tncc is None:
        return name
    return _TNCC[int(tncc)][0] + name


def of_name(name: str, tncc: int | None, level: str = "dep") -> str:
    """``de`` and the name: ``de la Seine-Saint-Denis``, ``du Val-de-Marne``, ``des
    Hauts-de-Seine``, ``de Paris``, ``d'Île-de-France``. Without a type of name (``None``), a
    phrase that needs no article: ``du département Seine-Saint-Denis``, ``de la région X``."""
    if tncc is None:
        return f"du département {name}" if level == "dep" else f"de la région {name}"
    tncc = int(tncc)
    if tncc == 0 and name[:1].upper() in "AEIOUYÀÂÉÈÊÎÏÔÛ":
        tncc = 1
    return _TNCC[tncc][1] + name
