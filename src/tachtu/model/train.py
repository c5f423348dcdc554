"""Train the gap classifier from ``_``-segmented sentences.

Method: a linear SVM (L2-regularised, squared hinge loss: scikit-learn's
liblinear dual solver) over the features of ``features.py``: its weights are
sparse (only features of support vectors are non-zero), so the model file is
small and loads fast.  How each setting was chosen, with the figures, is in
``scripts/train_default_model.sh``.

Two dictionaries feed it: the lexicons shipped with the package, and the
multi-syllable words of the training data itself.  The latter is
*jack-knifed*: a training sentence only sees the words of the other folds, so
the model learns how far to trust the dictionary on words it has not
memorised, exactly the situation it meets at prediction time.

Needs the ``train`` extra (numpy, scikit-learn); prediction needs neither.
"""

from __future__ import annotations

import sys
import time
import zlib
from array import array
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from ..normalize import model_key, strip_diacritics, to_nfc
from ..pretokenize import Kind, pretokenize
from .features import (
    N_SPECIAL,
    NUMBER_ID,
    PLAIN_LINE_NAMESPACE,
    UNK_BASE,
    dict_matches,
    dict_word_key,
    gap_features,
    joinable,
    line_is_plain,
    shape_of,
)
from .corpus_stats import ModelStats
from .model import Model, plain_vocabulary
from .spec import N_DICTS, TEMPLATES, Template

Log = Callable[[str], None]

DEFAULT_C = 0.05  # chosen on VLSP dev and UD dev (0.03 / 0.05 / 0.1)
DEFAULT_CASE_COPIES = 0.1  # chosen on VLSP dev and UD dev, as is, lower-cased and upper-cased
DEFAULT_PLAIN_COPIES = 0.6  # share of lines added without diacritics
DEFAULT_PARTIAL_COPIES = 0.2  # share of lines added with some of their diacritics missing
PARTIAL_STRIP = 0.4  # in a partly stripped copy, the share of syllables that lose their diacritics


@dataclass
class Sentence:
    """A gold sentence as the model sees it."""

    keys: list[str]  # model_key of each piece ("" for numbers)
    shapes: list[int]
    kinds: list[Kind]
    spaces: list[bool]
    labels: list[bool]  # gap i joined in the gold segmentation
    words: list[tuple[int, int]]  # gold multi-piece words as piece ranges [start, end)
    plain: bool  # the line has no diacritic (``features.line_is_plain``)


def parse_gold(line: str) -> Sentence | None:
    """Read one ``_``-segmented line; None for a blank line.

    The line goes through NFC first, as every line to segment does, so a
    decomposed training line gives the pieces and ids prediction will see.
    """
    tokens = to_nfc(line).text.split()
    if not tokens:
        return None
    raw = " ".join(t.replace("_", " ") for t in tokens)
    joined_at: set[int] = set()  # offsets in raw of spaces that were "_"
    word_spans: list[tuple[int, int]] = []
    pos = 0
    for t in tokens:
        for k, ch in enumerate(t):
            if ch == "_":
                joined_at.add(pos + k)
        word_spans.append((pos, pos + len(t)))
        pos += len(t) + 1
    pieces = pretokenize(raw)
    keys, shapes, kinds, spaces = [], [], [], []
    for p in pieces:
        text = raw[p.start : p.end]
        keys.append("" if p.kind == Kind.NUMBER else model_key(text))
        shapes.append(int(shape_of(text, p.kind)))
        kinds.append(p.kind)
        spaces.append(p.space_before)
    labels = []
    for i in range(len(pieces) - 1):
        gap = range(pieces[i].end, pieces[i + 1].start)
        labels.append(any(g in joined_at for g in gap))
    words = []
    starts = {p.start: i for i, p in enumerate(pieces)}
    ends = {p.end: i for i, p in enumerate(pieces)}
    for ws, we in word_spans:
        if ws in starts and we in ends and ends[we] > starts[ws]:
            words.append((starts[ws], ends[we] + 1))
    return Sentence(keys, shapes, kinds, spaces, labels, words, line_is_plain(raw))


def read_lexicon(paths: Iterable[Path]) -> list[list[str]]:
    """Dictionary entries as lists of piece keys (entries of 2+ pieces only)."""
    entries = []
    for path in paths:
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            line = line.strip().replace("_", " ")
            pieces = pretokenize(line)
            if len(pieces) < 2 or any(p.kind in (Kind.NUMBER, Kind.PUNCT) for p in pieces):
                continue
            entries.append([model_key(line[p.start : p.end]) for p in pieces])
    return entries


def case_copies(lines: Sequence[str], fraction: float) -> list[str]:
    """An upper-cased copy of ``fraction`` of the distinct lines, and a lower-cased
    copy of another ``fraction``.

    Why: the model reads case through its shape features, and news text has
    almost no all-caps or all-lower-case sentences; without the copies every
    capitalised syllable pair of an all-caps line looks like a name or an
    acronym, and lower-case names go unjoined.  (Title Case lines
    are read as lower case instead: ``features.fold_title_line``.)  Lines are
    picked by a hash of their text, so the choice does not depend on their order.
    """
    if not 0 <= fraction <= 0.5:
        raise ValueError(f"the case-copy fraction must be between 0 and 0.5, not {fraction}")
    out = []
    for line in dict.fromkeys(lines):
        pick = zlib.crc32(line.encode("utf-8")) / 2**32
        if pick < fraction:
            out.append(line.upper())
        elif pick < 2 * fraction:
            out.append(line.lower())
    return out


def plain_copies(lines: Sequence[str], fraction: float, partial: float) -> list[str]:
    """A copy without diacritics of ``fraction`` of the lines, and a copy of
    another ``partial`` share with the diacritics of ``PARTIAL_STRIP`` of its
    syllables removed.

    Why: much real text is typed without diacritics (queries, chat, old
    systems) or with some missing; with no such line in training the model
    barely segments it (close to splitting everything).  The copies teach the
    ``PLAIN`` templates, which read every syllable by its diacritic-free
    spelling, and the weights of lines without any diacritic (``plain_lines``).
    ``strip_diacritics`` is 1:1 per code point, so the gold ``_`` joiners stay
    where they were.  Lines and syllables are picked by hashes of their text.
    """
    if not (0 <= fraction and 0 <= partial and fraction + partial <= 1):
        raise ValueError(f"the plain-copy shares must be >= 0 and add up to at most 1, not {fraction} and {partial}")
    out = []
    for line in lines:  # repeated lines are copied as often as they occur: the mix's weights stay
        line = to_nfc(line).text
        pick = zlib.crc32(line.encode("utf-8"), 7) / 2**32
        if pick < fraction:
            out.append(strip_diacritics(line))
        elif pick < fraction + partial:
            words = line.split(" ")
            out.append(" ".join(
                "_".join(strip_diacritics(syl) if zlib.crc32(f"{k} {j} {syl}".encode("utf-8"), 11) / 2**32 < PARTIAL_STRIP
                         else syl for j, syl in enumerate(word.split("_")))
                for k, word in enumerate(words)))
    return out


class _Columns:
    """Feature key → column index, with occurrence counts."""

    def __init__(self) -> None:
        self.index: dict[int, int] = {}
        self.counts = array("q")

    def add(self, key: int) -> int:
        col = self.index.get(key)
        if col is None:
            col = self.index[key] = len(self.counts)
            self.counts.append(0)
        self.counts[col] += 1
        return col


@dataclass
class Dataset:
    """Gap feature matrix plus what is needed to turn weights into a Model."""

    x: object  # scipy.sparse.csr_matrix, one row per joinable gap
    y: object  # numpy int8 labels (1 = joined)
    keys: object  # numpy uint64 feature key of each column
    vocab: list[str]
    dictionaries: list[array]
    sentences: int
    templates: tuple[Template, ...]
    stats: ModelStats | None
    plain_lines: bool


def build_dataset(
    train_lines: Iterable[str],
    lexicon_paths: Sequence[Path] = (),
    *,
    folds: int = 5,
    min_vocab_count: int = 2,
    min_feature_count: int = 2,
    case_fraction: float = DEFAULT_CASE_COPIES,
    plain_fraction: float = DEFAULT_PLAIN_COPIES,
    partial_fraction: float = DEFAULT_PARTIAL_COPIES,
    templates: tuple[Template, ...] = TEMPLATES,
    stats: ModelStats | None = None,
    plain_lines: bool = True,
    log: Log = lambda msg: print(msg, file=sys.stderr),
) -> Dataset:
    """Extract the training matrix.

    Args:
        train_lines: ``_``-segmented sentences, one per item.
        lexicon_paths: word lists (one entry per line) used as dictionary 0.
        folds: jack-knife folds for the training-words dictionary.
        min_vocab_count: syllables seen less often are treated as unknown, so
            the model learns what to do with unknown syllables.
        min_feature_count: features seen less often are dropped.
        case_fraction: share of the distinct lines added upper-cased, and
            again lower-cased (see ``case_copies``); 0 adds none.
        plain_fraction: share of the lines added without diacritics (see
            ``plain_copies``; repeated lines count as often as they occur); 0 adds none.
        partial_fraction: share of the lines added with some diacritics
            missing; 0 adds none.
        templates: the feature templates (``spec.TEMPLATES`` by default).
        stats: raw-text statistics for the ``STAT_*`` templates (``tachtu
            stats``, then ``ModelStats.from_syllable_stats``); None: none,
            and the templates that read statistics are left out.
        plain_lines: lines without any diacritic get weights of their own
            (learnt from the stripped copies), so that they do not pull the
            weights of accented text towards the blurred spelling.
        log: receives progress messages.
    """
    import numpy as np
    from scipy.sparse import csr_matrix

    t0 = time.perf_counter()
    if stats is None:  # templates that read statistics would only see "unknown"
        templates = tuple(t for t in templates if not t.reads_statistics)
    lines = list(train_lines)
    sentences = [s for s in map(parse_gold, lines) if s is not None]
    if not sentences:
        raise ValueError("no training sentences")
    # The vocabulary is counted before the case copies, which would otherwise
    # lift some once-seen syllables over min_vocab_count.
    counts = Counter(k for s in sentences for k, kind in zip(s.keys, s.kinds) if kind != Kind.NUMBER)
    copies = [s for s in map(parse_gold, case_copies(lines, case_fraction)) if s is not None]
    plain = [s for s in map(parse_gold, plain_copies(lines, plain_fraction, partial_fraction)) if s is not None]
    sentences += copies + plain
    log(f"read {len(sentences)} sentences, {len(copies)} of them case copies, {len(plain)} without some or all "
        f"diacritics ({time.perf_counter() - t0:.1f}s)")

    lexicon = read_lexicon(lexicon_paths)
    vocab_set = {k for k, n in counts.items() if n >= min_vocab_count}
    vocab_set.update(k for entry in lexicon for k in entry)
    vocab = sorted(vocab_set)
    index = {k: i + N_SPECIAL for i, k in enumerate(vocab)}
    plain_index = {k: i + N_SPECIAL for i, k in enumerate(plain_vocabulary(vocab))}

    def ids_of(s: Sentence, index: dict[str, int], fold: Callable[[str], str]) -> list[int]:
        return [
            NUMBER_ID if kind == Kind.NUMBER else index.get(fold(k), UNK_BASE + shape)
            for k, kind, shape in zip(s.keys, s.kinds, s.shapes)
        ]

    all_ids = [ids_of(s, index, str) for s in sentences]
    all_plain = [ids_of(s, plain_index, strip_diacritics) for s in sentences]

    def stat_ids_of(s: Sentence) -> tuple[list[int], list[int]] | None:
        if stats is None:
            return None
        pairs = [stats.ids(k, strip_diacritics(k)) if kind == Kind.WORD else (0, 0)
                 for k, kind in zip(s.keys, s.kinds)]
        return [p[0] for p in pairs], [p[1] for p in pairs]
    dict0 = {dict_word_key([index[k] for k in entry]) for entry in lexicon}

    # Training-words dictionary, jack-knifed by fold.
    word_folds: dict[int, Counter[int]] = {}
    for n, (s, ids) in enumerate(zip(sentences, all_ids)):
        for ws, we in s.words:
            word_ids = ids[ws:we]
            if all(i >= N_SPECIAL for i in word_ids):
                word_folds.setdefault(dict_word_key(word_ids), Counter())[n % folds] += 1
    dict1_full = set(word_folds)
    dict1_by_fold = [
        frozenset(k for k, c_ in word_folds.items() if sum(c_.values()) - c_[f] > 0) for f in range(folds)
    ]
    log(f"vocab {len(vocab)}, lexicon words {len(dict0)}, training words {len(dict1_full)}")

    columns = _Columns()
    indices = array("i")
    indptr = array("q", [0])
    y = array("b")
    dict0_frozen = frozenset(dict0)
    for n, (s, ids, plain_ids) in enumerate(zip(sentences, all_ids, all_plain)):
        matches = dict_matches(ids, [dict0_frozen, dict1_by_fold[n % folds]])
        namespace = PLAIN_LINE_NAMESPACE if plain_lines and s.plain else 0
        feats = gap_features(ids, s.shapes, matches, templates, N_DICTS, plain_ids, stats, stat_ids_of(s), namespace)
        for i, keys in enumerate(feats):
            if not joinable(s.kinds[i], s.kinds[i + 1], s.spaces[i + 1]):
                continue
            for k in keys:
                indices.append(columns.add(k))
            indptr.append(len(indices))
            y.append(1 if s.labels[i] else 0)
    log(f"{len(y)} gaps, {len(columns.counts)} features ({time.perf_counter() - t0:.1f}s)")

    counts_np = np.frombuffer(columns.counts, dtype=np.int64)
    keep = counts_np >= min_feature_count
    n_kept = int(keep.sum())
    remap = np.full(len(counts_np), -1, dtype=np.int64)
    remap[keep] = np.arange(n_kept)
    col = remap[np.frombuffer(indices, dtype=np.int32)]
    row = np.repeat(np.arange(len(y)), np.diff(np.frombuffer(indptr, dtype=np.int64)))
    mask = col >= 0
    x = csr_matrix(
        (np.ones(int(mask.sum()), dtype=np.float64), (row[mask], col[mask])),
        shape=(len(y), n_kept),
    )
    x.sum_duplicates()
    all_keys = np.fromiter(columns.index.keys(), dtype=np.uint64, count=len(columns.index))
    all_cols = np.fromiter(columns.index.values(), dtype=np.int64, count=len(columns.index))
    kept_keys = np.empty(n_kept, dtype=np.uint64)
    kept = remap[all_cols] >= 0
    kept_keys[remap[all_cols[kept]]] = all_keys[kept]
    log(f"kept {n_kept} features ({time.perf_counter() - t0:.1f}s)")
    return Dataset(
        x,
        np.frombuffer(y, dtype=np.int8),
        kept_keys,
        vocab,
        [array("Q", sorted(dict0)), array("Q", sorted(dict1_full))],
        len(sentences),
        tuple(templates),
        stats,
        plain_lines,
    )


def fit(data: Dataset, *, c: float = DEFAULT_C, log: Log = lambda msg: print(msg, file=sys.stderr)) -> Model:
    """Fit the linear SVM on ``data`` and quantise it into a Model."""
    import numpy as np
    from sklearn.svm import LinearSVC

    t0 = time.perf_counter()
    clf = LinearSVC(C=c, loss="squared_hinge", dual=True, fit_intercept=False, max_iter=2000, random_state=0)
    clf.fit(data.x, data.y)
    scale = 10000.0  # SVM weights are small: 1e-4 resolution keeps the decisions of the float model
    q = np.rint(clf.coef_[0] * scale).astype(np.int64)
    nz = q != 0
    order = np.argsort(data.keys[nz])
    keys_arr = array("Q", data.keys[nz][order].tolist())
    weights_arr = array("i", np.clip(q[nz][order], -(2**31), 2**31 - 1).tolist())
    log(f"fitted C={c} in {time.perf_counter() - t0:.1f}s: {len(keys_arr)} non-zero weights")
    return Model(data.vocab, keys_arr, weights_arr, data.dictionaries, scale, {"c": c, "sentences": data.sentences},
                 data.templates, data.stats, data.plain_lines)


def train(
    train_lines: Iterable[str],
    lexicon_paths: Sequence[Path] = (),
    *,
    c: float = DEFAULT_C,
    log: Log = lambda msg: print(msg, file=sys.stderr),
    **options: Any,
) -> Model:
    """Train a model: ``build_dataset`` (``options`` are its keyword
    arguments), then ``fit`` with SVM regularisation ``c``."""
    return fit(build_dataset(train_lines, lexicon_paths, log=log, **options), c=c, log=log)
