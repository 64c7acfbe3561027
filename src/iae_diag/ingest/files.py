"""Choosing and reading the raw files: ``fluxIAE_<Table>_<ddmmyyyy>_<hhmmss>.csv[.gz]``,
latest extract of each table, decompression, checksum."""

from __future__ import annotations

import gzip
import hashlib
import logging
import queue
import re
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from iae_diag.errors import InputError
from iae_diag.ingest.schemas import FILE_PATTERN, SPECS, SYNTHETIC_MARKER

log = logging.getLogger(__name__)

_CHUNK = 1 << 24  # bytes read, and most bytes decompressed, at a time
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


class RawReader:
    """The decompressed text of one raw file, piece by piece (at most :data:`_CHUNK` bytes
    each), with the file's size and SHA-256 (of the bytes as stored, compressed when ``.gz``)
    computed on the way: the file is never held whole in memory."""

    def __init__(self, rf: RawFile) -> None:
        self.rf = rf
        self.size = 0
        self._sha = hashlib.sha256()
        self._newlines = 0  # in the decompressed text so far (gzip error messages)

    @property
    def sha256(self) -> str:
        """Hex digest of the bytes read so far (the whole file once :meth:`pieces` is done)."""
        return self._sha.hexdigest()

    def _raw_pieces(self):
        try:
            with self.rf.path.open("rb") as f:
                while piece := f.read(_CHUNK):
                    self.size += len(piece)
                    self._sha.update(piece)  # hashlib releases the GIL
                    yield piece
        except OSError as exc:
            raise _unreadable(self.rf, exc) from None

    def pieces(self) -> Iterator[bytes]:
        """The decompressed text in pieces; InputError on an unreadable file or a damaged
        gzip (with the line of the decompressed text where it breaks)."""
        if not self.rf.name.endswith(".gz"):
            yield from self._raw_pieces()
            return
        d = zlib.decompressobj(wbits=31)
        try:
            for piece in self._raw_pieces():
                data = piece
                while data:
                    out = d.decompress(data, _CHUNK)
                    data = d.unconsumed_tail
                    if d.eof and d.unused_data:  # concatenated gzip members
                        data = d.unused_data + data
                        d = zlib.decompressobj(wbits=31)
                    if out:
                        self._newlines += out.count(b"\n")
                        yield out
            out = d.flush()
            if out:
                self._newlines += out.count(b"\n")
                yield out
        except zlib.error as exc:
            raise InputError(
                f"Table {self.rf.table}: file {self.rf.path} is not a valid gzip file ({exc}); "
                f"the decompressed text breaks at line {self._newlines + 1}. Expected a "
                "complete .csv.gz export; ask ASP for the file again or remove the .gz and "
                "give the plain .csv."
            ) from None
        if self.size and not d.eof:  # an empty file is reported by the framing
            raise InputError(
                f"Table {self.rf.table}: file {self.rf.path} is a truncated gzip file: the "
                f"compressed data ends in the middle of line {self._newlines + 1} (no "
                "end-of-stream marker). Expected a complete .csv.gz export; the transfer was "
                "probably interrupted."
            )


def read_ahead(pieces: Iterator[bytes], depth: int = 2) -> Iterator[bytes]:
    """``pieces`` produced by a background thread, at most ``depth`` ahead, so that reading,
    hashing and decompressing overlap the processing; an exception of ``pieces`` is raised
    here, at its place in the sequence. Leaving the loop early stops the thread."""
    q: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: tuple) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def run() -> None:
        try:
            for piece in pieces:
                if not put((piece, None)):
                    return
        except BaseException as exc:  # handed over to the reading thread
            put((None, exc))
            return
        put((None, None))

    thread = threading.Thread(target=run, name="iae-diag-read", daemon=True)
    thread.start()
    try:
        while True:
            piece, exc = q.get()
            if exc is not None:
                raise exc
            if piece is None:
                return
            yield piece
    finally:
        stop.set()
        thread.join()


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
