"""The secret key of the NIR hash, and whether the input is the synthetic dataset.

``person_key`` = HMAC-SHA-256(key, NIR13): without the key, a ``person_key`` cannot be turned
back into a NIR (with a public key it can, in minutes, by trying every NIR of a known sex and
birth year: probe M1). The key comes from, in this order: the ``salt`` argument of
:func:`iae_diag.ingest.ingest`, ``IAE_DIAG_SALT``, the key file (``IAE_DIAG_KEY_FILE``, default
``~/.config/iae-diag/nir.key``, written by ``iae-diag key create``).

Real data (any file without the marker of ``iae-diag synth``) needs a key of at least 32
characters that is not public; the ingest refuses to run otherwise. The synthetic dataset gets
the public demonstration key when no key is configured. The key is never printed nor stored;
the manifest records a fingerprint (:func:`fingerprint`) from which the key cannot be read back.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
from dataclasses import dataclass, field
from pathlib import Path

from iae_diag import config
from iae_diag.errors import InputError

DEMONSTRATION, CONFIGURED = "demonstration", "configured"
SYNTHETIC, REAL = "synthetic", "real"

HOW_TO_CREATE = (
    "Create a key once with `iae-diag key create` (it writes 64 random hexadecimal characters "
    "to ~/.config/iae-diag/nir.key, readable by you only; `--path FILE` puts it elsewhere, "
    "outside the repository, then set IAE_DIAG_KEY_FILE=FILE), or set IAE_DIAG_SALT to a secret "
    f"of at least {config.KEY_MIN_LENGTH} characters. Keep the key outside the repository and "
    "away from the processed data, back it up, and use the same key for every extract so that "
    "a person keeps the same person_key from one year to the next."
)


@dataclass(frozen=True)
class NirKey:
    """The key of the NIR hash (its value is never shown by ``repr``)."""

    value: str = field(repr=False)
    kind: str  # DEMONSTRATION | CONFIGURED
    source: str  # where it comes from, for messages


def fingerprint(key: str) -> str:
    """First 16 hex characters of HMAC-SHA-256(key, "iae-diag key fingerprint"): tells whether
    two ingests used the same key, without revealing it."""
    mac = hmac.new(key.encode("utf-8"), b"iae-diag key fingerprint", hashlib.sha256)
    return mac.hexdigest()[:16]


def repository_root() -> Path | None:
    """The project's checkout (a folder with ``pyproject.toml`` and ``src/iae_diag``), if the
    package runs from one."""
    root = config.find_root()
    if (root / "pyproject.toml").is_file() and (root / "src" / "iae_diag").is_dir():
        return root
    return None


def _inside_repository(path: Path) -> Path | None:
    root = repository_root()
    if root is None:
        return None
    return root if path.resolve().is_relative_to(root.resolve()) else None


def _read_key_file(path: Path) -> str:
    root = _inside_repository(path)
    if root is not None:
        raise InputError(
            f"The key file {path} is inside the repository {root}: a key there can be "
            "committed or copied with the code. Move it outside (e.g. ~/.config/iae-diag/"
            "nir.key) and set IAE_DIAG_KEY_FILE to its new path."
        )
    try:
        mode = path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise InputError(
                f"The key file {path} can be read by other users (mode "
                f"{stat.filemode(mode)}); make it readable by you only: chmod 600 {path}"
            )
        return path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise InputError(f"Cannot read the key file {path}: {exc.strerror}.") from None
    except UnicodeDecodeError:
        raise InputError(f"The key file {path} is not a text file.") from None


def configured_key(explicit: str | None = None) -> NirKey | None:
    """The configured key (argument, ``IAE_DIAG_SALT``, key file), or None when there is none.
    A key file named by ``IAE_DIAG_KEY_FILE`` must exist."""
    if explicit is not None:
        return NirKey(explicit, CONFIGURED, "the key given to ingest()")
    env = config.nir_key_env()
    if env is not None:
        return NirKey(env.strip(), CONFIGURED, "IAE_DIAG_SALT")
    path, explicit_file = config.nir_key_file()
    if path is not None and path.exists():
        return NirKey(_read_key_file(path), CONFIGURED, f"the key file {path}")
    if explicit_file:
        raise InputError(f"IAE_DIAG_KEY_FILE names {path}, which does not exist. {HOW_TO_CREATE}")
    return None


def resolve_key(explicit: str | None, data_status: str, unmarked: list[str]) -> NirKey:
    """The key to hash the NIR with, or InputError (one paragraph saying how to create and keep
    a key) when the data is real (``unmarked``: its files without the synthetic marker) and
    the key is missing, empty, public or shorter than ``config.KEY_MIN_LENGTH``."""
    key = configured_key(explicit)
    if data_status == SYNTHETIC:
        if key is None or not key.value:
            return NirKey(config.DEMO_KEY, DEMONSTRATION, "the demonstration key")
        kind = DEMONSTRATION if key.value in config.PUBLIC_KEYS else CONFIGURED
        return NirKey(key.value, kind, key.source)
    if key is None:
        problem = "no key is configured"
    elif not key.value:
        problem = f"the key from {key.source} is empty"
    elif key.value in config.PUBLIC_KEYS:
        problem = f"the key from {key.source} is the public demonstration key"
    elif len(key.value) < config.KEY_MIN_LENGTH:
        problem = f"the key from {key.source} is shorter than {config.KEY_MIN_LENGTH} characters"
    else:
        return key
    shown = ", ".join(unmarked[:3]) + (
        f" and {len(unmarked) - 3} more" if len(unmarked) > 3 else ""
    )
    raise InputError(
        f"Refusing to pseudonymise real data without a secret key: {problem}. These files are "
        f"not the synthetic dataset of `iae-diag synth` ({shown} carry no synthetic marker), so "
        "the NIR must be hashed with a secret key; with a public or guessable key every "
        f"person_key could be turned back into a NIR. {HOW_TO_CREATE} Nothing was written."
    )


def create_key_file(path: Path | None = None) -> Path:
    """Write a new random key (64 hex characters) to ``path`` (default: the configured key
    file), readable by its owner only (mode 0600); never overwrite a file, never write inside
    the repository."""
    explicit = path is not None
    if path is None:
        path, _ = config.nir_key_file()
        if path is None:
            raise InputError("No home folder to put the key file in: give --path FILE.")
    path = Path(path).expanduser().absolute()
    root = _inside_repository(path)
    if root is not None:
        raise InputError(
            f"Refusing to create the key file {path} inside the repository {root}: a key "
            "there can be committed or copied with the code. Choose a path outside it "
            "(default ~/.config/iae-diag/nir.key)."
        )
    if path.exists() or path.is_symlink():
        raise InputError(
            f"The key file {path} already exists; refusing to overwrite it (the processed "
            "data hashed with it would no longer match new ingests). Remove it yourself "
            "only if you mean to change the key" + ("" if explicit else ", or give --path") + "."
        )
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.fchmod(fd, 0o600)
            os.write(fd, (secrets.token_hex(32) + "\n").encode("ascii"))
        finally:
            os.close(fd)
    except OSError as exc:
        raise InputError(f"Cannot create the key file {path}: {exc.strerror}.") from None
    return path


def cli_main(args) -> int:
    """``iae-diag key create [--path FILE]``."""
    path = create_key_file(Path(args.path) if args.path else None)
    default, _ = config.nir_key_file()
    print(f"key written to {path} (64 random hexadecimal characters, mode 0600)")
    if default is None or path != default:
        print(f"set IAE_DIAG_KEY_FILE={path} so that the ingest uses it")
    print("keep it outside the repository, back it up, and use it for every extract")
    return 0
