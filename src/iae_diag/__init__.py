"""iae-diag: reproducible annual diagnostic of the IAE from ASP fluxIAE exports.

No side effects at import: no logging set-up, no I/O, no environment reading.
"""

__version__ = "0.1.0"

#: Version of the processed-data layout (parquet columns and manifest). Bump it when a
#: processed table gains, loses or retypes a column.
SCHEMA_VERSION = "2"

__all__ = ["__version__", "SCHEMA_VERSION"]
