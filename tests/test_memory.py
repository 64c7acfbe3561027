"""The allocators during the indicator pass (iae_diag.memory): glibc's thresholds set and
restored, the heap taken ahead of the pass and faulted in on another thread without changing
a byte of the memory the pass uses."""

from __future__ import annotations

import ctypes
import sys

import numpy as np
import pytest

from iae_diag import memory as module

MIB = 2**20


class _Call:
    """A C function of the fake library: records its calls; ctypes' attributes can be set."""

    def __init__(self, name, calls, result=None):
        self.name, self.calls, self.result = name, calls, result

    def __call__(self, *args):
        self.calls.append((self.name, *args))
        return self.result(*args) if callable(self.result) else self.result


class FakeLibc:
    """glibc's malloc, free, madvise, mallopt and malloc_trim, recording their calls; malloc
    returns the addresses 1 GiB, 2 GiB, ... (page aligned)."""

    def __init__(self, with_heap_calls=True):
        self.calls = []
        self.mallopt = _Call("mallopt", self.calls, 1)
        self.malloc_trim = _Call("malloc_trim", self.calls, 1)
        if with_heap_calls:
            addresses = iter(range(2**30, 2**40, 2**30))
            self.malloc = _Call("malloc", self.calls, lambda size: next(addresses))
            self.free = _Call("free", self.calls, None)
            self.madvise = _Call("madvise", self.calls, 0)


def test_reuse_freed_memory_sets_and_restores_glibc_thresholds(monkeypatch):
    """Inside, glibc keeps arrays up to 1 GiB in its heap (mmap and trim thresholds); at the
    end its defaults come back and the heap is given back, also when the pass fails."""
    libc = FakeLibc()
    monkeypatch.setattr(module, "_LIBC", libc)
    with pytest.raises(RuntimeError):
        with module.reuse_freed_memory() as taken:
            assert taken is None  # nothing asked ahead: nothing taken
            assert libc.calls == [("mallopt", -3, 2**30), ("mallopt", -1, 2**30)]
            module.release_arrow_memory(heap=False)  # after the years: the heap is kept
            assert len(libc.calls) == 2
            raise RuntimeError("a pass that fails")
    assert libc.calls[2:] == [
        ("mallopt", -3, 128 * 1024),
        ("mallopt", -1, 128 * 1024),
        ("malloc_trim", 0),
    ]
    monkeypatch.setattr(module, "_LIBC", None)  # not glibc: nothing to set, nothing fails
    with module.reuse_freed_memory(ahead=2**30) as taken:
        assert taken is None


def test_the_heap_asked_ahead_is_taken_in_blocks_and_faulted_in(monkeypatch):
    """600 MiB asked: blocks of 256, 256 and 88 MiB allocated then freed, before any other
    call; the trim threshold keeps them (1 GiB + 600 MiB); each block's pages faulted in by
    steps of 32 MiB (madvise 23, MADV_POPULATE_WRITE): 8 + 8 + 3 steps."""
    libc = FakeLibc()
    monkeypatch.setattr(module, "_LIBC", libc)
    with module.reuse_freed_memory(ahead=600 * MIB) as taken:
        taken._thread.join()  # the thread has faulted every block in
        assert taken.nbytes == 600 * MIB
        assert taken.faulted == 600 * MIB
    calls = libc.calls
    assert calls[:2] == [("mallopt", -3, 2**30), ("mallopt", -1, 2**30 + 600 * MIB)]
    assert calls[2:8] == [
        ("malloc", 256 * MIB),
        ("malloc", 256 * MIB),
        ("malloc", 88 * MIB),
        ("free", 2**30),
        ("free", 2 * 2**30),
        ("free", 3 * 2**30),
    ]
    steps = [c for c in calls if c[0] == "madvise"]
    assert len(steps) == 8 + 8 + 3
    assert {c[3] for c in steps} == {23}
    assert steps[0] == ("madvise", 2**30, 32 * MIB, 23)
    assert steps[8] == ("madvise", 2 * 2**30, 32 * MIB, 23)
    assert steps[-1] == ("madvise", 3 * 2**30 + 64 * MIB, 24 * MIB, 23)
    assert sum(c[2] for c in steps) == 600 * MIB
    assert calls[-3:] == [
        ("mallopt", -3, 128 * 1024),
        ("mallopt", -1, 128 * 1024),
        ("malloc_trim", 0),
    ]


def test_the_heap_taken_ahead_is_bounded(monkeypatch):
    """Less than 64 MiB asked: nothing taken (small datasets, the tests); more than 1 920 MiB:
    1 920 MiB (7 blocks of 256 and one of 128), with a trim threshold of 2 GiB - 1 (mallopt's
    largest value)."""
    libc = FakeLibc()
    monkeypatch.setattr(module, "_LIBC", libc)
    with module.reuse_freed_memory(ahead=63 * MIB) as taken:
        assert taken is None
    assert [c[0] for c in libc.calls] == ["mallopt"] * 4 + ["malloc_trim"]
    libc.calls.clear()
    with module.reuse_freed_memory(ahead=10 * 2**30) as taken:
        taken._thread.join()
        assert taken.nbytes == 1920 * MIB
    assert libc.calls[1] == ("mallopt", -1, 2**31 - 1)
    mallocs = [c for c in libc.calls if c[0] == "malloc"]
    assert mallocs == [("malloc", 256 * MIB)] * 7 + [("malloc", 128 * MIB)]


def test_a_failing_madvise_stops_the_thread_and_a_libc_without_it_takes_nothing(monkeypatch):
    """Linux before 5.14 refuses MADV_POPULATE_WRITE: the thread stops at its first step, the
    pass goes on. A C library without malloc/free/madvise: nothing is taken ahead."""
    libc = FakeLibc()
    libc.madvise.result = -1
    monkeypatch.setattr(module, "_LIBC", libc)
    with module.reuse_freed_memory(ahead=100 * MIB) as taken:
        taken._thread.join()
        assert taken.faulted == 0
    assert len([c for c in libc.calls if c[0] == "madvise"]) == 1
    bare = FakeLibc(with_heap_calls=False)
    monkeypatch.setattr(module, "_LIBC", bare)
    with module.reuse_freed_memory(ahead=100 * MIB) as taken:
        assert taken.nbytes == 0
    assert [c[0] for c in bare.calls] == ["mallopt"] * 4 + ["malloc_trim"]


@pytest.mark.skipif(
    module._LIBC is None or not sys.platform.startswith("linux"), reason="glibc on Linux"
)
def test_on_glibc_the_pages_faulted_in_ahead_keep_what_the_pass_writes():
    """The real heap: 128 MiB taken ahead while the pass fills arrays from it; every value the
    pass wrote is read back unchanged, and the memory is faulted in (when the kernel has
    MADV_POPULATE_WRITE)."""
    with module.reuse_freed_memory(ahead=128 * MIB) as taken:
        arrays = [np.arange(i, i + 2_000_000, dtype=np.int64) for i in range(40)]  # 640 MB
        taken._thread.join()
        assert taken.nbytes == 128 * MIB
        for i, a in enumerate(arrays):
            assert a[0] == i and a[-1] == i + 1_999_999
            assert int(a.sum()) == 2_000_000 * i + 1_999_999 * 1_000_000
    # every page of the blocks (all but a part page at each end of a block), or none when the
    # kernel refuses MADV_POPULATE_WRITE (Linux before 5.14)
    if _populate_write_supported():
        assert 128 * MIB - 2 * 4096 <= taken.faulted <= 128 * MIB
    else:
        assert taken.faulted == 0


def _populate_write_supported() -> bool:
    """Whether this kernel accepts madvise(MADV_POPULATE_WRITE) on a mapped page."""
    import mmap

    libc = ctypes.CDLL(None, use_errno=True)
    libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    page = mmap.mmap(-1, 4096)
    address = ctypes.addressof(ctypes.c_char.from_buffer(page))
    try:
        return libc.madvise(address, 4096, 23) == 0
    finally:
        page.close()
