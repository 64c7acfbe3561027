"""Progress of the long steps (ingest per table, indicators per year) on a terminal.

A :class:`Progress` writes one line, rewritten in place (``\\r``), to standard error when it is
a terminal, e.g. ``indicators: year 2012 (2/3), 1 204 311 rows``; it writes nothing when
standard error is not a terminal (logs, pipes) or when the ``CI`` environment variable is set,
so CI logs stay as they are. Only the display depends on the environment: what is computed
never does.
"""

from __future__ import annotations

import os
import sys
from typing import TextIO


def progress_enabled(stream: TextIO | None = None, environ: dict | None = None) -> bool:
    """True when ``stream`` (default: standard error) is a terminal and ``CI`` is not set."""
    stream = sys.stderr if stream is None else stream
    env = os.environ if environ is None else environ
    if env.get("CI", "") not in ("", "0", "false", "False"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _thousands(n: int) -> str:
    """1204311 -> '1 204 311' (the French grouping, as in the reports)."""
    return f"{n:,}".replace(",", " ")


class Progress:
    """One step's progress line: ``<step>: <what> (<i>/<n>), <rows> rows``.

    Use as a context manager; :meth:`update` rewrites the line, leaving the block ends it
    with a newline. Disabled (see :func:`progress_enabled`), every call does nothing."""

    def __init__(
        self,
        step: str,
        stream: TextIO | None = None,
        enabled: bool | None = None,
    ) -> None:
        self.step = step
        self.stream = sys.stderr if stream is None else stream
        self.enabled = progress_enabled(self.stream) if enabled is None else enabled
        self._width = 0
        self._written = False

    def update(self, what: str, rows: int | None = None, index: int = 0, total: int = 0) -> None:
        """Show that the step is at ``what`` (a table, a year), ``rows`` rows done so far."""
        if not self.enabled:
            return
        line = f"{self.step}: {what}"
        if total:
            line += f" ({index}/{total})"
        if rows is not None:
            line += f", {_thousands(int(rows))} rows"
        pad = max(self._width - len(line), 0)
        self.stream.write("\r" + line + " " * pad)
        self.stream.flush()
        self._width = len(line)
        self._written = True

    def close(self) -> None:
        """End the line (nothing when nothing was written)."""
        if self.enabled and self._written:
            self.stream.write("\n")
            self.stream.flush()
            self._written = False

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
