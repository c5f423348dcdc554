"""PySpark integration on a local[2] session (module-scoped: started once)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any, Iterator

import pytest

pytest.importorskip("pyspark")
pytest.importorskip("pyarrow")
pd = pytest.importorskip("pandas")
if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
    pytest.skip("Spark needs Java: no java on PATH and JAVA_HOME is not set", allow_module_level=True)

import tachtu  # noqa: E402
import tachtu.spark  # noqa: E402
from tachtu.errors import TachtuError  # noqa: E402
from tachtu.settings import Settings  # noqa: E402
from tachtu.spark import segment_column  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning", "ignore::DeprecationWarning")

TEXTS = ["Nhà Trắng cho biết", None, "Xin chào\nViệt Nam", "", "Hôm nay,  trời đẹp.", "học máy"]


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    from pyspark.sql import SparkSession

    # Executors are Python processes started by the JVM: make sure they import
    # this checkout of tachtu (an installed tachtu would do as well).
    src = str(Path(tachtu.__file__).resolve().parents[1])
    pythonpath = os.pathsep.join(p for p in (src, os.environ.get("PYTHONPATH")) if p)
    session = (
        SparkSession.builder.master("local[2]")
        .appName("tachtu-test")
        .config("spark.executorEnv.PYTHONPATH", pythonpath)
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.default.parallelism", "2")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def df(spark: Any) -> Any:
    rows = [(i, t) for i, t in enumerate(TEXTS * 5)]
    return spark.createDataFrame(rows, "id long, text string")  # 2 partitions (local[2])


@pytest.fixture(scope="module")
def rows(df: Any) -> list[Any]:
    """One Spark job for all checks (a job costs seconds): three UDF columns."""
    from pyspark.sql.functions import pandas_udf

    key = Settings()

    def which(batches: Iterator[pd.Series]) -> Iterator[pd.Series]:
        # After segmenting, the worker's cached Segmenter for the default settings.
        for texts in batches:
            yield pd.Series([f"{os.getpid()}:{id(tachtu.spark._segmenter(key))}"] * len(texts))

    out = segment_column(df, "text", "plain")
    out = segment_column(out, "text", "with_dict", user_dict=["học máy"])
    out = segment_column(out, "text", "tone_new", normalize="tone-new")
    out = out.withColumn("worker", pandas_udf(which, "string")("text"))
    assert out.schema["plain"].dataType.simpleString() == "string"
    return sorted(out.collect(), key=lambda r: r.id)


def expected(seg: tachtu.Segmenter) -> list[str | None]:
    return [None if t is None else seg.segment(t) for t in TEXTS * 5]


def test_segment_column(rows: list[Any]) -> None:
    assert [r.text for r in rows] == TEXTS * 5
    assert [r.plain for r in rows] == expected(tachtu.Segmenter())
    assert rows[1].plain is None  # nulls stay null


def test_user_dict_and_normalize(rows: list[Any]) -> None:
    assert [r.with_dict for r in rows] == expected(tachtu.Segmenter(user_dict=["học máy"]))
    assert rows[5].with_dict == "học_máy"
    assert [r.tone_new for r in rows] == expected(tachtu.Segmenter(normalize="tone-new"))


def test_one_segmenter_per_process(rows: list[Any]) -> None:
    by_pid: dict[str, set[str]] = {}
    for r in rows:
        pid, seg_id = r.worker.split(":")
        by_pid.setdefault(pid, set()).add(seg_id)
    assert all(len(ids) == 1 for ids in by_pid.values()), by_pid


def test_input_column_object(df: Any) -> None:
    from pyspark.sql.functions import col

    out = segment_column(df, col("text"), "seg")
    assert out.columns == ["id", "text", "seg"]  # lazy: no job runs


def test_bad_settings_fail_on_driver(df: Any) -> None:
    with pytest.raises(TachtuError):
        segment_column(df, "text", "seg", normalize="lower")  # type: ignore[arg-type]
