"""Ingest of the ASP fluxIAE exports: raw ``fluxIAE_*.csv[.gz]`` -> typed, validated,
pseudonymised parquet (layout: docs/architecture.md, "Processed data"; details: docs/ingest.md).

One module per step, in the order the data goes through them:

- :mod:`~iae_diag.ingest.schemas`: the column specifications of the five tables, as data;
- :mod:`~iae_diag.ingest.files`: pick the file of each table (latest extract stamp wins),
  read it as a stream (decompressed, hashed on the way);
- :mod:`~iae_diag.ingest.framing`: the text cut into blocks at complete lines; BOM, optional
  ``DEB`` line, header, optional ``FIN<n>`` line, UTF-8 check, embedded newlines glued back;
  parse with ``pyarrow.csv`` (all text); the file-level checks once the last block is read;
- :mod:`~iae_diag.ingest.convert`: type and check each column (vectorised);
- :mod:`~iae_diag.ingest.table`: one table, block by block (memory does not grow with the
  file): a bad value in a critical column (key, period, hours, mesure) quarantines the row,
  elsewhere it is set to null and counted;
- :mod:`~iae_diag.ingest.quarantine`: the rejected rows with their reason, physical line,
  column and value;
- :mod:`~iae_diag.ingest.keys`: the secret key of the NIR hash, synthetic or real data, the
  refusal of real data without a proper key, ``iae-diag key create``;
- :mod:`~iae_diag.ingest.privacy`: valid NIR, shared placeholders, keyed hash ``person_key``
  (HMAC-SHA-256), birth date -> year;
- :mod:`~iae_diag.ingest.writing`: parquet files, appended block after block;
- :mod:`~iae_diag.ingest.pipeline`: the whole ingest, written into ``--out`` in one move once
  every file-level check has passed (a faulty input leaves ``--out`` untouched);
- :mod:`~iae_diag.ingest.command`: ``iae-diag ingest``.

File-level faults raise :class:`iae_diag.errors.InputError`; row-level faults never stop the
ingest and ``rows_read = rows_kept + rows_quarantined`` holds for every table.
"""

from iae_diag.ingest.command import cli_main, format_counts
from iae_diag.ingest.files import RawFile, find_raw_files
from iae_diag.ingest.pipeline import ingest
from iae_diag.ingest.quarantine import QUARANTINE_COLUMNS

__all__ = [
    "QUARANTINE_COLUMNS",
    "RawFile",
    "cli_main",
    "find_raw_files",
    "format_counts",
    "ingest",
]
