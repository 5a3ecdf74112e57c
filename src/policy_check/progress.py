"""A progress bar for long runs on a terminal.  It never shows in CI logs, pipes,
pre-commit or redirected output, where its carriage returns would be noise."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TextIO

# Fewer files than this finish before a bar would be worth drawing.
MIN_FILES = 100
# A bar appears only once a run has taken this long, and redraws at most this often.
SHOW_AFTER_SECONDS = 0.5
REDRAW_SECONDS = 0.1
WIDTH = 30
# Set by CI services (GitHub Actions, GitLab, Bitbucket, Azure, Jenkins…) and by pre-commit.
NO_BAR_VARIABLES = ("CI", "GITHUB_ACTIONS", "BITBUCKET_BUILD_NUMBER", "GITLAB_CI", "TF_BUILD", "JENKINS_URL", "BUILDKITE", "PRE_COMMIT")


def wanted(stream: TextIO, total: int, environ: Mapping[str, str] | None = None) -> bool:
    environ = os.environ if environ is None else environ
    if total < MIN_FILES or any(environ.get(name) for name in NO_BAR_VARIABLES):
        return False
    if environ.get("TERM") == "dumb":
        return False
    return hasattr(stream, "isatty") and stream.isatty()


class ProgressBar:
    """Counts finished files and redraws one line in place; ``close`` erases it so the
    report starts on a clean line."""

    def __init__(self, total: int, stream: TextIO, clock: Callable[[], float] = time.monotonic) -> None:
        self.total = total
        self.done = 0
        self.stream = stream
        self._clock = clock
        self._started = clock()
        self._last_draw = 0.0
        self._drawn = False

    def advance(self, count: int) -> None:
        self.done += count
        now = self._clock()
        if now - self._started < SHOW_AFTER_SECONDS or now - self._last_draw < REDRAW_SECONDS:
            return
        self._last_draw = now
        self.stream.write("\r" + self.render())
        self.stream.flush()
        self._drawn = True

    def render(self) -> str:
        fraction = min(1.0, self.done / self.total) if self.total else 1.0
        filled = int(fraction * WIDTH)
        return f"checking [{'#' * filled}{'.' * (WIDTH - filled)}] {self.done}/{self.total} files"

    def close(self) -> None:
        if self._drawn:
            self.stream.write("\r\033[K")
            self.stream.flush()


@contextmanager
def progress_for_run(total: int, quiet: bool = False, stream: TextIO | None = None) -> Iterator[Callable[[int], None] | None]:
    """The ``progress`` callback for ``run_jobs``: a bar on stderr when it is a
    terminal and the run is long, else ``None``."""
    stream = sys.stderr if stream is None else stream
    if quiet or not wanted(stream, total):
        yield None
        return
    bar = ProgressBar(total, stream)
    try:
        yield bar.advance
    finally:
        bar.close()
