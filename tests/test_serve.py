"""``tachtu serve``: a real server in a subprocess on a free loopback port.

It is called with VnCoreNLP's own client (``vncorenlp`` on the package index)
and with urllib; every bad request kind must get a 4xx JSON answer and leave
the server answering.  Skipped when the server extra is not installed.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")

import tachtu  # noqa: E402
from tachtu.cli import main  # noqa: E402
from tachtu.profiles.vncorenlp import RDRSegmenter  # noqa: E402

SRC = Path(tachtu.__file__).resolve().parents[1]
REFERENCES = Path(__file__).parents[1].parent / "shared" / "data" / "rdrsegmenter" / "reference_outputs"
MAX_BODY = 65536
README_TEXT = ("VTV đồng ý chia sẻ bản quyền World Cup 2018 cho HTV để khai thác. "
               "Nhưng cả hai nhà đài đều phải chờ sự đồng ý của FIFA mới thực hiện được điều này.")
# The vncorenlp client's README shows this output of VnCoreNLP's server for README_TEXT.
README_TOKENS = [
    ["VTV", "đồng_ý", "chia_sẻ", "bản_quyền", "World_Cup", "2018", "cho", "HTV", "để", "khai_thác", "."],
    ["Nhưng", "cả", "hai", "nhà", "đài", "đều", "phải", "chờ", "sự", "đồng_ý", "của", "FIFA", "mới", "thực_hiện",
     "được", "điều", "này", "."],
]


class Server:
    """A running ``tachtu serve`` process and how to talk to it."""

    def __init__(self, proc: subprocess.Popen[bytes], port: int, log: Path) -> None:
        self.proc, self.port, self.log = proc, port, log
        self.url = f"http://127.0.0.1:{port}"

    def call(self, path: str, body: bytes | None = None, *, content_type: str = "application/json",
             accept: str = "*/*") -> tuple[int, dict[str, str], bytes]:
        """(status, headers, body) of one request; 4xx answers are returned, not raised."""
        request = urllib.request.Request(self.url + path, data=body, headers={"Accept": accept})
        if body is not None:
            request.add_header("Content-Type", content_type)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), exc.read()

    def post(self, path: str, record: Any) -> tuple[int, Any]:
        status, _, body = self.call(path, json.dumps(record).encode("utf-8"))
        return status, json.loads(body)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def _serve(tmp: Path, *args: str) -> Iterator[Server]:
    port = _free_port()
    log = tmp / f"serve-{port}.log"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (str(SRC), os.environ.get("PYTHONPATH"))))}
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "tachtu", "serve", "--port", str(port), *args],
                                stdout=out, stderr=subprocess.STDOUT, env=env)
    server = Server(proc, port, log)
    try:
        for _ in range(300):
            if proc.poll() is not None:
                pytest.fail(f"the server exited with {proc.returncode}: {log.read_text()}")
            try:
                if server.call("/health")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail(f"the server did not answer /health: {log.read_text()}")
        yield server
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise
    # A clean shutdown: uvicorn finishes, then the signal ends the process (the CLI's 128 + 15).
    assert code in (0, -signal.SIGTERM, 128 + signal.SIGTERM), log.read_text()
    assert "Application shutdown complete" in log.read_text()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A vncorenlp-profile server with a small body limit."""
    with _serve(tmp_path_factory.mktemp("serve"), "--profile", "vncorenlp", "--max-body", str(MAX_BODY)) as running:
        yield running


# -- VnCoreNLP's protocol, through VnCoreNLP's own client ------------------------------
def test_vncorenlp_client_readme_example(server: Server) -> None:
    vncorenlp = pytest.importorskip("vncorenlp")
    client = vncorenlp.VnCoreNLP(address="http://127.0.0.1", port=server.port)
    assert client.tokenize(README_TEXT) == README_TOKENS
    with pytest.raises(AssertionError):  # the client refuses annotators the server does not list
        client.pos_tag(README_TEXT)


@pytest.mark.skipif(not REFERENCES.is_dir(), reason="../shared reference outputs not available")
def test_vncorenlp_client_matches_rdrsegmenter(server: Server) -> None:
    vncorenlp = pytest.importorskip("vncorenlp")
    client = vncorenlp.VnCoreNLP(address="http://127.0.0.1", port=server.port)
    split = RDRSegmenter.load(split_sentences=True)
    lines = (REFERENCES / "ud_vtb_test.text.txt").read_text(encoding="utf-8").split("\n")[:300]
    expected = (REFERENCES / "ud_vtb_test.text.rdr_raw.wseg.txt").read_text(encoding="utf-8").split("\n")[:300]
    several = 0
    for line, reference in zip(lines, expected):
        sentences = client.tokenize(line)
        several += len(sentences) > 1
        words = [word for sentence in sentences for word in sentence]
        assert words == split.segment_line(line).split()
        assert " ".join(words) == reference
    assert several > 0  # sentence splitting was exercised


def test_handle_protocol(server: Server) -> None:
    assert server.call("/")[0] == 200
    assert json.loads(server.call("/annotators")[2]) == ["wseg"]
    form = urlencode({"text": "Nhà Trắng cho biết.  Ông ấy đến\nHà Nội!", "props": "wseg"}).encode()
    status, _, body = server.call("/handle", form, content_type="application/x-www-form-urlencoded")
    answer = json.loads(body)
    assert status == 200 and answer["status"] is True
    assert [[w["form"] for w in s] for s in answer["sentences"]] == [
        ["Nhà_Trắng", "cho", "biết", "."], ["Ông", "ấy", "đến", "Hà_Nội", "!"]]
    assert [w["index"] for w in answer["sentences"][1]] == [1, 2, 3, 4, 5]
    for props in ("wseg,pos", "ner", "parse", "lang"):
        status, _, body = server.call("/handle", urlencode({"text": "a", "props": props}).encode(),
                                      content_type="application/x-www-form-urlencoded")
        answer = json.loads(body)
        assert status == 200 and answer["status"] is False and "not supported" in answer["error"]
    # no props: the server's annotators (wseg); blank text: no sentences
    status, _, body = server.call("/handle", b"text=%20", content_type="application/x-www-form-urlencoded")
    assert status == 200 and json.loads(body) == {"sentences": [], "status": True}


# -- the JSON API ------------------------------------------------------------------------
def test_segment_and_tokenize(server: Server) -> None:
    texts = ["Nhà Trắng cho biết tổng thống sẽ đến Hà Nội.", "", "hòa bình\nủy ban", "  "]
    default, rdr = tachtu.Segmenter(), tachtu.Segmenter(profile="vncorenlp")
    assert server.post("/segment", {"texts": texts}) == (200, {"texts": [rdr.segment(t) for t in texts]})
    assert server.post("/segment", {"texts": texts, "profile": "default"}) == (
        200, {"texts": [default.segment(t) for t in texts]})
    assert server.post("/segment", {"text": texts[0], "profile": "default"}) == (200, {"text": default.segment(texts[0])})
    new = tachtu.Segmenter(normalize="tone-new")
    assert server.post("/segment", {"text": "hoà bình", "profile": "default", "normalize": "tone-new"}) == (
        200, {"text": new.segment("hoà bình")})
    assert server.post("/segment", {"texts": []}) == (200, {"texts": []})

    text = "Tôi ❤️ Hà Nội 😀!\nNhà Trắng"
    status, answer = server.post("/tokenize", {"text": text, "profile": "default"})
    assert status == 200
    assert [t["form"] for t in answer["tokens"]] == [t.form for t in default.tokenize(text)]
    assert all(text[t["start"]:t["end"]] == t["text"] for t in answer["tokens"])
    assert "Nhà_Trắng" in [t["form"] for t in answer["tokens"]]


def _bad_requests() -> list[tuple[str, bytes, str, int]]:
    """(path, body, content type, expected status): every kind of bad request."""
    js, form = "application/json", "application/x-www-form-urlencoded"
    return [
        ("/segment", b'{"text": "a"', js, 400),                 # malformed JSON
        ("/segment", b"", js, 400),                             # empty body
        ("/segment", b'["a"]', js, 400),                        # not an object
        ("/segment", b"{}", js, 400),                           # neither text nor texts
        ("/segment", b'{"text": "a", "texts": ["b"]}', js, 400),
        ("/segment", b'{"text": 1}', js, 400),                  # non-string field
        ("/segment", b'{"text": null}', js, 400),
        ("/segment", b'{"texts": "a"}', js, 400),
        ("/segment", b'{"texts": ["a", 2]}', js, 400),
        ("/segment", b'{"txt": "a"}', js, 400),                 # unknown field
        ("/segment", b'{"text": "a", "normalize": "nfd"}', js, 400),
        ("/segment", b'{"text": "a", "profile": "pyvi"}', js, 400),
        ("/segment", b'{"text": "\\ud800"}', js, 400),          # lone surrogate
        ("/segment", b'{"text": "\xff\xfe"}', js, 400),         # invalid UTF-8
        ("/segment", b"[" * 50000 + b"]" * 50000, js, 413),     # over --max-body
        ("/tokenize", b"[" * 20000 + b"]" * 20000, js, 400),    # nested too deeply
        ("/tokenize", b'{"text": ["a"]}', js, 400),
        ("/tokenize", b'{"texts": ["a"]}', js, 400),
        ("/tokenize", b'{"text": "\xc3"}', js, 400),
        ("/tokenize", b'{"text": "' + b"a" * MAX_BODY + b'"}', js, 413),
        ("/handle", b"props=wseg", form, 400),                  # no text
        ("/handle", b"text=%FF%FE", form, 400),                 # invalid UTF-8 once decoded
        ("/handle", b"text=\xff", form, 400),                   # invalid UTF-8 raw
        ("/handle", b'{"text": 3}', js, 400),
        ("/nowhere", b"{}", js, 404),
    ]


def test_bad_requests_get_4xx_json_and_the_server_carries_on(server: Server) -> None:
    good = {"text": "Nhà Trắng cho biết"}
    for path, body, content_type, expected in _bad_requests():
        status, headers, answer = server.call(path, body, content_type=content_type)
        assert (path, body[:40], status) == (path, body[:40], expected)
        assert headers["content-type"].startswith("application/json")
        assert json.loads(answer)["error"]
        assert server.post("/segment", good) == (200, {"text": "Nhà_Trắng cho biết"})
    status, headers, _ = server.call("/segment")  # GET on a POST endpoint
    assert status == 405 and headers["allow"] == "POST"
    assert server.proc.poll() is None


def test_chunked_body_over_the_limit_gets_413(server: Server) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    parts = iter([b'{"text": "', b"a" * MAX_BODY, b'"}'])
    connection.request("POST", "/segment", body=parts, headers={"Content-Type": "application/json"},
                       encode_chunked=True)
    response = connection.getresponse()
    assert response.status == 413 and "limit" in json.loads(response.read())["error"]
    connection.close()
    assert server.post("/segment", {"text": "a"}) == (200, {"text": "a"})


# -- the page --------------------------------------------------------------------------
def _initial(page: str) -> Any:
    match = re.search(r"const initial = (.*);\n", page)
    assert match is not None
    return json.loads(match.group(1))


def test_page(server: Server) -> None:
    status, headers, body = server.call("/?text=" + quote("Nhà Trắng cho biết") + "&profile=default",
                                        accept="text/html,*/*")
    page = body.decode("utf-8")
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert "<textarea" in page and "http" not in re.sub(r"<footer>.*?</footer>", "", page, flags=re.S)
    state = _initial(page)
    assert [t["form"] for t in state["tokens"]] == ["Nhà_Trắng", "cho", "biết"] and state["profile"] == "default"
    assert "error" in _initial(server.call("/?text=a&normalize=x", accept="text/html")[2].decode())
    assert "</script><b>" not in server.call("/?text=" + quote("</script><b>"), accept="text/html")[2].decode()


@pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium is not installed")
def test_headless_chromium_shows_chips(server: Server, tmp_path: Path) -> None:
    url = server.url + "/?text=" + quote("Nhà Trắng cho biết")
    proc = subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={tmp_path}",
                           "--dump-dom", url], capture_output=True, text=True, timeout=60)
    chips = re.findall(r'<span class="chip[^"]*"[^>]*>([^<]*)</span>', proc.stdout)
    assert chips == ["Nhà_Trắng", "cho", "biết"], proc.stderr[-2000:]


# -- in-process: settings and engine ------------------------------------------------------
def test_settings_travel_through_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from tachtu.server.settings import ENV_VAR, ServerSettings

    settings = ServerSettings(profile="default", normalize="nfc", user_dict="words.txt", max_body=10)
    monkeypatch.setenv(ENV_VAR, settings.to_env())
    assert ServerSettings.from_env() == settings
    monkeypatch.setenv(ENV_VAR, '{"profile": "pyvi"}')
    with pytest.raises(tachtu.TachtuError, match="pyvi"):
        ServerSettings.from_env()


def test_engine_user_dict_and_sentences(tmp_path: Path) -> None:
    from tachtu.server.engine import Engine
    from tachtu.server.settings import ServerSettings

    words = tmp_path / "words.txt"
    words.write_text("cho biết\n", encoding="utf-8")
    engine = Engine(ServerSettings(user_dict=str(words)))
    assert engine.segment(["Nhà Trắng cho biết"], "default", "none") == ["Nhà_Trắng cho_biết"]
    assert engine.segment(["Nhà Trắng cho biết"], "vncorenlp", "none") == ["Nhà_Trắng cho biết"]  # no user dict there
    decomposed = "Nha\u0300 Tra\u0306\u0301ng cho biê\u0301t. Ông ấy đến!"
    assert engine.sentences(decomposed) == [["Nha\u0300_Tra\u0306\u0301ng", "cho_biê\u0301t", "."],
                                            ["Ông", "ấy", "đến", "!"]]
    assert engine.sentences(" \n ") == []


# -- processes and the command line ----------------------------------------------------
def test_two_workers_share_the_port(tmp_path: Path) -> None:
    with _serve(tmp_path, "--workers", "2") as running:
        pids = set()
        deadline = time.monotonic() + 120  # a loaded machine may start the second worker late
        while len(pids) < 2 and time.monotonic() < deadline:
            for _ in range(50):  # each urllib request is a new connection
                pids.add(json.loads(running.call("/health")[2])["pid"])
            time.sleep(0.2)
        assert len(pids) == 2 and running.proc.pid not in pids
        assert running.post("/segment", {"text": "Nhà Trắng"}) == (200, {"text": "Nhà_Trắng"})


def test_cli_errors(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    words = tmp_path / "words.txt"
    words.write_text("Nhà Trắng\n", encoding="utf-8")
    assert main(["serve", "--profile", "vncorenlp", "--user-dict", str(words)]) == 2
    assert "user dictionary" in capsys.readouterr().err
    assert main(["serve", "--workers", "0"]) == 2
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        assert main(["serve", "--port", str(taken.getsockname()[1])]) == 1
    assert "cannot listen on 127.0.0.1" in capsys.readouterr().err
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "uvicorn" else real(name, *a))
    assert main(["serve"]) == 2
    assert 'pip install "tachtu[server]"' in capsys.readouterr().err


def test_serve_load_benchmark_runs(capsys: pytest.CaptureFixture[str]) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("serve_load", Path(__file__).parents[1] / "benchmarks" / "serve_load.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["serve_load"] = module  # its dataclass looks the module up
    spec.loader.exec_module(module)
    assert module.main(["--requests", "12", "--clients", "3", "--workers", "1", "--batch", "2"]) == 0
    row = capsys.readouterr().out.strip().splitlines()[-1].split("|")
    assert row[1:4] == [" 1 ", " 12 ", " 2 "] and row[-3:-1] == [" 0 ", " 0 "]
