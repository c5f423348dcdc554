# cython: language_level=3
"""C declarations of the compiled scorer's tables (``_tables.pyx`` builds them
from a model once; ``_scorer.pyx`` reads them, read-only, for every line)."""

from libc.stdint cimport uint64_t, int64_t, int32_t, uint32_t, int16_t, uint8_t

from ._keys cimport KeyFilter, WTable, mix64
from ._ngrams cimport NGroup

cdef enum:
    MAX_SLOTS = 8           # spec.MAX_SLOTS: values per template
    PAD = 2                 # features.PAD: BOS/EOS cells on each side of every row
    MODE_DENSE = 0
    MODE_PER_ID = 1
    MODE_HASHED = 2
    MODE_NGRAM = 3          # scored by its n-gram group (``_ngrams``), not per gap
    MODE_FOLDED = 4         # its table is added into another's (``_tables.fold_tables``)
    SRC_ID = 0              # w[PAD + g + off]
    SRC_ROW = 1             # rows[row][PAD + g + off], capped
    SRC_CONST = 2
    SRC_PLAIN = 3           # w2[PAD + g + off]
    ROWS_PER_DICT = 4       # PAIR, END, BEGIN, COVER (spec.Source order)
    PAIR_HOMES_PER_PAIR = 2 # home slots per statistics pair: half full
    DICT_MAX_WORD = 8       # spec.MAX_DICT_WORD (the scorer's candidate buffers hold that many ends per start)

cdef struct TSpec:          # one template, as ``spec.Template`` says
    int mode                # MODE_DENSE / MODE_PER_ID / MODE_HASHED / MODE_NGRAM / MODE_FOLDED
    uint64_t start          # key_start(template number)
    int n                   # slots
    uint8_t src[MAX_SLOTS]  # SRC_ID / SRC_PLAIN / SRC_ROW / SRC_CONST
    uint8_t row[MAX_SLOTS]  # SRC_ROW: which byte row (0: shapes, then 4 per dictionary)
    int off[MAX_SLOTS]      # offset from piece b (-2 ... 3)
    uint8_t cap[MAX_SLOTS]  # SRC_ROW: values above it read as it (0: no cap)
    uint64_t value[MAX_SLOTS]   # SRC_CONST: the value
    int id_off              # MODE_PER_ID: offset of the syllable id ...
    bint id_plain           # ... read from the plain ids ...
    int64_t id_range        # ... which index the table below this (n_ids or n_plain)
    int n_idx               # MODE_DENSE / MODE_PER_ID: the row slots that index the table ...
    uint8_t idx_row[MAX_SLOTS]  # ... their row, offset and cap (255: none) ...
    int idx_off[MAX_SLOTS]
    uint8_t idx_cap[MAX_SLOTS]
    int64_t idx_stride[MAX_SLOTS]   # ... and index weight
    int32_t* table          # MODE_DENSE / MODE_PER_ID (NULL once narrowed) ...
    int16_t* table16        # ... or the same table in int16 (``Tables.narrow``)
    int64_t table_size      # ... its cells
    TSpec* folded           # MODE_PER_ID: the templates folded into the table, for ids out of range
    int n_folded

cdef struct Tables:         # everything the scorer reads; built once per model, read-only after
    WTable weights          # every feature key of the model
    WTable dicts            # dictionary entry key -> bitmask of dictionaries
    KeyFilter dict_filter   # prefilter of the entries' keys
    TSpec* specs            # n_namespaces * n_specs: accented lines', then plain lines' (features.PLAIN_LINE_NAMESPACE)
    int n_specs             # templates per namespace
    int n_gap_specs         # ... of which scored per gap (the first ones; the rest are in groups)
    bint narrow             # every dense and per-id table is int16 (``TSpec.table16``)
    uint8_t* copied         # while building: weight-table slots a dense, per-id or match table took,
    KeyFilter present       # and a filter of the keys there
    NGroup* groups          # n_namespaces * n_groups positional n-gram groups (``_ngrams``)
    int n_groups            # per namespace
    int n_namespaces        # 2 when the model's plain_lines, else 1
    int n_shapes
    int64_t n_ids           # ids in [0, n_ids) use the per-id tables
    int64_t n_plain         # likewise plain (diacritic-free) ids
    int n_dicts             # dictionaries matched (the model's)
    int n_rows              # byte rows per line: shapes, 4 per dictionary, 3 per statistics view
    int stat_row            # the first statistics row (pair, right, left of view 0, then view 1)
    bint has_stats          # the model carries raw-text statistics (else they read as unknown)
    uint64_t* pair_table[2]         # per view: pair_key << 16 | class << 8 | 1 (0: empty) in ascending order,
    uint64_t pair_size[2]           # each at or after its home among this many (``pair_class``), then an empty slot
    uint64_t pair_slots[2]          # per view: the slots (at least ``pair_size``, so every home is one), then an empty one
    uint8_t* stat_right[2]  # per view: [sid] -> right-entropy class ([0]: unknown)
    uint8_t* stat_left[2]
    int32_t n_stat[2]       # per view: syllables the statistics know (stats ids 1..n)
    uint8_t pair_unknown    # corpus_stats.PAIR_UNKNOWN
    uint8_t pair_unseen     # corpus_stats.PAIR_UNSEEN
    uint8_t syl_unknown     # corpus_stats.SYL_UNKNOWN
    int max_dict            # spec.MAX_DICT_WORD
    int32_t* match_weights  # DICT_MATCH[namespace][dict][relation][length 0..max_dict]
    int rel_inside, rel_left, rel_right
    uint64_t dict_start     # key_start(spec.DICT_WORD)
    int64_t bos_id, eos_id
    uint8_t bos_shape, eos_shape
    uint8_t lower_shape, title_shape
    int title_line_min      # features.TITLE_LINE_MIN

cdef int tables_build(Tables* T, object model) except -1
cdef void tables_free(Tables* T) noexcept

cdef inline uint64_t pair_key(int32_t b, int32_t c) noexcept nogil:
    """The stored key of the statistics pair (b, c): a bijective mix of its 48
    bits (stats ids are below 2**24), never 0 for a known pair."""
    cdef uint64_t x = <uint64_t>b << 24 | <uint64_t>c
    x ^= x >> 24
    x = (x * <uint64_t>0xD6E8FEB86659FD93) & <uint64_t>0xFFFFFFFFFFFF
    x ^= x >> 24
    x = (x * <uint64_t>0xA3B195354A39B70D) & <uint64_t>0xFFFFFFFFFFFF
    return x ^ (x >> 24)

cdef inline uint64_t pair_home(const Tables* T, int view, uint64_t key) noexcept nogil:
    """Home slot of a pair key in view ``view``'s table: its top 32 bits scaled
    to the table, so homes rise with keys."""
    return ((key >> 16) * T.pair_size[view]) >> 32
