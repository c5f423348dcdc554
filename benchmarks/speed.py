"""Speed and memory of tachtu and its peers, each in a fresh subprocess.

Four modes:

* default: every system segments the same text (the first ``--bytes`` of
  ``news_raw.txt``, cut at a line end) line by line.  Per system: load time
  (import + model load + one short sentence, which is when underthesea loads
  its model), throughput in syllables/s (whitespace-separated tokens of the
  input; only the segmentation loop is timed, after a warm-up), and peak RSS
  of the child process.
* ``--linear``: tachtu on one single line of 1 MB and of 10 MB, once
  NFC-normalised beforehand and once as is (the 10 MB line holds non-NFC
  text, the 1 MB one does not); the time ratio should be about 10 if
  segmentation is linear in the input length.
* ``--cli``: ``tachtu segment --jobs 1`` vs ``--jobs 2`` on the whole file,
  wall time (process start included) and peak RSS summed over the CLI's
  process tree (sampled from /proc).
* ``--shapes``: every shape of input in one run: news lines, short lines
  (3-6 syllables), NFD lines, 1 and 2 threads on one ``Segmenter``
  (in-process, interleaved passes in long-lived workers, with pyvi,
  underthesea and a sentencepiece unigram model trained on the spot as a C++
  reference), one huge line (peak RSS) and the CLI with ``--jobs 1``/``2`` on
  the whole file and on short lines.  ``--baseline SRC_DIR`` times another
  checkout's tachtu the same way, interleaved, and prints the ratios.

Usage::

    PYTHONPATH=src python benchmarks/speed.py                 # 3 MB, all systems
    PYTHONPATH=src python benchmarks/speed.py --bytes 500000 --systems tachtu,pyvi
    PYTHONPATH=src python benchmarks/speed.py --linear
    PYTHONPATH=src python benchmarks/speed.py --cli
    PYTHONPATH=src python benchmarks/speed.py --shapes --baseline ../base/src

Prints the machine, then a Markdown table.  ``--json OUT`` also saves the numbers.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, Sequence

sys.path.insert(0, str(Path(__file__).resolve().parent))

from peers import PEERS, SYSTEMS, System, SystemUnavailable, is_installed, load_system, machine_info  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA_ROOT = REPO_ROOT.parent / "shared"
NEWS_REL = "data/bench/news_raw.txt"
DEFAULT_BYTES = 3_000_000
WARMUP_LINES = 50
LINEAR_SIZES = (1_000_000, 10_000_000)


# -- text ------------------------------------------------------------------------
def read_prefix(path: Path, n_bytes: int | None) -> list[str]:
    """Lines of the first ``n_bytes`` of ``path`` (cut back to a line end); None = all."""
    with open(path, "rb") as f:
        data = f.read() if n_bytes is None else f.read(n_bytes)
    if n_bytes is not None and len(data) == n_bytes:
        cut = data.rfind(b"\n")
        if cut > 0:
            data = data[: cut + 1]
    return data.decode("utf-8").splitlines()


def one_line(path: Path, n_bytes: int, nfc: bool = False) -> str:
    """One line of about ``n_bytes`` UTF-8 bytes: lines of ``path`` joined by spaces.

    With ``nfc``, the line is NFC-normalised (the news text has a few
    non-NFC stretches after its first ~1 MB).
    """
    parts: list[str] = []
    size = 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            parts.append(line)
            size += len(line.encode("utf-8")) + 1
            if size >= n_bytes:
                break
    line = " ".join(parts)
    return unicodedata.normalize("NFC", line) if nfc else line


def count_syllables(lines: Sequence[str]) -> int:
    """Whitespace-separated tokens of the input."""
    return sum(len(line.split()) for line in lines)


def peak_rss_mb() -> float:
    """Peak resident set size of this process, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- measuring inside the child ------------------------------------------------------
def measure(name: str, lines: Sequence[str], repeat: int = 1, model: str | None = None) -> dict[str, Any]:
    """Load ``name`` and time it on ``lines`` in this process.

    Args:
        name: a system of ``peers.SYSTEMS``.
        lines: input lines (raw text).
        repeat: timed passes over ``lines``; the median is reported.
        model: tachtu model file (tachtu only).

    Returns:
        load_s, seconds (median wall-clock pass), passes, cpu_seconds
        (median process CPU time), syllables, syllables_per_s (wall),
        syllables_per_cpu_s, peak_rss_mb, version.
    """
    start = time.perf_counter()
    system = load_system(name, model)
    load_s = time.perf_counter() - start
    segment_line = system.segment_line
    for line in lines[:WARMUP_LINES]:
        segment_line(line)
    passes: list[float] = []
    cpu_passes: list[float] = []
    for _ in range(repeat):
        c0 = time.process_time()
        t0 = time.perf_counter()
        for line in lines:
            segment_line(line)
        passes.append(time.perf_counter() - t0)
        cpu_passes.append(time.process_time() - c0)
    syllables = count_syllables(lines)
    seconds = statistics.median(passes)
    cpu_seconds = statistics.median(cpu_passes)
    return {
        "system": name,
        "version": system.version,
        "load_s": load_s,
        "seconds": seconds,
        "passes": passes,
        "cpu_seconds": cpu_seconds,
        "lines": len(lines),
        "syllables": syllables,
        "syllables_per_s": syllables / seconds if seconds else 0.0,
        "syllables_per_cpu_s": syllables / cpu_seconds if cpu_seconds else 0.0,
        "peak_rss_mb": peak_rss_mb(),
    }


def child_main(args: argparse.Namespace) -> int:
    """Entry point of a measuring subprocess: prints one JSON object."""
    try:
        if args.single_line:
            lines = [one_line(args.source, args.bytes, args.nfc)]
            # No warm-up pass over a 10 MB line; warm up on a short one instead.
            result = measure_single(lines[0], args.model)
        else:
            lines = read_prefix(args.source, args.bytes)
            result = measure(args.child, lines, args.repeat, args.model)
    except SystemUnavailable as exc:
        result = {"system": args.child, "skipped": str(exc)}
    print(json.dumps(result))
    return 0


def measure_single(line: str, model: str | None) -> dict[str, Any]:
    """tachtu on one long line (after a warm-up on a short one)."""
    start = time.perf_counter()
    system = load_system("tachtu", model)
    load_s = time.perf_counter() - start
    system.segment_line(line[:10_000].rsplit(" ", 1)[0])
    c0 = time.process_time()
    t0 = time.perf_counter()
    system.segment_line(line)
    seconds = time.perf_counter() - t0
    cpu_seconds = time.process_time() - c0
    syllables = len(line.split())
    return {
        "system": "tachtu",
        "version": system.version,
        "load_s": load_s,
        "bytes": len(line.encode("utf-8")),
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "syllables": syllables,
        "syllables_per_s": syllables / seconds if seconds else 0.0,
        "peak_rss_mb": peak_rss_mb(),
    }


def child_env(src: Path | None = None) -> dict[str, str]:
    """Environment for subprocesses: this process's, with the tachtu it imports first on PYTHONPATH
    (or, with ``src``, the tachtu of that source folder: another checkout's ``src``)."""
    env = dict(os.environ)
    if src is None:
        spec = importlib.util.find_spec("tachtu")
        src = Path(spec.origin).parent.parent if spec is not None and spec.origin else None
    if src is not None:
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(src.resolve()), env.get("PYTHONPATH", "")) if p)
    return env


def run_child(extra: Sequence[str], timeout: float | None = None, src: Path | None = None) -> dict[str, Any]:
    """Run this script as a measuring subprocess (on ``src``'s tachtu, if given) and parse its JSON line."""
    cmd = [sys.executable, str(Path(__file__).resolve()), *extra]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=child_env(src))
    if proc.returncode != 0:
        tail = proc.stderr.strip().splitlines()[-3:]
        return {"skipped": f"child exited with {proc.returncode}: {' | '.join(tail)}"}
    try:
        result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        return {"skipped": f"child printed no result: {proc.stdout[-200:]!r} {proc.stderr[-300:]!r}"}
    return result


# -- the three modes (parent side) ------------------------------------------------------
def bench_systems(
    systems: Sequence[str], source: Path, n_bytes: int | None, repeat: int, model: Path | None
) -> tuple[list[dict[str, Any]], list[str]]:
    """Each system in its own subprocess on the same text."""
    results: list[dict[str, Any]] = []
    notes: list[str] = []
    for name in systems:
        if not is_installed(name):
            notes.append(f"{name}: not installed, skipped")
            continue
        print(f"  {name} ...", file=sys.stderr, flush=True)
        extra = ["--child", name, "--source", str(source), "--repeat", str(repeat)]
        if n_bytes is not None:
            extra += ["--bytes", str(n_bytes)]
        if model is not None and name == "tachtu":
            extra += ["--model", str(model)]
        result = run_child(extra)
        if "skipped" in result:
            notes.append(f"{name}: skipped ({result['skipped']})")
            continue
        results.append(result)
    return results, notes


def systems_table(results: Sequence[dict[str, Any]]) -> str:
    """Markdown: one row per system, with the throughput ratio to the fastest peer."""
    peer_speeds = [r["syllables_per_s"] for r in results if r["system"] in PEERS]
    reference = max(peer_speeds) if peer_speeds else max((r["syllables_per_s"] for r in results), default=0.0)
    ref_label = "fastest peer" if peer_speeds else "fastest system"
    lines = [
        f"| system | version | load (s) | syllables/s | × {ref_label} | syllables/CPU-s | peak RSS (MiB) |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        spread = ""
        if len(r.get("passes", [])) > 1:
            speeds = [r["syllables"] / p for p in r["passes"]]
            spread = f" ({min(speeds) / 1000:,.0f}k–{max(speeds) / 1000:,.0f}k)"
        ratio = r["syllables_per_s"] / reference if reference else 0.0
        lines.append(
            f"| {r['system']} | {r['version']} | {r['load_s']:.2f} | {r['syllables_per_s']:,.0f}{spread} "
            f"| {ratio:.2f} | {r.get('syllables_per_cpu_s', 0.0):,.0f} | {r['peak_rss_mb']:.0f} |"
        )
    return "\n".join(lines)


def bench_linear(source: Path, model: Path | None) -> tuple[list[dict[str, Any]], list[str]]:
    """tachtu on one line of each size in ``LINEAR_SIZES``, each in a fresh process."""
    results: list[dict[str, Any]] = []
    notes: list[str] = []
    for nfc in (True, False):
        for size in LINEAR_SIZES:
            form = "NFC" if nfc else "as is"
            print(f"  tachtu, one line of {size:,} bytes ({form}) ...", file=sys.stderr, flush=True)
            extra = ["--child", "tachtu", "--single-line", "--source", str(source), "--bytes", str(size)]
            if nfc:
                extra.append("--nfc")
            if model is not None:
                extra += ["--model", str(model)]
            result = run_child(extra)
            if "skipped" in result:
                notes.append(f"{size} bytes ({form}): skipped ({result['skipped']})")
                continue
            result["text"] = form
            result["nfc_input"] = unicodedata.is_normalized("NFC", one_line(source, size))
            results.append(result)
    return results, notes


def linear_table(results: Sequence[dict[str, Any]]) -> str:
    lines = [
        "| text | one line of | already NFC? | syllables | time (s) | CPU time (s) | syllables/s | peak RSS (MiB) |",
        "|---|---:|---|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        text = r.get("text", "as is")
        already = "yes" if r.get("nfc_input", text == "NFC") or text == "NFC" else "no"
        lines.append(
            f"| {text} | {r['bytes'] / 1e6:.1f} MB | {already} | {r['syllables']:,} | {r['seconds']:.2f} | "
            f"{r.get('cpu_seconds', 0.0):.2f} | {r['syllables_per_s']:,.0f} | {r['peak_rss_mb']:.0f} |"
        )
    lines.append("")
    for text in ("NFC", "as is"):
        pair = [r for r in results if r.get("text", "as is") == text]
        if len(pair) != 2:
            continue
        small, big = pair
        cpu_ratio = big.get("cpu_seconds", 0.0) / small["cpu_seconds"] if small.get("cpu_seconds") else 0.0
        lines.append(
            f"- {text}: time ratio {big['seconds'] / small['seconds']:.2f} (CPU time {cpu_ratio:.2f}) "
            f"for a size ratio of {big['syllables'] / small['syllables']:.2f} (linear = equal)."
        )
    return "\n".join(lines)


def _tree_rss_kb(root: int) -> int:
    """Sum of VmRSS (KiB) over ``root`` and its descendants, from /proc."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        # the command name may hold spaces or parentheses; fields after the last ')'
        fields = stat[stat.rfind(b")") + 2 :].split()
        parents[int(entry)] = int(fields[1])
    tree = {root}
    changed = True
    while changed:
        changed = False
        for pid, ppid in parents.items():
            if ppid in tree and pid not in tree:
                tree.add(pid)
                changed = True
    total = 0
    for pid in tree:
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            continue
    return total


def run_cli(jobs: int, source: Path, src: Path | None = None, startup: float | None = None,
            model: Path | None = None) -> dict[str, Any]:
    """``python -m tachtu segment --jobs N`` on ``source`` (``src``'s tachtu, if given; ``model``,
    if given); wall time and peak tree RSS.  ``startup``: the CLI's start-up time if already measured."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.txt"
        cmd = [sys.executable, "-m", "tachtu", "segment", "--jobs", str(jobs), "--quiet", "-o", str(out),
               *model_args(model), str(source)]
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=child_env(src))
        peak_kb = 0
        while proc.poll() is None:
            peak_kb = max(peak_kb, _tree_rss_kb(proc.pid))
            time.sleep(0.05)
        seconds = time.perf_counter() - start
        stderr = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
        if proc.returncode != 0:
            tail = " | ".join(stderr.strip().splitlines()[-3:])
            return {"skipped": f"`{' '.join(cmd[1:])}` exited with {proc.returncode}: {tail}"}
        with open(out, "rb") as f:
            out_lines = sum(1 for _ in f)
    with open(source, "rb") as f:
        in_lines = sum(1 for _ in f)
    syllables = count_syllables(read_prefix(source, None))
    if startup is None:
        startup = cli_startup_seconds(src=src, model=model)
    return {
        "jobs": jobs,
        "seconds": seconds,
        "startup_seconds": startup,
        "syllables": syllables,
        "syllables_per_s": syllables / seconds,
        "syllables_per_s_after_startup": syllables / max(seconds - startup, 1e-9),
        "peak_rss_tree_mb": peak_kb / 1024,
        "lines_in": in_lines,
        "lines_out": out_lines,
    }


def model_args(model: Path | None) -> list[str]:
    """The CLI's arguments for ``model`` (none: the bundled one)."""
    return [] if model is None else ["--model", str(model)]


def cli_startup_seconds(repeat: int = 3, src: Path | None = None, model: Path | None = None) -> float:
    """Best wall time of ``tachtu segment`` on an empty file: interpreter, import, model load."""
    best = float("inf")
    with tempfile.TemporaryDirectory() as tmp:
        empty = Path(tmp) / "empty.txt"
        empty.write_bytes(b"")
        cmd = [sys.executable, "-m", "tachtu", "segment", "--quiet", "-o", str(Path(tmp) / "out.txt"),
               *model_args(model), str(empty)]
        for _ in range(repeat):
            start = time.perf_counter()
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=child_env(src))
            best = min(best, time.perf_counter() - start)
    return best


def bench_cli(
    source: Path, jobs_list: Sequence[int], model: Path | None = None
) -> tuple[list[dict[str, Any]], list[str]]:
    """The CLI at each ``--jobs``; skipped with a note if ``tachtu.cli`` is missing or fails."""
    if importlib.util.find_spec("tachtu") is None or importlib.util.find_spec("tachtu.cli") is None:
        return [], ["tachtu.cli does not exist yet: CLI benchmark skipped"]
    results: list[dict[str, Any]] = []
    notes: list[str] = []
    for jobs in jobs_list:
        print(f"  tachtu segment --jobs {jobs} ...", file=sys.stderr, flush=True)
        try:
            result = run_cli(jobs, source, model=model)
        except OSError as exc:
            result = {"skipped": f"could not run the CLI: {exc}"}
        if "skipped" in result:
            notes.append(f"--jobs {jobs}: {result['skipped']}")
            continue
        if result["lines_in"] != result["lines_out"]:
            notes.append(f"--jobs {jobs}: {result['lines_in']} input lines but {result['lines_out']} output lines")
        results.append(result)
    return results, notes


def cli_table(results: Sequence[dict[str, Any]]) -> str:
    base = results[0]["syllables_per_s"] if results else 0.0
    lines = [
        "| command | wall (s) | syllables/s | speed-up | start-up (s) | syllables/s after start-up | speed-up "
        "| peak RSS, all processes (MiB) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    base_after = results[0]["syllables_per_s_after_startup"] if results else 0.0
    for r in results:
        lines.append(
            f"| `tachtu segment --jobs {r['jobs']}` | {r['seconds']:.2f} | {r['syllables_per_s']:,.0f} | "
            f"{r['syllables_per_s'] / base:.2f} | {r['startup_seconds']:.2f} | "
            f"{r['syllables_per_s_after_startup']:,.0f} | {r['syllables_per_s_after_startup'] / base_after:.2f} | "
            f"{r['peak_rss_tree_mb']:.0f} |"
        )
    return "\n".join(lines)


# -- every shape of input (--shapes) ----------------------------------------------------
SHAPE_BYTES = 2_000_000
PEER_BYTES = 300_000
SHAPE_REPEAT = 5
SHORT_SYLLABLES = (3, 6)
THREAD_BATCH = 64
SPM_VOCAB = 8000
HUGE_BYTES = 10_000_000
#: In-process inputs every system gets, then those only tachtu gets (threads on one Segmenter).
SHAPES = ("news", "short", "nfd")
THREAD_SHAPES = {"threads1": 1, "threads2": 2}
SHAPE_TITLES = {
    "news": "news lines",
    "short": "short lines (3–6 syllables)",
    "nfd": "news lines, NFD",
    "threads1": "news lines, 1 thread",
    "threads2": "news lines, 2 threads, one Segmenter",
}
#: sentencepiece's unigram model (C++), trained at benchmark time: a speed reference, not a segmenter.
REFERENCE = "sentencepiece"


def short_lines(lines: Sequence[str], seed: int = 14) -> list[str]:
    """The words of ``lines`` cut into lines of 3–6 syllables, like queries and titles
    (lengths from a seeded generator, so every run builds the same lines)."""
    rng = random.Random(seed)
    words = [word for line in lines for word in line.split()]
    out: list[str] = []
    i = 0
    while i < len(words):
        n = rng.randint(*SHORT_SYLLABLES)
        out.append(" ".join(words[i : i + n]))
        i += n
    return out


def shape_lines(source: Path, n_bytes: int | None) -> dict[str, list[str]]:
    """The in-process inputs: the first ``n_bytes`` of ``source`` as lines, the same words as
    short lines, and the same lines in NFD."""
    news = read_prefix(source, n_bytes)
    return {"news": news, "short": short_lines(news), "nfd": [unicodedata.normalize("NFD", line) for line in news]}


def load_sentencepiece(lines: Sequence[str], workdir: Path, vocab: int = SPM_VOCAB) -> System:
    """sentencepiece's unigram model trained on ``lines`` in ``workdir`` (``vocab`` pieces, a
    soft limit for small texts); timed on ``encode``."""
    try:
        import sentencepiece as spm
    except ImportError as exc:
        raise SystemUnavailable(f"{REFERENCE} is not installed") from exc
    prefix = str(workdir / "unigram")
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines), model_prefix=prefix, vocab_size=vocab, model_type="unigram",
        hard_vocab_limit=False, num_threads=1, minloglevel=2,
    )
    processor = spm.SentencePieceProcessor(model_file=prefix + ".model")
    return System(REFERENCE, importlib.metadata.version("sentencepiece"), processor.encode)


def time_pass(segment_line: Callable[[str], object], lines: Sequence[str], threads: int = 0) -> dict[str, Any]:
    """One timed pass over ``lines``; with ``threads``, batches of THREAD_BATCH lines on a
    pool of that many threads calling the same ``segment_line``.  Wall and process CPU time."""

    def run(batch: Sequence[str]) -> None:
        for line in batch:
            segment_line(line)

    pool = ThreadPoolExecutor(threads) if threads else None
    c0, t0 = time.process_time(), time.perf_counter()
    if pool is None:
        run(lines)
    else:
        list(pool.map(run, [lines[i : i + THREAD_BATCH] for i in range(0, len(lines), THREAD_BATCH)]))
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    if pool is not None:
        pool.shutdown()
    return {
        "wall": wall,
        "cpu": cpu,
        "bytes": sum(len(line.encode("utf-8")) for line in lines),
        "syllables": count_syllables(lines),
    }


def worker_main(args: argparse.Namespace) -> int:
    """A measuring subprocess that stays up for interleaved passes: it loads its systems and
    the inputs, prints one JSON line (versions, notes), then answers each command line
    ``{"system": ..., "shape": ...}`` on stdin with one timed pass as a JSON line."""
    inputs = shape_lines(args.source, args.bytes)
    peer_inputs = {shape: _prefix_bytes(lines, args.peer_bytes) for shape, lines in inputs.items()}
    systems: dict[str, System] = {}
    notes: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.systems.split(","):
            try:
                if name == REFERENCE:
                    systems[name] = load_sentencepiece(inputs["news"], Path(tmp))
                else:
                    systems[name] = load_system(name, args.model)
            except SystemUnavailable as exc:
                notes.append(f"{name}: skipped ({exc})")
        for name, system in systems.items():   # tachtu's chunk caches fill on a whole pass
            for lines in (peer_inputs if name in PEERS else inputs).values():
                for line in lines[:WARMUP_LINES] if name in PEERS else lines:
                    system.segment_line(line)
        print(json.dumps({"versions": {n: s.version for n, s in systems.items()}, "notes": notes}), flush=True)
        for command in sys.stdin:
            order = json.loads(command)
            name, shape = order["system"], order["shape"]
            threads = THREAD_SHAPES.get(shape, 0)
            lines = (peer_inputs if name in PEERS else inputs)["news" if threads else shape]
            print(json.dumps(time_pass(systems[name].segment_line, lines, threads)), flush=True)
    return 0


def _prefix_bytes(lines: Sequence[str], n_bytes: int) -> list[str]:
    """The first lines of ``lines`` up to about ``n_bytes`` UTF-8 bytes (at least one line)."""
    out: list[str] = []
    size = 0
    for line in lines:
        if out and size >= n_bytes:
            break
        out.append(line)
        size += len(line.encode("utf-8")) + 1
    return out


class Worker:
    """A ``--worker`` subprocess of this script on this checkout's tachtu, or on ``src``'s."""

    def __init__(
        self, systems: Sequence[str], source: Path, n_bytes: int | None, peer_bytes: int,
        model: Path | None = None, src: Path | None = None,
    ) -> None:
        cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", "--systems", ",".join(systems),
               "--source", str(source), "--peer-bytes", str(peer_bytes)]
        if n_bytes is not None:
            cmd += ["--bytes", str(n_bytes)]
        if model is not None:
            cmd += ["--model", str(model)]
        self._stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr, text=True, env=child_env(src)
        )
        self.info = self._answer()

    def _answer(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            self._stderr.seek(0)
            tail = " | ".join(self._stderr.read().decode("utf-8", "replace").strip().splitlines()[-3:])
            raise RuntimeError(f"benchmark worker exited: {tail}")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def run(self, system: str, shape: str) -> dict[str, Any]:
        """One timed pass of ``system`` on ``shape``."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"system": system, "shape": shape}) + "\n")
        self.proc.stdin.flush()
        return self._answer()

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait()
        self._stderr.close()


def _row(title: str, system: str, passes: Sequence[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    """Medians of timed passes (``wall``, ``cpu``, ``bytes``, ``syllables``) as one table row."""
    wall = statistics.median(p["wall"] for p in passes)
    cpu = statistics.median(p["cpu"] for p in passes)
    size, syllables = passes[0]["bytes"], passes[0]["syllables"]
    return {
        "input": title, "system": system, "runs": len(passes), "seconds": wall, "cpu_seconds": cpu,
        "bytes": size, "syllables": syllables, "bytes_per_s": size / wall if wall else 0.0,
        "syllables_per_s": syllables / wall if wall else 0.0,
        "bytes_per_cpu_s": size / cpu if cpu else 0.0, "syllables_per_cpu_s": syllables / cpu if cpu else 0.0,
        **extra,
    }


def bench_shapes(
    source: Path, systems: Sequence[str], n_bytes: int | None = SHAPE_BYTES, peer_bytes: int = PEER_BYTES,
    repeat: int = SHAPE_REPEAT, model: Path | None = None, baseline: Path | None = None,
    huge_bytes: int | None = HUGE_BYTES, cli: bool = True,
) -> tuple[list[dict[str, Any]], list[str]]:
    """Every shape of input, each system's passes interleaved with the others' (and with
    the ``baseline`` checkout's tachtu, in a worker of its own); then one huge line and the
    CLI, each in fresh processes, alternating between this checkout and the baseline."""
    this = "tachtu"
    base = f"tachtu @ {baseline}" if baseline is not None else None
    notes: list[str] = []
    workers: list[tuple[str, str, Worker]] = []   # (label, system, worker)
    started: list[Worker] = []
    try:
        print("  starting the workers ...", file=sys.stderr, flush=True)
        main_worker = Worker(systems, source, n_bytes, peer_bytes, model)
        started.append(main_worker)
        notes += main_worker.info["notes"]
        workers += [(this if s == "tachtu" else s, s, main_worker) for s in main_worker.info["versions"]]
        if base is not None:
            try:
                base_worker = Worker(["tachtu"], source, n_bytes, peer_bytes, model, src=baseline)
            except RuntimeError as exc:
                notes.append(f"baseline {baseline}: {exc}")
                base = None
            else:
                started.append(base_worker)
                notes += [f"baseline {note}" for note in base_worker.info["notes"]]
                workers += [(base, "tachtu", base_worker)] if "tachtu" in base_worker.info["versions"] else []
        passes: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for r in range(repeat):
            print(f"  in-process pass {r + 1}/{repeat} ...", file=sys.stderr, flush=True)
            for shape in (*SHAPES, *THREAD_SHAPES):
                for label, system, worker in workers:
                    if shape in THREAD_SHAPES and system != "tachtu":
                        continue
                    passes.setdefault((shape, label), []).append(worker.run(system, shape))
    finally:
        for worker in started:
            worker.close()
    rows = [_row(SHAPE_TITLES[shape], label, runs) for (shape, label), runs in passes.items()]
    checkouts: list[tuple[str, Path | None]] = [(this, None)] + ([(base, baseline)] if base is not None else [])
    if huge_bytes:
        rows += _bench_huge(source, huge_bytes, checkouts, model, notes)
    if cli:
        rows += _bench_cli_shapes(source, checkouts, model, notes)
    return rows, notes


def _bench_huge(
    source: Path, n_bytes: int, checkouts: Sequence[tuple[str, Path | None]], model: Path | None, notes: list[str]
) -> list[dict[str, Any]]:
    """tachtu on one line of ``n_bytes`` (``source`` as is, lines joined), a fresh process each."""
    rows: list[dict[str, Any]] = []
    title = f"one line of {n_bytes / 1e6:g} MB"
    for label, src in checkouts:
        print(f"  {label}: {title} ...", file=sys.stderr, flush=True)
        extra = ["--child", "tachtu", "--single-line", "--source", str(source), "--bytes", str(n_bytes)]
        if model is not None:
            extra += ["--model", str(model)]
        result = run_child(extra, src=src)
        if "skipped" in result:
            notes.append(f"{label}, {title}: skipped ({result['skipped']})")
            continue
        run = {"wall": result["seconds"], "cpu": result["cpu_seconds"], "bytes": result["bytes"],
               "syllables": result["syllables"]}
        rows.append(_row(title, label, [run], peak_rss_mb=result["peak_rss_mb"]))
    return rows


def _bench_cli_shapes(
    source: Path, checkouts: Sequence[tuple[str, Path | None]], model: Path | None, notes: list[str]
) -> list[dict[str, Any]]:
    """``tachtu segment --jobs 1|2`` on the whole ``source`` and on it cut into short lines."""
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        short = Path(tmp) / "short_lines.txt"
        short.write_text("\n".join(short_lines(read_prefix(source, None))) + "\n", encoding="utf-8")
        startups = {label: cli_startup_seconds(src=src, model=model) for label, src in checkouts}
        for path, what in ((source, "whole file"), (short, "short lines")):
            for jobs in (1, 2):
                for label, src in checkouts:
                    print(f"  {label}: CLI --jobs {jobs}, {what} ...", file=sys.stderr, flush=True)
                    result = run_cli(jobs, path, src, startups[label], model)
                    if "skipped" in result:
                        notes.append(f"{label}, CLI --jobs {jobs} on {what}: {result['skipped']}")
                        continue
                    if result["lines_in"] != result["lines_out"]:
                        notes.append(f"{label}, CLI --jobs {jobs} on {what}: lines in != lines out")
                    run = {"wall": result["seconds"], "cpu": 0.0, "bytes": path.stat().st_size,
                           "syllables": result["syllables"]}
                    rows.append(_row(f"CLI `--jobs {jobs}`, {what}", label, [run],
                                     peak_rss_mb=result["peak_rss_tree_mb"], startup_s=result["startup_seconds"]))
    return rows


def shapes_table(rows: Sequence[dict[str, Any]]) -> str:
    """Markdown: one row per input and system; × tachtu = throughput over this checkout's
    tachtu on the same input; then the ratios the speed targets are stated in."""
    this = {r["input"]: r["bytes_per_s"] for r in rows if r["system"] == "tachtu"}
    lines = [
        "| input | system | MB/s | syllables/s | × tachtu | MB per CPU-s | peak RSS (MiB) |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        ratio = r["bytes_per_s"] / this[r["input"]] if this.get(r["input"]) else 0.0
        cpu = f"{r['bytes_per_cpu_s'] / 1e6:.2f}" if r.get("cpu_seconds") else "–"
        rss = f"{r['peak_rss_mb']:.0f}" if r.get("peak_rss_mb") else "–"
        lines.append(
            f"| {r['input']} | {r['system']} | {r['bytes_per_s'] / 1e6:.2f} | {r['syllables_per_s']:,.0f} | "
            f"{ratio:.2f} | {cpu} | {rss} |"
        )
    lines.append("")
    lines += [f"- {line}" for line in shape_ratios(rows)]
    return "\n".join(lines)


def shape_ratios(rows: Sequence[dict[str, Any]]) -> list[str]:
    """The ratios the speed targets are stated in: per tachtu checkout NFD / NFC, 2 threads
    / 1 thread, --jobs 2 / --jobs 1; this tachtu over each other system on news lines; and
    this tachtu over the baseline checkout's on every input (bytes/s).  Where both sides
    ran on one thread in-process, the ratio of CPU times follows (steadier on a busy machine)."""
    by = {(r["input"], r["system"]): r for r in rows}

    def ratio(top: tuple[str, str], bottom: tuple[str, str], unit: str = "bytes") -> str:
        a, b = by[top], by[bottom]
        text = f"{a[f'{unit}_per_s'] / b[f'{unit}_per_s']:.2f}"
        single = top[0] not in (SHAPE_TITLES["threads2"],) and not top[0].startswith("CLI")
        if single and a.get(f"{unit}_per_cpu_s") and b.get(f"{unit}_per_cpu_s"):
            text += f" (CPU time: {a[f'{unit}_per_cpu_s'] / b[f'{unit}_per_cpu_s']:.2f})"
        return text

    pairs = [
        ("NFD / NFC (syllables/s)", SHAPE_TITLES["nfd"], SHAPE_TITLES["news"], "syllables"),
        ("2 threads / 1 thread", SHAPE_TITLES["threads2"], SHAPE_TITLES["threads1"], "bytes"),
        ("CLI --jobs 2 / --jobs 1, whole file", "CLI `--jobs 2`, whole file", "CLI `--jobs 1`, whole file", "bytes"),
        ("CLI --jobs 2 / --jobs 1, short lines", "CLI `--jobs 2`, short lines", "CLI `--jobs 1`, short lines", "bytes"),
    ]
    out: list[str] = []
    checkouts = [s for s in dict.fromkeys(r["system"] for r in rows) if s.startswith("tachtu")]
    for label in checkouts:
        for what, top, bottom, unit in pairs:
            if (top, label) in by and by.get((bottom, label), {}).get(f"{unit}_per_s"):
                out.append(f"{label}: {what} = {ratio((top, label), (bottom, label), unit)}")
    news = SHAPE_TITLES["news"]
    for r in rows:
        if r["input"] == news and not r["system"].startswith("tachtu") and r["bytes_per_s"] and (news, "tachtu") in by:
            out.append(f"tachtu / {r['system']}, news lines = {ratio((news, 'tachtu'), (news, r['system']))}")
    for r in rows:
        if r["system"].startswith("tachtu @") and r["bytes_per_s"] and (r["input"], "tachtu") in by:
            out.append(f"tachtu / baseline, {r['input']} = {ratio((r['input'], 'tachtu'), (r['input'], r['system']))}")
    return out


# -- command line ----------------------------------------------------------------------
def machine_line() -> str:
    info = machine_info()
    return (
        f"Machine: {info['cpu']}, {info['cores']} cores, Python {info['python']} ({info['platform']}); "
        f"tachtu scorer: {info['tachtu_scorer']}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--data-root", type=Path, default=DEFAULT_DATA_ROOT, help=f"folder holding data/ (default: {DEFAULT_DATA_ROOT})"
    )
    parser.add_argument(
        "--source", type=Path, default=None, help=f"text file to segment (default: DATA_ROOT/{NEWS_REL})"
    )
    parser.add_argument(
        "--bytes", type=int, default=None,
        help=f"bytes of the source to use (default: {DEFAULT_BYTES:,}; with --shapes {SHAPE_BYTES:,})",
    )
    parser.add_argument(
        "--systems",
        default=None,
        help=f"comma-separated among {', '.join(SYSTEMS)} (default: tachtu,pyvi,underthesea; with --shapes also "
        f"{REFERENCE}; missing ones skipped)",
    )
    parser.add_argument(
        "--repeat", type=int, default=None,
        help=f"timed passes per system; median reported (default: 3; with --shapes {SHAPE_REPEAT})",
    )
    parser.add_argument("--model", type=Path, default=None, help="tachtu model file (default: the bundled one)")
    parser.add_argument("--linear", action="store_true", help="tachtu on one line of 1 MB vs 10 MB")
    parser.add_argument("--cli", action="store_true", help="`tachtu segment --jobs 1` vs `--jobs 2` on the whole file")
    parser.add_argument(
        "--shapes", action="store_true",
        help="every shape of input: news, short and NFD lines, 1 and 2 threads, one huge line, the CLI",
    )
    parser.add_argument(
        "--peer-bytes", type=int, default=PEER_BYTES,
        help=f"with --shapes: bytes of each input pyvi and underthesea get (default: {PEER_BYTES:,})",
    )
    parser.add_argument(
        "--huge-bytes", type=int, default=HUGE_BYTES,
        help=f"with --shapes: size of the one huge line, 0 to leave it out (default: {HUGE_BYTES:,})",
    )
    parser.add_argument("--no-cli", action="store_true", help="with --shapes: leave the CLI out")
    parser.add_argument(
        "--baseline", type=Path, default=None, metavar="SRC_DIR",
        help="with --shapes: also time the tachtu of another checkout's src folder, interleaved, with ratios",
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the results as JSON to this file")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--single-line", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--nfc", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.source is None:
        args.source = args.data_root / NEWS_REL
    shapes = args.shapes or args.worker
    if args.bytes is None:
        args.bytes = SHAPE_BYTES if shapes else DEFAULT_BYTES
    if args.repeat is None:
        args.repeat = SHAPE_REPEAT if shapes else 3
    if args.systems is None:
        args.systems = "tachtu,pyvi,underthesea" + (f",{REFERENCE}" if shapes else "")
    if args.worker:
        return worker_main(args)
    if args.child:
        return child_main(args)
    if not args.source.is_file():
        print(f"{args.source} not found; pass --source or --data-root", file=sys.stderr)
        return 2

    print(machine_line() + "\n")
    payload: dict[str, Any] = {"machine": machine_info(), "source": str(args.source)}
    notes: list[str] = []
    if args.shapes:
        systems = [s.strip() for s in args.systems.split(",") if s.strip()]
        for s in systems:
            if s not in (*SYSTEMS, REFERENCE):
                parser.error(f"unknown system {s!r} (expected one of {', '.join((*SYSTEMS, REFERENCE))})")
        rows, notes = bench_shapes(
            args.source, systems, args.bytes, args.peer_bytes, args.repeat, args.model, args.baseline,
            args.huge_bytes, not args.no_cli,
        )
        print(
            f"Every shape of input: the first {args.bytes:,} bytes of {args.source.name} in-process (pyvi and "
            f"underthesea: the first {args.peer_bytes:,}), medians of {args.repeat} interleaved passes, wall clock; "
            "one huge line and the CLI in fresh processes, one run each (CLI: start-up included):\n"
        )
        print(shapes_table(rows))
        payload["shapes"] = rows
    elif args.linear:
        results, notes = bench_linear(args.source, args.model)
        print("tachtu on one single line:\n")
        print(linear_table(results))
        payload["linear"] = results
    elif args.cli:
        results, notes = bench_cli(args.source, (1, 2), args.model)
        if results:
            mb = args.source.stat().st_size / 1e6
            print(f"CLI on the whole {args.source.name} ({mb:.1f} MB), wall time including start-up:\n")
            print(cli_table(results))
        payload["cli"] = results
    else:
        systems = [s.strip() for s in args.systems.split(",") if s.strip()]
        for s in systems:
            if s not in SYSTEMS:
                parser.error(f"unknown system {s!r} (expected one of {', '.join(SYSTEMS)})")
        results, notes = bench_systems(systems, args.source, args.bytes, args.repeat, args.model)
        if results:
            r0 = results[0]
            print(
                f"{r0['lines']:,} lines, {r0['syllables']:,} syllables (first {args.bytes:,} bytes of "
                f"{args.source.name}); median of {args.repeat} pass(es), min–max in brackets:\n"
            )
        print(systems_table(results))
        payload["systems"] = results
    for note in notes:
        print(f"\nNote: {note}")
    payload["notes"] = notes
    if args.json:
        args.json.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
