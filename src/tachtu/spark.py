"""PySpark integration: segment a string column with a vectorised (pandas) UDF.

Install with ``pip install "tachtu[spark]"`` (pyspark, pyarrow, pandas) on the
driver, and install ``tachtu`` on every executor too (or ship its wheel with
``--py-files``): the model file is package data inside the wheel, so nothing
else has to be distributed.

::

    from tachtu.spark import segment_column
    df = segment_column(df, "text", "text_seg", profile="default")

How the model is loaded: the UDF is an ``Iterator[pd.Series] -> Iterator[pd.Series]``
pandas UDF, so Spark calls it once per partition and streams Arrow batches
through it.  It fetches its ``Segmenter`` from a small per-process cache keyed
by the settings (``_segmenter``), so a Python worker builds each configuration
once and reuses it for every later partition (Spark reuses Python workers by
default, ``spark.python.worker.reuse=true``).  The cache lives only in worker
processes that actually segment; nothing is built at import time.

Nulls stay null; the output column is a ``string`` column.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, Iterator

from .api import Segmenter
from .settings import Settings

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from pyspark.sql import Column, DataFrame

__all__ = ["segment_column", "segment_udf"]

_CACHE: dict[Settings, Segmenter] = {}
_CACHE_LOCK = threading.Lock()


def _segmenter(settings: Settings) -> Segmenter:
    """This process's ``Segmenter`` for ``settings`` (built once per process and settings)."""
    seg = _CACHE.get(settings)
    if seg is None:
        with _CACHE_LOCK:
            seg = _CACHE.get(settings)
            if seg is None:
                seg = _CACHE[settings] = settings.segmenter()
    return seg


def _segment_series(seg: Segmenter, texts: "pd.Series") -> "pd.Series":
    import pandas as pd

    return pd.Series(
        [seg.segment(t) if isinstance(t, str) else None for t in texts], index=texts.index, dtype=object
    )


def segment_udf(**settings: Any) -> Any:
    """A pandas UDF (``string -> string``) that segments a column.

    Args:
        settings: ``Settings`` keywords, as for ``tachtu.Segmenter``:
            ``profile``, ``normalize``, ``user_dict`` (entries, shipped inside
            the UDF, or a path that must exist on every executor), ``model``
            and ``stats`` (paths present on every executor, or None for the
            bundled ones).

    Returns:
        A UDF to use as ``df.withColumn("seg", udf("text"))``.

    Raises:
        TachtuError: bad settings (checked on the driver, before any job runs).
    """
    from pyspark.sql.functions import pandas_udf

    checked = Settings(**settings)
    _segmenter(checked)  # validate settings on the driver (and warm its cache)

    def segment(batches: Iterator["pd.Series"]) -> Iterator["pd.Series"]:
        seg = _segmenter(checked)
        for texts in batches:
            yield _segment_series(seg, texts)

    # Spark picks the UDF flavour from the type hints; give them as real types
    # (this module's annotations are strings and pandas is imported lazily).
    import pandas as pd

    segment.__annotations__ = {"batches": Iterator[pd.Series], "return": Iterator[pd.Series]}
    return pandas_udf(segment, "string")  # type: ignore[call-overload]


def segment_column(
    df: "DataFrame",
    input_col: str | "Column",
    output_col: str,
    **settings: Any,
) -> "DataFrame":
    """Return ``df`` with ``output_col``: the segmented text of ``input_col``.

    Args:
        df: a Spark DataFrame.
        input_col: name (or ``Column``) of a string column.
        output_col: name of the new column (replaced if it exists).
        settings: ``Settings`` keywords, see ``segment_udf``.

    Returns:
        The new DataFrame (lazy, like any Spark transformation).  Null inputs
        give null outputs.

    Example (needs a running SparkSession ``spark``)::

        df = spark.createDataFrame([("Nhà Trắng cho biết",), (None,)], ["text"])
        segment_column(df, "text", "seg").show()
    """
    from pyspark.sql.functions import col

    udf = segment_udf(**settings)
    column = col(input_col) if isinstance(input_col, str) else input_col
    return df.withColumn(output_col, udf(column))
