# cython: language_level=3
"""C declarations of the compiled gap scorer (``_scorer.pyx``), for the
compiled line path (``_line.pyx``) that calls it once per line."""

from libc.stdint cimport uint64_t, int64_t, int32_t, uint32_t, uint8_t

from ._keys cimport WTable

cdef enum:
    MAX_SLOTS = 8           # spec.MAX_SLOTS: values per template
    PAD = 2                 # features.PAD: BOS/EOS cells on each side of every row
    N_KINDS_MAX = 16        # piece kinds the joinable table holds

cdef struct TSpec:          # one template, as ``spec.Template`` says
    int mode                # MODE_DENSE / MODE_PER_ID / MODE_HASHED (see _scorer.pyx)
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
    int32_t* table          # MODE_DENSE / MODE_PER_ID

cdef struct Tables:         # everything the scorer reads; built once per model, read-only after
    WTable weights          # every feature key of the model
    WTable dicts            # dictionary entry key -> bitmask of dictionaries
    uint64_t* dict_bits     # prefilter: bit (key >> dict_bits_shift) set for every entry
    int dict_bits_shift
    TSpec* specs            # n_namespaces * n_specs: accented lines', then plain lines' (features.PLAIN_LINE_NAMESPACE)
    int n_specs             # templates per namespace
    int n_namespaces        # 2 when the model's plain_lines, else 1
    int n_shapes
    int64_t n_ids           # ids in [0, n_ids) use the per-id tables
    int64_t n_plain         # likewise plain (diacritic-free) ids
    int n_dicts             # dictionaries matched (the model's)
    int n_rows              # byte rows per line: shapes, 4 per dictionary, 3 per statistics view
    int stat_row            # the first statistics row (pair, right, left of view 0, then view 1)
    bint has_stats          # the model carries raw-text statistics (else they read as unknown)
    const uint64_t* pair_keys[2]    # per view: sorted b sid << 32 | c sid (the model's own array) ...
    const uint8_t* pair_values[2]   # ... and their classes
    Py_ssize_t* pair_rows[2]        # [b sid]: first index of b's pairs ([n + 1]: the end)
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

cdef struct ScoreBuf:       # per-line scratch of ``score_line``, reusable across lines
    Py_ssize_t cap          # pieces it has room for
    uint8_t* rows           # n_rows rows of cap + 2 * PAD bytes
    uint64_t* keybuf        # hashed keys of the line, with their gap in keygap
    uint32_t* keygap
    uint64_t* pair_cache    # per view, PAIR_CACHE recent statistics pairs: b << 40 | c << 16 | class << 8 | 1
    bint title_folded       # the caller folded the line's Title Case itself (score_line leaves the shapes)

cdef int scorebuf_reserve(ScoreBuf* buf, const Tables* T, Py_ssize_t n) except -1
cdef void scorebuf_free(ScoreBuf* buf) noexcept
cdef void score_line(const Tables* T, int64_t* w, int64_t* w2, uint8_t* s, const int32_t* sid0,
                     const int32_t* sid1, Py_ssize_t n, bint plain_line, const uint8_t* active,
                     int64_t* scores, ScoreBuf* buf) noexcept nogil

cdef class CompiledScorer:
    cdef Tables T
    cdef uint8_t joinable_table[N_KINDS_MAX * N_KINDS_MAX * 2]
    cdef object model
    cdef list _run(self, ids, shapes, plain_ids, stat_ids, bint plain_line, kinds, spaces, bint want_scores)
    cdef inline bint joinable(self, int left, int right, bint space) noexcept nogil:
        if left < 0 or right < 0 or left >= N_KINDS_MAX or right >= N_KINDS_MAX:
            return False
        return self.joinable_table[(left * N_KINDS_MAX + right) * 2 + space]
