"""Errors the command line reports as a message, without a traceback."""

from __future__ import annotations


class InputError(Exception):
    """An input (file, parameter, folder) is wrong: the message says which, where, and what
    was expected. The command line prints it as one paragraph and exits with status 2."""


class ParameterError(InputError):
    """A run parameter (territory, year, path) is invalid."""
