"""Fuzz the public API against the promises of docs/guarantees.md.

Generates random and structured strings, runs ``Segmenter.segment`` and
``Segmenter.tokenize`` on each, and checks: no exception; lossless (output
minus whitespace and ``_`` = input minus whitespace and ``_``); lines in =
lines out; tokens in order, non-overlapping, ``text[start:end] == token.text``,
covering every non-whitespace character, with no whitespace at their ends;
pieces with a literal ``_`` never joined; no token starting inside a grapheme
cluster or spanning a line/paragraph separator; ``segment`` = rendering of
``tokenize``; deterministic; idempotent (``segment(segment(x)) == segment(x)``,
default profile); and no input slower than ``--slow-us`` µs per character (a
hint of super-linear time).  Each failure is shrunk greedily and grouped by
the invariant it breaks.

Besides random, structured and mutated text, crafted families aim at known
weak spots: long runs of combining marks and stray marks after punctuation
(``marks``), Indic clusters, keycaps, tag flags and ZWJ sequences
(``clusters``), e-mails with ``_``, upper-case URLs, bare domains, document
numbers, emoticons and lower-case titles (``pretokens``), line and paragraph
separators (``separators``), and segmenter output fed back in (``resegment``).

    python benchmarks/fuzz.py --seconds 600            # ten minutes
    python benchmarks/fuzz.py --cases 20000 --seed 7   # a fixed amount, reproducible
    python benchmarks/fuzz.py --profile vncorenlp      # the RDRsegmenter profile

Exit code 1 if anything was found.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
import traceback
import unicodedata
from collections import defaultdict
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))  # run from a checkout without installing

import tachtu  # noqa: E402

_SPACE_OR_UNDERSCORE = re.compile(r"[\s_]+")
HARD_BREAKS = "\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"  # tachtu.pretokenize.HARD_BREAKS
EXTENDERS = re.compile(r"[\u0300-\u036f\u0900-\u0903\u093a-\u094f\u200c\u200d\ufe00-\ufe0f\u20d0-\u20ff\U000e0020-\U000e007f]")


class Finding(Exception):
    """An invariant does not hold; ``kind`` names it."""

    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind


def squash(text: str) -> str:
    return _SPACE_OR_UNDERSCORE.sub("", text)


def check(seg: tachtu.Segmenter, text: str) -> None:
    """Raise ``Finding`` for the first broken invariant on ``text``.

    The vncorenlp profile reproduces RDRsegmenter (which normalises tones, keeps
    odd spaces as tokens, joins across "_" ...), so it is held to the promises it
    makes: no exception, lines in = lines out, exact non-overlapping offsets, the
    rendering of its tokens, determinism."""
    default = seg.profile == "default"
    try:
        out = seg.segment(text)
        tokens = seg.tokenize(text)
    except Exception as exc:  # noqa: BLE001 - any exception is a finding
        raise Finding(f"raises {type(exc).__name__}", "".join(traceback.format_exception_only(exc)).strip()) from None
    if default and squash(out) != squash(text):
        raise Finding("not lossless", repr(out))
    if out.count("\n") != text.count("\n"):
        raise Finding("lines in != lines out")
    covered = bytearray(len(text))
    previous_end = 0
    for t in tokens:
        if not (previous_end <= t.start < t.end <= len(text)):
            raise Finding("tokens out of order or overlapping", repr(t))
        if text[t.start : t.end] != t.text:
            raise Finding("token offsets wrong", repr(t))
        if "\n" in t.text:
            raise Finding("token spans a line break", repr(t))
        if default and (t.text[0].isspace() or t.text[-1].isspace()):
            raise Finding("whitespace at a token end", repr(t))
        if default and t.form != re.sub(r"\s+", "_", t.text):
            raise Finding("form is not text with inner spaces as _", repr(t))
        if default and "_" in t.text and any(ch.isspace() for ch in t.text):
            raise Finding("piece with literal _ joined", repr(t))
        if default and any(ch in HARD_BREAKS for ch in t.text):
            raise Finding("token spans a line or paragraph separator", repr(t))
        if default and t.start and not text[t.start - 1].isspace() and EXTENDERS.match(t.text):
            raise Finding("token starts inside a grapheme cluster", repr(t))
        covered[t.start : t.end] = b"\x01" * (t.end - t.start)
        previous_end = t.end
    if any(not ch.isspace() and not covered[i] for i, ch in enumerate(text)):
        raise Finding("character not covered by a token")
    rendered = []
    start = 0
    for line in text.split("\n"):
        end = start + len(line)
        parts: list[str] = []
        for t in (t for t in tokens if start <= t.start <= end):
            if parts:  # one space, or the separators between the two words
                gap = "".join(ch for ch in text[previous_end : t.start] if ch in HARD_BREAKS) if default else ""
                parts.append(gap or " ")
            parts.append(t.form)
            previous_end = t.end
        rendered.append("".join(parts))
        start = end + 1
    if "\n".join(rendered) != out:
        raise Finding("segment() is not the rendering of tokenize()")
    if seg.segment(text) != out:
        raise Finding("not deterministic")
    if default and seg.segment(out) != out:
        raise Finding("not idempotent", repr(seg.segment(out)))


# -- generators ---------------------------------------------------------------------------------------
VIETNAMESE = [
    "Hôm nay trời đẹp quá, sinh viên Trường Đại học Bách khoa Hà Nội đi thư viện lúc 7 giờ 30.",
    "Giá vàng tăng 33.000 đồng/lượng tại TP. HCM ngày 21/3/2024 (theo https://vidu.vn/gia_vang).",
    "Ông Nguyễn Văn An, PGS.TS, nói: “Chúng tôi sẽ hoàn thành 100% kế hoạch…”",
    "Liên hệ ai@vidu.vn hoặc 0912.345.678; #tintuc @phóng_viên F-16 U23 COVID-19 v.v.",
    "THỦY LỢI hòa bình hoà giải Khánh Hòa ủy ban uỷ nhiệm quý khách",
]
FRAGMENTS = [
    "Hôm", "nay", "trời", "đẹp", "Nguyễn", "Văn", "Hà", "Nội", "thủy", "hoà", "ĐẠI", "HỌC", "nghiêng", "TP.", "v.v.",
    "👨‍👩‍👧‍👦", "👍🏽", "🇻🇳", "❤️", "\u200d", "\u200b", "\u200c", "\ufeff", "\u2060", "\x00", "\x07", "\x1b[31m",
    "\u0301", "\u0323", "\u0302", "\u031b", "\u20e3", "漢字", "Привет", "สวัสดี", "مرحبا", "\u202e", "<b>", "&amp;",
    "&#x1F600;", "https://a.vn/x_y?z=1", "www.x.vn", "a@b.vn", "33.000", "1,5", "21/3/2024", "10:30", "-5", "F-16",
    "_", "__", "a_b", "Hà_Nội", "_x", "x_", "#tag", "@user", "%", "(", ")", "“", "”", "'", "’", "-", "—", "...", "…",
    "\ud7ff", "\U0010ffff", "\ufffd", "ǅ", "ﬁ", "²", "٣", "𝔘",
]
SEPARATORS = ["", " ", " ", " ", "  ", "\t", "\n", "\r\n", "\u00a0", "\u3000", "\u2028", "\x85", "_"]
# Code point ranges worth hitting more often than their share of Unicode.
RANGES = [
    (0x00, 0x7F), (0x80, 0x24F), (0x300, 0x36F), (0x1E00, 0x1EFF), (0x2000, 0x206F), (0x3000, 0x303F),
    (0x0400, 0x04FF), (0x0E00, 0x0E7F), (0x4E00, 0x4FFF), (0xFE00, 0xFE0F), (0x1F300, 0x1FAFF), (0x0, 0x10FFFF),
]


def random_char(rng: random.Random) -> str:
    while True:
        lo, hi = rng.choice(RANGES)
        cp = rng.randint(lo, hi)
        if not 0xD800 <= cp <= 0xDFFF:  # no lone surrogates: not valid text
            return chr(cp)


def gen_random(rng: random.Random) -> str:
    return "".join(random_char(rng) for _ in range(rng.randint(0, 80)))


def gen_structured(rng: random.Random) -> str:
    return "".join(rng.choice(FRAGMENTS) + rng.choice(SEPARATORS) for _ in range(rng.randint(0, 30)))


def gen_mutated(rng: random.Random) -> str:
    text = rng.choice(VIETNAMESE)
    form = rng.choice(["NFC", "NFD", "NFKC", "mixed"])
    if form == "mixed":
        text = "".join(unicodedata.normalize(rng.choice(["NFC", "NFD"]), w) + " " for w in text.split(" "))
    else:
        text = unicodedata.normalize(form, text)
    chars = list(text)
    for _ in range(rng.randint(0, 6)):
        op = rng.random()
        pos = rng.randint(0, len(chars))
        if op < 0.4:
            chars.insert(pos, rng.choice([random_char(rng), rng.choice(FRAGMENTS), rng.choice(SEPARATORS)]))
        elif op < 0.7 and chars:
            del chars[min(pos, len(chars) - 1)]
        elif chars:
            i = min(pos, len(chars) - 1)
            chars[i] = chars[i].upper() if rng.random() < 0.5 else chars[i].lower()
    return "".join(chars)


def gen_run(rng: random.Random) -> str:
    """A unit repeated many times: where super-linear behaviour shows."""
    unit = rng.choice([rng.choice(FRAGMENTS), random_char(rng), gen_structured(rng)[:12] or "a"])
    return unit * rng.randint(50, 3000 // max(1, len(unit)))


MARKS = ["\u0301", "\u0300", "\u0323", "\u0302", "\u0303", "\u0309", "\u031b", "\u0344", "\u20e3", "\u0f73"]


def gen_marks(rng: random.Random) -> str:
    """A letter with a long run of marks out of canonical order, or marks strewn after punctuation."""
    if rng.random() < 0.3:
        pair = rng.choice(["\u0323\u0301", "\u0301\u0323", "\u031b\u0300\u0323"])
        return rng.choice(["a", "Hà ", "ư", "."]) + pair * rng.randint(100, 5000) + rng.choice(["", " Nội", "."])
    parts = [rng.choice([".", ",", "a", "ế", "(", "1", " ", "Việt", "_"] + MARKS) for _ in range(rng.randint(1, 14))]
    return "".join(parts)


CLUSTERS = ["हिन्दी", "क़", "नमस्ते", "สวัสดี", "1️⃣", "#️⃣", "*⃣", "\U0001F3F4\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F",
            "👨‍👩‍👧‍👦", "👍🏽", "❤️", "🇻🇳", "a\u200db", "e\ufe0f", "\u200d", "\ufe0f", "\U000E0067", "\u0301"]


def gen_clusters(rng: random.Random) -> str:
    return "".join(rng.choice(CLUSTERS + ["Hà", "Nội", ".", ",", "1"]) + rng.choice(["", " ", " "])
                   for _ in range(rng.randint(1, 12)))


PRETOKENS = ["john_doe@gmail.com", "HTTPS://VNEXPRESS.NET/the-gioi/a.html", "youtu.be/abc", "bit.ly/x", "t.me/kenh",
             "VNEXPRESS.NET", "100/2019/NĐ-CP", "01/2021/TT-BTC", "59/2020/QH14", "123/QĐ-UBND", ":))", ":(", "=))",
             ":D", "^^", "^_^", "tp.hcm", "pgs.ts", "gs.ts.bs", "T.Ư", "N.ẨN", "nguyễn_10:30", "1,5triệu", "K.CH",
             "Pharm.Co.Ltd", "Ghi chú:(1)", "(foo_bar),", "50. 000đ"]


def gen_pretokens(rng: random.Random) -> str:
    words = PRETOKENS + rng.choice(VIETNAMESE).split()
    return "".join(rng.choice(words) + rng.choice(["", " ", " ", " ", "_", ",", ".", ")"]) for _ in range(rng.randint(1, 16)))


def gen_separators(rng: random.Random) -> str:
    words = rng.choice(VIETNAMESE).split()
    return "".join(w + rng.choice([" ", " ", " ", "", *HARD_BREAKS, " \u2029 "]) for w in words)


def gen_resegment(rng: random.Random) -> str:
    """Segmenter output of (mutated) Vietnamese, to be segmented again."""
    return _RESEGMENT_SEG.segment(rng.choice([gen_mutated, gen_pretokens, gen_separators])(rng))


_RESEGMENT_SEG = tachtu.Segmenter()

GENERATORS: dict[str, Callable[[random.Random], str]] = {
    "random": gen_random,
    "structured": gen_structured,
    "mutated": gen_mutated,
    "run": gen_run,
    "marks": gen_marks,
    "clusters": gen_clusters,
    "pretokens": gen_pretokens,
    "separators": gen_separators,
    "resegment": gen_resegment,
}
WEIGHTS = {"random": 4, "structured": 4, "mutated": 3, "run": 1, "marks": 1, "clusters": 1, "pretokens": 2,
           "separators": 1, "resegment": 2}

def kind_of(seg: tachtu.Segmenter, text: str) -> str | None:
    try:
        check(seg, text)
    except Finding as finding:
        return finding.kind
    return None


def shrink(seg: tachtu.Segmenter, text: str, kind: str, budget: int = 400) -> str:
    """Greedy delta-debugging: drop chunks, then single characters, while ``kind`` persists."""
    size = max(1, len(text) // 2)
    while size >= 1 and budget > 0:
        i = 0
        while i < len(text) and budget > 0:
            candidate = text[:i] + text[i + size :]
            budget -= 1
            if candidate != text and kind_of(seg, candidate) == kind:
                text = candidate
            else:
                i += size
        size //= 2
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="stop after this much wall time (default: 60)")
    parser.add_argument("--cases", type=int, default=0, help="stop after this many cases (default: no limit)")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: time-based, printed)")
    parser.add_argument("--slow-us", type=float, default=2000.0,
                        help="flag inputs of 1000+ chars costing more than this many µs per char (default: 2000)")
    parser.add_argument("--examples", type=int, default=3, help="shrunk examples printed per finding (default: 3)")
    parser.add_argument("--profile", choices=["default", "vncorenlp"], default="default", help="profile to fuzz")
    args = parser.parse_args(argv)

    seed = args.seed if args.seed is not None else int(time.time())
    rng = random.Random(seed)
    seg = tachtu.Segmenter(profile=args.profile)
    names = list(GENERATORS)
    weights = [WEIGHTS[n] for n in names]
    counts: dict[str, int] = defaultdict(int)
    findings: dict[str, list[str]] = defaultdict(list)
    finding_counts: dict[str, int] = defaultdict(int)
    start = time.monotonic()
    last_report = start
    cases = 0
    while True:
        if args.cases and cases >= args.cases:
            break
        if not args.cases and time.monotonic() - start >= args.seconds:
            break
        name = rng.choices(names, weights)[0]
        text = GENERATORS[name](rng)
        cases += 1
        counts[name] += 1
        t0 = time.perf_counter()
        kind = kind_of(seg, text)
        elapsed = time.perf_counter() - t0
        if kind is None and len(text) >= 1000 and elapsed / len(text) * 1e6 > args.slow_us:
            kind = "slow"
            findings[kind].append(f"{len(text)} chars, {elapsed * 1e6 / len(text):.0f} µs/char: {text[:40]!r}…")
            finding_counts[kind] += 1
        elif kind is not None:
            finding_counts[kind] += 1
            if len(findings[kind]) < args.examples:
                findings[kind].append(repr(shrink(seg, text, kind)))
        if time.monotonic() - last_report > 60:
            last_report = time.monotonic()
            print(f"… {cases} cases, {sum(finding_counts.values())} findings", file=sys.stderr, flush=True)

    wall = time.monotonic() - start
    print(f"seed {seed}: {cases} cases in {wall:.0f}s ({', '.join(f'{n} {counts[n]}' for n in names)})"
          )
    if not finding_counts:
        print("no findings")
        return 0
    for kind, count in sorted(finding_counts.items(), key=lambda kv: -kv[1]):
        print(f"FINDING {kind}: {count} case(s)")
        for example in findings[kind][: args.examples]:
            print(f"    {example}")
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
