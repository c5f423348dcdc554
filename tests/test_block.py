"""The block path (``segment_block``, ``Segmenter.pipe``, the CLI's chunks) gives
exactly what segmenting line by line gives."""

from __future__ import annotations

import io
import random
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from tachtu import batch
from tachtu.api import Segmenter
from tachtu.batch import LineProcessor, SegmentOptions
from tachtu.errors import InputError
from tachtu.settings import Settings
from tachtu.textio import iter_chunk_lines, read_chunks

NEWS = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "bench" / "news_raw.txt"

WORDS = ("Nhà Trắng cho biết kế hoạch tấn công của quân đội Việt Nam hòa hoà TP.HCM 50.000đ 1 . 000 "
         "học_máy a_b , . ( ) … – “ ” 😀 v.v... ĐH QG PGS.TS www.chinhphu.vn 21/3/2024 10:30").split()
ODD = ["", " ", "\t", "\r", "\u2028", "\u2029", "\x85", "\x0c", "\u3000", "\u00a0", "Vie\u0323\u0302t Nam",
       unicodedata.normalize("NFD", "Hòa bình Thủy"), "a\rb", "x . y", "1 . 000 . 000", "\ufeffBOM", "N. Thường"]


def mixed_lines(count: int, seed: int = 0) -> list[str]:
    """Short and long lines of words, odd spaces, NFD, ``_`` and spaced numbers."""
    rng = random.Random(seed)
    lines = []
    for _ in range(count):
        if rng.random() < 0.2:
            lines.append(rng.choice(ODD))
            continue
        parts = [rng.choice(WORDS) for _ in range(rng.choice([1, 3, 5, 40]))]
        line = "".join(p + rng.choice([" ", " ", " ", "", "  ", "\u2028", "\t"]) for p in parts)
        if rng.random() < 0.1:
            line = unicodedata.normalize("NFD", line)
        lines.append(line)
    return lines


def line_by_line(seg: Segmenter, text: str) -> str:
    return "\n".join(seg.segment_line(line) for line in text.split("\n"))


@pytest.fixture(scope="module")
def seg() -> Segmenter:
    return Segmenter()


@pytest.fixture(scope="module")
def seg_dict() -> Segmenter:
    return Segmenter(user_dict=["kế hoạch tấn công", "-Nhà Trắng", "quân đội việt nam"])


def test_block_equals_lines(seg: Segmenter, seg_dict: Segmenter) -> None:
    lines = mixed_lines(3000)
    for s in (seg, seg_dict):
        for text in ("\n".join(lines), "\n".join(lines[:50]) + "\n", "\n\n", "", "\n".join(ODD)):
            assert s.segment(text) == line_by_line(s, text)


@pytest.mark.parametrize("mode", ["nfc", "tone-new"])
def test_block_equals_lines_when_normalizing(mode: str) -> None:
    s = Segmenter(normalize=mode)  # type: ignore[arg-type]
    text = "\n".join(mixed_lines(400, seed=1))
    assert s.segment(text) == line_by_line(s, text)


def test_block_on_the_python_backend(seg: Segmenter) -> None:
    s = Segmenter(compiled=False)
    text = "\n".join(mixed_lines(60, seed=2))
    assert s.segment(text) == line_by_line(s, text) == seg.segment(text)


def test_block_takes_plain_lines_in_one_call(seg: Segmenter) -> None:
    """Only lines with ``_`` or `` . `` (and lines the C path hands back) reach the
    per-line fallback: the rest are segmented inside the one call."""
    backend: Any = seg._backend
    if backend.name != "compiled":
        pytest.skip("compiled core not built")
    calls: list[str] = []

    def fallback(line: str) -> str:
        calls.append(line)
        return str(backend.segment_line(line))

    lines = ["Nhà Trắng cho biết", "học_máy", "", "kế hoạch 1 . 000 đồng", "Vie\u0323\u0302t Nam", "a\u2028b"] * 50
    text = "\n".join(lines)
    assert backend._line.segment_block(text, fallback) == line_by_line(seg, text)
    assert sorted(set(calls)) == ["học_máy", "kế hoạch 1 . 000 đồng"] and len(calls) == 100


def test_short_lines_scored_in_batches_equal_lines(seg: Segmenter) -> None:
    """An NFC block's short lines are scored many at a time (``_line.Batch``): lines
    with and without diacritics (two namespaces), Title Case lines (folded each on
    its own), empty lines, fallback lines between them, lines just under and over
    the batch's line limit, and more lines than one batch holds."""
    backend: Any = seg._backend
    if backend.name != "compiled":
        pytest.skip("compiled core not built")
    rng = random.Random(4)
    nfc = [w for w in WORDS if unicodedata.is_normalized("NFC", w)]
    plain = ["toi", "song", "o", "ha", "noi", "Viet", "Nam", "ke", "hoach", "tan", "cong", "2024", ","]
    title = ["Nhà", "Trắng", "Cho", "Biết", "Kế", "Hoạch", "Tấn", "Công"]
    lines = []
    for _ in range(1500):
        vocabulary = rng.choice([nfc, plain, title])
        lines.append(" ".join(rng.choice(vocabulary) for _ in range(rng.choice([0, 1, 2, 3, 5, 8]))))
    long_word = "kế hoạch " * 40
    lines[100] = long_word[:255]
    lines[101] = long_word[:257]
    lines[102] = "học_máy và x . y"
    text = "\n".join(lines)
    before = backend._line.lines_batched
    assert backend._line.segment_block(text, backend.segment_line) == line_by_line(seg, text)
    batchable = [line for line in lines if "_" not in line and " . " not in line and len(line) <= 256]
    assert backend._line.lines_batched - before == len(batchable) > 1000


def test_lines_not_nfc_leave_the_others_batched(seg: Segmenter) -> None:
    """Each line of a block is checked for NFC on its own: a few decomposed lines
    (or lines NFC's quick check cannot vouch for) go the line path, in place, and
    the NFC lines around them are still scored in batches."""
    backend: Any = seg._backend
    if backend.name != "compiled":
        pytest.skip("compiled core not built")
    lines = ["Nhà Trắng cho biết", "kế hoạch tấn công", "Hòa bình", "2024 , 😀"] * 100
    lines[7] = unicodedata.normalize("NFD", "Hòa bình Thủy")
    lines[200] = "Vie\u0323\u0302t Nam"
    lines[300] = "e\u0301 và \u0915\u093f"   # a decomposed letter; NFC Devanagari with a mark
    text = "\n".join(lines)
    assert not unicodedata.is_normalized("NFC", text)
    before = backend._line.lines_batched
    assert backend._line.segment_block(text, backend.segment_line) == line_by_line(seg, text)
    assert backend._line.lines_batched - before == len(lines) - 3


def test_pipe_batches_keep_one_result_per_text(seg: Segmenter) -> None:
    texts = mixed_lines(700, seed=3)
    texts[5] = "hai\ndòng"
    texts[300] = "\n"
    texts[301] = "ba\n\ndòng\n"
    expected = [line_by_line(seg, t) for t in texts]
    for size in (1, 7, 256, 10_000):
        assert list(seg.pipe(texts, batch_size=size)) == expected
    assert list(seg.pipe([])) == []
    with pytest.raises(Exception, match="batch_size"):
        list(seg.pipe(["x"], batch_size=0))


@pytest.mark.parametrize(
    "data",
    [
        b"\xef\xbb\xbfNh\xc3\xa0 Tr\xe1\xba\xafng\r\ncho bi\xe1\xba\xbft\r\n",
        b"a\rb\r\n\r\nc\r",
        b"line\n\n\nlast without newline",
        b"\xe2\x80\xa8x\xe2\x80\xa9y\x0cz\x85\n",
        b"\r",
        b"\xef\xbb\xbf",
        b"ok\nbad \xff byte\nok\n",
    ],
)
@pytest.mark.parametrize("errors", ["strict", "replace"])
def test_chunks_equal_lines(data: bytes, errors: str) -> None:
    """A chunk segmented as one block gives the bytes of its lines one by one."""
    processor = LineProcessor(SegmentOptions(Settings()))
    for size in (1, 5, 1 << 20):
        for chunk in read_chunks(io.BytesIO(data), size):
            try:
                expected = processor.lines(iter_chunk_lines(chunk, path="x", errors=errors), "x").data  # type: ignore[arg-type]
            except InputError as exc:  # the same error, naming the same line and byte
                with pytest.raises(InputError) as raised:
                    processor.chunk(chunk, "x", errors)  # type: ignore[arg-type]
                assert str(raised.value) == str(exc)
                continue
            assert processor.chunk(chunk, "x", errors).data == expected  # type: ignore[arg-type]


def test_cli_segments_a_file_in_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``--jobs 1`` on a file goes through ``LineProcessor.chunk``, a chunk at a time."""
    src = tmp_path / "in.txt"
    lines = mixed_lines(500, seed=4)
    src.write_text("\r\n".join(lines) + "\n", encoding="utf-8")
    calls: list[int] = []
    original = LineProcessor.chunk

    def counting(self: LineProcessor, chunk: Any, path: str, errors: Any) -> Any:
        calls.append(len(chunk.data))
        return original(self, chunk, path, errors)

    monkeypatch.setattr(LineProcessor, "chunk", counting)
    out = tmp_path / "out.txt"
    batch.segment_paths([str(src)], str(out), SegmentOptions(Settings()), jobs=1, chunk_size=4096)
    size = src.stat().st_size
    assert sum(calls) == size and 1 < len(calls) <= -(-size // 4096)
    seg = Segmenter()
    assert out.read_bytes().decode("utf-8") == "".join(seg.segment_line(line) + "\n" for line in lines)


def test_news_block_equals_lines(seg: Segmenter) -> None:
    if not NEWS.exists():
        pytest.skip("news text not present")
    with NEWS.open(encoding="utf-8") as handle:
        text = "".join(next(handle) for _ in range(300))
    assert seg.segment(text) == line_by_line(seg, text)


@pytest.mark.parametrize("user_dict", [None, ["kế hoạch tấn công", "-Nhà Trắng", "hòa bình"]])
def test_two_threads_share_one_segmenter(user_dict: list[str] | None) -> None:
    """Two threads on one Segmenter (blocks and single lines, each thread its own
    pooled scratch) give exactly the single-threaded output; scratches are kept
    across calls, not made per line."""
    import threading

    seg = Segmenter(user_dict=user_dict)
    lines = mixed_lines(3000, seed=5) + [unicodedata.normalize("NFD", line) for line in mixed_lines(300, seed=6)]
    batches = [lines[i : i + 97] for i in range(0, len(lines), 97)]
    expected = [[line_by_line(seg, line) for line in batch] for batch in batches]
    results: dict[int, list[list[str]]] = {}
    start = threading.Barrier(2)

    def work(k: int) -> None:
        start.wait()
        order = batches if k == 0 else batches[::-1]
        got = [list(seg.pipe(batch, batch_size=50)) if i % 2 else [seg.segment_line(x) for x in batch]
               for i, batch in enumerate(order)]
        results[k] = got if k == 0 else got[::-1]

    threads = [threading.Thread(target=work, args=(k,)) for k in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results[0] == expected and results[1] == expected
    backend: Any = seg._backend
    if backend.name == "compiled":  # per thread: a block's, and one for a line its fallback hands back
        assert 1 <= backend._line.scratches <= 4


# -- long lines in windows ----------------------------------------------------------------
def long_lines() -> list[str]:
    """Lines of many chunks: mixed text, NFD, hard breaks, all Title Case (folded),
    without any diacritic (plain), and a Title Case line with one lower-case word."""
    rng = random.Random(11)
    pool = [line for line in mixed_lines(3000, seed=12) if "_" not in line and " . " not in line]  # C path lines
    lines = [" ".join(rng.sample(pool, rng.randint(20, 160))) for _ in range(120)]
    title = " ".join(w.title() for w in "nhà trắng cho biết kế hoạch tấn công của quân đội việt nam".split() * 15)
    lines += [title, title + " và", unicodedata.normalize("NFD", title), "Hoa Binh Cho " * 60,
              "hoa binh cho " * 70 + "hòa", "hoa binh cho " * 70, "x\u2028 y \u3000z " * 90, " lead " * 80 + "  "]
    if NEWS.exists():
        with NEWS.open(encoding="utf-8") as handle:
            lines.append(" ".join(next(handle).rstrip("\n") for _ in range(200)))
    for line in lines[:40]:  # without diacritics but for its last word: scored as not plain
        lines.append(strip_diacritics(line) + " Việt")
    return lines


def strip_diacritics(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text).replace("đ", "d").replace("Đ", "D")
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


def test_long_lines_in_windows_equal_whole_lines() -> None:
    """A long line decided in windows (here: 20 chunks each) gives the output of
    the whole line at once: context margins, the line's plain flag and its
    Title-Case fold imposed on every window, words joined across window edges."""
    seg = Segmenter()
    backend: Any = seg._backend
    if backend.name != "compiled":
        pytest.skip("compiled core not built")
    line_path = backend._line
    lines = long_lines()
    whole = [seg.segment_line(line) for line in lines]   # the default threshold: each line whole
    assert line_path.windows_done == 0
    line_path.window_chars, line_path.window_chunks = 100, 20
    assert [seg.segment_line(line) for line in lines] == whole
    assert line_path.windows_done > 10 * len(lines)
    text = "\n".join(lines + ["ngắn thôi", "", "học_máy " * 40])
    assert seg.segment(text) == "\n".join(whole + [seg.segment_line("ngắn thôi"), "", seg.segment_line("học_máy " * 40)])


def test_long_lines_with_a_user_dictionary_stay_whole() -> None:
    """The user dictionary's longest-match scan runs across the line: such lines
    are not windowed, and give the same output."""
    seg = Segmenter(user_dict=["kế hoạch tấn công", "-Nhà Trắng"])
    backend: Any = seg._backend
    if backend.name != "compiled":
        pytest.skip("compiled core not built")
    lines = long_lines()[:20]
    expected = [seg.segment_line(line) for line in lines]
    backend._line.window_chars = 100
    assert [seg.segment_line(line) for line in lines] == expected
    assert backend._line.windows_done == 0


def test_memory_of_a_long_line_follows_the_window(tmp_path: Path) -> None:
    """A 4M-character line (windowed) costs a few bytes per character beyond the
    input and output strings themselves, not the scratch's ~45.  Peak RSS of a
    fresh process."""
    import subprocess
    import sys

    script = tmp_path / "rss.py"
    script.write_text(
        "import resource, tachtu\n"
        "seg = tachtu.Segmenter(); seg.segment('khởi động')\n"
        "unit = 'Hôm nay trời đẹp quá, sinh viên Trường Đại học Bách khoa Hà Nội đi thư viện lúc 7 giờ 30. '\n"
        "line = unit * 45000\n"
        "base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "out = seg.segment(line)\n"
        "print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) * 1024 / len(line))\n",
        encoding="utf-8",
    )
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=True)
    per_char = float(result.stdout)
    assert per_char < 12, f"{per_char:.1f} bytes per character"


def test_big_blocks_go_in_parts_of_whole_lines(seg: Segmenter, monkeypatch: pytest.MonkeyPatch) -> None:
    """``CompiledBackend.segment_block`` cuts a big text at newlines into calls of
    about ``BLOCK_CHARS`` characters; the result is the same."""
    if seg.backend != "compiled":
        pytest.skip("compiled core not built")
    from tachtu.model import compiled

    text = "\n".join(mixed_lines(800, seed=13)) + "\n"
    expected = line_by_line(seg, text)
    calls: list[int] = []
    original = seg._backend._line.segment_block  # type: ignore[attr-defined]

    class Counting:
        def __getattr__(self, name: str) -> Any:
            return getattr(original.__self__, name)

        def segment_block(self, block: str, fallback: Any) -> str:
            calls.append(len(block))
            return str(original(block, fallback))

    monkeypatch.setattr(seg._backend, "_line", Counting())
    monkeypatch.setattr(compiled, "BLOCK_CHARS", 500)
    assert seg.segment(text) == expected
    assert len(calls) > len(text) // 2000 and sum(calls) == len(text) - len(calls) + 1
