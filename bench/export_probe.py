"""Download one CSV export in a fresh process and print JSON: rows, seconds, rows per second, resident memory
before the download and the process's peak resident memory (VmHWM), so the peak is the export's and not
the seeding's or the page benchmark's.

    .venv/bin/python bench/export_probe.py DATABASE_URL USERNAME PASSWORD /exports/inspections.csv
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def main(argv: list[str]) -> dict:
    database_url, username, password, url = argv
    from bench.common import csrf_token
    from tracker import create_app

    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": database_url,
                      "LOGIN_RATE_LIMIT": "100000 per minute"})
    client = app.test_client()
    token = csrf_token(client, "/auth/login")
    response = client.post("/auth/login", data={"username": username, "password": password, "csrf_token": token})
    if response.status_code != 302:
        raise SystemExit(f"sign-in as {username} answered {response.status_code}")
    # Warm up on an empty period, so imports and first-use compilation are not counted as the export's memory.
    client.get(f"{url}?date_from=2999-01-01", buffered=False).close()
    before = _status_kb("VmRSS")
    try:  # reset the high-water mark (Linux), so the peak read afterwards is the download's
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass
    began = time.perf_counter()
    response = client.get(url, buffered=False)
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    lines = size = 0
    for chunk in response.response:
        lines += chunk.count(b"\r\n")
        size += len(chunk)
    response.close()
    seconds = time.perf_counter() - began
    rows = max(lines - 1, 0)
    return {"url": url, "rows": rows, "bytes": size, "seconds": seconds, "rows_per_s": rows / seconds if seconds else 0,
            "rss_before_mb": before / 1024, "peak_rss_mb": _status_kb("VmHWM") / 1024,
            "streamed": bool(response.is_streamed)}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1:])))
