"""Faults of the command line's input and output: special files, mirroring, signals, JSONL bytes, messages.

Each test here failed before its fix (the issue's item in brackets).
"""

from __future__ import annotations

import io
import json
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tachtu
from tachtu import batch, cli

SRC = str(Path(tachtu.__file__).resolve().parent.parent)
ROOT = Path(SRC).parent


def run(argv: list[str], capsysbinary: pytest.CaptureFixture[bytes]) -> tuple[int, bytes, str]:
    code = cli.main(argv)
    captured = capsysbinary.readouterr()
    return code, captured.out, captured.err.decode("utf-8")


def env() -> dict[str, str]:
    values = dict(os.environ)
    values["PYTHONPATH"] = SRC + os.pathsep + values.get("PYTHONPATH", "")
    return values


def text_file(path: Path, text: str = "Hôm nay trời đẹp\n") -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# -- [1] -o to files that are not regular files ------------------------------------------------------
needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")


@needs_fifo
def test_output_to_a_fifo_is_written_through(tmp_path: Path, segmenter, capsysbinary) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    code, _, err = run(["segment", str(text_file(tmp_path / "in.txt")), "-o", str(fifo)], capsysbinary)
    reader.join(timeout=30)
    assert code == 0, err
    assert received == [(segmenter.segment("Hôm nay trời đẹp") + "\n").encode("utf-8")]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)  # still a FIFO, not replaced by a file


def test_output_to_a_device_is_written_through(tmp_path: Path, capsysbinary) -> None:
    null = tmp_path / "null"  # a private copy of /dev/null: the real one is never put at risk
    try:
        os.mknod(null, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except (OSError, AttributeError) as exc:
        pytest.skip(f"cannot create a device node here ({exc})")
    code, _, err = run(["segment", str(text_file(tmp_path / "in.txt")), "-o", str(null)], capsysbinary)
    assert code == 0, err
    assert stat.S_ISCHR(os.stat(null).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.txt", "null"]  # no temp file left


def test_output_through_a_symlink_replaces_the_target_and_keeps_the_link(tmp_path: Path, capsysbinary) -> None:
    target = text_file(tmp_path / "target.txt", "old\n")
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    code, _, err = run(["segment", "--pretokenized", str(text_file(tmp_path / "in.txt", "a  b\n")), "-o", str(link)],
                       capsysbinary)
    assert code == 0, err
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text(encoding="utf-8") == "a b\n"


def test_rewriting_a_file_keeps_its_mode(tmp_path: Path, capsysbinary) -> None:
    out = text_file(tmp_path / "out.txt", "old\n")
    out.chmod(0o640)
    code, _, err = run(["segment", str(text_file(tmp_path / "in.txt")), "-o", str(out)], capsysbinary)
    assert code == 0, err
    assert stat.S_IMODE(out.stat().st_mode) == 0o640 and out.read_text(encoding="utf-8") != "old\n"


def test_train_output_through_a_symlink(tmp_path: Path, capsysbinary) -> None:
    pytest.importorskip("sklearn")
    corpus = (Path(__file__).parent / "data" / "tiny_train.wseg.txt").read_text(encoding="utf-8")
    target = text_file(tmp_path / "model.bin", "old")
    link = tmp_path / "link.bin"
    link.symlink_to(target)
    code, _, err = run(["train", "--train", str(text_file(tmp_path / "train.txt", corpus)), "-o", str(link), "-q"],
                       capsysbinary)
    assert code == 0, err
    assert link.is_symlink()
    assert tachtu.Segmenter(str(target)).segment("sinh viên").replace("_", " ") == "sinh viên"


# -- [2] mirroring collisions, output inside the input ---------------------------------------------
def test_mirroring_collision_is_refused_before_writing(tmp_path: Path, capsysbinary) -> None:
    for name in ("d1", "d2"):
        (tmp_path / name).mkdir()
        text_file(tmp_path / name / "a.txt")
    out = tmp_path / "out"
    code, _, err = run(["segment", str(tmp_path / "d1"), str(tmp_path / "d2"), "-o", str(out)], capsysbinary)
    assert code == 2
    assert "d1" in err and "d2" in err and "a.txt" in err
    assert not out.exists()  # nothing written, not even the directory


def test_output_directory_equal_to_input_is_refused(tmp_path: Path, capsysbinary) -> None:
    tree = tmp_path / "in"
    tree.mkdir()
    original = text_file(tree / "a.txt").read_bytes()
    code, _, err = run(["segment", str(tree), "-o", str(tree)], capsysbinary)
    assert code == 2 and "input directory" in err
    assert (tree / "a.txt").read_bytes() == original


def test_output_directory_inside_input_is_left_out_of_the_walk(tmp_path: Path, capsysbinary) -> None:
    tree = tmp_path / "in"
    (tree / "out").mkdir(parents=True)
    text_file(tree / "a.txt")
    text_file(tree / "out" / "old.txt", "kết quả cũ\n")  # a previous run's output
    for _ in range(2):
        code, _, err = run(["segment", str(tree), "-o", str(tree / "out")], capsysbinary)
        assert code == 0, err
    assert sorted(p.name for p in (tree / "out").iterdir()) == ["a.txt", "old.txt"]
    assert (tree / "out" / "old.txt").read_text(encoding="utf-8") == "kết quả cũ\n"


# -- [3] SIGTERM / SIGHUP with --jobs 2 --------------------------------------------------------------
def _children(pid: int) -> set[int]:
    try:
        found = set()
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                found.update(int(x) for x in handle.read().split())
        return found
    except OSError:
        return set()


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split(") ")[-1][:1] not in ("Z", "X")
    except OSError:
        return False


@pytest.mark.skipif(not os.path.exists("/proc/self/task"), reason="needs Linux /proc to find the workers")
@pytest.mark.parametrize("signame", ["SIGTERM", "SIGHUP"])
def test_signal_ends_workers_and_removes_temp_file(tmp_path: Path, signame: str) -> None:
    src = tmp_path / "big.txt"
    src.write_bytes("Hôm nay trời đẹp quá, chúng tôi đi học ở trường đại học Bách Khoa.\n".encode() * 300_000)
    out = tmp_path / "out.txt"
    proc = subprocess.Popen([sys.executable, "-m", "tachtu", "segment", "-j", "2", "--chunk-size", "20000",
                             str(src), "-o", str(out)], stderr=subprocess.PIPE, env=env())
    try:
        deadline = time.monotonic() + 60
        workers: set[int] = set()
        while time.monotonic() < deadline and proc.poll() is None:
            workers = _children(proc.pid)
            if len(workers) >= 2 and list(tmp_path.glob(".out.txt.*.tmp")):
                break
            time.sleep(0.05)
        assert len(workers) >= 2 and proc.poll() is None, "the run ended before the workers could be seen"
        proc.send_signal(getattr(signal, signame))
        code = proc.wait(timeout=60)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and any(_alive(w) for w in workers):
            time.sleep(0.05)
        assert not [w for w in workers if _alive(w)], "workers outlived the parent"
        err = proc.stderr.read()  # type: ignore[union-attr]
        assert code == 128 + getattr(signal, signame), err
        assert sorted(p.name for p in tmp_path.iterdir()) == ["big.txt"]  # no temp file, no partial output
        assert err == b""
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


# -- [14] JSONL: only the segmented value changes ------------------------------------------------
def test_jsonl_keeps_every_other_byte(tmp_path: Path, segmenter, capsysbinary) -> None:
    lines = [
        '{"id":1e400,  "text" : "Hôm nay trời đẹp", "x": 0.1000000000000000000001, "x": 2}',
        '{ "text":"đi học",\t"esc": "\\u00e0\\n", "n": -0.0, "deep": [[{"a": [1, {}]}]] }  ',
    ]
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, stdout, err = run(["segment", "--jsonl", str(src)], capsysbinary)
    assert code == 0, err
    first, second = stdout.decode("utf-8").splitlines()
    seg = json.dumps(segmenter.segment("Hôm nay trời đẹp"), ensure_ascii=False)
    assert first == lines[0].replace('"Hôm nay trời đẹp"', seg)
    assert second == lines[1].replace('"đi học"', json.dumps(segmenter.segment("đi học"), ensure_ascii=False))
    code, stdout, err = run(["segment", "--jsonl", "--output-field", "seg", str(src)], capsysbinary)
    assert code == 0, err
    assert stdout.decode("utf-8").splitlines()[0] == lines[0][:-1] + f', "seg": {seg}}}'


def test_jsonl_null_passes_through(tmp_path: Path, capsysbinary) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text('{"text": null, "id": 1}\n', encoding="utf-8")
    code, stdout, err = run(["segment", "--jsonl", str(src)], capsysbinary)
    assert code == 0, err
    assert stdout == b'{"text": null, "id": 1}\n'
    code, stdout, err = run(["segment", "--jsonl", "--output-field", "seg", str(src)], capsysbinary)
    assert code == 0, err
    assert json.loads(stdout) == {"text": None, "id": 1, "seg": None}


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ('{"text": "a\\ud800b"}', "lone surrogate"),
        ('{"text": "một", "n": ' + "9" * 5000 + "}", "digits"),
        ('{"text": "một", "d": ' + "[" * 100_000 + "]" * 100_000 + "}", "nested too deeply"),
        ('{"text": "một", "text": "hai"}', "appears more than once"),
    ],
)
def test_jsonl_unreadable_lines_are_per_line_errors(tmp_path: Path, bad: str, message: str, capsysbinary) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text('{"text": "một"}\n' + bad + "\n", encoding="utf-8")
    code, _, err = run(["segment", "--jsonl", str(src)], capsysbinary)
    assert code == 1 and "line 2" in err and message in err and "Traceback" not in err
    code, stdout, err = run(["segment", "--jsonl", "--skip-bad", str(src)], capsysbinary)
    assert code == 0, err
    assert stdout.decode("utf-8").split("\n")[1] == bad and "skipped 1 bad line" in err


def test_jsonl_directory_mirrors_its_jsonl_files(tmp_path: Path, capsysbinary) -> None:
    tree = tmp_path / "in"
    tree.mkdir()
    text_file(tree / "a.jsonl", '{"text": "Hôm nay"}\n')
    text_file(tree / "b.txt", "not JSON\n")
    code, _, err = run(["segment", "--jsonl", str(tree), "-o", str(tmp_path / "out")], capsysbinary)
    assert code == 0, err
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["a.jsonl"]
    assert json.loads((tmp_path / "out" / "a.jsonl").read_text(encoding="utf-8"))["text"].startswith("Hôm")


def test_directory_without_matching_files_warns(tmp_path: Path, capsysbinary) -> None:
    (tmp_path / "in").mkdir()
    text_file(tmp_path / "in" / "notes.md")
    code, _, err = run(["segment", str(tmp_path / "in"), "-o", str(tmp_path / "out")], capsysbinary)
    assert code == 0 and "no .txt files" in err


# -- [17] messages instead of tracebacks -------------------------------------------------------
@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_full_disk_message_names_the_file(tmp_path: Path, capsysbinary) -> None:
    code, _, err = run(["segment", str(text_file(tmp_path / "in.txt")), "-o", "/dev/full"], capsysbinary)
    assert code == 1
    assert err.startswith("tachtu: cannot write /dev/full: No space left on device"), err


@pytest.mark.parametrize("redirect", ["<&-", ">&-"])
def test_closed_stdin_or_stdout_is_a_message(tmp_path: Path, redirect: str) -> None:
    src = text_file(tmp_path / "in.txt")
    arg = "" if redirect == "<&-" else str(src)
    result = subprocess.run(f'exec "{sys.executable}" -m tachtu segment {arg} {redirect}', shell=True,
                            capture_output=True, env=env(), timeout=60)
    assert result.returncode == 1, result.stderr
    assert b"Traceback" not in result.stderr
    assert result.stderr.startswith(b"tachtu: cannot ") and (b"stdin" in result.stderr or b"stdout" in result.stderr)


def _die(self, lines, path):  # type: ignore[no-untyped-def]
    os.kill(os.getpid(), signal.SIGKILL)


def test_killed_worker_is_a_message(tmp_path: Path, monkeypatch, capsysbinary) -> None:
    src = tmp_path / "big.txt"
    src.write_bytes(b"mot hai ba\n" * 2000)
    out = tmp_path / "out.txt"
    monkeypatch.setattr(batch.LineProcessor, "lines", _die)  # forked workers inherit it; the parent never calls it
    code, _, err = run(["segment", "--pretokenized", "-j", "2", "--chunk-size", "1000", str(src), "-o", str(out)],
                       capsysbinary)
    assert code == 1
    assert "worker process" in err and "big.txt" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.txt"]


def test_evaluate_and_train_accept_the_errors_option_they_suggest(tmp_path: Path, capsysbinary) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"Ho\xffm_nay\n")
    code, _, err = run(["evaluate", str(bad), str(bad)], capsysbinary)
    assert code == 1 and "--errors replace" in err
    code, stdout, err = run(["evaluate", "--errors", "replace", str(bad), str(bad)], capsysbinary)
    assert code == 0, err
    assert "F1" in stdout.decode()
    parser = cli.build_parser()
    assert parser.parse_args(["train", "--train", "x", "-o", "m", "--errors", "replace"]).errors == "replace"


def test_user_dictionary_errors_name_the_line_an_editor_shows(tmp_path: Path) -> None:
    path = tmp_path / "dict.txt"
    path.write_text("học máy\n\x0c\nđi\u2028học\r\n-một\n", encoding="utf-8")  # \f and U+2028 are no line ends
    with pytest.raises(tachtu.DictionaryError, match="line 4: a split entry needs at least two syllables: '-một'"):
        tachtu.Segmenter(user_dict=path)


def test_no_progress_bar_over_what_the_user_types(tmp_path: Path, monkeypatch, capsysbinary) -> None:
    pytest.importorskip("tqdm")
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    stdin = io.TextIOWrapper(io.BytesIO("xin chào\n".encode()), encoding="utf-8")
    stdin.isatty = lambda: True  # type: ignore[method-assign]
    monkeypatch.setattr(sys, "stdin", stdin)
    code, stdout, err = run(["segment"], capsysbinary)
    assert code == 0 and stdout and err == ""
    code, _, err = run(["segment", str(text_file(tmp_path / "in.txt")), "-o", str(tmp_path / "out.txt")], capsysbinary)
    assert code == 0 and ("B/s" in err or "B [" in err)  # a file read while the terminal is idle: the bar shows


# -- [15] [16] the promise to a new user -------------------------------------------------------
def test_spark_tests_skip_without_java(tmp_path: Path) -> None:
    pytest.importorskip("pyspark")
    values = env()
    values.pop("JAVA_HOME", None)
    values["PATH"] = os.path.dirname(sys.executable)  # python, but no java
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider",
                             str(Path(__file__).parent / "test_spark.py")], capture_output=True, env=values,
                            timeout=300, cwd=tmp_path)
    out = result.stdout.decode()
    assert result.returncode in (0, 5), out  # 5: every test skipped, none collected
    assert "skipped" in out and "Java" in out and "error" not in out


def test_profiles_work_from_a_zip(tmp_path: Path) -> None:
    archive = tmp_path / "tachtu.zip"
    subprocess.run([sys.executable, "-m", "zipfile", "-c", str(archive), str(Path(tachtu.__file__).parent)],
                   check=True, timeout=120)
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); import tachtu\n"
        "assert tachtu.__file__.startswith(sys.argv[1]), tachtu.__file__\n"
        "print(tachtu.segment('Nhà Trắng cho biết'))\n"
        "print(tachtu.Segmenter(profile='vncorenlp').segment('Nhà Trắng cho biết'))\n"
    )
    values = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run([sys.executable, "-c", code, str(archive)], capture_output=True, env=values, timeout=300,
                            cwd=tmp_path)
    assert result.returncode == 0, result.stderr.decode()
    default, vncorenlp = result.stdout.decode("utf-8").splitlines()
    assert default == tachtu.segment("Nhà Trắng cho biết")
    assert vncorenlp == tachtu.Segmenter(profile="vncorenlp").segment("Nhà Trắng cho biết")


def test_built_package_has_no_generated_c(tmp_path: Path) -> None:
    if not (ROOT / "setup.py").exists():
        pytest.skip("not a source checkout")
    pytest.importorskip("Cython")
    if not list((ROOT / "src").rglob("*.c")):
        pytest.skip("no generated C in this checkout (extensions not built)")
    subprocess.run([sys.executable, "setup.py", "-q", "build_py", "--build-lib", str(tmp_path / "lib")],
                   cwd=ROOT, check=True, capture_output=True, timeout=300)
    shipped = [p.name for p in (tmp_path / "lib").rglob("*") if p.is_file()]
    assert "_scorer.pyx" in shipped and "VnVocab.txt" in shipped  # package data is copied ...
    assert not [name for name in shipped if name.endswith(".c")]  # ... Cython's generated C is not


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=200, deadline=None)
@given(
    others=st.dictionaries(st.text(max_size=4).filter(lambda k: k not in ("text", "seg")), json_values, max_size=4),
    text=st.text(max_size=20),
    position=st.integers(min_value=0, max_value=4),
    separators=st.sampled_from([(", ", ": "), (",", ":"), (" ,  ", " :\t")]),
    output_field=st.sampled_from([None, "seg"]),
)
def test_splice_changes_only_the_value(others, text, position, separators, output_field) -> None:
    from tachtu.jsonl import splice_field

    items = list(others.items())
    items.insert(min(position, len(items)), ("text", text))
    line = json.dumps(dict(items), ensure_ascii=bool(position % 2), separators=separators)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return  # a lone surrogate: a per-line error, tested above
    out = splice_field(line, "text", output_field, str.upper)
    expected = dict(items)
    expected[output_field or "text"] = text.upper()
    assert json.loads(out) == expected
    if output_field is None:
        old, new = json.dumps(text, ensure_ascii=bool(position % 2)), json.dumps(text.upper(), ensure_ascii=False)
        start = line.index(f'"text"{separators[1]}') + len(f'"text"{separators[1]}')
        assert line[:start] == out[:start] and line[start + len(old):] == out[start + len(new):]
    else:
        assert out.startswith(line[:-1])
