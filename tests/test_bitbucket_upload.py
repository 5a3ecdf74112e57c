"""``policy-check bitbucket-upload`` against a local HTTP server on 127.0.0.1 playing
the Pipelines proxy and checking the Code Insights API's rules."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from ci_fixtures import make_lab, run_policy_check

from policy_check.diagnostics import Diagnostic, Location, Severity
from policy_check.report import RunReport
from policy_check.reporters import bitbucket

API = "http://api.bitbucket.org/2.0/repositories/lab-ws/glacier/commit/0123abcd/reports/policy-check"
PIPELINE = {"BITBUCKET_WORKSPACE": "lab-ws", "BITBUCKET_REPO_SLUG": "glacier", "BITBUCKET_COMMIT": "0123abcd"}
SEVERITY_RANK = {"CRITICAL": 0, "HIGH": 1, "MEDIUM": 2, "LOW": 3}


@dataclass
class FakeProxy:
    url: str
    requests: list[tuple[str, str, dict[str, str], object]] = field(default_factory=list)
    refuse_with: int | None = None


@pytest.fixture
def proxy() -> Iterator[FakeProxy]:
    state = FakeProxy(url="")

    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"null")
            state.requests.append((self.command, self.path, dict(self.headers), body))
            status, reply = self._check(body)
            payload = json.dumps(reply).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def _check(self, body: object) -> tuple[int, object]:
            # The API's rules, as Bitbucket enforces them.
            if state.refuse_with:
                return state.refuse_with, {"type": "error", "error": {"message": "Forbidden for this commit"}}
            if self.command == "PUT" and self.path == API:
                ok = isinstance(body, dict) and {"title", "details", "report_type"} <= set(body) and len(body.get("data", [])) <= 10
            elif self.command == "POST" and self.path == API + "/annotations":
                ok = isinstance(body, list) and 0 < len(body) <= 100 and all(len(a["summary"]) <= 450 for a in body)
            else:
                ok = False
            return (200, body) if ok else (400, {"error": {"message": f"bad {self.command} {self.path}"}})

        do_PUT = do_POST = _handle

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def _report_file(tmp_path: Path, count: int) -> Path:
    here = Location(1, 1)
    levels = [Severity.INFO, Severity.WARNING, Severity.ERROR]
    diagnostics = [
        Diagnostic("PC301", f"finding {i}", f"src/m{i % 7}.py", Location(i + 1, 1), here, levels[i % 3], snippet=f"print({i})")
        for i in range(count)
    ]
    diagnostics.append(Diagnostic("PC701", "private key", "deploy/id_rsa", here, here, Severity.ERROR, project_level=True))
    path = tmp_path / "report.json"
    path.write_text(json.dumps(bitbucket.build_report(RunReport(diagnostics, root=tmp_path))))
    return path


def _upload(cwd: Path, report: Path, proxy_url: str, **env: str):
    return run_policy_check(cwd, "bitbucket-upload", str(report), "--proxy", proxy_url, **env)


def test_puts_the_report_then_posts_at_most_1000_most_severe_annotations_in_batches(tmp_path: Path, proxy: FakeProxy) -> None:
    report = _report_file(tmp_path, 1233)
    result = _upload(tmp_path, report, proxy.url, **PIPELINE)
    assert result.returncode == 0, result.stderr
    assert "1000 annotations" in result.stderr and "234 less severe left out" in result.stderr
    (method, url, headers, body), *posts = proxy.requests
    assert (method, url) == ("PUT", API)
    assert body["result"] == "FAILED"
    assert "Authorization" not in headers and headers["Host"] == "api.bitbucket.org"
    assert [len(batch) for _, _, _, batch in posts] == [100] * 10
    sent = [annotation for _, url, _, batch in posts for annotation in batch]
    assert all(url == API + "/annotations" for _, url, _, _ in posts)
    assert len({a["external_id"] for a in sent}) == 1000
    ranks = [SEVERITY_RANK[a["severity"]] for a in sent]
    assert ranks == sorted(ranks) and sent[0]["severity"] == "CRITICAL"
    # 1 critical, 411 high, 411 medium, 411 low: the 234 left out are all low.
    assert sum(a["severity"] != "LOW" for a in sent) == 823


def test_a_real_run_uploads_its_report(tmp_path: Path, proxy: FakeProxy) -> None:
    root = make_lab(tmp_path)
    written = run_policy_check(root, "--select", "PC3", "--output-format", "bitbucket", "--output-file", "insights.json")
    assert written.returncode == 1
    result = _upload(root, root / "insights.json", proxy.url, **PIPELINE)
    assert result.returncode == 0, result.stderr
    assert [(m, len(b) if m == "POST" else None) for m, _, _, b in proxy.requests] == [("PUT", None), ("POST", 5)]


def test_missing_pipeline_variable_is_a_one_line_error(tmp_path: Path, proxy: FakeProxy) -> None:
    report = _report_file(tmp_path, 3)
    partial = {key: value for key, value in PIPELINE.items() if key != "BITBUCKET_COMMIT"}
    result = _upload(tmp_path, report, proxy.url, **partial)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "BITBUCKET_COMMIT not set" in result.stderr
    assert "Traceback" not in result.stderr
    assert proxy.requests == []


def test_refused_request_is_a_one_line_error(tmp_path: Path, proxy: FakeProxy) -> None:
    proxy.refuse_with = 403
    result = _upload(tmp_path, _report_file(tmp_path, 3), proxy.url, **PIPELINE)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "HTTP 403 Forbidden for this commit" in result.stderr
    assert len(proxy.requests) == 1, "nothing is posted after the report is refused"


def test_unreachable_proxy_is_a_one_line_error(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    result = _upload(tmp_path, _report_file(tmp_path, 3), f"http://127.0.0.1:{closed_port}", **PIPELINE)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "cannot reach the Bitbucket Pipelines proxy" in result.stderr


def test_unreadable_report_is_a_one_line_error(tmp_path: Path, proxy: FakeProxy) -> None:
    (tmp_path / "bad.json").write_text("{not json")
    for name in ("bad.json", "missing.json"):
        result = _upload(tmp_path, tmp_path / name, proxy.url, **PIPELINE)
        assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert proxy.requests == []
