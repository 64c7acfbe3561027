"""Geography of the diagnostic: the layers of the geography folder and their recognition
(:mod:`.files`, :mod:`.readers`, :mod:`.layers`), commune codes and projections
(:mod:`.codes`), populations (:mod:`.populations`), needs (:mod:`.needs`), distances and the
thin-offer table (:mod:`.distances`), drawing (:mod:`.drawing`), the maps of a report
(:mod:`.maps`) and the territory sections of the report (:mod:`.sections`). See
``docs/geography.md``.

The names most used are importable from the package: ``geo.load_geography``,
``geo.Geography``, ``geo.population_by_departement``, ``geo.reference_codes``,
``geo.metric_crs``."""

from iae_diag.geo.codes import (
    ARRONDISSEMENTS,
    LAMBERT93,
    WGS84,
    arrondissement_city,
    infer_cog_vintage,
    metric_crs,
    packaged_mergers,
    reference_codes,
)
from iae_diag.geo.files import discover_files
from iae_diag.geo.layers import Geography, load_geography
from iae_diag.geo.populations import population_by_departement
from iae_diag.geo.readers import repair_geometries

__all__ = [
    "ARRONDISSEMENTS",
    "LAMBERT93",
    "WGS84",
    "Geography",
    "arrondissement_city",
    "discover_files",
    "infer_cog_vintage",
    "load_geography",
    "metric_crs",
    "packaged_mergers",
    "population_by_departement",
    "reference_codes",
    "repair_geometries",
]
