"""The ``tachtu`` command line: in-process through ``main`` and, for a few cases, as a subprocess."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import tachtu
from tachtu import batch, cli
from tachtu.settings import Settings
from tachtu.textio import iter_lines, read_chunks

SRC = str(Path(tachtu.__file__).resolve().parent.parent)

# Our own sentences (written for these tests; no corpus data).
TEXT_LINES = [
    "Hôm nay trời đẹp quá.",
    "Chúng tôi đi học ở trường đại học Bách Khoa Hà Nội.",
    "",
    "Giá 33.000đ tại TP. HCM, ngày 21/3/2024 lúc 10:30!",
    "   nhiều   khoảng   trắng   ",
    "Email: ai@vidu.vn và https://vidu.vn/trang?x=1",
    "Tôi thích ăn phở bò 🍜 vào buổi sáng.",
]


def run(argv: list[str], capsysbinary: pytest.CaptureFixture[bytes]) -> tuple[int, bytes, str]:
    code = cli.main(argv)
    captured = capsysbinary.readouterr()
    return code, captured.out, captured.err.decode("utf-8")


def expected_output(lines: list[str], segmenter: tachtu.Segmenter, final_newline: bool = True) -> bytes:
    body = "\n".join(segmenter.segment_line(line) for line in lines)
    return (body + "\n" if final_newline and lines else body).encode("utf-8")


def subprocess_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = SRC + os.pathsep + env.get("PYTHONPATH", "")
    return env


# -- lines in = lines out -------------------------------------------------------------------------
def test_lines_in_lines_out_to_file(tmp_path: Path, segmenter: tachtu.Segmenter, capsysbinary) -> None:
    src = tmp_path / "in.txt"
    src.write_text("\n".join(TEXT_LINES) + "\n", encoding="utf-8")
    out = tmp_path / "out.txt"
    code, stdout, err = run(["segment", str(src), "-o", str(out), "--jobs", "1"], capsysbinary)
    assert code == 0, err
    assert stdout == b""
    data = out.read_bytes()
    assert data == expected_output(TEXT_LINES, segmenter)
    assert data.count(b"\n") == len(TEXT_LINES)
    assert data.split(b"\n")[2] == b""  # the blank line stays blank


def test_stdout_and_crlf_and_bom(tmp_path: Path, segmenter: tachtu.Segmenter, capsysbinary) -> None:
    src = tmp_path / "crlf.txt"
    src.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(TEXT_LINES).encode("utf-8") + b"\r\n")
    code, stdout, err = run(["segment", str(src)], capsysbinary)
    assert code == 0, err
    assert b"\r" not in stdout
    assert b"\xef\xbb\xbf" not in stdout
    assert stdout == expected_output(TEXT_LINES, segmenter)


def test_last_line_without_newline_stays_without(tmp_path: Path, segmenter, capsysbinary) -> None:
    src = tmp_path / "in.txt"
    src.write_text("một\nhai ba", encoding="utf-8")
    code, stdout, _ = run(["segment", str(src)], capsysbinary)
    assert code == 0
    assert stdout == expected_output(["một", "hai ba"], segmenter, final_newline=False)


@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf"])
def test_empty_input_gives_empty_output(tmp_path: Path, content: bytes, capsysbinary) -> None:
    src = tmp_path / "empty.txt"
    src.write_bytes(content)
    out = tmp_path / "out.txt"
    code, _, err = run(["segment", str(src), "-o", str(out)], capsysbinary)
    assert code == 0, err
    assert out.read_bytes() == b""


def test_stdin_to_stdout(monkeypatch, segmenter, capsysbinary) -> None:
    data = ("\n".join(TEXT_LINES) + "\n").encode("utf-8")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))
    code, stdout, err = run(["segment"], capsysbinary)
    assert code == 0, err
    assert stdout == expected_output(TEXT_LINES, segmenter)


def test_several_files_are_concatenated(tmp_path: Path, segmenter, capsysbinary) -> None:
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("Hôm nay\n", encoding="utf-8")
    b.write_text("trời đẹp\n", encoding="utf-8")
    code, stdout, _ = run(["segment", str(a), str(b)], capsysbinary)
    assert code == 0
    assert stdout == expected_output(["Hôm nay", "trời đẹp"], segmenter)


def test_pretokenized_keeps_tokens_and_squeezes_whitespace(tmp_path: Path, capsysbinary) -> None:
    src = tmp_path / "seg.txt"
    src.write_text("  Hôm_nay   trời\tđẹp_quá .  \n\nhòa_bình_ thủy_lợi\n", encoding="utf-8")
    code, stdout, _ = run(["segment", "--pretokenized", str(src)], capsysbinary)
    assert code == 0
    assert stdout.decode() == "Hôm_nay trời đẹp_quá .\n\nhòa_bình_ thủy_lợi\n"
    code, stdout, _ = run(["segment", "--pretokenized", "--normalize", "tone-old", str(src)], capsysbinary)
    assert code == 0
    assert stdout.decode().splitlines()[2] == "hoà_bình_ thuỷ_lợi"


def test_normalize_flag_reaches_segmenter(tmp_path: Path, capsysbinary) -> None:
    src = tmp_path / "in.txt"
    src.write_text("ở Khánh Hòa\n", encoding="utf-8")
    code, stdout, _ = run(["segment", "--normalize", "tone-old", str(src)], capsysbinary)
    assert code == 0
    assert "Hoà" in stdout.decode() and "Hòa" not in stdout.decode()


def test_user_dict_flag(tmp_path: Path, capsysbinary) -> None:
    src = tmp_path / "in.txt"
    src.write_text("trời đẹp quá\n", encoding="utf-8")
    user_dict = tmp_path / "words.txt"
    user_dict.write_text("trời đẹp quá\n", encoding="utf-8")
    code, stdout, err = run(["segment", "--user-dict", str(user_dict), str(src)], capsysbinary)
    assert code == 0, err
    assert stdout == "trời_đẹp_quá\n".encode()
    code, _, err = run(["segment", "--user-dict", str(tmp_path / "missing.txt"), str(src)], capsysbinary)
    assert code == 2 and "missing.txt" in err


# -- errors -----------------------------------------------------------------------------------------
def test_invalid_utf8_names_file_line_and_byte(tmp_path: Path, capsysbinary) -> None:
    src = tmp_path / "bad.txt"
    src.write_bytes(b"mot\nhai\nba \xff bon\n")  # the bad byte is at offset 4 + 4 + 3 = 11
    out = tmp_path / "out.txt"
    code, stdout, err = run(["segment", str(src), "-o", str(out)], capsysbinary)
    assert code == 1
    assert str(src) in err and "line 3" in err and "byte 11" in err
    assert "Traceback" not in err and err.count("\n") == 1
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.txt"]  # no temp file left behind


def test_invalid_utf8_keeps_previous_output(tmp_path: Path, capsysbinary) -> None:
    src = tmp_path / "bad.txt"
    src.write_bytes(b"ok line\n" * 50 + b"\xc3\x28\n")
    out = tmp_path / "out.txt"
    out.write_text("previous\n")
    code, _, err = run(["segment", str(src), "-o", str(out)], capsysbinary)
    assert code == 1 and "line 51" in err and f"byte {8 * 50}" in err
    assert out.read_text() == "previous\n"


def test_errors_replace(tmp_path: Path, capsysbinary) -> None:
    src = tmp_path / "bad.txt"
    src.write_bytes(b"ab \xff cd\nok\n")
    code, stdout, err = run(["segment", "--errors", "replace", str(src)], capsysbinary)
    assert code == 0, err
    lines = stdout.decode("utf-8").split("\n")
    assert "\ufffd" in lines[0] and lines[1] == "ok" and len(lines) == 3


def test_missing_file(tmp_path: Path, capsysbinary) -> None:
    code, stdout, err = run(["segment", str(tmp_path / "nope.txt")], capsysbinary)
    assert code == 1
    assert "nope.txt" in err and "No such file" in err and "Traceback" not in err
    assert stdout == b""


def test_directory_without_outdir_is_refused(tmp_path: Path, capsysbinary) -> None:
    code, _, err = run(["segment", str(tmp_path)], capsysbinary)
    assert code == 2 and "-o OUTDIR" in err


def test_output_that_is_a_directory_is_refused(tmp_path: Path, capsysbinary) -> None:
    src = tmp_path / "a.txt"
    src.write_text("x\n")
    code, _, err = run(["segment", str(src), "-o", str(tmp_path)], capsysbinary)
    assert code == 2 and "is a directory" in err


@pytest.mark.parametrize("where", ["missing_dir/out.txt", "a_file/out.txt"])
def test_unwritable_output(tmp_path: Path, where: str, capsysbinary) -> None:
    src = tmp_path / "in.txt"
    src.write_text("xin chào\n", encoding="utf-8")
    (tmp_path / "a_file").write_text("")
    target = tmp_path / where
    code, _, err = run(["segment", str(src), "-o", str(target)], capsysbinary)
    assert code == 1
    assert f"cannot write {target}" in err and "Traceback" not in err


def test_bad_model_is_a_tachtu_error_exit_2(tmp_path: Path, capsysbinary) -> None:
    model = tmp_path / "garbage.bin"
    model.write_bytes(b"not a model at all")
    src = tmp_path / "in.txt"
    src.write_text("xin chào\n", encoding="utf-8")
    code, stdout, err = run(["segment", "--model", str(model), str(src)], capsysbinary)
    assert code == 2
    assert err.startswith("tachtu: ") and "Traceback" not in err and stdout == b""


def test_worker_that_cannot_start_reports_instead_of_hanging(tmp_path: Path) -> None:
    try:
        batch._load_worker(batch.SegmentOptions(Settings(model=str(tmp_path / "missing.bin"))))
        chunk = read_chunks(io.BytesIO(b"x\n"), 10).__next__()
        with pytest.raises(tachtu.ModelError):
            batch._work(chunk, "x", "strict")
    finally:
        batch._worker_error = None


def test_keyboard_interrupt_exits_130_and_leaves_no_file(tmp_path: Path, monkeypatch, capsysbinary) -> None:
    src = tmp_path / "in.txt"
    src.write_text("một\n" * 20, encoding="utf-8")
    out = tmp_path / "out.txt"
    calls = []

    def interrupt(self, chunk, path, errors):  # type: ignore[no-untyped-def]
        calls.append(chunk.first_line)
        if chunk.first_line == 10:
            raise KeyboardInterrupt
        return batch.Processed(chunk.data, [])

    monkeypatch.setattr(batch.LineProcessor, "chunk", interrupt)
    code, _, err = run(["segment", str(src), "-o", str(out), "--jobs", "1", "--chunk-size", "1"], capsysbinary)
    assert code == 130 and calls[-1] == 10
    assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == [src]


def test_usage_errors_return_2(capsysbinary) -> None:
    assert cli.main(["segment", "--jobs", "0"]) == 2
    assert cli.main(["segment", "--skip-bad"]) == 2
    assert cli.main(["nonsense"]) == 2
    assert cli.main(["segment", "--help"]) == 0
    assert b"--pretokenized" in capsysbinary.readouterr().out


def test_every_option_has_help() -> None:
    parser = cli.build_parser()
    subparsers = next(a for a in parser._actions if a.choices and isinstance(a.choices, dict))
    assert set(subparsers.choices) == {"segment", "evaluate", "train", "serve", "info", "stats"}
    for name, sub in subparsers.choices.items():
        for action in sub._actions:
            assert action.help, f"{name} {action.option_strings or action.dest} has no help"


# -- directories ------------------------------------------------------------------------------------
def test_directory_mirroring(tmp_path: Path, segmenter, capsysbinary) -> None:
    tree = tmp_path / "in"
    (tree / "sub" / "deeper").mkdir(parents=True)
    (tree / "a.txt").write_text("Hôm nay trời đẹp\n", encoding="utf-8")
    (tree / "sub" / "b.txt").write_text("đi học\n\n", encoding="utf-8")
    (tree / "sub" / "deeper" / "c.txt").write_text("", encoding="utf-8")
    (tree / "sub" / "skip.md").write_text("not text\n", encoding="utf-8")
    outdir = tmp_path / "out"
    code, _, err = run(["segment", str(tree), "-o", str(outdir)], capsysbinary)
    assert code == 0, err
    found = sorted(str(p.relative_to(outdir)) for p in outdir.rglob("*") if p.is_file())
    assert found == ["a.txt", os.path.join("sub", "b.txt"), os.path.join("sub", "deeper", "c.txt")]
    assert (outdir / "a.txt").read_bytes() == expected_output(["Hôm nay trời đẹp"], segmenter)
    assert (outdir / "sub" / "b.txt").read_bytes() == expected_output(["đi học", ""], segmenter)


# -- JSON Lines -------------------------------------------------------------------------------------
def write_jsonl(path: Path, lines: list[str]) -> None:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_jsonl_in_place_and_new_field(tmp_path: Path, segmenter, capsysbinary) -> None:
    src = tmp_path / "in.jsonl"
    records = [
        {"id": 1, "text": "Hôm nay trời đẹp", "lang": "vi", "meta": {"nguồn": "tự viết"}},
        {"text": "dòng một\ndòng hai", "z": [1, 2.5, None]},
    ]
    write_jsonl(src, [json.dumps(r, ensure_ascii=False) for r in records])
    code, stdout, err = run(["segment", "--jsonl", str(src)], capsysbinary)
    assert code == 0, err
    out = [json.loads(line) for line in stdout.decode().splitlines()]
    assert list(out[0]) == ["id", "text", "lang", "meta"]
    assert out[0]["text"] == segmenter.segment("Hôm nay trời đẹp")
    assert out[0]["meta"] == {"nguồn": "tự viết"} and out[0]["id"] == 1
    assert out[1]["text"] == segmenter.segment("dòng một\ndòng hai") and out[1]["z"] == [1, 2.5, None]
    assert "tự viết" in stdout.decode()  # ensure_ascii=False
    code, stdout, _ = run(["segment", "--jsonl", "--field", "text", "--output-field", "seg", str(src)], capsysbinary)
    out = [json.loads(line) for line in stdout.decode().splitlines()]
    assert list(out[0]) == ["id", "text", "lang", "meta", "seg"]
    assert out[0]["text"] == "Hôm nay trời đẹp"


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "not a JSON object"),
        ('{"other": "x"}', "no field 'text'"),
        ('{"text": 5}', "not a string"),
    ],
)
def test_jsonl_bad_line(tmp_path: Path, bad: str, message: str, capsysbinary) -> None:
    src = tmp_path / "in.jsonl"
    write_jsonl(src, ['{"text": "một"}', bad, '{"text": "hai"}'])
    out = tmp_path / "out.jsonl"
    code, _, err = run(["segment", "--jsonl", str(src), "-o", str(out)], capsysbinary)
    assert code == 1
    assert "line 2" in err and message in err and str(src) in err
    assert not out.exists()


def test_jsonl_skip_bad(tmp_path: Path, capsysbinary) -> None:
    src = tmp_path / "in.jsonl"
    write_jsonl(src, ['{"text": "một"}', "{broken", "", '{"text": 1}', '{"text": "hai"}'])
    code, stdout, err = run(["segment", "--jsonl", "--skip-bad", str(src)], capsysbinary)
    assert code == 0
    lines = stdout.decode().split("\n")
    assert lines[1:4] == ["{broken", "", '{"text": 1}']  # bad lines passed through, blank stays blank
    assert len(lines) == 6
    assert "line 2" in err and "line 4" in err and "skipped 2 bad lines" in err


# -- parallel ---------------------------------------------------------------------------------------
def make_big_file(path: Path, lines: int = 400) -> list[str]:
    words = ["Hôm", "nay", "trời", "đẹp", "sinh", "viên", "Hà", "Nội", "33.000", ",", "học", "🍜", "thư", "viện"]
    text = [" ".join(words[(i * 7 + k) % len(words)] for k in range(i % 23)) for i in range(lines)]
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(text).encode("utf-8"))  # BOM, CRLF, no final newline
    return text


def test_jobs_2_identical_to_jobs_1(tmp_path: Path, segmenter, capsysbinary) -> None:
    src = tmp_path / "big.txt"
    text = make_big_file(src)
    assert src.stat().st_size > 10 * 1000
    outs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"out{jobs}.txt"
        code, _, err = run(["segment", str(src), "-o", str(out), "--jobs", jobs, "--chunk-size", "1000"], capsysbinary)
        assert code == 0, err
        outs.append(out.read_bytes())
    assert outs[0] == outs[1] == expected_output(text, segmenter, final_newline=False)


def test_jobs_2_error_in_later_chunk(tmp_path: Path, capsysbinary) -> None:
    src = tmp_path / "big.txt"
    src.write_bytes(b"dong mot\n" * 500 + b"sai \xe1\x80 roi\n" + b"dong hai\n" * 100)
    out = tmp_path / "out.txt"
    messages = []
    for jobs in ("1", "2"):
        code, _, err = run(["segment", "--pretokenized", str(src), "-o", str(out), "-j", jobs, "--chunk-size", "500"],
                           capsysbinary)
        assert code == 1
        messages.append(err)
    assert messages[0] == messages[1]
    assert "line 501" in messages[0] and f"byte {9 * 500 + 4}" in messages[0]
    assert not out.exists()


def test_read_chunks_are_whole_lines_with_true_line_numbers() -> None:
    data = b"".join(b"line %d %s\n" % (i, b"x" * (i % 37)) for i in range(300)) + b"tail"
    chunks = list(read_chunks(io.BytesIO(data), chunk_size=256))
    assert len(chunks) > 10
    assert b"".join(c.data for c in chunks) == data
    for chunk in chunks[:-1]:
        assert chunk.data.endswith(b"\n")
        assert chunk.data.startswith(b"line %d " % (chunk.first_line - 1))
        assert data[chunk.byte_offset:].startswith(chunk.data)
    lines = list(iter_lines(io.BytesIO(data), path="x"))
    assert len(lines) == 301 and lines[-1].text == "tail" and not lines[-1].newline


# -- progress bar -----------------------------------------------------------------------------------
def test_progress_bar_only_on_tty_and_not_quiet(tmp_path: Path, monkeypatch, capsysbinary) -> None:
    pytest.importorskip("tqdm")
    src = tmp_path / "in.txt"
    src.write_text("xin chào\n" * 5, encoding="utf-8")
    out = tmp_path / "out.txt"
    _, _, err = run(["segment", str(src), "-o", str(out)], capsysbinary)
    assert err == ""  # stderr is not a terminal here
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    _, _, err = run(["segment", str(src), "-o", str(out)], capsysbinary)
    assert "B/s" in err or "B [" in err
    _, _, err = run(["segment", "--quiet", str(src), "-o", str(out)], capsysbinary)
    assert err == ""


# -- subprocess: python -m tachtu, SIGPIPE -------------------------------------------------------------
def test_python_m_tachtu(tmp_path: Path, segmenter) -> None:
    src = tmp_path / "in.txt"
    src.write_bytes("Hôm nay trời đẹp\r\n\r\nđi học\r\n".encode("utf-8"))
    result = subprocess.run([sys.executable, "-m", "tachtu", "segment", str(src)], capture_output=True,
                            env=subprocess_env(), timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout == expected_output(["Hôm nay trời đẹp", "", "đi học"], segmenter)
    result = subprocess.run([sys.executable, "-m", "tachtu", "segment", str(tmp_path / "missing.txt")],
                            capture_output=True, env=subprocess_env(), timeout=60)
    assert result.returncode == 1
    assert b"Traceback" not in result.stderr and b"missing.txt" in result.stderr


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_sigpipe_is_quiet(tmp_path: Path, jobs: str) -> None:
    src = tmp_path / "big.txt"
    src.write_bytes(b"mot_hai   ba bon nam sau bay tam chin muoi\n" * 60_000)  # 2.6 MB
    proc = subprocess.Popen(
        [sys.executable, "-m", "tachtu", "segment", "--pretokenized", "-j", jobs, "--chunk-size", "100000", str(src)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=subprocess_env(),
    )
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()
    proc.stdout.close()  # like `| head -1`
    err = proc.stderr.read()
    code = proc.wait(timeout=60)
    assert first == b"mot_hai ba bon nam sau bay tam chin muoi\n"
    assert err == b""
    assert code in (0, 141, -13)


# -- evaluate ---------------------------------------------------------------------------------------
def test_evaluate(tmp_path: Path, capsysbinary) -> None:
    gold = tmp_path / "gold.txt"
    pred = tmp_path / "pred.txt"
    gold.write_text("Hôm_nay trời đẹp\nsinh_viên đi học\n", encoding="utf-8")
    pred.write_text("Hôm_nay trời đẹp\nsinh viên đi học\n", encoding="utf-8")
    code, stdout, _ = run(["evaluate", str(gold), str(gold)], capsysbinary)
    assert code == 0 and "F1 100.00" in stdout.decode() and "sentence exact 100.00" in stdout.decode()
    code, stdout, _ = run(["evaluate", str(gold), str(pred)], capsysbinary)
    # gold 6 words, pred 7 words, 5 correct
    assert code == 0 and "precision 71.43" in stdout.decode() and "recall 83.33" in stdout.decode()
    assert "sentence exact 50.00" in stdout.decode()


def test_evaluate_misaligned(tmp_path: Path, capsysbinary) -> None:
    gold = tmp_path / "gold.txt"
    pred = tmp_path / "pred.txt"
    gold.write_text("một hai\nba\n", encoding="utf-8")
    pred.write_text("một hai\n", encoding="utf-8")
    code, _, err = run(["evaluate", str(gold), str(pred)], capsysbinary)
    assert code == 2 and "lines" in err and "Traceback" not in err
    pred.write_text("một hai\nbốn\n", encoding="utf-8")  # other text: scored as an error, named
    code, out, _ = run(["evaluate", str(gold), str(pred)], capsysbinary)
    assert code == 0 and "recall 66.67" in out.decode() and "(line 2)" in out.decode()


# -- train ------------------------------------------------------------------------------------------
# A tiny corpus written for these tests (not taken from any data set).
TINY_CORPUS = (Path(__file__).parent / "data" / "tiny_train.wseg.txt").read_text(encoding="utf-8")
TINY_DEV = "Hôm_nay sinh_viên đi học ở thư_viện .\nBác_sĩ làm_việc ở công_ty .\n"


def test_train_tiny_corpus(tmp_path: Path, capsysbinary) -> None:
    pytest.importorskip("sklearn")
    train_file = tmp_path / "train.txt"
    dev_file = tmp_path / "dev.txt"
    lexicon = tmp_path / "lexicon.txt"
    train_file.write_text(TINY_CORPUS, encoding="utf-8")
    dev_file.write_text(TINY_DEV, encoding="utf-8")
    lexicon.write_text("thư viện\nsinh viên\n", encoding="utf-8")
    model = tmp_path / "tiny.bin"
    code, stdout, err = run(
        ["train", "--train", str(train_file), "--dev", str(dev_file), "--lexicon", str(lexicon), "--c", "1.0",
         "-o", str(model)],
        capsysbinary,
    )
    assert code == 0, err
    assert model.exists() and model.stat().st_size > 0
    assert stdout.decode().startswith("dev: precision") and "F1" in stdout.decode()
    seg = tachtu.Segmenter(str(model))
    assert seg.segment("Hôm nay sinh viên đi học").replace("_", " ") == "Hôm nay sinh viên đi học"
    assert "sinh_viên" in seg.segment("Hôm nay sinh viên đi học")


def test_train_without_sklearn_says_how_to_install(tmp_path: Path, monkeypatch, capsysbinary) -> None:
    train_file = tmp_path / "train.txt"
    train_file.write_text(TINY_CORPUS, encoding="utf-8")
    for name in ("sklearn", "sklearn.svm"):
        monkeypatch.setitem(sys.modules, name, None)
    code, _, err = run(["train", "--train", str(train_file), "-o", str(tmp_path / "m.bin")], capsysbinary)
    assert code == 1
    assert "pip install tachtu[train]" in err and "Traceback" not in err
    assert not (tmp_path / "m.bin").exists()
