"""The worker process the checks run in: the server stays responsive while a large
file is checked, and a file that crashes the checker (a stack overflow in the native
parser) costs one finding and a new worker, not the server."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from policy_check.diagnostics import INTERNAL_ERROR, Diagnostic, Location, Severity
from policy_check.server.worker import Job, Outcome, run_job, start_worker

logger = logging.getLogger(__name__)

# A check that takes longer is abandoned and its worker replaced.
CHECK_TIMEOUT_SECONDS = 60.0


class CheckPool:
    def __init__(self, timeout: float = CHECK_TIMEOUT_SECONDS, workers: int = 2) -> None:
        # Two by default: a check of the latest text need not wait for one whose text
        # is already stale (a running check cannot be stopped, only its result dropped).
        self.timeout = timeout
        self.workers = workers
        self._executor: ProcessPoolExecutor | None = None

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            # spawn, not fork: the server has threads (pygls reads standard input in one).
            context = multiprocessing.get_context("spawn")
            self._executor = ProcessPoolExecutor(max_workers=self.workers, mp_context=context, initializer=start_worker)
        return self._executor

    def warm_up(self) -> None:
        """Start a worker now (it imports the engine as it starts), not at the first
        document; once (a second call while it starts would start a second one)."""
        if self._executor is None:
            self._pool().submit(int)

    async def run(self, job: Job) -> Outcome:
        """The job's outcome.  A worker that died (killed from outside, or by another
        file) is replaced and the job tried once more; a job that kills the new worker
        too, or gets stuck, gets one PC000 finding saying so."""
        for attempt in (1, 2):
            pool = self._pool()
            try:
                return await asyncio.wait_for(asyncio.wrap_future(pool.submit(run_job, job)), self.timeout)
            except BrokenProcessPool:
                self._replace(pool)
                if attempt == 1:
                    logger.warning("the checker process died while checking %s; trying again in a new one", job.path)
                    continue
                logger.error("the checker process died twice on %s", job.path)
            except asyncio.TimeoutError:
                logger.error("checking %s took more than %.0f s; abandoned", job.path, self.timeout)
                self._replace(pool)
                return _failed(job, f"internal error: checking this file took more than {self.timeout:.0f} s and was abandoned")
        return _failed(job, "internal error: checking this file killed the checker process (most likely a stack overflow on deeply nested code)")

    def _replace(self, pool: ProcessPoolExecutor) -> None:
        if self._executor is pool:
            self._executor = None
        # A stuck worker would go on using a core: end it.
        for process in list(getattr(pool, "_processes", {}).values()):
            process.kill()
        pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None


def _failed(job: Job, message: str) -> Outcome:
    # What engine.engine_diagnostic makes, built here: the engine (and libcst) is
    # imported in the workers only.
    start = Location(1, 1)
    return Outcome([Diagnostic(INTERNAL_ERROR, message, job.path, start, start, Severity.ERROR, "internal-error")])
