"""Bounded loopback load: gunicorn on a free port, and N client processes that GET one URL for a fixed time.

Each client is a process of its own (no GIL between clients) opening a connection per request, as
gunicorn's sync workers close the connection after each answer. Every loop stops at its deadline or after
``MAX_REQUESTS_PER_CLIENT`` requests, whichever comes first.
"""
from __future__ import annotations

import http.client
import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).with_name("gunicorn")
MAX_REQUESTS_PER_CLIENT = 200_000
START_TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(target: str, env: dict, workers: int = 2):
    """Serve ``target`` (``wsgi:app``) with ``workers`` sync workers on a free loopback port; yield the port.
    The server is stopped (TERM, then KILL) on the way out."""
    port = free_port()
    process = subprocess.Popen(
        [str(GUNICORN), "-w", str(workers), "-b", f"127.0.0.1:{port}", "--log-level", "warning", target],
        cwd=ROOT, env={**os.environ, **env}, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn {target} exited: {process.stderr.read().decode()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn {target} did not listen within {START_TIMEOUT} s") from None
                time.sleep(0.1)
        yield port
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)
        process.stderr.close()


def _client(port: int, path: str, headers: dict, seconds: float, start_at: float, results) -> None:
    while time.time() < start_at:
        time.sleep(0.001)
    deadline = time.perf_counter() + seconds
    ok = errors = 0
    latencies = []
    while time.perf_counter() < deadline and ok + errors < MAX_REQUESTS_PER_CLIENT:
        began = time.perf_counter()
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            connection.close()
            if response.status == 200:
                ok += 1
                latencies.append(time.perf_counter() - began)
            else:
                errors += 1
        except OSError:
            errors += 1
    results.put((ok, errors, latencies))


@dataclass
class Load:
    target: str
    clients: int
    seconds: float
    ok: int
    errors: int
    p50_ms: float
    p95_ms: float

    @property
    def rps(self) -> float:
        return self.ok / self.seconds

    def as_dict(self) -> dict:
        return {"target": self.target, "clients": self.clients, "seconds": self.seconds, "ok": self.ok,
                "errors": self.errors, "rps": self.rps, "p50_ms": self.p50_ms, "p95_ms": self.p95_ms}


def hammer(target: str, port: int, path: str, headers: dict | None = None, clients: int = 8,
           seconds: float = 10.0) -> Load:
    """``clients`` processes GET ``path`` for ``seconds``; requests per second counts 200 answers only."""
    from bench.common import percentile

    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    start_at = time.time() + 1.0  # every client starts together, after the spawns
    processes = [context.Process(target=_client, args=(port, path, headers or {}, seconds, start_at, results))
                 for _ in range(clients)]
    for process in processes:
        process.start()
    collected = [results.get(timeout=seconds + 60) for _ in processes]
    for process in processes:
        process.join(10)
    ok = sum(c[0] for c in collected)
    errors = sum(c[1] for c in collected)
    latencies = [value for c in collected for value in c[2]]
    p50 = percentile(latencies, 0.5) * 1000 if latencies else float("nan")
    p95 = percentile(latencies, 0.95) * 1000 if latencies else float("nan")
    return Load(target, clients, seconds, ok, errors, p50, p95)
