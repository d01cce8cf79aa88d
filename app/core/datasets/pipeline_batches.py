"""Where the prepare pipeline's batches come from, and how they run through the stages.

Reading stays in the parent but is cheap: JSON Lines files are only cut
into batches at newlines (worker processes read and parse their own span,
threads are handed the bytes), other formats are read by their importer
and handed over as records. The stages then run inline for a small input
(a pool costs more to start than it saves), on threads when every batch
runs through C (:func:`threads_fit`), or in a process pool; either way the
results come back in submission order with a few batches in flight, which
is what keeps the pipeline's memory bounded and its record indices stable.
Kept apart from :mod:`.pipeline`, which decides what to do with each
result.

The process pool's workers start by module path (``forkserver``): their
entry points live in :mod:`.stages`, which is all a worker imports.
"""

from __future__ import annotations

import ctypes
import importlib
import multiprocessing
import threading
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from app.core.crypto.payload import default_workers
from app.core.datasets.importers import (
    Format,
    ImportOptions,
    Meter,
    SourceInfo,
    detect_format,
    iter_jsonl_batches,
    open_source,
)
from app.core.datasets.pii.digits import forget_numbers
from app.core.datasets.records import BadRecordPolicy, ImportedRecord, InvalidSource, MiB
from app.core.datasets.stage_io import BatchResult, StageConfig, WorkItem
from app.core.datasets.stages import Stage, init_worker, run_in_worker
from app.core.progress import CancelToken, ProgressCallback, ProgressEvent

INLINE_BELOW = 4 * MiB
"""Inputs smaller than this are processed in this process: a pool costs more to start."""
RECORDS_PER_BATCH = 1000
"""Records per batch for formats read here (JSONL goes by bytes)."""
MMAP_THRESHOLD = 8 * MiB
"""Blocks below this come from the C heap rather than their own mapping (see :func:`tune_heap`)."""
TRIM_THRESHOLD = 16 * MiB
"""Free heap an arena keeps for reuse before it hands it back to the system."""
RESULT_PIPE = 1 * MiB
"""Kernel buffer of the pipe the workers' results come back through (Linux; else as it is)."""
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_heap_tuned = False


@dataclass(eq=False, slots=True)
class BatchReader:
    """Turns the user's paths into work items, in order, under one bad-record policy.

    It takes the reading half of a pipeline input field by field, so that
    reading depends on the importers only and not on the pipeline driving it.
    """

    paths: Sequence[Path]
    format: Format | None
    options: ImportOptions
    batch_bytes: int
    policy: BadRecordPolicy
    progress: ProgressCallback
    cancel: CancelToken
    by_reference: bool = field(default=True, init=False)
    """JSON Lines batches point into their file (a worker process reads its own), or carry
    their bytes (threads, which share the parent's memory)."""
    sources: list[SourceInfo] = field(default_factory=list, init=False)
    source_count: int = field(default=0, init=False)
    meter: Meter = field(init=False)

    def __post_init__(self) -> None:
        self.meter = Meter(self.progress, self.cancel, total_size(self.paths))

    def items(self) -> Iterator[WorkItem]:
        for path in self.paths:
            self.cancel.raise_if_cancelled()
            if self._is_jsonl_file(path):
                yield from self._jsonl(path)
            else:
                yield from self._records(path)
        self.meter.finish()

    def _is_jsonl_file(self, path: Path) -> bool:
        return is_jsonl_file(path, self.format)

    def _jsonl(self, path: Path) -> Iterator[WorkItem]:
        options = self.options
        self._note(SourceInfo(str(path), "jsonl", options.encoding or "utf-8"))
        try:
            yield from iter_jsonl_batches(
                path,
                self.batch_bytes,
                max_line=options.max_record_bytes,
                encoding=options.encoding,
                by_reference=self.by_reference,
                meter=self.meter,
            )
        except InvalidSource as exc:
            self.policy.reject_source(exc)

    def _records(self, path: Path) -> Iterator[WorkItem]:
        done_before = self.meter.done

        def forward(event: ProgressEvent) -> None:
            self.meter.done = done_before + event.done
            self.meter.add(0)

        stream = open_source(
            [path],
            self.format,
            self.options,
            policy=self.policy,
            progress=forward,
            cancel=self.cancel,
            measure_total=False,
        )
        with stream:
            chunk: list[ImportedRecord] = []
            for record in stream:
                chunk.append(record)
                if len(chunk) >= RECORDS_PER_BATCH:
                    yield chunk
                    chunk = []
            if chunk:
                yield chunk
            for info in stream.sources:
                self._note(info)
            self.source_count += max(0, stream.source_count - len(stream.sources))

    def _note(self, info: SourceInfo) -> None:
        self.source_count += 1
        if len(self.sources) < 1000:
            self.sources.append(info)


def total_size(paths: Sequence[Path]) -> int | None:
    """The inputs' total size in bytes, None when one is not a plain file (size unknown)."""
    total = 0
    for path in paths:
        try:
            if not path.is_file():
                return None
            total += path.stat().st_size
        except OSError:
            return None
    return total


def choose_workers(requested: int | None, paths: Sequence[Path]) -> int:
    """Worker processes for a pass: as asked, else none for a small input, else the cores."""
    if requested is not None:
        return max(0, requested)
    total = total_size(paths)
    if total is not None and total < INLINE_BELOW:
        return 0
    return default_workers()


def tune_heap() -> bool:
    """Keep this process's megabyte-sized buffers in the C heap between uses (glibc only).

    A pass allocates and frees a few buffers of about a megabyte per batch
    (each result as it arrives from a worker, and the copies made to
    receive it). By default glibc gives each one its own mapping, or hands
    the freed heap back at once, so every batch faults its pages in again:
    that cost more of the parent's CPU than the bytes' copies themselves.
    Raising both thresholds once for the process keeps those buffers for
    reuse (in a replay of 97 results of a megabyte, the receiving side's
    CPU fell from about 0.13 to 0.07 s); memory stays bounded by the
    threshold (at most 16 MiB of free heap an arena) and larger blocks
    still get their own mapping. Elsewhere (no ``mallopt``) nothing
    changes.

    The setting is the whole process's and stays (glibc no longer moves
    the thresholds itself), so only a pass that runs a worker pool makes it,
    and :func:`release_heap` hands the free heap back when the pass ends:
    the desktop app, which runs prepares in its own process, keeps no more
    than it would have. Whether glibc took both settings.
    """
    global _heap_tuned
    if _heap_tuned:
        return True
    _heap_tuned = True
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError, TypeError):  # pragma: no cover - not glibc
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    trim = mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    mmap = mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)
    return bool(trim == 1 and mmap == 1)


def release_heap() -> None:
    """Give the C heap's free memory back to the system (glibc ``malloc_trim``), if there is one."""
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError, TypeError):  # pragma: no cover - not glibc
        return
    trim.argtypes = (ctypes.c_size_t,)
    trim(0)


def widen_result_pipe(executor: ProcessPoolExecutor) -> None:
    """Give the pool's result pipe room for a whole result (Linux), or leave it be.

    A result is about a megabyte (the batch's prepared lines); through the
    default 64 KiB pipe it crosses in a score of reads, each one waking the
    receiving thread and allocating a buffer for the rest of the message,
    which cost the parent more CPU than the bytes' copy. The pipe is the
    pool's own (``_result_queue``, not public), so anything unexpected
    leaves it as it is.
    """
    try:
        fcntl = importlib.import_module("fcntl")
        reader = executor._result_queue._reader  # type: ignore[attr-defined]
        fcntl.fcntl(reader.fileno(), fcntl.F_SETPIPE_SZ, RESULT_PIPE)
    except Exception:
        return


def threads_fit(paths: Sequence[Path], format: Format | None, config: StageConfig) -> bool:
    """Whether a pass's stages run on threads: every batch would run through C without the GIL.

    That is JSON Lines input (every path a JSONL file) under a config whose
    stage prepares a batch in one C call (:attr:`.Stage.batch_lane`): the
    batch costs Python a few calls, so threads share the cores without
    fighting over the GIL, and nothing is pickled or copied between
    processes. Anything else is pure Python per record and runs in worker
    processes.
    """
    if config.mode != "prepare" or Stage(config).batch_lane is None:
        return False
    return all(is_jsonl_file(path, format) for path in paths)


def is_jsonl_file(path: Path, format: Format | None) -> bool:
    """Whether ``path`` is a file read as JSON Lines (as chosen, or as detected)."""
    try:
        if not path.is_file():
            return False
        if format is not None:
            return format == "jsonl"
        return detect_format(path) == "jsonl"
    except (OSError, InvalidSource):
        return False  # the importer reports it, in its words


def stage_results(
    items: Iterator[WorkItem],
    config: StageConfig,
    workers: int,
    cancel: CancelToken,
    *,
    threads: bool = False,
) -> Iterator[BatchResult]:
    """Stage results in input order: inline with 0 workers, else from a thread or process pool."""
    if workers <= 0:
        yield from _inline(items, config, cancel)
        return
    executor: Executor
    if threads:
        stages = threading.local()

        def run(item: WorkItem) -> BatchResult:
            stage: Stage | None = getattr(stages, "stage", None)
            if stage is None:
                stage = stages.stage = Stage(config)
            return stage.run(item)

        executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="stage")
        task = run
    else:
        tune_heap()
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["app.core.datasets.stages"])
        executor = ProcessPoolExecutor(
            max_workers=workers, mp_context=context, initializer=init_worker, initargs=(config,)
        )
        widen_result_pipe(executor)
        task = run_in_worker
    window = 2 * workers + 2
    pending: deque[Future[BatchResult]] = deque()
    try:
        for item in items:
            cancel.raise_if_cancelled()
            pending.append(executor.submit(task, item))
            while len(pending) >= window:
                yield pending.popleft().result()
        while pending:
            cancel.raise_if_cancelled()
            yield pending.popleft().result()
    finally:
        for future in pending:
            future.cancel()
        executor.shutdown(wait=True, cancel_futures=True)
        if threads:
            forget_numbers()  # this process outlives the pass
        else:
            release_heap()


def _inline(
    items: Iterator[WorkItem], config: StageConfig, cancel: CancelToken
) -> Iterator[BatchResult]:
    """The stages in this process, for an input too small to repay starting a pool."""
    stage = Stage(config)
    try:
        for item in items:
            cancel.raise_if_cancelled()
            yield stage.run(item)
    finally:
        forget_numbers()  # this process outlives the pass; the workers do not


def guarded_results(
    results: Iterator[BatchResult], policy: BadRecordPolicy
) -> Iterator[BatchResult]:
    """Results, with a source that failed inside a worker handled by the policy."""
    for result in results:
        if result.source_error is not None:
            path, reason, line, skippable = result.source_error
            policy.reject_source(InvalidSource(path, reason, line=line, skippable=skippable))
        yield result
