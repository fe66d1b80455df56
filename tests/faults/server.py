"""The real app under gunicorn on 127.0.0.1 (a port of its own), for fault and load tests."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

from tracker.config import PROJECT_ROOT

GUNICORN = Path(PROJECT_ROOT) / ".venv" / "bin" / "gunicorn"
START_TIMEOUT = 30  # seconds for the master to listen and a worker to answer
LISTENING = re.compile(r"Listening at: http://127\.0\.0\.1:(\d+)")


def gunicorn_command() -> list[str]:
    """The gunicorn executable of this interpreter's virtualenv."""
    candidate = Path(os.environ.get("VIRTUAL_ENV", "")) / "bin" / "gunicorn"
    return [str(candidate if candidate.is_file() else GUNICORN)]


class Gunicorn:
    """A gunicorn master with ``workers`` gthread workers serving ``wsgi:app`` with the given environment."""

    def __init__(self, env: dict[str, str], log_path: Path, workers: int = 2, threads: int = 4):
        self.env = env
        self.log_path = log_path
        self.workers = workers
        self.threads = threads
        self.process: subprocess.Popen | None = None
        self.port: int | None = None
        self._log = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "Gunicorn":
        self._log = open(self.log_path, "ab")
        command = gunicorn_command() + [
            "--bind", "127.0.0.1:0",  # the kernel picks a free port; the master logs it
            "--workers", str(self.workers),
            "--worker-class", "gthread",
            "--threads", str(self.threads),
            "--timeout", "30",
            "--graceful-timeout", "5",
            "--no-control-socket",
            "--access-logfile", "-",
            "wsgi:app",
        ]
        self.process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env={**os.environ, **self.env}, stdout=self._log, stderr=self._log
        )
        self.port = self._wait_for_port()
        self.wait_until_serving()
        return self

    def _wait_for_port(self) -> int:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            match = LISTENING.search(self.log())
            if match:
                return int(match.group(1))
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"gunicorn did not start:\n{self.log()[-3000:]}")

    def wait_until_serving(self, path: str = "/api/v1/openapi.json", timeout: float = START_TIMEOUT) -> None:
        """Until the workers answer ``path`` with 200."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.base_url + path, timeout=5) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"gunicorn does not answer {path}:\n{self.log()[-3000:]}")

    def worker_pids(self) -> set[int]:
        """The master's live child processes (its workers), read from /proc."""
        pids = set()
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # pid (comm) state ppid ...: comm may hold spaces, so split after the last ')'.
            state, ppid = stat.rsplit(")", 1)[1].split()[:2]
            if int(ppid) == self.process.pid and state != "Z":
                pids.add(int(entry.name))
        return pids

    def wait_for_workers(self, count: int | None = None, excluding: set[int] = frozenset(), timeout: float = 20) -> set[int]:
        """Until ``count`` workers run, none of them in ``excluding`` (a killed worker is replaced)."""
        count = count or self.workers
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pids = self.worker_pids()
            if len(pids) == count and not pids & excluding:
                return pids
            time.sleep(0.05)
        raise AssertionError(f"workers {self.worker_pids()} after {timeout}s (wanted {count}, not {excluding})")

    def reload(self) -> None:
        """SIGHUP: the master replaces every worker gracefully."""
        old = self.worker_pids()
        os.kill(self.process.pid, signal.SIGHUP)
        self.wait_for_workers(excluding=old)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        """SIGINT the master (a quick shutdown of it and its workers); SIGKILL them if it does not exit in time."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                for pid in self.worker_pids():
                    os.kill(pid, signal.SIGKILL)
                self.process.kill()
                self.process.wait(timeout=5)
        self.process = None
        if self._log is not None:
            self._log.close()
            self._log = None
