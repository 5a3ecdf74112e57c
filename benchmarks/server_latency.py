"""How long the editor waits: from ``textDocument/didChange`` to the
``textDocument/publishDiagnostics`` for that version, with ``policy-check server``
driven over standard input/output by pygls' own LSP client, on a 1,000-line
research-style script written for this benchmark.

    python benchmarks/server_latency.py [--edits 30] [--lines 1000]

Each edit changes one number in the script (a real keystroke's worth of change)
and waits for the diagnostics of exactly that version.  The time includes the
check in the server's worker process, ruff over standard input, and the protocol's
round trip (no debounce: each edit comes after a quiet spell, see
``server/scheduler.py``).  The CPU seconds the server and its workers spend per
edit are given too: on a busy machine they, not the wall times, compare runs.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient

from policy_check.in_memory import check_source, settings_for

logger = logging.getLogger("server_latency")

SECTION = '''

def load_run_{n}(path):
    """Read run {n}'s measurements."""
    values = []
    with open(path) as handle:
        for line in handle:
            if line.startswith("#"):
                continue
            values.append(float(line.split(",")[{column}]))
    return np.array(values)


def calibrate_{n}(signal, gain={gain}):
    corrected = []
    for i in range(len(signal)):
        corrected.append(signal[i] * gain - OFFSET)
    print("calibrated run {n}:", len(corrected))
    return corrected


def summarise_{n}(frame):
    total = 0.0
    for index, row in frame.iterrows():
        total += row["energy"] ** 2
    mean = sum(frame["energy"]) / len(frame)
    logging.info(f"run {n}: mean {{mean}} total {{total}}")
    return pd.DataFrame({{"run": [{n}], "mean": [mean], "total": [total]}})
'''

HEADER = '''"""Analysis of detector runs (generated for the language server benchmark)."""
import os
import sys
import logging
import numpy as np
import pandas as pd
import matplotlib.pyplot as plt

OFFSET = 0.25
DATA = "/home/alice/data/runs"
'''

FOOTER = '''

def main():
    results = []
    for name in sorted(os.listdir(DATA)):
        signal = load_run_0(os.path.join(DATA, name))
        results.append(calibrate_0(signal))
    plt.plot(results[0])
    plt.savefig("runs.png")
    print("done")


if __name__ == "__main__":
    main()
'''


def research_script(lines: int) -> str:
    """A flat analysis script of about ``lines`` lines, in the shapes research code
    has: loops over arrays, iterrows, prints, root-logger calls, absolute paths."""
    parts = [HEADER]
    n = 0
    while sum(part.count("\n") for part in parts) + FOOTER.count("\n") < lines:
        parts.append(SECTION.format(n=n, column=n % 4, gain=1 + n / 100))
        n += 1
    parts.append(FOOTER)
    return "".join(parts)


class Recorder:
    """When each version's diagnostics arrived."""

    def __init__(self) -> None:
        self.arrived: dict[int | None, float] = {}
        self.counts: dict[int | None, int] = {}

    async def wait_for(self, version: int, timeout: float = 120.0) -> float:
        deadline = time.perf_counter() + timeout
        while version not in self.arrived:
            if time.perf_counter() > deadline:
                raise TimeoutError(f"no diagnostics for version {version}")
            await asyncio.sleep(0.001)
        return self.arrived[version]


def make_client(recorder: Recorder) -> LanguageClient:
    client = LanguageClient("server-latency", "1")

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def publish(params: types.PublishDiagnosticsParams) -> None:
        recorder.arrived[params.version] = time.perf_counter()
        recorder.counts[params.version] = len(params.diagnostics)

    return client


def tree_cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of a process and its living descendants, with the
    children they have waited for (ruff's runs): the work an edit costs, which does
    not grow when other processes compete for the cores.  ``None`` off Linux."""
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total, pending, seen = 0, [pid], set()
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        try:
            stat = Path(f"/proc/{current}/stat").read_text(encoding="ascii")
            fields = stat[stat.rindex(")") + 2 :].split()
            total += sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
            for task in Path(f"/proc/{current}/task").iterdir():
                pending.extend(int(child) for child in (task / "children").read_text(encoding="ascii").split())
        except (OSError, ValueError):
            if current == pid:
                return None
    return total / ticks


def edited(text: str, edit: int) -> str:
    """The script with one number changed (``OFFSET``), as a keystroke would."""
    return text.replace("OFFSET = 0.25", f"OFFSET = 0.{25 + edit}", 1)


async def measure(text: str, edits: int, folder: Path) -> tuple[float, list[float], int, float | None]:
    recorder = Recorder()
    client = make_client(recorder)
    await client.start_io(sys.executable, "-m", "policy_check", "server")
    await client.initialize_async(types.InitializeParams(capabilities=types.ClientCapabilities(), root_uri=folder.as_uri()))
    client.initialized(types.InitializedParams())
    uri = (folder / "analysis.py").as_uri()
    opened = time.perf_counter()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text))
    )
    first = await recorder.wait_for(1) - opened
    server_pid = client._server.pid if client._server is not None else 0  # noqa: SLF001 - pygls keeps the process there
    cpu_before = tree_cpu_seconds(server_pid)
    latencies = []
    for edit in range(1, edits + 1):
        version = edit + 1
        sent = time.perf_counter()
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=edited(text, edit))],
            )
        )
        latencies.append(await recorder.wait_for(version) - sent)
    cpu_after = tree_cpu_seconds(server_pid)
    cpu_per_edit = (cpu_after - cpu_before) / edits if cpu_before is not None and cpu_after is not None else None
    findings = recorder.counts[edits + 1]
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return first, latencies, findings, cpu_per_edit


def in_process_seconds(text: str, folder: Path, with_ruff: bool, fix_edits: bool = False) -> tuple[float, float]:
    """Median wall and CPU seconds of one check in this process (CPU seconds do not
    grow when other processes compete for the cores; ruff's own CPU is not counted).
    Without ``fix_edits`` by default, as the server checks for its diagnostics."""
    path = folder / "analysis.py"
    settings = settings_for(path)
    check_source(text, path, settings, with_ruff, fix_edits)  # warm
    wall, cpu = [], []
    for _ in range(5):
        start, start_cpu = time.perf_counter(), time.process_time()
        check_source(text, path, settings, with_ruff, fix_edits)
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(wall), statistics.median(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=30)
    parser.add_argument("--lines", type=int, default=1000)
    args = parser.parse_args()
    handler = logging.StreamHandler(sys.stdout)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    text = research_script(args.lines)
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        (folder / "pyproject.toml").write_text('[project]\nname = "runs"\nversion = "0"\n\n[tool.policy-check]\n', encoding="utf-8")
        first, latencies, findings, cpu_per_edit = asyncio.run(measure(text, args.edits, folder))
        engine_only = in_process_seconds(text, folder, with_ruff=False)
        with_edits = in_process_seconds(text, folder, with_ruff=False, fix_edits=True)
        with_ruff = in_process_seconds(text, folder, with_ruff=True)
    latencies.sort()
    logger.info("script: %d lines, %d findings", text.count("\n"), findings)
    logger.info("first diagnostics after didOpen (cold worker): %.3f s", first)
    logger.info(
        "didChange -> publishDiagnostics over %d edits: median %.3f s, p90 %.3f s, max %.3f s",
        len(latencies),
        statistics.median(latencies),
        latencies[int(0.9 * (len(latencies) - 1))],
        latencies[-1],
    )
    if cpu_per_edit is not None:
        logger.info("CPU per edit, the server and its workers (ruff included): %.3f s", cpu_per_edit)
    logger.info("in-process check, median of 5: engine %.3f s wall / %.3f s CPU; engine + ruff %.3f s wall", *engine_only, with_ruff[0])
    logger.info("the engine's check with fix edits (as the command line): %.3f s CPU", with_edits[1])
    logger.info("load average while measuring: %s", " ".join(f"{value:.1f}" for value in os.getloadavg()))


if __name__ == "__main__":
    main()
