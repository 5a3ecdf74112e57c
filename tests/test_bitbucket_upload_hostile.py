"""``bitbucket-upload`` against proxies that misbehave: an endless answer, one that
trickles a byte at a time, one with more headers than HTTP clients accept, and
error text with control characters.  Each ends in bounded time and memory with one
line on stderr."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

PIPELINE = {"BITBUCKET_WORKSPACE": "lab-ws", "BITBUCKET_REPO_SLUG": "glacier", "BITBUCKET_COMMIT": "0123abcd"}


def _endless(connection: socket.socket) -> None:
    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000000000\r\n\r\n")
    chunk = b"x" * 65536
    while True:
        connection.sendall(chunk)


def _trickle(connection: socket.socket) -> None:
    for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}":
        connection.sendall(bytes([byte]))
        time.sleep(0.5)


def _many_headers(connection: socket.socket) -> None:
    headers = b"".join(b"X-Header-%d: %d\r\n" % (index, index) for index in range(150))
    connection.sendall(b"HTTP/1.1 200 OK\r\n" + headers + b"Content-Length: 2\r\n\r\n{}")


def _hostile_error(connection: socket.socket) -> None:
    body = json.dumps({"error": {"message": "denied\n::error::forged\x1b[31m"}}).encode()
    connection.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: %d\r\n\r\n" % len(body) + body)


@pytest.fixture
def serve() -> Iterator[Callable[[Callable[[socket.socket], None]], str]]:
    servers: list[socket.socket] = []

    def start(answer: Callable[[socket.socket], None]) -> str:
        server = socket.create_server(("127.0.0.1", 0))
        servers.append(server)

        def loop() -> None:
            while True:
                try:
                    connection, _ = server.accept()
                except OSError:
                    return
                try:
                    connection.recv(65536)  # the request; its content does not matter here
                    answer(connection)
                except OSError:
                    pass  # the client hung up, as it should
                finally:
                    connection.close()

        threading.Thread(target=loop, daemon=True).start()
        return f"http://127.0.0.1:{server.getsockname()[1]}"

    yield start
    for server in servers:
        server.close()


def _upload(tmp_path: Path, proxy: str, *extra: str) -> subprocess.CompletedProcess[str]:
    report = tmp_path / "report.json"
    report.write_text(json.dumps({"report": {"title": "policy-check", "details": "", "report_type": "BUG"}, "annotations": []}))
    return subprocess.run(
        [sys.executable, "-m", "policy_check", "bitbucket-upload", str(report), "--proxy", proxy, *extra],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", **PIPELINE},
    )


def test_an_endless_answer_is_read_only_as_far_as_needed(tmp_path: Path, serve) -> None:  # type: ignore[no-untyped-def]
    start = time.monotonic()
    result = _upload(tmp_path, serve(_endless))
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - start < 30


def test_a_trickling_proxy_meets_the_overall_deadline(tmp_path: Path, serve) -> None:  # type: ignore[no-untyped-def]
    start = time.monotonic()
    result = _upload(tmp_path, serve(_trickle), "--deadline", "3")
    assert time.monotonic() - start < 15
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "before the deadline" in result.stderr


def test_more_than_100_headers_is_one_line_exit_2(tmp_path: Path, serve) -> None:  # type: ignore[no-untyped-def]
    result = _upload(tmp_path, serve(_many_headers))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "not valid HTTP" in result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr


def test_an_error_message_from_the_server_is_printed_escaped(tmp_path: Path, serve) -> None:  # type: ignore[no-untyped-def]
    result = _upload(tmp_path, serve(_hostile_error))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "\x1b" not in result.stderr
