"""Writing the processed tables (parquet), block after block."""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from iae_diag.ingest.schemas import DERIVED_COLUMNS, TableSpec


class ParquetSink:
    """The kept rows of one table, appended block after block (one or more row groups each)
    to a parquet file by ``pool`` (one thread), so that a block is written while the next one
    is checked; at most one block waits. Dictionary pages where values repeat, delta encoding
    for the integer ids and ``source_line`` (mostly increasing): faster to write and about
    half the size. An error of the writing thread is raised by the next call."""

    def __init__(self, spec: TableSpec, path: Path, pool: ThreadPoolExecutor) -> None:
        self.spec = spec
        self.path = path
        self.pool = pool
        self._writer: pq.ParquetWriter | None = None
        self._pending: Future | None = None

    def _wait(self) -> None:
        if self._pending is not None:
            pending, self._pending = self._pending, None
            pending.result()

    def add(self, table: pa.Table) -> None:
        self._wait()
        self._pending = self.pool.submit(self._write, table)

    def _write(self, table: pa.Table) -> None:
        if self._writer is None:
            spec, names = self.spec, set(table.column_names)
            ids = [c.name for c in spec.columns if c.output and c.kind == "id"] + ["source_line"]
            dict_cols = [c.name for c in spec.columns if c.output and c.kind != "id"]
            dict_cols += [c for c in DERIVED_COLUMNS.get(spec.table, ()) if c != "person_key"]
            self._writer = pq.ParquetWriter(
                self.path,
                table.schema,
                compression="snappy",
                use_dictionary=[c for c in dict_cols if c in names],
                column_encoding={c: "DELTA_BINARY_PACKED" for c in ids if c in names},
            )
        self._writer.write_table(table)

    def close(self) -> None:
        """Wait for the last block and end the file."""
        self._wait()
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def reset(self) -> None:
        """Drop what was written (the table is read again)."""
        self.close()
        self.path.unlink(missing_ok=True)
