"""Errors the command line reports as a message, without a traceback."""

from __future__ import annotations


class InputError(Exception):
    """An input (file, parameter, folder) is wrong: the message says which, where, and what
    was expected. The command line prints it as one paragraph and exits with status 2."""


class ParameterError(InputError):
    """A run parameter (territory, year, path) is invalid."""


def require_columns(df, columns, what: str, remedy: str = "") -> None:
    """Raise :class:`InputError` when ``df`` (a DataFrame) lacks any of ``columns``: the
    message names ``what`` (the table and where it comes from), every missing column, the
    expected and the found columns, then ``remedy`` (what to do) when given."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise InputError(
            f"{what}: missing column(s) {', '.join(missing)}; expected the layout of "
            f"docs/architecture.md ({', '.join(columns)}; columns found: "
            f"{', '.join(map(str, df.columns))})." + (f" {remedy}" if remedy else "")
        )
