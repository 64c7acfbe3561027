"""One place for paths and settings.

Nothing is computed at import time: every function reads the environment when it is called,
so tests and notebooks can set variables first.

Environment variables (the Makefile sets them from its variables of the same meaning):

- ``IAE_DIAG_ROOT``: project root (default: the folder holding ``pyproject.toml`` above this
  file, or the cwd);
- ``IAE_DIAG_SHARED_DIR``: the shared material: docs, headers, real reference data (default:
  ``<root>/../shared``);
- ``IAE_DIAG_HEADERS_DIR``: the fluxIAE header layouts used by the synthetic generator
  (default: ``<shared>/data/fluxiae/headers``);
- ``IAE_DIAG_GEO_DIR``: geography folder: boundaries, QPV, population (default: none; the
  reports say that maps need it);
- ``IAE_DIAG_SALT``: the secret key of the NIR hash (HMAC-SHA-256; the name is historical),
  at least 32 characters; else ``IAE_DIAG_KEY_FILE``: a file holding it (default
  ``~/.config/iae-diag/nir.key``, created by ``iae-diag key create``). Without either, only
  the synthetic dataset can be ingested (with the public ``DEMO_KEY``);
- ``IAE_DIAG_ROME_SECTORS``: a CSV overriding the ROME -> sector reference (default: the
  packaged file).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

#: The documented demonstration key of the NIR hash: public, so the ingest accepts it only on
#: the synthetic dataset written by ``iae-diag synth``. Real data needs a secret key
#: (IAE_DIAG_SALT or a key file), otherwise every person_key could be turned back into a NIR.
DEMO_KEY = "iae-diag-demonstration-key-synthetic-data-only"
#: Keys that are public (the demonstration key, and the default salt of earlier versions).
PUBLIC_KEYS = (DEMO_KEY, "iae-diag-default-salt-change-me")
#: Minimum length of a key on real data (``iae-diag key create`` writes 64 hex characters).
KEY_MIN_LENGTH = 32

PACKAGE_DIR = Path(__file__).resolve().parent
REFERENCE_DIR = PACKAGE_DIR / "reference"


def find_root(start: Path | None = None) -> Path:
    """The project root: ``IAE_DIAG_ROOT`` if set, else the first folder holding a
    ``pyproject.toml`` walking up from ``start`` (default: this package, then the cwd)."""
    env = os.environ.get("IAE_DIAG_ROOT")
    if env:
        return Path(env).resolve()
    candidates = [start] if start is not None else [PACKAGE_DIR, Path.cwd()]
    for c in candidates:
        for p in [c.resolve(), *c.resolve().parents]:
            if (p / "pyproject.toml").is_file() and (p / "src" / "iae_diag").is_dir():
                return p
    return Path.cwd().resolve()


@dataclass(frozen=True)
class ProjectPaths:
    """The project's folders, all absolute."""

    root: Path
    raw: Path
    processed: Path
    reports: Path
    params: Path
    notebooks: Path

    @classmethod
    def from_root(cls, root: Path | str | None = None) -> ProjectPaths:
        r = Path(root).resolve() if root is not None else find_root()
        return cls(
            root=r,
            raw=r / "data" / "raw",
            processed=r / "data" / "processed",
            reports=r / "reports",
            params=r / "params",
            notebooks=r / "notebooks",
        )


def shared_dir() -> Path:
    env = os.environ.get("IAE_DIAG_SHARED_DIR")
    return Path(env).resolve() if env else (find_root() / ".." / "shared").resolve()


def headers_dir() -> Path:
    env = os.environ.get("IAE_DIAG_HEADERS_DIR")
    return Path(env).resolve() if env else shared_dir() / "data" / "fluxiae" / "headers"


def geo_dir() -> Path | None:
    """The configured geography folder, or None when none is configured (or it is empty)."""
    env = os.environ.get("IAE_DIAG_GEO_DIR", "").strip()
    if not env:
        return None
    return Path(env).resolve()


def nir_key_env() -> str | None:
    """The key set in ``IAE_DIAG_SALT`` (None when the variable is not set; ``""`` when it is
    set to nothing)."""
    return os.environ.get("IAE_DIAG_SALT")


def nir_key_file() -> tuple[Path | None, bool]:
    """(the key file, whether ``IAE_DIAG_KEY_FILE`` names it explicitly): the variable when
    set, else ``$XDG_CONFIG_HOME/iae-diag/nir.key`` (``~/.config/...``); None when there is no
    home folder to put it in."""
    env = os.environ.get("IAE_DIAG_KEY_FILE", "").strip()
    if env:
        return Path(env).expanduser().absolute(), True
    xdg = os.environ.get("XDG_CONFIG_HOME", "").strip()
    try:
        base = Path(xdg) if xdg else Path.home() / ".config"
    except RuntimeError:  # no home folder
        return None, False
    return (base / "iae-diag" / "nir.key").absolute(), False


def rome_sectors_file() -> Path:
    env = os.environ.get("IAE_DIAG_ROME_SECTORS", "").strip()
    return Path(env).resolve() if env else REFERENCE_DIR / "rome_secteurs.csv"
