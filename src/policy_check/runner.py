"""Checking many files: in worker processes for many files, in this process for a
handful (pre-commit's usual case, where starting workers would cost more than the
check).  A worker killed by a file (libcst's native parser can overflow the stack)
is replaced, and the file that killed it gets one PC000 finding.

With a result cache, the files are first looked up here, in this process: an
unchanged file is known by its stat (``cache.FileIndex``) and its findings read back,
and only the others are checked, so a warm run with nothing changed neither imports
the engine (libcst, the rules) nor starts a worker."""

from __future__ import annotations

import gc
import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NamedTuple

from policy_check.cache import ResultCache, stat_of, text_digest
from policy_check.diagnostics import INTERNAL_ERROR, Diagnostic
from policy_check.jobs import FileJob, FileResult, FixOptions, Mode
from policy_check.source import UnreadableSource, read_source

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

    from policy_check.config import Settings
    from policy_check.rules.base import Rule

logger = logging.getLogger(__name__)

# Below this many files, workers cost more to start than they save.
IN_PROCESS_LIMIT = 8
CHUNK_SIZE = 16
PARENT_CHECK_SECONDS = 0.5


class _WorkerSetup(NamedTuple):
    settings: Settings
    rules: tuple[type[Rule], ...]
    options: FixOptions
    cache: ResultCache | None


_setup: _WorkerSetup | None = None


def tune_gc() -> None:
    """A parse allocates hundreds of thousands of small objects and frees them all with
    the tree; collecting the young generation every 700 allocations mostly rescans the
    live tree.  Freezing what is loaded and collecting less often saves ~8% of a run."""
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


def _init_worker(setup: _WorkerSetup) -> None:
    from policy_check.engine import raise_recursion_limit

    global _setup
    _setup = setup
    _exit_with_parent(os.getppid())
    raise_recursion_limit()
    tune_gc()
    # Findings go back to the parent; a worker's own logging would interleave.
    logging.getLogger().setLevel(logging.ERROR)


def _exit_with_parent(parent: int) -> None:
    """End this worker when the run that started it is gone: after a ``kill -9`` the
    pool cannot tell its workers to stop, and they would otherwise live on."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def _check_chunk(jobs: Sequence[FileJob]) -> list[FileResult]:
    from policy_check.deep_stack import on_deep_stack
    from policy_check.engine import check_file

    setup = _setup
    assert setup is not None

    # One hand-over to the deep-stack thread per chunk, not one per file (~80 us of
    # wall time each: a thread switch there and back).
    @on_deep_stack
    def check_all() -> list[FileResult]:
        return [check_file(job, setup.settings, setup.rules, setup.options, setup.cache) for job in jobs]

    return check_all()


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)


def _crashed(job: FileJob) -> FileResult:
    from policy_check.engine import engine_diagnostic

    message = (
        "internal error: checking this file killed the worker process "
        "(most likely a stack overflow on deeply nested code); it was skipped"
    )
    return FileResult(job.display_path, [engine_diagnostic(INTERNAL_ERROR, job.display_path, message)])


def run_jobs(
    jobs: Sequence[FileJob],
    settings: Settings,
    rules: Sequence[type[Rule]],
    options: FixOptions,
    cache: ResultCache | None,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
    alongside: Callable[[], None] | None = None,
) -> list[FileResult]:
    """The files' results (the cache's, then the checked ones).  ``alongside`` starts
    work that runs beside the checks (on a thread): called once the worker processes
    are started, so that none is forked while that thread runs."""
    results: list[FileResult] = []
    if cache is not None and options.mode is Mode.CHECK:
        results, jobs = cached_results(jobs, cache)
        if progress and results:
            progress(len(results))
    if not jobs:
        return results
    from policy_check.engine import check_file, raise_recursion_limit

    workers = workers or default_jobs()
    setup = _WorkerSetup(settings, tuple(rules), options, cache)
    if workers <= 1 or len(jobs) <= IN_PROCESS_LIMIT:
        raise_recursion_limit()
        tune_gc()
        if alongside:
            alongside()
        for job in jobs:
            results.append(check_file(job, settings, rules, options, cache))
            if progress:
                progress(1)
        return results
    # Largest files first: the last tasks are small ones, and the workers end together
    # (a large file drawn last kept one worker busy while the other waited).
    jobs = sorted(jobs, key=_size, reverse=True)
    chunks = [list(jobs[i : i + CHUNK_SIZE]) for i in range(0, len(jobs), CHUNK_SIZE)]
    return results + _run_in_pool(chunks, setup, workers, progress, alongside)


def _size(job: FileJob) -> int:
    try:
        return os.stat(job.path).st_size
    except OSError:
        return 0  # the check reports it


def cached_results(jobs: Sequence[FileJob], cache: ResultCache) -> tuple[list[FileResult], list[FileJob]]:
    """The results the cache holds, and the jobs it does not (to be checked)."""
    found: list[FileResult] = []
    missing: list[FileJob] = []
    for job in jobs:
        diagnostics = _cached(job, cache)
        if diagnostics is None:
            missing.append(job)
        else:
            found.append(FileResult(job.display_path, diagnostics, cached=True))
    cache.index.save()
    return found, missing


def _cached(job: FileJob, cache: ResultCache) -> list[Diagnostic] | None:
    stat = stat_of(job.path)  # before the read: a change after it shows next time
    digest = cache.index.digest(job.relative_path, stat)
    if digest is None:
        try:
            text = read_source(job.path).text
        except UnreadableSource:
            return None  # the check reports it
        digest = text_digest(text)
        cache.index.record(job.relative_path, stat, digest)
    return cache.load(cache.key_for_digest(job.relative_path, digest), job.display_path)


def _pool(setup: _WorkerSetup, workers: int) -> ProcessPoolExecutor:
    # Imported here: a handful of files is checked in this process, without them.
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # fork is the cheapest start on Linux; elsewhere (spawn) the worker imports us again.
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() and os.name == "posix" else None
    context = multiprocessing.get_context(method)
    return ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_init_worker, initargs=(setup,))


def _run_in_pool(
    chunks: list[list[FileJob]],
    setup: _WorkerSetup,
    workers: int,
    progress: Callable[[int], None] | None,
    alongside: Callable[[], None] | None = None,
) -> list[FileResult]:
    results: list[FileResult] = []
    pending = chunks
    isolate = False
    while pending:
        if isolate:
            # After a crash: one file per task, so the culprit can be named.
            pending = [[job] for chunk in pending for job in chunk]
        with _pool(setup, workers) as pool:
            futures: list[tuple[list[FileJob], Future[list[FileResult]]]] = [
                (chunk, pool.submit(_check_chunk, chunk)) for chunk in pending
            ]
            if alongside:  # the workers are forked at the first submit
                alongside()
                alongside = None
            failed = _collect(futures, results, progress)
        if failed and isolate and all(len(chunk) == 1 for chunk in failed):
            # Every single-file task that failed in this round: run each alone to tell
            # the file that kills a worker from those that were only caught in the crash.
            for chunk in failed:
                results.extend(_run_alone(chunk[0], setup))
                if progress:
                    progress(1)
            failed = []
        pending, isolate = failed, True
    return results


def _collect(
    futures: list[tuple[list[FileJob], Future[list[FileResult]]]], results: list[FileResult], progress: Callable[[int], None] | None
) -> list[list[FileJob]]:
    """The chunks' results added to ``results``; the chunks whose worker died."""
    from concurrent.futures.process import BrokenProcessPool

    failed = []
    for chunk, future in futures:
        try:
            chunk_results = future.result()
        except BrokenProcessPool:
            failed.append(chunk)
            continue
        results.extend(chunk_results)
        if progress:
            progress(len(chunk))
    return failed


def _run_alone(job: FileJob, setup: _WorkerSetup) -> list[FileResult]:
    from concurrent.futures.process import BrokenProcessPool

    with _pool(setup, 1) as pool:
        try:
            return pool.submit(_check_chunk, [job]).result()
        except BrokenProcessPool:
            logger.debug("worker died on %s", job.display_path)
            return [_crashed(job)]
