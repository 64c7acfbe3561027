"""The sentences of the report, one module per section (``offer``, ``publics``, ``sectors``,
``territories``, ``highlights``), each next to the rules it writes.

Every function here is deterministic and takes plain values (or the report context's published
values, never a hidden one); the shared phrase helpers (``join_fr``, ``lower_first``,
``approx_count``, the territory subjects) stay in :mod:`iae_diag.narrative`, and every printed
difference comes from :mod:`iae_diag.differences`.
"""

from __future__ import annotations

from iae_diag.territories import Territory, of_name, with_article


def cap(s: str) -> str:
    """The sentence's first letter in capital: ``la Seine-Saint-Denis`` -> ``La ...``."""
    return s[:1].upper() + s[1:]


def name_types(geo_dir) -> dict[tuple[str, str], int]:
    """``{(level, code): INSEE type of name}`` of the geography folder (empty without one)."""
    if not geo_dir:
        return {}
    from iae_diag.geo import load_geography  # geopandas: only with a geography folder

    geo = load_geography(geo_dir)
    if geo is None:
        return {}
    out = {}
    for level, t in (("dep", geo.cog_departements), ("region", geo.cog_regions)):
        if t is not None:
            out |= {(level, str(c)): int(n) for c, n in zip(t["code"], t["tncc"], strict=True)}
    return out


def the_name(terr: Territory, tncc: int | None) -> str:
    """``la Seine-Saint-Denis``, ``Paris`` (INSEE type of name); without it ``le département
    Seine-Saint-Denis``, ``la région X``."""
    if tncc is None:
        return f"le département {terr.name}" if terr.level == "dep" else f"la région {terr.name}"
    return with_article(terr.name, tncc)


def of_territory(terr: Territory, tncc: int | None) -> str:
    """``de la Seine-Saint-Denis``, ``d'Île-de-France``."""
    return of_name(terr.name, tncc, terr.level)
