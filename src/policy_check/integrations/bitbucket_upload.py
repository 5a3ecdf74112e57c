"""``policy-check bitbucket-upload REPORT.json``: send a Code Insights report (written
with ``--output-format bitbucket``) and its annotations to Bitbucket from a pipeline.

Inside Bitbucket Pipelines the API is reached through the build's local proxy
(``http://localhost:29418``), which authenticates the request itself: no credentials
are needed or read.  Every failure a user can cause is one line on stderr, exit 2."""

from __future__ import annotations

import argparse
import http.client
import json
import logging
import os
import socket
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from policy_check.printable import printable
from policy_check.reporters.bitbucket import MAX_DATA_FIELDS, MAX_DETAILS, MAX_SUMMARY, REPORT_ID, SEVERITY_RANK, truncate

logger = logging.getLogger(__name__)

DEFAULT_PROXY = "http://localhost:29418"
API_ROOT = "http://api.bitbucket.org/2.0"
BATCH_SIZE = 100
MAX_ANNOTATIONS = 1000
TIMEOUT_SECONDS = 30
# The whole upload (report and every annotation batch) gets this long, however the
# proxy answers; replies are read up to this size.
DEADLINE_SECONDS = 120
MAX_RESPONSE_BYTES = 64 * 1024
ENVIRONMENT = ("BITBUCKET_WORKSPACE", "BITBUCKET_REPO_SLUG", "BITBUCKET_COMMIT")
EXIT_OK, EXIT_ERROR = 0, 2


class UploadError(Exception):
    """A failure to explain in one line."""


@dataclass(frozen=True)
class Proxy:
    host: str
    port: int

    @classmethod
    def parse(cls, url: str) -> Proxy:
        parts = urlsplit(url if "://" in url else f"http://{url}")
        if parts.scheme != "http" or not parts.hostname:
            raise UploadError(f"--proxy must be an http:// URL with a host, not '{url}'")
        try:
            port = parts.port or 80
        except ValueError as error:
            raise UploadError(f"--proxy has a bad port: '{url}'") from error
        return cls(parts.hostname, port)


def reports_url(environ: Mapping[str, str], report_id: str = REPORT_ID) -> str:
    missing = [name for name in ENVIRONMENT if not environ.get(name)]
    if missing:
        raise UploadError(
            f"{', '.join(missing)} not set: bitbucket-upload runs inside Bitbucket Pipelines, which sets them"
        )
    workspace, slug, commit = (quote(environ[name], safe="") for name in ENVIRONMENT)
    return f"{API_ROOT}/repositories/{workspace}/{slug}/commit/{commit}/reports/{quote(report_id, safe='')}"


def load_report(path: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    try:
        text = sys.stdin.read() if path == "-" else open(path, encoding="utf-8").read()
        document = json.loads(text)
    except OSError as error:
        raise UploadError(f"cannot read {path}: {error.strerror or error}") from error
    except json.JSONDecodeError as error:
        raise UploadError(f"{path} is not JSON (line {error.lineno}): write it with --output-format bitbucket") from error
    if not isinstance(document, dict) or not isinstance(document.get("report"), dict):
        raise UploadError(f"{path} has no 'report' object: write it with --output-format bitbucket")
    annotations = document.get("annotations", [])
    if not isinstance(annotations, list) or not all(isinstance(a, dict) for a in annotations):
        raise UploadError(f"{path}: 'annotations' must be a list of objects")
    return document["report"], annotations


def prepare_report(report: Mapping[str, Any]) -> dict[str, Any]:
    """The report within the API's limits, whoever wrote the file."""
    prepared = dict(report)
    prepared["details"] = truncate(str(prepared.get("details", "")), MAX_DETAILS)
    prepared["data"] = list(prepared.get("data", []))[:MAX_DATA_FIELDS]
    return prepared


def prepare_annotations(annotations: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """At most the API's 1,000, the most severe first, ids unique, texts within limits."""
    ordered = sorted(annotations, key=lambda a: SEVERITY_RANK.get(str(a.get("severity")), len(SEVERITY_RANK)))
    prepared: list[dict[str, Any]] = []
    seen: set[str] = set()
    for annotation in ordered:
        external_id = str(annotation.get("external_id", ""))
        if not external_id or external_id in seen:
            raise UploadError(f"annotation external_id '{external_id}' is missing or repeated")
        seen.add(external_id)
        fixed = dict(annotation)
        fixed["summary"] = truncate(str(fixed.get("summary", "")), MAX_SUMMARY)
        if "details" in fixed:
            fixed["details"] = truncate(str(fixed["details"]), MAX_DETAILS)
        if "line" in fixed:
            try:
                fixed["line"] = max(1, int(fixed["line"]))
            except (TypeError, ValueError) as error:
                raise UploadError(f"annotation {external_id}: line must be a number, not {fixed['line']!r}") from error
        prepared.append(fixed)
        if len(prepared) == MAX_ANNOTATIONS:
            break
    return prepared


def _send(proxy: Proxy, method: str, url: str, body: object, deadline: float) -> None:
    """One request through the proxy, answered within ``deadline`` (a monotonic time):
    a proxy that trickles its answer a byte at a time never times out a read, so
    the exchange runs in a thread and is cut off when the time is up."""
    payload = json.dumps(body).encode("utf-8")
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise UploadError(_late(method, url))
    # The request goes to the proxy and nowhere else: the absolute URL in the request
    # line tells the proxy where to forward it (no environment proxy settings apply).
    connection = http.client.HTTPConnection(proxy.host, proxy.port, timeout=min(TIMEOUT_SECONDS, remaining))
    outcome: dict[str, Any] = {}

    def exchange() -> None:
        try:
            outcome["answer"] = _exchange(connection, method, url, payload)
        except BaseException as error:  # handed to the caller's thread
            outcome["error"] = error

    worker = threading.Thread(target=exchange, name="bitbucket-upload", daemon=True)
    worker.start()
    worker.join(remaining)
    if worker.is_alive():
        _cut_off(connection)
        worker.join(1)
        raise UploadError(_late(method, url))
    connection.close()
    error = outcome.get("error")
    if isinstance(error, OSError):
        reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
        raise UploadError(
            f"cannot reach the Bitbucket Pipelines proxy at http://{proxy.host}:{proxy.port} ({reason}); "
            "bitbucket-upload runs inside a pipeline step"
        ) from error
    if isinstance(error, http.client.HTTPException):
        raise UploadError(f"{method} {url}: the proxy's answer is not valid HTTP ({type(error).__name__}: {error})") from error
    if error is not None:
        raise error
    status, reason, text = outcome["answer"]
    if not 200 <= status < 300:
        raise UploadError(f"{method} {url} was refused: HTTP {status} {_api_message(text) or reason}")


def _exchange(connection: http.client.HTTPConnection, method: str, url: str, payload: bytes) -> tuple[int, str, str]:
    connection.request(
        method,
        url,
        body=payload,
        headers={"Host": urlsplit(url).netloc, "Content-Type": "application/json", "Accept": "application/json"},
    )
    response = connection.getresponse()
    # Only the start of the answer matters (the status, an error message): a body
    # of any size is never read whole.
    text = response.read(MAX_RESPONSE_BYTES).decode("utf-8", "replace")
    return response.status, response.reason, text


def _cut_off(connection: http.client.HTTPConnection) -> None:
    try:
        if connection.sock is not None:
            connection.sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    connection.close()


def _late(method: str, url: str) -> str:
    return f"{method} {url}: no complete answer from the proxy before the deadline (--deadline, default {DEADLINE_SECONDS} s)"


def _api_message(text: str) -> str:
    try:
        message = json.loads(text)["error"]["message"]
    except (ValueError, KeyError, TypeError):
        message = text.strip()
    return " ".join(str(message).split())[:200]


def upload(report_path: str, proxy_url: str, environ: Mapping[str, str], seconds: float = DEADLINE_SECONDS) -> tuple[int, int]:
    """Send the report, then its annotations in batches; returns (sent, dropped)."""
    url = reports_url(environ)
    proxy = Proxy.parse(proxy_url)
    report, annotations = load_report(report_path)
    prepared = prepare_annotations(annotations)
    # PUT replaces an earlier report of this commit, annotations included.
    deadline = time.monotonic() + seconds
    _send(proxy, "PUT", url, prepare_report(report), deadline)
    for start in range(0, len(prepared), BATCH_SIZE):
        _send(proxy, "POST", f"{url}/annotations", prepared[start : start + BATCH_SIZE], deadline)
    return len(prepared), len(annotations) - len(prepared)


def bitbucket_upload_command(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="policy-check bitbucket-upload",
        description="Upload a Code Insights report written with `--output-format bitbucket` from a Bitbucket pipeline.",
    )
    parser.add_argument("report", help="the report file ('-' for standard input)")
    parser.add_argument(
        "--proxy",
        default=os.environ.get("POLICY_CHECK_BITBUCKET_PROXY", DEFAULT_PROXY),
        help=f"the Pipelines API proxy (default: $POLICY_CHECK_BITBUCKET_PROXY, else {DEFAULT_PROXY})",
    )
    parser.add_argument(
        "--deadline",
        type=float,
        default=DEADLINE_SECONDS,
        help=f"seconds the whole upload may take, however the proxy answers (default {DEADLINE_SECONDS})",
    )
    args = parser.parse_args(argv)
    try:
        sent, dropped = upload(args.report, args.proxy, os.environ, args.deadline)
    except UploadError as error:
        sys.stderr.write(f"policy-check: error: {printable(str(error))}\n")
        return EXIT_ERROR
    note = f" ({dropped} less severe left out: the API keeps {MAX_ANNOTATIONS})" if dropped else ""
    sys.stderr.write(f"policy-check: uploaded the Code Insights report with {sent} annotations{note}\n")
    return EXIT_OK
