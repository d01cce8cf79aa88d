"""How results reach the parent: the heap it receives them in and the pipe they cross."""

from __future__ import annotations

import ctypes
import fcntl
import multiprocessing
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import pytest

from app.core.datasets import pipeline_batches
from app.core.datasets.pipeline_batches import (
    MMAP_THRESHOLD,
    RESULT_PIPE,
    TRIM_THRESHOLD,
    tune_heap,
    widen_result_pipe,
)

linux_only = pytest.mark.skipif(sys.platform != "linux", reason="F_SETPIPE_SZ and mallopt")


@linux_only
def test_the_result_pipe_holds_a_whole_result() -> None:
    executor = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    try:
        reader = executor._result_queue._reader  # type: ignore[attr-defined]
        assert fcntl.fcntl(reader.fileno(), fcntl.F_GETPIPE_SZ) < RESULT_PIPE
        widen_result_pipe(executor)
        # The kernel caps a pipe at fs.pipe-max-size (and a user's quota); under it, as asked.
        ceiling = int(Path("/proc/sys/fs/pipe-max-size").read_text())
        size = fcntl.fcntl(reader.fileno(), fcntl.F_GETPIPE_SZ)
        if ceiling >= RESULT_PIPE:
            assert size == RESULT_PIPE
        else:
            assert size <= ceiling
    finally:
        executor.shutdown()


def test_a_pool_without_the_expected_pipe_is_left_alone_and_still_works() -> None:
    # Another Python's executor: no _result_queue, or a reader without fileno. Nothing raised.
    widen_result_pipe(object())  # type: ignore[arg-type]
    widen_result_pipe(SimpleNamespace(_result_queue=SimpleNamespace(_reader=None)))  # type: ignore[arg-type]
    with ProcessPoolExecutor(
        max_workers=1, mp_context=multiprocessing.get_context("spawn")
    ) as working:
        widen_result_pipe(working)
        assert working.submit(abs, -3).result() == 3  # widened or not, results still arrive


@linux_only
def test_the_real_c_library_takes_both_heap_settings() -> None:
    """glibc's own mallopt, in a fresh process (the setting is the whole process's)."""
    code = (
        "from app.core.datasets.pipeline_batches import tune_heap, release_heap\n"
        "assert tune_heap() is True\n"
        "assert tune_heap() is True\n"
        "release_heap()\n"
        "buffers = [bytearray(1 << 20) for _ in range(64)]\n"
        "del buffers\n"
        "release_heap()\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


@linux_only
def test_the_heap_is_tuned_once_with_both_thresholds(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[int, int]] = []

    class Mallopt:
        argtypes: tuple[object, ...] = ()

        def __call__(self, option: int, value: int) -> int:
            calls.append((option, value))
            return 1

    libc = SimpleNamespace(mallopt=Mallopt())
    monkeypatch.setattr(pipeline_batches, "_heap_tuned", False)
    monkeypatch.setattr(ctypes, "CDLL", lambda _name: libc)
    tune_heap()
    tune_heap()
    assert calls == [(-1, TRIM_THRESHOLD), (-3, MMAP_THRESHOLD)]


def test_a_c_library_without_mallopt_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline_batches, "_heap_tuned", False)
    monkeypatch.setattr(ctypes, "CDLL", lambda _name: object())
    tune_heap()
    assert pipeline_batches._heap_tuned
