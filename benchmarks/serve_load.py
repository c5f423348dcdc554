"""Load test of ``tachtu serve`` on loopback: a fixed number of requests, every answer checked.

For each ``--workers`` value a server is started on a free 127.0.0.1 port
(``python -m tachtu serve``); ``--clients`` concurrent keep-alive connections
(one asyncio client process, plain HTTP/1.1 over sockets) then send
``--requests`` ``POST /segment`` requests between them, one news line each
(line ``i`` of the first ``--requests`` lines of ``news_raw.txt``; a few
built-in sentences when ``../shared`` is absent), or with ``--batch K`` K
lines each as ``{"texts": [...]}``.  Every answer must be a 200 equal to
in-process ``Segmenter(profile=...).segment`` of its lines; the script exits
with status 1 if any is not.

Timed: from the first timed request to the last answer, after one untimed
request per connection (so connections are open and caches warm).  MB/s
counts the UTF-8 bytes of the texts sent.  The client shares the machine
with the server: on 2 cores it takes part of the CPU the workers could use,
so the CPU time of both is reported too (server: the ``/proc`` times of its
process tree over the timed part; client: ``time.process_time``); unlike
wall time these hardly move when other programs load the machine.

Usage::

    PYTHONPATH=src python benchmarks/serve_load.py                       # 2,000 requests, 8 clients, 1 and 2 workers
    PYTHONPATH=src python benchmarks/serve_load.py --batch 16                            # 16 lines per request
    PYTHONPATH=src python benchmarks/serve_load.py --workers 1 --requests 500 --profile vncorenlp
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA_ROOT = REPO_ROOT.parent / "shared"
NEWS_REL = "data/bench/news_raw.txt"
HOST = "127.0.0.1"  # loopback only
FALLBACK_LINES = [
    "Nhà Trắng cho biết tổng thống sẽ đến Hà Nội vào tuần tới.",
    "Giá vàng hôm nay tăng 1,5% so với hôm qua, theo Công ty SJC.",
    "Chúng tôi đi dạo quanh hồ Hoàn Kiếm rồi ghé quán cà phê quen.",
]


@dataclass
class Result:
    workers: int
    requests: int
    batch: int
    clients: int
    seconds: float
    sent_bytes: int
    server_cpu: float
    client_cpu: float
    errors: int
    mismatches: int

    def row(self) -> str:
        rate = self.requests / self.seconds
        mb = self.sent_bytes / self.seconds / 1e6
        per_request = 1000 / self.requests
        return (f"| {self.workers} | {self.requests:,} | {self.batch} | {self.clients} | {self.seconds:.2f} | "
                f"{rate:,.0f} | {mb:.2f} | {self.server_cpu * per_request:.2f} | {self.client_cpu * per_request:.2f} | "
                f"{self.errors} | {self.mismatches} |")


def load_lines(data_root: Path, count: int) -> list[str]:
    """``count`` texts: the first lines of the news file, or the built-in ones repeated."""
    path = data_root / NEWS_REL
    lines: list[str] = []
    if path.is_file():
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    lines.append(line.rstrip("\n"))
                if len(lines) == count:
                    break
    if not lines:
        print(f"note: {path} not found; using {len(FALLBACK_LINES)} built-in sentences", file=sys.stderr)
        lines = FALLBACK_LINES
    return [lines[i % len(lines)] for i in range(count)]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def start_server(workers: int, profile: str) -> tuple[subprocess.Popen[bytes], int]:
    """A ``tachtu serve`` subprocess answering /health."""
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (str(REPO_ROOT / "src"), os.environ.get("PYTHONPATH"))))}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tachtu", "serve", "--host", HOST, "--port", str(port), "--workers", str(workers),
         "--profile", profile],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
    )
    for _ in range(600):
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with status {proc.returncode}")
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/health", timeout=5) as response:
                if response.status == 200:
                    return proc, port
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the server did not answer /health")


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of ``pid`` and its descendants (Linux ``/proc``; 0 elsewhere)."""
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
        todo.extend(int(child) for child in children)
    return total / ticks


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, port: int,
                    body: bytes) -> tuple[int, bytes]:
    """One keep-alive ``POST /segment``: (status, response body)."""
    writer.write(b"POST /segment HTTP/1.1\r\nHost: %s:%d\r\nContent-Type: application/json\r\n"
                 b"Content-Length: %d\r\n\r\n%s" % (HOST.encode(), port, len(body), body))
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    length = next(int(line.split(":", 1)[1]) for line in lines[1:] if line.lower().startswith("content-length:"))
    return status, await reader.readexactly(length)


async def _drive(port: int, bodies: list[bytes], expected: list[object], clients: int,
                 server_pid: int) -> tuple[float, float, float, int, int]:
    """(seconds, server and client CPU seconds, errors, mismatches) of sending every body once."""
    errors = mismatches = 0
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(len(bodies)):
        queue.put_nowait(i)
    connections = [await asyncio.open_connection(HOST, port) for _ in range(clients)]
    for reader, writer in connections:  # warm-up, untimed
        await _exchange(reader, writer, port, bodies[0])
    ready = asyncio.Event()

    async def client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal errors, mismatches
        await ready.wait()
        while not queue.empty():
            i = queue.get_nowait()
            try:
                status, answer = await _exchange(reader, writer, port, bodies[i])
            except (OSError, asyncio.IncompleteReadError, ValueError, StopIteration):
                errors += 1
                reader, writer = await asyncio.open_connection(HOST, port)
                continue
            if status != 200:
                errors += 1
            elif json.loads(answer) != expected[i]:
                mismatches += 1

    tasks = [asyncio.create_task(client(r, w)) for r, w in connections]
    server_start, client_start, start = tree_cpu_seconds(server_pid), time.process_time(), time.perf_counter()
    ready.set()
    await asyncio.gather(*tasks)
    seconds = time.perf_counter() - start
    client_cpu, server_cpu = time.process_time() - client_start, tree_cpu_seconds(server_pid) - server_start
    for _, writer in connections:
        writer.close()
    return seconds, server_cpu, client_cpu, errors, mismatches


def run(workers: int, texts: list[str], segmented: list[str], batch: int, clients: int, profile: str) -> Result:
    """One server with ``workers`` processes; each request carries ``batch`` consecutive texts."""
    if batch == 1:
        bodies = [json.dumps({"text": text}, ensure_ascii=False).encode("utf-8") for text in texts]
        expected: list[object] = [{"text": out} for out in segmented]
    else:
        starts = range(0, len(texts), batch)
        bodies = [json.dumps({"texts": texts[i:i + batch]}, ensure_ascii=False).encode("utf-8") for i in starts]
        expected = [{"texts": segmented[i:i + batch]} for i in starts]
    proc, port = start_server(workers, profile)
    try:
        seconds, server_cpu, client_cpu, errors, mismatches = asyncio.run(
            _drive(port, bodies, expected, clients, proc.pid))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    sent = sum(len(text.encode("utf-8")) for text in texts)
    return Result(workers, len(bodies), batch, clients, seconds, sent, server_cpu, client_cpu, errors, mismatches)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000, help="timed requests per run (default: %(default)s)")
    parser.add_argument("--batch", type=int, default=1, help="texts per request (default: %(default)s)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent connections (default: %(default)s)")
    parser.add_argument("--workers", default="1,2", help="comma-separated --workers values (default: %(default)s)")
    parser.add_argument("--profile", choices=("default", "vncorenlp"), default="default")
    parser.add_argument("--data-root", type=Path, default=DEFAULT_DATA_ROOT)
    args = parser.parse_args(argv)

    sys.path.insert(0, str(REPO_ROOT / "src"))
    from tachtu import Segmenter

    texts = load_lines(args.data_root, args.requests * args.batch)
    segmenter = Segmenter(profile=args.profile)
    expected = [segmenter.segment(text) for text in texts]
    print(f"machine: {os.cpu_count()} CPUs (load average {os.getloadavg()[0]:.1f}), Python {sys.version.split()[0]}; "
          f"profile {args.profile}; {sum(len(t.encode()) for t in texts) / len(texts):.0f} bytes per text on average")
    print("| workers | requests | texts/request | clients | seconds | requests/s | MB/s | server CPU ms/request "
          "| client CPU ms/request | errors | mismatches |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    failed = False
    for workers in (int(w) for w in args.workers.split(",")):
        result = run(workers, texts, expected, args.batch, args.clients, args.profile)
        print(result.row(), flush=True)
        failed |= bool(result.errors or result.mismatches)
    if failed:
        print("FAILED: some answers were errors or differed from in-process segmentation", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
