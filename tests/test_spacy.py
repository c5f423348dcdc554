"""spaCy integration: lossless Docs, registry name, serialisation."""

from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

import pytest

spacy = pytest.importorskip("spacy")

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import tachtu  # noqa: E402
from tachtu.spacy import TachtuTokenizer, words_and_spaces  # noqa: E402  (registers tachtu.Tokenizer.v1)

CONFIG = {"nlp": {"tokenizer": {"@tokenizers": "tachtu.Tokenizer.v1"}}}


@pytest.fixture(scope="module")
def nlp() -> "spacy.language.Language":
    return spacy.blank("vi", config=CONFIG)


def test_importing_tachtu_does_not_import_spacy() -> None:
    code = "import sys, tachtu; tachtu.segment('xin chào'); assert 'spacy' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, env=_env())


def test_blank_vi_uses_tachtu_without_pyvi() -> None:
    code = (
        "import sys, spacy, tachtu.spacy\n"
        f"nlp = spacy.blank('vi', config={CONFIG!r})\n"
        "assert type(nlp.tokenizer).__name__ == 'TachtuTokenizer'\n"
        "assert 'pyvi' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, env=_env())


def _env() -> dict[str, str]:
    import os

    env = dict(os.environ)
    src = str(Path(tachtu.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH")) if p)
    return env


# fmt: off
@pytest.mark.parametrize("text, expected", [
    ("a  b", [("a", " "), (" ", ""), ("b", "")]),
    ("a\nb", [("a", ""), ("\n", ""), ("b", "")]),
    (" a", [(" ", ""), ("a", "")]),
    ("a ", [("a", " ")]),
    ("a  ", [("a", " "), (" ", "")]),
    ("a \n b", [("a", " "), ("\n ", ""), ("b", "")]),
    ("", []),
    ("   ", [("   ", "")]),
])
# fmt: on
def test_whitespace_like_spacy(nlp: "spacy.language.Language", text: str, expected: list[tuple[str, str]]) -> None:
    doc = nlp(text)
    assert doc.text == text
    assert [(t.text, t.whitespace_) for t in doc] == expected
    # spaCy's own rule-based tokenizer splits whitespace the same way
    assert [(t.text, t.whitespace_) for t in spacy.blank("xx")(text)] == expected


def test_multi_syllable_word_is_one_token() -> None:
    nlp = spacy.blank("vi", config={"nlp": {"tokenizer": {"@tokenizers": "tachtu.Tokenizer.v1",
                                                          "user_dict": ["Nhà Trắng"]}}})
    doc = nlp("Nhà Trắng  cho biết.\nHết")
    assert doc.text == "Nhà Trắng  cho biết.\nHết"
    assert doc[0].text == "Nhà Trắng"
    assert doc[0].whitespace_ == " "
    assert doc[0].idx == 0 and doc[1].text == " "


def test_tokens_match_segmenter(nlp: "spacy.language.Language") -> None:
    text = "Hôm nay,  Chính phủ   công bố\tkế hoạch.\n\nXin chào!  "
    doc = nlp(text)
    words = [t for t in doc if not t.is_space]
    tokens = tachtu.Segmenter().tokenize(text)
    assert [(t.text, t.idx) for t in words] == [(t.text, t.start) for t in tokens]


def test_words_and_spaces_doctest_shape() -> None:
    assert words_and_spaces("x", [(0, 1)]) == (["x"], [False])
    assert words_and_spaces("\n", []) == (["\n"], [False])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(list("aăâbđêoơưhnyàảãạ ÁỐ\n\t.,_-1") + ["\u0301", "hoa\u0300", "hoà", "Nhà Trắng", "Ð"])).map("".join))
def test_doc_text_is_input(text: str) -> None:
    nlp = _cached_nlp()
    doc = nlp(text)
    assert doc.text == text
    for t in doc:
        assert text[t.idx : t.idx + len(t.text)] == t.text
        assert t.whitespace_ in ("", " ")


_NLP: list["spacy.language.Language"] = []


def _cached_nlp() -> "spacy.language.Language":
    if not _NLP:
        _NLP.append(spacy.blank("vi", config=CONFIG))
    return _NLP[0]


class TestSerialisation:
    def test_to_from_disk(self, tmp_path: Path) -> None:
        cfg = {"nlp": {"tokenizer": {"@tokenizers": "tachtu.Tokenizer.v1", "user_dict": ["Nhà Trắng", "-cho biết"]}}}
        nlp = spacy.blank("vi", config=cfg)
        nlp.to_disk(tmp_path / "pipeline")
        loaded = spacy.load(tmp_path / "pipeline")
        assert isinstance(loaded.tokenizer, TachtuTokenizer)
        text = "Nhà Trắng cho biết"
        assert [t.text for t in loaded(text)] == [t.text for t in nlp(text)]
        assert loaded(text)[0].text == "Nhà Trắng"

    def test_user_dict_file_not_needed_after_saving(self, tmp_path: Path) -> None:
        f = tmp_path / "dict.txt"
        f.write_text("Nhà Trắng\n", encoding="utf-8")
        tok = TachtuTokenizer(spacy.blank("vi", config=CONFIG).vocab, user_dict=f)
        data = tok.to_bytes()
        f.unlink()
        restored = TachtuTokenizer(tok.vocab).from_bytes(data)
        assert restored("Nhà Trắng cho biết")[0].text == "Nhà Trắng"
        assert restored.to_bytes() == data

    def test_bytes_and_pickle_round_trip(self, nlp: "spacy.language.Language") -> None:
        tok = nlp.tokenizer
        again = TachtuTokenizer(nlp.vocab).from_bytes(tok.to_bytes())
        assert again.to_bytes() == tok.to_bytes()
        clone = pickle.loads(pickle.dumps(tok))
        text = "Xin chào Việt Nam"
        assert [t.text for t in clone(text)] == [t.text for t in tok(text)]

    def test_nlp_to_bytes(self, nlp: "spacy.language.Language") -> None:
        data = nlp.to_bytes()
        other = spacy.blank("vi", config=CONFIG).from_bytes(data)
        assert other("Xin chào").text == "Xin chào"


def test_pipe(nlp: "spacy.language.Language") -> None:
    texts = ["Xin chào", "", "Việt Nam\n"]
    assert [d.text for d in nlp.pipe(texts)] == texts


def _doc_blocks() -> list[str]:
    import re

    doc = Path(__file__).resolve().parents[1] / "docs" / "ecosystem.md"
    blocks = re.findall(r"```python\n(.*?)```", doc.read_text(encoding="utf-8"), re.S)
    return [b for b in blocks if re.search(r"^import spacy\b", b, re.M)]


@pytest.mark.parametrize("block", _doc_blocks())
def test_docs_examples(block: str) -> None:
    exec(compile(block, "docs/ecosystem.md", "exec"), {})
