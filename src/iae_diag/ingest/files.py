"""Choosing and reading the raw files: ``fluxIAE_<Table>_<ddmmyyyy>_<hhmmss>.csv[.gz]``,
latest extract of each table, decompression, checksum."""

from __future__ import annotations

import gzip
import hashlib
import logging
import re
import zlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from iae_diag.errors import InputError
from iae_diag.ingest.schemas import FILE_PATTERN, SPECS, SYNTHETIC_MARKER

log = logging.getLogger(__name__)

_CHUNK = 1 << 24  # bytes decompressed at a time
_HEAD = 1 << 16  # bytes read to find the first line


@dataclass(frozen=True)
class RawFile:
    """One fluxIAE file of the raw folder."""

    table: str
    path: Path
    stamp: datetime

    @property
    def name(self) -> str:
        return self.path.name


def find_raw_files(raw_dir: Path) -> tuple[dict[str, list[RawFile]], list[str]]:
    """fluxIAE files of ``raw_dir`` grouped by table (latest stamp first), and the names of
    the other files (not fluxIAE tables, or tables the diagnostic does not read)."""
    if not raw_dir.is_dir():
        raise InputError(f"The raw folder {raw_dir} does not exist or is not a folder.")
    found: dict[str, list[RawFile]] = {}
    ignored: list[str] = []
    for p in sorted(raw_dir.iterdir()):
        if p.name.startswith("."):  # hidden files (.gitkeep, editor files)
            continue
        m = re.match(FILE_PATTERN, p.name)
        if not m or not p.is_file():
            ignored.append(p.name)
            continue
        try:
            stamp = datetime.strptime(m["day"] + m["time"], "%d%m%Y%H%M%S")
        except ValueError:
            raise InputError(
                f"File {p}: the extract stamp {m['day']}_{m['time']} in its name is not a "
                "valid date and time; expected fluxIAE_<Table>_<ddmmyyyy>_<hhmmss>.csv[.gz]."
            ) from None
        if m["table"] not in SPECS:
            log.info("ignoring %s: table %s is not read by the diagnostic", p.name, m["table"])
            ignored.append(p.name)
            continue
        found.setdefault(m["table"], []).append(RawFile(m["table"], p, stamp))
    for table, files in found.items():
        files.sort(key=lambda f: (f.stamp, f.name), reverse=True)
        if len(files) > 1 and files[0].stamp == files[1].stamp:
            raise InputError(
                f"Table {table}: two extracts carry the same stamp in {raw_dir}: "
                f"{files[0].name} and {files[1].name}; keep only one of them."
            )
    for p in ignored:
        if not p.startswith("fluxIAE_"):
            log.info("ignoring %s: not a fluxIAE table file", p)
    return found, ignored


# --------------------------------------------------------------------------------------
# reading and framing a file


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_bytes(rf: RawFile) -> tuple[bytes, bytes]:
    """(decompressed content, the file's bytes as stored)."""
    try:
        raw = rf.path.read_bytes()
    except OSError as exc:
        raise _unreadable(rf, exc) from None
    if not rf.name.endswith(".gz") or not raw:  # an empty file is reported by _frame
        return raw, raw
    d = zlib.decompressobj(wbits=31)
    chunks: list[bytes] = []
    pos = 0
    try:
        while pos < len(raw):
            chunks.append(d.decompress(raw[pos : pos + _CHUNK]))
            pos += _CHUNK
            while d.eof and d.unused_data:  # concatenated gzip members
                rest = d.unused_data
                d = zlib.decompressobj(wbits=31)
                chunks.append(d.decompress(rest))
        chunks.append(d.flush())
    except zlib.error as exc:
        line = sum(c.count(b"\n") for c in chunks) + 1
        raise InputError(
            f"Table {rf.table}: file {rf.path} is not a valid gzip file ({exc}); the "
            f"decompressed text breaks at line {line}. Expected a complete .csv.gz export; "
            "ask ASP for the file again or remove the .gz and give the plain .csv."
        ) from None
    if not d.eof:
        line = sum(c.count(b"\n") for c in chunks) + 1
        raise InputError(
            f"Table {rf.table}: file {rf.path} is a truncated gzip file: the compressed data "
            f"ends in the middle of line {line} (no end-of-stream marker). Expected a complete "
            ".csv.gz export; the transfer was probably interrupted."
        )
    return b"".join(chunks), raw


def carries_synthetic_marker(rf: RawFile) -> bool:
    """Whether the file's first line is a ``DEB`` line carrying :data:`SYNTHETIC_MARKER` as a
    field (a damaged gzip file is simply unmarked: reading it fails later with its line)."""
    try:
        if rf.name.endswith(".gz"):
            with gzip.open(rf.path, "rb") as f:
                head = f.read(_HEAD)
        else:
            with rf.path.open("rb") as f:
                head = f.read(_HEAD)
    except (EOFError, zlib.error, gzip.BadGzipFile):
        return False
    except OSError as exc:
        raise _unreadable(rf, exc) from None
    first = head.split(b"\n", 1)[0].removeprefix(b"\xef\xbb\xbf").rstrip(b"\r")
    return first.startswith(b"DEB") and SYNTHETIC_MARKER.encode() in first.split(b"|")[1:]


def _unreadable(rf: RawFile, exc: OSError) -> InputError:
    return InputError(f"Table {rf.table}: cannot read file {rf.path}: {exc.strerror}.")
