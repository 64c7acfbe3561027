"""How the indicator pass uses the memory allocators (``docs/performance.md``).

The indicator pass of a national history allocates and frees arrays of 50 to 500 MB, year
after year. Three things keep that memory cheap: arrow's pool is emptied once a table is
converted (:func:`release_arrow_memory`); inside the pass, the C heap (glibc) serves and keeps
those arrays, so that a step reuses what the previous one freed (:func:`reuse_freed_memory`);
and the heap the pass will need is taken at its start, from the memory the load has just
freed, and faulted in on another thread (:class:`HeapAhead`).

Only time and resident memory depend on this module, never a result. Elsewhere than glibc,
only arrow's pool is emptied; elsewhere than Linux 5.14 or later, no page is faulted in ahead.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
from contextlib import contextmanager

#: glibc's mallopt parameters (malloc.h) and their defaults.
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_DEFAULT_THRESHOLD = 128 * 1024
#: Arrays up to this size are taken from the C heap, where the memory freed by one step is
#: reused by the next, rather than mapped fresh from the system (``docs/performance.md``).
REUSE_BYTES = 2**30
#: The heap taken ahead of a pass is at most this, 1 920 MiB: the trim threshold that keeps it
#: free at the heap's top is at most 2 GiB - 1, the largest value mallopt takes.
AHEAD_MAX = 2**31 - 2**27
_TRIM_MAX = 2**31 - 1
#: Less than this is not taken ahead (not worth a thread: the small datasets, the tests).
AHEAD_MIN = 2**26
#: madvise(2): fault the pages in, writable, without writing them (Linux 5.14).
_MADV_POPULATE_WRITE = 23
#: The heap is taken ahead in blocks of this size (below the mmap threshold :data:`REUSE_BYTES`).
_AHEAD_BLOCK = 2**28
#: The pages are faulted in by steps of this size (the thread stops between two steps).
_AHEAD_STEP = 2**25
_PAGE = 4096


def release_arrow_memory(heap: bool = True) -> None:
    """Give back to the system the memory the allocators keep for reuse once large arrays are
    freed: pyarrow's pool (after a table is converted to pandas or freed: about 0.5 GiB after
    loading a 4x national ContratMission) and, with ``heap`` on glibc, the C heap
    (``malloc_trim``). Inside :func:`reuse_freed_memory` the heap is kept between the years of
    a pass (``heap=False``): the next year reuses it. Only the resident memory changes, never a
    result."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()
    if heap and _LIBC is not None:
        _LIBC.malloc_trim(0)


@contextmanager
def reuse_freed_memory(limit: int = REUSE_BYTES, ahead: int = 0):
    """While inside, the C heap (glibc) serves and keeps arrays up to ``limit`` bytes instead of
    mapping each one fresh from the system and unmapping it when freed.

    By default glibc maps every allocation above 32 MiB fresh: each of the per-contract and
    per-year arrays of a national history (50 to 100 MB) is then new memory the kernel zeroes
    page by page, several times per pass; that, not the computation, made the indicator step
    grow faster than its data (``docs/performance.md``).

    ``ahead``: the heap the pass is expected to need at least, in bytes. Up to
    :data:`AHEAD_MAX` of it is taken at once and faulted in on another thread
    (:class:`HeapAhead`, the value of the ``with``; None when nothing is taken).

    At the end the heap is given back (``malloc_trim``) and glibc's default thresholds are
    restored. Elsewhere than glibc, this does nothing."""
    libc = _LIBC if _LIBC is not None and hasattr(_LIBC, "mallopt") else None
    taken = None
    if libc is not None:
        size = min(int(ahead), AHEAD_MAX)
        size = size if size >= AHEAD_MIN else 0
        libc.mallopt(_M_MMAP_THRESHOLD, int(limit))
        # the heap taken ahead is free memory at the heap's top: the trim threshold keeps it
        libc.mallopt(_M_TRIM_THRESHOLD, min(int(limit) + size, _TRIM_MAX))
        if size:
            taken = HeapAhead(libc, size)
    try:
        yield taken
    finally:
        if taken is not None:
            taken.stop()
        if libc is not None:
            libc.mallopt(_M_MMAP_THRESHOLD, _DEFAULT_THRESHOLD)
            libc.mallopt(_M_TRIM_THRESHOLD, _DEFAULT_THRESHOLD)
        release_arrow_memory()


class HeapAhead:
    """``nbytes`` of the C heap taken now and faulted in on another thread.

    Blocks of ``nbytes`` in all are allocated and freed at once: the heap now ends ``nbytes``
    further, as free memory from which the next allocations of the pass are cut (the trim
    threshold keeps it: :func:`reuse_freed_memory`). A thread then faults its pages in with
    ``madvise(MADV_POPULATE_WRITE)``: zeroed pages are mapped where none is yet, and no page
    is written, so the pass may already use the first ones. The pass then finds its memory
    mapped instead of faulting it in page by page, on the other core of a laptop.

    Why (``docs/performance.md``, "Fourth round"): on a virtual machine that gives the memory
    freed by its processes back to its host, a page freed seconds ago costs 15 times more to
    fault in than one freed just before. The load of a 4x national history frees 1.2 GB just
    before the pass; the pass used to fault its first year in seconds later, at the higher
    price. Without ``MADV_POPULATE_WRITE`` (Linux before 5.14) the thread stops at its first
    step and the pass faults its pages in itself, as before."""

    def __init__(self, libc, nbytes: int):
        self.nbytes = 0
        self.faulted = 0  # bytes faulted in so far
        self._stop = threading.Event()
        self._thread = None
        if not all(hasattr(libc, f) for f in ("malloc", "free", "madvise")):
            return
        malloc, free, madvise = libc.malloc, libc.free, libc.madvise
        malloc.restype, malloc.argtypes = ctypes.c_void_p, [ctypes.c_size_t]
        free.restype, free.argtypes = None, [ctypes.c_void_p]
        madvise.restype = ctypes.c_int
        madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
        # in blocks below the mmap threshold, so that they come from the heap
        sizes = [min(_AHEAD_BLOCK, int(nbytes) - at) for at in range(0, int(nbytes), _AHEAD_BLOCK)]
        blocks = [malloc(size) for size in sizes]
        for block in blocks:
            if block:
                free(block)
        ranges = [
            ((block + _PAGE - 1) // _PAGE * _PAGE, (block + size) // _PAGE * _PAGE)
            for block, size in zip(blocks, sizes, strict=True)
            if block
        ]
        self.nbytes = sum(size for block, size in zip(blocks, sizes, strict=True) if block)
        if ranges:
            self._thread = threading.Thread(
                target=self._fault_in, args=(madvise, ranges), name="heap-ahead", daemon=True
            )
            self._thread.start()

    def _fault_in(self, madvise, ranges: list[tuple[int, int]]) -> None:
        for start, end in ranges:
            at = start
            while at < end:
                if self._stop.is_set():
                    return
                step = min(_AHEAD_STEP, end - at)
                if madvise(at, step, _MADV_POPULATE_WRITE) != 0:
                    return
                at += step
                self.faulted += step

    def stop(self) -> None:
        """Stop faulting pages in (at the end of the pass, before the heap is given back)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()


def _libc():
    """glibc's C library when this is glibc (``malloc_trim``), else None."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return libc if libc is not None and hasattr(libc, "malloc_trim") else None


_LIBC = _libc()
