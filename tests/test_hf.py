"""Hugging Face datasets helpers, on small in-memory datasets (no network)."""

from __future__ import annotations

import pickle
from typing import Any

import pytest

import tachtu
import tachtu.hf
from tachtu.errors import TachtuError

TEXTS = ["Nhà Trắng cho biết", None, "Xin chào\nViệt Nam", "", "Hôm nay,  trời đẹp."]


def expected(seg: tachtu.Segmenter) -> list[str | None]:
    return [None if t is None else seg.segment(t) for t in TEXTS]


class TestPlain:
    """No ``datasets`` needed: the helpers work on batch dicts."""

    def test_segment_batch_in_place(self) -> None:
        assert tachtu.hf.segment_batch({"text": TEXTS}) == {"text": expected(tachtu.Segmenter())}

    def test_segment_batch_output_column(self) -> None:
        out = tachtu.hf.segment_batch({"body": TEXTS, "id": list(range(5))}, column="body", output_column="seg")
        assert out == {"seg": expected(tachtu.Segmenter())}

    def test_segmenter_fn_settings(self) -> None:
        fn = tachtu.hf.segmenter_fn(user_dict=["Nhà Trắng"], normalize="tone-new")
        seg = tachtu.Segmenter(user_dict=["Nhà Trắng"], normalize="tone-new")
        assert fn({"text": TEXTS}) == {"text_seg": expected(seg)}
        assert fn({"text": ["Nhà Trắng"]})["text_seg"] == ["Nhà_Trắng"]

    def test_segmenter_built_once(self) -> None:
        fn = tachtu.hf.segmenter_fn()
        fn({"text": ["a"]})
        first = fn.segmenter()
        fn({"text": ["b"]})
        assert fn.segmenter() is first

    def test_pickle_drops_segmenter(self) -> None:
        fn = tachtu.hf.segmenter_fn(user_dict=["Nhà Trắng"])
        before = pickle.dumps(fn)
        fn({"text": ["Nhà Trắng"]})
        after = pickle.dumps(fn)
        assert before == after
        assert len(after) < 2000
        clone = pickle.loads(after)
        assert clone({"text": ["Nhà Trắng"]}) == fn({"text": ["Nhà Trắng"]})

    def test_bad_settings_fail_early(self) -> None:
        with pytest.raises(TachtuError):
            tachtu.hf.segmenter_fn(profile="nope")  # type: ignore[arg-type]
        with pytest.raises(tachtu.DictionaryError):
            tachtu.hf.segmenter_fn(user_dict=["one"])


class TestDatasets:
    @pytest.fixture(autouse=True)
    def _datasets(self) -> None:
        self.datasets = pytest.importorskip("datasets")

    def dataset(self) -> Any:
        return self.datasets.Dataset.from_dict({"id": list(range(len(TEXTS) * 4)), "text": TEXTS * 4})

    def test_map_function(self) -> None:
        ds = self.dataset().map(tachtu.hf.segment_batch, batched=True, batch_size=3)
        assert list(ds["text"]) == expected(tachtu.Segmenter()) * 4
        assert ds.column_names == ["id", "text"]

    def test_map_fn_kwargs(self) -> None:
        ds = self.dataset().map(tachtu.hf.segment_batch, batched=True, fn_kwargs={"output_column": "seg"})
        assert list(ds["seg"]) == expected(tachtu.Segmenter()) * 4
        assert list(ds["text"]) == TEXTS * 4

    def test_map_num_proc(self) -> None:
        fn = tachtu.hf.segmenter_fn(user_dict=["Nhà Trắng"])
        ds = self.dataset().map(fn, batched=True, batch_size=2, num_proc=2)
        assert list(ds["text_seg"]) == expected(tachtu.Segmenter(user_dict=["Nhà Trắng"])) * 4
        assert list(ds["text"]) == TEXTS * 4

    def test_fingerprint_stable(self) -> None:
        from datasets.fingerprint import Hasher

        fn = tachtu.hf.segmenter_fn()
        before = Hasher.hash(fn)
        fn({"text": ["Xin chào"]})
        assert Hasher.hash(fn) == before


def _doc_blocks() -> list[str]:
    import re
    from pathlib import Path

    doc = Path(__file__).resolve().parents[1] / "docs" / "ecosystem.md"
    blocks = re.findall(r"```python\n(.*?)```", doc.read_text(encoding="utf-8"), re.S)
    return [b for b in blocks if re.search(r"^from datasets\b", b, re.M)]


@pytest.mark.parametrize("block", _doc_blocks())
def test_docs_examples(block: str) -> None:
    pytest.importorskip("datasets")
    exec(compile(block, "docs/ecosystem.md", "exec"), {})
