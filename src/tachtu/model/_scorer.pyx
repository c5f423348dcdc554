# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Compiled gap scorer and per-line segmenter: the C twin of ``scorer_ref.py``
plus the per-line work of ``api.Segmenter._line_tokens``.

Layout (built once per model, read-only afterwards, so shared by threads):

* ``WTable``: every feature key of the model in one open-addressing table
  ``uint64 key -> int32 weight`` (12-byte slots, load <= 0.5, linear probing,
  slot = top bits of the key, which ``feature_key``'s final xor-shift leaves
  well mixed).  Key 0 is kept aside since 0 marks an empty slot.
* Templates with no syllable id (shape-only) become dense tables indexed by the
  packed shapes; templates with one id and at most one shape become flat
  ``int32`` arrays indexed ``shape * n_ids + id`` (no hashing for unigrams,
  cf. vaporetto ``PositionalWeight``); the rest are hashed per gap.
* Dictionary entries: one table ``key -> bitmask of dictionaries``, and the
  ``(dict, relation, length)`` weights as a dense array.

Worked example (default model): 9124 ids, 12 shapes; ``Template.B`` is an
``int32[9124]`` array, ``SHAPE_B_C`` an ``int32[12 * 9124]`` array,
``SHAPE_ABCD`` an ``int32[12**4]`` array, and ``AB``/``ABC``/... are looked up in
the 2**21-slot ``WTable``.

The per-line path (``LineSegmenter``) splits the line on whitespace into
chunks and caches, per distinct chunk (and the class of the next non-space
character, the only context the pretokenizer's lookaheads can see across
whitespace), its pieces with their ids and shapes.  A cache miss runs the
pretokenizer regex *on the line itself* at the chunk's position and calls the
encoder, so cached values are exactly what the reference path computes.

A user dictionary (``userdict.UserDict``) is matched here too, with no Python
per line: each table becomes a trie over syllable ids (``UserTrie``), each
cached piece also carries its place in the tries (``PieceMatch``), and
``user_dict_apply`` rewrites the join decisions as ``UserDict.apply`` does.
"""

from libc.stdint cimport uint64_t, int64_t, int32_t, uint32_t, uint8_t
from libc.stdlib cimport malloc, calloc, realloc, free
from libc.string cimport memcpy, memset, memcmp

cdef extern from "Python.h":
    bint Py_UNICODE_ISSPACE(Py_UCS4 ch) nogil
    bint Py_UNICODE_ISALNUM(Py_UCS4 ch) nogil
    bint Py_UNICODE_ISDECIMAL(Py_UCS4 ch) nogil
    Py_UCS4* PyUnicode_AsUCS4(object u, Py_UCS4* buffer, Py_ssize_t buflen, int copy_null) except NULL
    Py_UCS4* PyUnicode_AsUCS4Copy(object u) except NULL
    void PyMem_Free(void* p)
    object PyUnicode_FromKindAndData(int kind, const void* buffer, Py_ssize_t size)
    object PyUnicode_Substring(object s, Py_ssize_t start, Py_ssize_t end)
    int PyUnicode_4BYTE_KIND

cdef extern from *:
    """
    #define TACHTU_SEED 0x9E3779B97F4A7C15ULL
    #define TACHTU_MULT 0xBF58476D1CE4E5B9ULL
    #define TACHTU_FNV_OFFSET 0xCBF29CE484222325ULL
    #define TACHTU_FNV_PRIME 0x100000001B3ULL
    #include <stdlib.h>
    #include <string.h>
    #if defined(__linux__)
    #include <sys/mman.h>
    #endif
    /* Zeroed memory for the big read-only tables; on Linux in 2 MiB-aligned
       blocks marked for transparent huge pages (fewer TLB misses on random
       lookups).  Free with tachtu_big_free. */
    static void* tachtu_big_alloc(size_t size) {
    #if defined(__linux__) && defined(MADV_HUGEPAGE)
        const size_t huge = (size_t)2 << 20;
        if (size >= huge) {
            void* p = NULL;
            size_t rounded = (size + huge - 1) & ~(huge - 1);
            if (posix_memalign(&p, huge, rounded) == 0) {
                madvise(p, rounded, MADV_HUGEPAGE);
                memset(p, 0, rounded);
                return p;
            }
            return NULL;
        }
    #endif
        return calloc(size, 1);
    }
    static void tachtu_big_free(void* p) { free(p); }
    #if defined(__GNUC__) || defined(__clang__)
    #define TACHTU_PREFETCH(p) __builtin_prefetch((const void*)(p))
    #else
    #define TACHTU_PREFETCH(p) ((void)0)
    #endif
    """
    uint64_t TACHTU_SEED
    uint64_t TACHTU_MULT
    uint64_t TACHTU_FNV_OFFSET
    uint64_t TACHTU_FNV_PRIME
    void TACHTU_PREFETCH(const void* p) nogil
    void* tachtu_big_alloc(size_t size) nogil
    void tachtu_big_free(void* p) nogil

cdef enum:
    MAX_VALUES = 8          # values per template
    MODE_DENSE = 0          # shapes only: table[packed shapes]
    MODE_PER_ID = 1         # one id (+ at most one shape): table[shape * n_ids + id]
    MODE_HASHED = 2         # everything else: WTable lookup
    PAD = 2                 # BOS/EOS pieces on each side (positions z..e)
    CTX_EOL = 0
    CTX_LETTER = 1
    CTX_DIGIT = 2
    CTX_OTHER = 3
    MAX_CACHED_CHUNK = 64   # longer chunks are pretokenized every time
    CACHE_MAX_ENTRIES = 1 << 18
    N_KINDS_MAX = 16
    PREFETCH_AHEAD = 16     # weight-table lookups in flight
    NOGIL_MIN_PIECES = 48   # release the GIL for lines at least this long
    CTX_DICTS = 2           # features.N_DICTS: dictionaries seen by the DICT_* context templates
    CTX_CAP = 4             # features.SPAN_CAP
    AFFIX_CAP = 3           # features.AFFIX_CAP
    TITLE_LINE_MIN = 4      # features.TITLE_LINE_MIN
    CTX_ROWS = 4            # per dictionary: ends, begins, covers, pairs (see dict_scores)
    FLAG_VIA_NFC = 1        # the line was not NFC: pieces index the NFC copy
    FLAG_MAPPED = 2         # ... and the Normalized map gives original spans


# ---------------------------------------------------------------------------
# Feature keys: must equal features.feature_key (uint64 arithmetic wraps
# exactly like the Python ``& MASK64``).
cdef inline uint64_t key_start(uint64_t template) noexcept nogil:
    return (template + 1) * TACHTU_SEED

cdef inline uint64_t key_add(uint64_t h, uint64_t value) noexcept nogil:
    return (h ^ value) * TACHTU_MULT

cdef inline uint64_t key_end(uint64_t h) noexcept nogil:
    return h ^ (h >> 31)


def fkey(template, *values):
    """``features.feature_key`` computed in C (for tests)."""
    cdef uint64_t h = key_start(<uint64_t>(template & 0xFFFFFFFFFFFFFFFF))
    for v in values:
        h = key_add(h, <uint64_t>(v & 0xFFFFFFFFFFFFFFFF))
    return key_end(h)


# ---------------------------------------------------------------------------
# uint64 -> int32 open-addressing table.
cdef packed struct WSlot:
    uint64_t key
    int32_t value

cdef struct WTable:
    WSlot* slots
    uint64_t mask
    int shift
    bint has_zero
    int32_t zero_value

cdef int wt_init(WTable* t, Py_ssize_t n) except -1:
    cdef int bits = 4
    while (<Py_ssize_t>1 << bits) < 2 * n:
        bits += 1
    t.slots = <WSlot*>tachtu_big_alloc((<size_t>1 << bits) * sizeof(WSlot))
    if t.slots == NULL:
        raise MemoryError()
    t.mask = (<uint64_t>1 << bits) - 1
    t.shift = 64 - bits
    t.has_zero = False
    t.zero_value = 0
    return 0

cdef void wt_free(WTable* t) noexcept:
    tachtu_big_free(t.slots)
    t.slots = NULL

cdef void wt_put(WTable* t, uint64_t key, int32_t value) noexcept nogil:
    """Insert or overwrite (the last duplicate wins, like ``dict(zip(...))``)."""
    if key == 0:
        t.has_zero = True
        t.zero_value = value
        return
    cdef uint64_t i = key >> t.shift
    while t.slots[i].key != 0 and t.slots[i].key != key:
        i = (i + 1) & t.mask
    t.slots[i].key = key
    t.slots[i].value = value

cdef inline int32_t wt_get(const WTable* t, uint64_t key) noexcept nogil:
    if key == 0:
        return t.zero_value if t.has_zero else 0
    cdef uint64_t i = key >> t.shift
    cdef uint64_t k
    while True:
        k = t.slots[i].key
        if k == key:
            return t.slots[i].value
        if k == 0:
            return 0
        i = (i + 1) & t.mask

cdef inline void wt_prefetch(const WTable* t, uint64_t key) noexcept nogil:
    TACHTU_PREFETCH(&t.slots[key >> t.shift])


# ---------------------------------------------------------------------------
# Templates.
cdef struct TSpec:
    int mode
    uint64_t start           # key_start(template)
    int n                    # number of values
    int pos[MAX_VALUES]      # offset of each value from b (z=-2 ... e=3)
    int is_shape[MAX_VALUES]
    int id_pos               # MODE_PER_ID: offset of the id
    int shape_pos            # MODE_PER_ID: offset of the shape, or -100 for none
    int32_t* table           # MODE_DENSE / MODE_PER_ID

cdef struct Tables:
    WTable weights
    WTable dicts             # dictionary entry key -> bitmask of dictionaries
    uint64_t* dict_bits      # prefilter: bit (key >> dict_bits_shift) set for every entry
    int dict_bits_shift
    TSpec* specs
    int n_specs
    int n_shapes
    int64_t n_ids            # ids in [0, n_ids) use the per-id arrays
    int n_dicts
    int max_dict             # features.MAX_DICT_WORD
    int32_t* dict_weights    # [n_dicts][3 relations][max_dict + 1]
    int rel_inside, rel_left, rel_right
    uint64_t dict_start      # key_start(Template.DICT_WORD)
    int32_t overlap_weights[CTX_DICTS * 8]          # DICT_OVERLAP[d][prev pair][pair][next pair]
    int32_t span_weights[CTX_DICTS * 125]           # DICT_SPAN[d][end][begin][cover], each 0..CTX_CAP
    int32_t* span_both_weights                      # DICT_SPAN_BOTH[5 ** 6]
    int32_t* end_c_weights                          # DICT_END_C[d][end 0..AFFIX_CAP][c id < n_ids]
    int32_t* b_begin_weights                        # B_DICT_BEGIN[d][begin 0..AFFIX_CAP][b id < n_ids]
    uint64_t end_c_start, b_begin_start             # key_start of the two affix templates
    int32_t* cover_shape_weights                    # DICT_COVER_SHAPES[d][cover 0..CTX_CAP][sb][sc]
    int64_t bos_id, eos_id
    uint8_t bos_shape, eos_shape
    uint8_t lower_shape, title_shape


cdef void fold_title_line(const Tables* T, uint8_t* s, Py_ssize_t n) noexcept nogil:
    """``features.fold_title_line`` in place on the ``n`` shapes at ``s``."""
    cdef Py_ssize_t i, titles = 0
    for i in range(n):
        if s[i] == T.lower_shape:
            return
        titles += s[i] == T.title_shape
    if titles < TITLE_LINE_MIN:
        return
    for i in range(n):
        if s[i] == T.title_shape:
            s[i] = T.lower_shape


cdef inline uint64_t spec_key(const TSpec* sp, const int64_t* w, const uint8_t* s) noexcept nogil:
    cdef uint64_t h = sp.start
    cdef int j
    for j in range(sp.n):
        if sp.is_shape[j]:
            h = key_add(h, s[sp.pos[j]])
        else:
            h = key_add(h, <uint64_t>w[sp.pos[j]])
    return key_end(h)


cdef void score_gaps(const Tables* T, const int64_t* w, const uint8_t* s, Py_ssize_t n,
                     const uint8_t* active, int64_t* scores, uint64_t* keybuf,
                     uint32_t* keygap) noexcept nogil:
    """Add the template weights of every active gap to ``scores``.

    ``w``/``s`` are padded: ``w[PAD + i]`` is piece ``i``; the PAD cells on
    each side hold BOS/EOS, so positions z..e never leave the arrays.
    Hashed keys are collected first (``keybuf``, with their gap in ``keygap``)
    and then looked up with a prefetch ``PREFETCH_AHEAD`` keys ahead, so that
    the weight table's cache misses overlap.
    """
    cdef Py_ssize_t g, idx, k
    cdef int t, j
    cdef const TSpec* sp
    cdef const int64_t* wg
    cdef const uint8_t* sg
    cdef int64_t total
    cdef const WTable* wt = &T.weights
    cdef Py_ssize_t nkeys = 0
    # pass 1: dense and per-id tables; hashed keys into keybuf
    for g in range(n - 1):
        if not active[g]:
            continue
        wg = w + PAD + g      # wg[0] is b
        sg = s + PAD + g
        total = 0
        for t in range(T.n_specs):
            sp = &T.specs[t]
            if sp.mode == MODE_DENSE:
                idx = 0
                for j in range(sp.n):
                    idx = idx * T.n_shapes + sg[sp.pos[j]]
                total += sp.table[idx]
            elif sp.mode == MODE_PER_ID and <uint64_t>wg[sp.id_pos] < <uint64_t>T.n_ids:
                idx = wg[sp.id_pos]
                if sp.shape_pos != -100:
                    idx += sg[sp.shape_pos] * T.n_ids
                total += sp.table[idx]
            else:
                keybuf[nkeys] = spec_key(sp, wg, sg)
                keygap[nkeys] = <uint32_t>g
                nkeys += 1
        scores[g] += total
    # pass 2: hashed lookups
    for k in range(min(nkeys, PREFETCH_AHEAD)):
        wt_prefetch(wt, keybuf[k])
    for k in range(nkeys):
        if k + PREFETCH_AHEAD < nkeys:
            wt_prefetch(wt, keybuf[k + PREFETCH_AHEAD])
        scores[keygap[k]] += wt_get(wt, keybuf[k])


cdef void dict_scores(const Tables* T, const int64_t* ids, const uint8_t* shapes, Py_ssize_t n,
                      int64_t* scores, uint8_t* ctx) noexcept nogil:
    """Add dictionary-match features (``features.dict_matches``) to ``scores``.

    ``ctx`` is scratch of ``CTX_DICTS * CTX_ROWS * n`` bytes for the context
    templates (``features._add_dict_context``): row ``d * CTX_ROWS + r`` holds,
    per piece ``j``, the longest match (capped) ending at j (r=0), starting at j
    (r=1), covering gap j (r=2), and whether a 2-piece match starts at j (r=3).
    """
    cdef Py_ssize_t start, end, lim, gap, length
    cdef uint64_t h, key, bit
    cdef int32_t mask
    cdef int d
    cdef int stride = T.max_dict + 1
    cdef uint8_t capped
    cdef uint8_t* row
    memset(ctx, 0, CTX_DICTS * CTX_ROWS * n)
    for start in range(n - 1):
        h = key_add(T.dict_start, <uint64_t>ids[start])
        lim = start + T.max_dict
        if lim > n:
            lim = n
        for end in range(start + 1, lim):
            h = key_add(h, <uint64_t>ids[end])
            key = key_end(h)
            bit = key >> T.dict_bits_shift
            if not (T.dict_bits[bit >> 6] >> (bit & 63)) & 1:
                continue
            mask = wt_get(&T.dicts, key)
            if mask == 0:
                continue
            length = end - start + 1
            for d in range(T.n_dicts):
                if not (mask >> d) & 1:
                    continue
                for gap in range(start, end):
                    scores[gap] += T.dict_weights[(d * 3 + T.rel_inside) * stride + length]
                if start > 0:
                    scores[start - 1] += T.dict_weights[(d * 3 + T.rel_left) * stride + length]
                if end < n - 1:
                    scores[end] += T.dict_weights[(d * 3 + T.rel_right) * stride + length]
                capped = <uint8_t>(length if length < CTX_CAP else CTX_CAP)
                row = ctx + d * CTX_ROWS * n
                if row[end] < capped:
                    row[end] = capped
                if row[n + start] < capped:
                    row[n + start] = capped
                for gap in range(start, end):
                    if row[2 * n + gap] < capped:
                        row[2 * n + gap] = capped
                if length == 2:
                    row[3 * n + start] = 1
    dict_context_scores(T, ids, shapes, n, scores, ctx)


cdef inline uint64_t affix_key(uint64_t start, int d, int64_t ident, int length, bint id_first) noexcept nogil:
    """Key of a DICT_END_C ``(d, length, id)`` or B_DICT_BEGIN ``(d, id, length)`` feature."""
    cdef uint64_t h = key_add(start, <uint64_t>d)
    if id_first:
        return key_end(key_add(key_add(h, <uint64_t>ident), <uint64_t>length))
    return key_end(key_add(key_add(h, <uint64_t>length), <uint64_t>ident))


cdef inline int32_t affix_weight(const Tables* T, const int32_t* table, uint64_t start, int d,
                                 int64_t ident, int length, bint id_first) noexcept nogil:
    """One affix weight: the flat table for vocabulary ids, a hashed lookup for any other id."""
    if <uint64_t>ident < <uint64_t>T.n_ids:
        return table[(d * (AFFIX_CAP + 1) + length) * T.n_ids + ident]
    return wt_get(&T.weights, affix_key(start, d, ident, length, id_first))


cdef void dict_context_scores(const Tables* T, const int64_t* ids, const uint8_t* shapes, Py_ssize_t n,
                              int64_t* scores, const uint8_t* ctx) noexcept nogil:
    """Add the DICT_OVERLAP / DICT_SPAN / DICT_SPAN_BOTH / affix / cover-shape weights of every gap."""
    cdef Py_ssize_t i
    cdef int d, both, end, begin
    cdef const uint8_t* row
    cdef int span
    for i in range(n - 1):
        both = 0
        for d in range(CTX_DICTS):
            row = ctx + d * CTX_ROWS * n
            scores[i] += T.overlap_weights[d * 8 + (row[3 * n + i - 1] if i else 0) * 4
                                           + row[3 * n + i] * 2 + row[3 * n + i + 1]]
            span = (row[i] * 5 + row[n + i + 1]) * 5 + row[2 * n + i]
            scores[i] += T.span_weights[d * 125 + span]
            both = both * 125 + span
            end = row[i] if row[i] < AFFIX_CAP else AFFIX_CAP
            begin = row[n + i + 1] if row[n + i + 1] < AFFIX_CAP else AFFIX_CAP
            scores[i] += affix_weight(T, T.end_c_weights, T.end_c_start, d, ids[i + 1], end, False)
            scores[i] += affix_weight(T, T.b_begin_weights, T.b_begin_start, d, ids[i], begin, True)
            scores[i] += T.cover_shape_weights[((d * (CTX_CAP + 1) + row[2 * n + i]) * T.n_shapes
                                                + shapes[i]) * T.n_shapes + shapes[i + 1]]
        scores[i] += T.span_both_weights[both]


cdef class CompiledScorer:
    """Compiled twin of ``ReferenceScorer``: identical ``scores``/``joins``.

    >>> from tachtu.model.model import Model
    >>> CompiledScorer(Model.load()).joins([100, 200], [2, 2], [0, 0], [True, True]) in ([True], [False])
    True
    """

    cdef Tables T
    cdef uint8_t joinable_table[N_KINDS_MAX * N_KINDS_MAX * 2]
    cdef int n_kinds
    cdef object model

    def __cinit__(self):
        memset(&self.T, 0, sizeof(Tables))

    def __init__(self, model, templates=None):
        import itertools

        from . import features
        from .features import Relation, Shape, Template
        from .fast import GAP_TEMPLATES, parse_template

        if templates is None:
            templates = GAP_TEMPLATES
        self.model = model
        cdef Tables* T = &self.T
        cdef const uint64_t[::1] keys = model.keys
        cdef const int32_t[::1] weights = model.weights
        cdef const uint64_t[::1] dkeys
        cdef Py_ssize_t i, n = keys.shape[0]
        wt_init(&T.weights, n)
        with nogil:
            for i in range(n):
                wt_put(&T.weights, keys[i], weights[i])

        T.n_shapes = len(Shape)
        T.n_ids = features.N_SPECIAL + len(model.vocab)
        T.bos_id = features.BOS_ID
        T.eos_id = features.EOS_ID
        T.bos_shape = int(Shape.BOS)
        T.eos_shape = int(Shape.EOS)
        T.lower_shape = int(Shape.LOWER)
        T.title_shape = int(Shape.TITLE)
        if features.TITLE_LINE_MIN != TITLE_LINE_MIN:
            raise ValueError("the compiled scorer was built for another TITLE_LINE_MIN")

        # dictionaries
        T.n_dicts = len(model.dictionaries)
        if T.n_dicts > 31:
            raise ValueError("at most 31 dictionaries are supported")
        T.max_dict = features.MAX_DICT_WORD
        n_entries = sum(len(d) for d in model.dictionaries)
        wt_init(&T.dicts, n_entries)
        cdef int d, r, length, bits = 12
        cdef uint64_t key, bit
        while (<Py_ssize_t>1 << bits) < 16 * n_entries:     # about 1 false positive in 16
            bits += 1
        T.dict_bits_shift = 64 - bits
        T.dict_bits = <uint64_t*>calloc((<size_t>1 << bits) // 64, sizeof(uint64_t))
        if T.dict_bits == NULL:
            raise MemoryError()
        for d in range(T.n_dicts):
            dkeys = model.dictionaries[d]
            for i in range(dkeys.shape[0]):
                key = dkeys[i]
                wt_put(&T.dicts, key, wt_get(&T.dicts, key) | (1 << d))
                bit = key >> T.dict_bits_shift
                T.dict_bits[bit >> 6] |= (<uint64_t>1) << (bit & 63)
        T.dict_start = key_start(int(Template.DICT_WORD))
        T.rel_inside = int(Relation.INSIDE)
        T.rel_left = int(Relation.LEFT)
        T.rel_right = int(Relation.RIGHT)
        cdef int stride = T.max_dict + 1
        T.dict_weights = <int32_t*>calloc(max(T.n_dicts, 1) * 3 * stride, sizeof(int32_t))
        if T.dict_weights == NULL:
            raise MemoryError()
        for d in range(T.n_dicts):
            for r in range(3):
                for length in range(stride):
                    T.dict_weights[(d * 3 + r) * stride + length] = wt_get(
                        &T.weights, features.feature_key(Template.DICT, d, r, length)
                    )
        if T.n_dicts > CTX_DICTS or features.N_DICTS != CTX_DICTS or features.SPAN_CAP != CTX_CAP:
            raise ValueError("the compiled scorer was built for other dictionary settings")
        for d in range(CTX_DICTS):
            for i in range(8):
                T.overlap_weights[d * 8 + i] = wt_get(&T.weights, features.feature_key(
                    Template.DICT_OVERLAP, d, (i >> 2) & 1, (i >> 1) & 1, i & 1))
            for i in range(125):
                T.span_weights[d * 125 + i] = wt_get(&T.weights, features.feature_key(
                    Template.DICT_SPAN, d, i // 25, i // 5 % 5, i % 5))
        T.span_both_weights = <int32_t*>calloc(125 * 125, sizeof(int32_t))
        if T.span_both_weights == NULL:
            raise MemoryError()
        for i, values in enumerate(itertools.product(range(CTX_CAP + 1), repeat=2 * 3)):
            T.span_both_weights[i] = wt_get(&T.weights, features.feature_key(Template.DICT_SPAN_BOTH, *values))
        if features.AFFIX_CAP != AFFIX_CAP:
            raise ValueError("the compiled scorer was built for another AFFIX_CAP")
        T.end_c_start = key_start(int(Template.DICT_END_C))
        T.b_begin_start = key_start(int(Template.B_DICT_BEGIN))
        T.end_c_weights = self._affix_table(T.end_c_start, False)
        T.b_begin_weights = self._affix_table(T.b_begin_start, True)
        T.cover_shape_weights = <int32_t*>calloc(CTX_DICTS * (CTX_CAP + 1) * T.n_shapes * T.n_shapes,
                                                 sizeof(int32_t))
        if T.cover_shape_weights == NULL:
            raise MemoryError()
        for i, values in enumerate(itertools.product(range(CTX_DICTS), range(CTX_CAP + 1),
                                                     range(T.n_shapes), range(T.n_shapes))):
            T.cover_shape_weights[i] = wt_get(&T.weights, features.feature_key(Template.DICT_COVER_SHAPES, *values))

        # templates
        T.specs = <TSpec*>calloc(max(len(templates), 1), sizeof(TSpec))
        if T.specs == NULL:
            raise MemoryError()
        cdef TSpec* sp
        cdef int j
        for template, text in templates:
            values = parse_template(text)
            if len(values) > MAX_VALUES:
                raise ValueError(f"template {text!r} has more than {MAX_VALUES} values")
            sp = &T.specs[T.n_specs]
            T.n_specs += 1
            sp.start = key_start(int(template))
            sp.n = len(values)
            for j, (off, is_shape) in enumerate(values):
                sp.pos[j] = off
                sp.is_shape[j] = is_shape
            self._build_table(sp, int(template), values)

        # joinable(kind, kind, space)
        kinds = list(features.Kind)
        self.n_kinds = len(kinds)
        if self.n_kinds > N_KINDS_MAX:
            raise ValueError("too many piece kinds")
        for a in kinds:
            for b in kinds:
                for space in (False, True):
                    self.joinable_table[(int(a) * N_KINDS_MAX + int(b)) * 2 + space] = bool(
                        features.joinable(a, b, space)
                    )

    cdef int32_t* _affix_table(self, uint64_t start, bint id_first) except NULL:
        """Flat ``[d][length][id]`` weights of an affix template (see ``affix_key``)."""
        cdef Tables* T = &self.T
        cdef Py_ssize_t size = CTX_DICTS * (AFFIX_CAP + 1) * T.n_ids, ident
        cdef int d, length
        cdef int32_t* table = <int32_t*>calloc(size, sizeof(int32_t))
        if table == NULL:
            raise MemoryError()
        with nogil:
            for d in range(CTX_DICTS):
                for length in range(AFFIX_CAP + 1):
                    for ident in range(T.n_ids):
                        table[(d * (AFFIX_CAP + 1) + length) * T.n_ids + ident] = wt_get(
                            &T.weights, affix_key(start, d, ident, length, id_first))
        return table

    cdef _build_table(self, TSpec* sp, int template, list values):
        cdef Tables* T = &self.T
        cdef int n_id = sum(1 for _, s in values if not s)
        cdef int n_shape = len(values) - n_id
        cdef Py_ssize_t size, idx, combo, ident
        cdef int j
        cdef uint64_t h
        cdef int64_t digits[MAX_VALUES]
        cdef int64_t rest
        if n_id == 0 and n_shape <= 4:
            sp.mode = MODE_DENSE
            size = T.n_shapes ** n_shape
            sp.table = <int32_t*>calloc(size, sizeof(int32_t))
            if sp.table == NULL:
                raise MemoryError()
            for idx in range(size):
                rest = idx
                for j in range(n_shape - 1, -1, -1):   # idx = packed shapes, first value most significant
                    digits[j] = rest % T.n_shapes
                    rest //= T.n_shapes
                h = sp.start
                for j in range(n_shape):
                    h = key_add(h, <uint64_t>digits[j])
                sp.table[idx] = wt_get(&T.weights, key_end(h))
        elif n_id == 1 and n_shape <= 1:
            sp.mode = MODE_PER_ID
            sp.shape_pos = -100
            for j in range(sp.n):
                if sp.is_shape[j]:
                    sp.shape_pos = sp.pos[j]
                else:
                    sp.id_pos = sp.pos[j]
            size = T.n_ids * (T.n_shapes if n_shape else 1)
            sp.table = <int32_t*>calloc(size, sizeof(int32_t))
            if sp.table == NULL:
                raise MemoryError()
            for combo in range(T.n_shapes if n_shape else 1):
                for ident in range(T.n_ids):
                    h = sp.start
                    for j in range(sp.n):
                        h = key_add(h, <uint64_t>(combo if sp.is_shape[j] else ident))
                    sp.table[combo * T.n_ids + ident] = wt_get(&T.weights, key_end(h))
        else:
            sp.mode = MODE_HASHED

    def __dealloc__(self):
        cdef int t
        wt_free(&self.T.weights)
        wt_free(&self.T.dicts)
        free(self.T.dict_bits)
        free(self.T.dict_weights)
        free(self.T.span_both_weights)
        free(self.T.end_c_weights)
        free(self.T.b_begin_weights)
        free(self.T.cover_shape_weights)
        if self.T.specs != NULL:
            for t in range(self.T.n_specs):
                free(self.T.specs[t].table)
        free(self.T.specs)

    def __reduce__(self):
        return (CompiledScorer, (self.model,))

    cdef inline bint _joinable(self, int left, int right, bint space) noexcept nogil:
        if left < 0 or right < 0 or left >= N_KINDS_MAX or right >= N_KINDS_MAX:
            return False
        return self.joinable_table[(left * N_KINDS_MAX + right) * 2 + space]

    cdef list _run(self, ids, shapes, kinds, spaces, bint want_scores):
        cdef Py_ssize_t n = len(ids), i
        if len(shapes) != n:
            raise ValueError("ids and shapes differ in length")
        if n < 2:
            return []
        cdef int64_t* w = <int64_t*>malloc((n + 2 * PAD) * sizeof(int64_t))
        cdef uint8_t* s = <uint8_t*>malloc((n + 2 * PAD) * sizeof(uint8_t))
        cdef uint8_t* active = <uint8_t*>malloc(n * sizeof(uint8_t))
        cdef int64_t* scores = <int64_t*>calloc(n, sizeof(int64_t))
        cdef uint8_t* ctx = <uint8_t*>malloc(CTX_DICTS * CTX_ROWS * n)
        cdef uint64_t* keybuf = <uint64_t*>malloc((n * self.T.n_specs + 1) * sizeof(uint64_t))
        cdef uint32_t* keygap = <uint32_t*>malloc((n * self.T.n_specs + 1) * sizeof(uint32_t))
        cdef int shape
        try:
            if (w == NULL or s == NULL or active == NULL or scores == NULL or ctx == NULL
                    or keybuf == NULL or keygap == NULL):
                raise MemoryError()
            for i in range(PAD):
                w[i] = self.T.bos_id
                s[i] = self.T.bos_shape
                w[n + PAD + i] = self.T.eos_id
                s[n + PAD + i] = self.T.eos_shape
            for i in range(n):
                w[PAD + i] = ids[i]
                shape = shapes[i]
                if shape < 0 or shape >= self.T.n_shapes:
                    raise ValueError(f"shape {shape} out of range")
                s[PAD + i] = shape
            for i in range(n - 1):
                active[i] = want_scores or self._joinable(kinds[i], kinds[i + 1], bool(spaces[i + 1]))
            fold_title_line(&self.T, s + PAD, n)
            dict_scores(&self.T, w + PAD, s + PAD, n, scores, ctx)
            score_gaps(&self.T, w, s, n, active, scores, keybuf, keygap)
            if want_scores:
                return [scores[i] for i in range(n - 1)]
            return [bool(active[i] and scores[i] > 0) for i in range(n - 1)]
        finally:
            free(w)
            free(s)
            free(active)
            free(scores)
            free(ctx)
            free(keybuf)
            free(keygap)

    def scores(self, ids, shapes):
        """Integer score of every gap (``len(ids) - 1`` values), as ``ReferenceScorer.scores``."""
        return self._run(ids, shapes, None, None, True)

    def joins(self, ids, shapes, kinds, spaces):
        """Join decision for every gap, as ``ReferenceScorer.joins``."""
        return self._run(ids, shapes, kinds, spaces, False)


# ---------------------------------------------------------------------------
# Per-line segmenter.
cdef struct CEntry:
    uint64_t hash            # 0: empty slot
    uint32_t text_off        # into ChunkCache.chars
    uint32_t n_text
    uint32_t piece_off       # into ChunkCache.pieces
    uint32_t n_pieces
    uint8_t ctx

cdef struct PieceMatch:     # how a piece can take part in one user dictionary table's entries
    uint32_t start           # trie node after it as an entry's first syllable (0: starts none)
    uint32_t next            # its syllable id, if some entry has it after the first (0: none)

cdef struct CPiece:
    uint32_t start           # relative to the chunk
    uint32_t end
    int64_t id
    uint8_t shape
    uint8_t kind
    PieceMatch folded        # user dictionary: by the piece's model key
    PieceMatch exact         # ... by its exact text

cdef struct ChunkCache:
    CEntry* table
    uint64_t mask
    Py_ssize_t count
    Py_UCS4* chars
    Py_ssize_t n_chars, cap_chars
    CPiece* pieces
    Py_ssize_t n_pieces, cap_pieces

cdef struct Scratch:
    Py_ssize_t cap_text      # capacity of text/orig (characters)
    Py_UCS4* text            # the NFC line
    Py_UCS4* orig            # the original line when it was not NFC
    Py_ssize_t* map_start    # NFC index -> original span (non-NFC lines)
    Py_ssize_t* map_end
    Py_ssize_t cap_pieces
    uint32_t* pstart
    uint32_t* pend
    uint8_t* pkind
    uint8_t* pspace
    int64_t* w               # padded ids
    uint8_t* s               # padded shapes
    uint8_t* active
    uint8_t* join
    int64_t* scores
    uint8_t* dctx            # dict_scores' context rows
    uint64_t* keybuf
    uint32_t* keygap
    Py_ssize_t cap_out
    Py_UCS4* out
    CPiece* miss             # pieces of the chunk being pretokenized
    PieceMatch* ufolded      # CPiece.folded/exact of each piece
    PieceMatch* uexact
    uint64_t* ukeys          # user dictionary edge keys (2 per piece, see user_dict_prefetch)
    Py_ssize_t* wstart       # word spans in the original line
    Py_ssize_t* wend


cdef void scratch_free(Scratch* sc) noexcept:
    free(sc.text); free(sc.orig); free(sc.map_start); free(sc.map_end)
    free(sc.pstart); free(sc.pend); free(sc.pkind); free(sc.pspace)
    free(sc.w); free(sc.s); free(sc.active); free(sc.join); free(sc.scores); free(sc.dctx); free(sc.keybuf); free(sc.keygap)
    free(sc.out); free(sc.miss); free(sc.ufolded); free(sc.uexact); free(sc.ukeys); free(sc.wstart); free(sc.wend)
    memset(sc, 0, sizeof(Scratch))


cdef int scratch_reserve(Scratch* sc, Py_ssize_t n_chars, int n_specs) except -1:
    """Grow the buffers for a line of ``n_chars`` characters (pieces <= chars)."""
    cdef Py_ssize_t cap
    if n_chars > sc.cap_text:
        cap = max(n_chars, 2 * sc.cap_text, 256)
        scratch_free(sc)
        sc.cap_text = cap
        sc.cap_pieces = cap
        sc.cap_out = 2 * cap + 1
        sc.text = <Py_UCS4*>malloc(cap * sizeof(Py_UCS4))
        sc.orig = <Py_UCS4*>malloc(cap * sizeof(Py_UCS4))
        sc.map_start = <Py_ssize_t*>malloc(cap * sizeof(Py_ssize_t))
        sc.map_end = <Py_ssize_t*>malloc(cap * sizeof(Py_ssize_t))
        sc.pstart = <uint32_t*>malloc(cap * sizeof(uint32_t))
        sc.pend = <uint32_t*>malloc(cap * sizeof(uint32_t))
        sc.pkind = <uint8_t*>malloc(cap)
        sc.pspace = <uint8_t*>malloc(cap)
        sc.w = <int64_t*>malloc((cap + 2 * PAD) * sizeof(int64_t))
        sc.s = <uint8_t*>malloc(cap + 2 * PAD)
        sc.active = <uint8_t*>malloc(cap)
        sc.join = <uint8_t*>malloc(cap)
        sc.scores = <int64_t*>malloc(cap * sizeof(int64_t))
        sc.dctx = <uint8_t*>malloc(CTX_DICTS * CTX_ROWS * cap)
        sc.keybuf = <uint64_t*>malloc((cap * n_specs + 1) * sizeof(uint64_t))
        sc.keygap = <uint32_t*>malloc((cap * n_specs + 1) * sizeof(uint32_t))
        sc.out = <Py_UCS4*>malloc(sc.cap_out * sizeof(Py_UCS4))
        sc.miss = <CPiece*>malloc(cap * sizeof(CPiece))
        sc.ufolded = <PieceMatch*>malloc(cap * sizeof(PieceMatch))
        sc.uexact = <PieceMatch*>malloc(cap * sizeof(PieceMatch))
        sc.ukeys = <uint64_t*>malloc(2 * cap * sizeof(uint64_t))
        sc.wstart = <Py_ssize_t*>malloc(cap * sizeof(Py_ssize_t))
        sc.wend = <Py_ssize_t*>malloc(cap * sizeof(Py_ssize_t))
        if (sc.text == NULL or sc.orig == NULL or sc.map_start == NULL or sc.map_end == NULL
                or sc.pstart == NULL or sc.pend == NULL or sc.pkind == NULL or sc.pspace == NULL
                or sc.w == NULL or sc.s == NULL or sc.active == NULL or sc.join == NULL
                or sc.scores == NULL or sc.dctx == NULL or sc.keybuf == NULL or sc.keygap == NULL or sc.out == NULL or sc.miss == NULL
                or sc.ufolded == NULL or sc.uexact == NULL or sc.ukeys == NULL
                or sc.wstart == NULL or sc.wend == NULL):
            scratch_free(sc)
            raise MemoryError()
    return 0


cdef inline int char_ctx(Py_UCS4 c) noexcept nogil:
    if Py_UNICODE_ISDECIMAL(c):
        return CTX_DIGIT
    if Py_UNICODE_ISALNUM(c):
        return CTX_LETTER
    return CTX_OTHER


cdef inline uint64_t chunk_hash(const Py_UCS4* text, Py_ssize_t n, int ctx) noexcept nogil:
    cdef uint64_t h = TACHTU_FNV_OFFSET
    cdef Py_ssize_t i
    for i in range(n):
        h = (h ^ <uint64_t>text[i]) * TACHTU_FNV_PRIME
    h = (h ^ (h >> 29) ^ <uint64_t>(ctx + 1)) * TACHTU_MULT
    h ^= h >> 32
    return h if h != 0 else 1


cdef void cache_clear(ChunkCache* c) noexcept:
    free(c.table); free(c.chars); free(c.pieces)
    memset(c, 0, sizeof(ChunkCache))


cdef int cache_init(ChunkCache* c) except -1:
    cdef Py_ssize_t size = 1 << 12
    c.table = <CEntry*>calloc(size, sizeof(CEntry))
    if c.table == NULL:
        raise MemoryError()
    c.mask = size - 1
    c.count = 0
    return 0


cdef inline const CEntry* cache_find(const ChunkCache* c, uint64_t h, const Py_UCS4* text,
                                     Py_ssize_t n, int ctx) noexcept nogil:
    cdef uint64_t i = h & c.mask
    cdef const CEntry* e
    while c.table[i].hash != 0:
        e = &c.table[i]
        if (e.hash == h and e.n_text == n and e.ctx == ctx
                and memcmp(c.chars + e.text_off, text, n * sizeof(Py_UCS4)) == 0):
            return e
        i = (i + 1) & c.mask
    return NULL


cdef int cache_add(ChunkCache* c, uint64_t h, const Py_UCS4* text, Py_ssize_t n, int ctx,
                   const CPiece* pieces, Py_ssize_t n_pieces) except -1:
    """Insert a chunk (no Python calls inside: atomic under the GIL)."""
    cdef Py_ssize_t size, i
    cdef CEntry* old
    cdef CEntry* table
    cdef uint64_t j
    cdef void* p
    if c.count + 1 > CACHE_MAX_ENTRIES:
        cache_clear(c)
        cache_init(c)
    if 2 * (c.count + 1) > <Py_ssize_t>(c.mask + 1):
        size = 2 * (c.mask + 1)
        table = <CEntry*>calloc(size, sizeof(CEntry))
        if table == NULL:
            raise MemoryError()
        for i in range(c.mask + 1):
            if c.table[i].hash != 0:
                j = c.table[i].hash & (size - 1)
                while table[j].hash != 0:
                    j = (j + 1) & (size - 1)
                table[j] = c.table[i]
        free(c.table)
        c.table = table
        c.mask = size - 1
    if c.n_chars + n > c.cap_chars:
        size = max(2 * c.cap_chars, c.n_chars + n, 1 << 14)
        p = realloc(c.chars, size * sizeof(Py_UCS4))
        if p == NULL:
            raise MemoryError()
        c.chars = <Py_UCS4*>p
        c.cap_chars = size
    if c.n_pieces + n_pieces > c.cap_pieces:
        size = max(2 * c.cap_pieces, c.n_pieces + n_pieces, 1 << 12)
        p = realloc(c.pieces, size * sizeof(CPiece))
        if p == NULL:
            raise MemoryError()
        c.pieces = <CPiece*>p
        c.cap_pieces = size
    j = h & c.mask
    while c.table[j].hash != 0:
        j = (j + 1) & c.mask
    c.table[j].hash = h
    c.table[j].text_off = c.n_chars
    c.table[j].n_text = n
    c.table[j].piece_off = c.n_pieces
    c.table[j].n_pieces = n_pieces
    c.table[j].ctx = ctx
    memcpy(c.chars + c.n_chars, text, n * sizeof(Py_UCS4))
    c.n_chars += n
    memcpy(c.pieces + c.n_pieces, pieces, n_pieces * sizeof(CPiece))
    c.n_pieces += n_pieces
    c.count += 1
    return 0


# ---------------------------------------------------------------------------
# User dictionary (``userdict.UserDict``): one trie per table (case-insensitive,
# exact) over syllable ids, matched in C after the model's decisions.  Each
# piece carries what it can do in each trie (``PieceMatch``, found once per
# distinct piece text); the first step from the root is then free, and the
# hashed edge of every gap's first two pieces is computed and prefetched before
# the gaps are scored, so its cache miss is hidden behind the scoring.
cdef enum:
    USER_JOIN = 1            # low two bits of an edge's value: the entry ending at its node
    USER_SPLIT = 2
    USER_ENDS = 3
    USER_INNER = 4           # bit 2: its node has children (longer entries go on from it)
    USER_NODE_SHIFT = 3      # the child node is the value >> 3

cdef struct SylSlot:
    uint64_t hash            # chunk_hash of the syllable; 0: empty slot
    uint32_t off             # into UserTrie.chars
    uint32_t n
    uint32_t id

cdef struct UserTrie:
    Py_UCS4* chars           # the table's entries, as ``UserDict.compiled_tables`` gives them
    SylSlot* syl             # syllable text -> id (from 1), open addressing
    uint64_t syl_mask
    uint32_t* first          # [syllable id] -> node of the entries starting with it (0: none)
    uint8_t* follows         # [syllable id] -> 1 if some entry has it after its first syllable
    WTable edges             # edge_key(node, syllable id) -> child node << 3 | USER_INNER? | USER_JOIN/SPLIT?
    Py_ssize_t n_nodes       # nodes from 1; the root has none


cdef inline uint64_t edge_key(uint64_t node, uint32_t syllable) noexcept nogil:
    """A bijection of (node, syllable id), well mixed in the top bits that
    ``WTable`` indexes by: different edges never share a key, and a node
    from 1 never gives 0."""
    return key_end(((node << 32) | syllable) * TACHTU_MULT)


cdef inline uint64_t syl_slot(const UserTrie* t, const Py_UCS4* text, Py_ssize_t n, uint64_t h) noexcept nogil:
    """The slot of syllable ``text`` (hash ``h``) in ``t.syl``, or the empty
    slot where it would go (whose ``id`` is 0)."""
    cdef uint64_t i = h & t.syl_mask
    while t.syl[i].hash != 0:
        if (t.syl[i].hash == h and t.syl[i].n == n
                and memcmp(t.chars + t.syl[i].off, text, n * sizeof(Py_UCS4)) == 0):
            break
        i = (i + 1) & t.syl_mask
    return i


cdef PieceMatch utrie_piece(const UserTrie* t, const Py_UCS4* text, Py_ssize_t n) noexcept nogil:
    """What a piece whose (key or exact) text is ``text`` can do in ``t``."""
    cdef PieceMatch m
    m.start = 0
    m.next = 0
    if t.syl == NULL:
        return m
    cdef uint32_t sid = t.syl[syl_slot(t, text, n, chunk_hash(text, n, 0))].id
    if sid != 0:
        m.start = t.first[sid]
        m.next = sid if t.follows[sid] else 0
    return m


cdef void utrie_free(UserTrie* t) noexcept:
    PyMem_Free(t.chars)
    free(t.syl)
    free(t.first)
    free(t.follows)
    wt_free(&t.edges)
    memset(t, 0, sizeof(UserTrie))


cdef int utrie_build(UserTrie* t, str text, const uint8_t[::1] splits) except -1:
    """Fill ``t`` from entries one per line, two or more syllables separated by
    one space; ``splits[k]``: entry ``k`` is a split entry.  A repeated entry
    is overwritten (the later line wins, as in the ``UserDict`` tables)."""
    cdef Py_ssize_t n = len(text), i, start = 0, n_syl = 0, entry = 0, size = 16
    cdef uint32_t n_ids = 0, sid, node = 0, child, edge
    cdef uint64_t h, j, key = 0, parent_key
    cdef Py_UCS4 c
    if n == 0:
        return 0
    if n >= 0xFFFFFFFF:
        raise ValueError("user dictionary too large")
    t.chars = PyUnicode_AsUCS4Copy(text)
    for i in range(n):
        if t.chars[i] == 32 or t.chars[i] == 10:
            n_syl += 1
    n_syl += 1
    if n_syl >= (1 << 28):     # node << USER_NODE_SHIFT must fit an int32 edge value
        raise ValueError("user dictionary too large")
    while size < 2 * n_syl:
        size *= 2
    t.syl = <SylSlot*>calloc(size, sizeof(SylSlot))
    t.first = <uint32_t*>calloc(n_syl + 1, sizeof(uint32_t))
    t.follows = <uint8_t*>calloc(n_syl + 1, 1)
    if t.syl == NULL or t.first == NULL or t.follows == NULL:
        raise MemoryError()
    t.syl_mask = size - 1
    wt_init(&t.edges, n_syl)
    for i in range(n + 1):
        c = t.chars[i] if i < n else 10
        if c != 32 and c != 10:
            continue
        # syllable [start, i): its id, added if new
        h = chunk_hash(t.chars + start, i - start, 0)
        j = syl_slot(t, t.chars + start, i - start, h)
        sid = t.syl[j].id
        if sid == 0:
            n_ids += 1
            sid = n_ids
            t.syl[j].hash = h
            t.syl[j].off = start
            t.syl[j].n = i - start
            t.syl[j].id = sid
        # one step down the trie from ``node`` (0: the root)
        if node == 0:
            child = t.first[sid]
            if child == 0:
                t.n_nodes += 1
                child = t.first[sid] = t.n_nodes
        else:
            t.follows[sid] = 1
            parent_key = key   # the edge into ``node`` (0: a first syllable's node)
            key = edge_key(node, sid)
            child = <uint32_t>wt_get(&t.edges, key) >> USER_NODE_SHIFT
            if child == 0:
                t.n_nodes += 1
                child = t.n_nodes
                wt_put(&t.edges, key, child << USER_NODE_SHIFT)
                if parent_key != 0:
                    wt_put(&t.edges, parent_key, wt_get(&t.edges, parent_key) | USER_INNER)
        if c == 10:            # the entry ends at ``child``, reached by edge ``key``
            if key == 0 or entry >= splits.shape[0]:
                raise ValueError("compiled_tables: an entry of one syllable, or too few split flags")
            edge = (<uint32_t>wt_get(&t.edges, key) & ~(<uint32_t>USER_ENDS))
            wt_put(&t.edges, key, edge | (USER_SPLIT if splits[entry] else USER_JOIN))
            entry += 1
            node = 0
            key = 0
        else:
            node = child
        start = i + 1
    if entry != splits.shape[0]:
        raise ValueError("compiled_tables: more split flags than entries")
    return 0


cdef inline uint64_t pair_key(const UserTrie* t, const PieceMatch* m, Py_ssize_t g) noexcept nogil:
    """Edge key from piece ``g`` as a first syllable to piece ``g + 1`` (its slot
    prefetched), or 0 when no entry of ``t`` starts with these two pieces."""
    if m[g].start == 0 or m[g + 1].next == 0:
        return 0
    cdef uint64_t key = edge_key(m[g].start, m[g + 1].next)
    wt_prefetch(&t.edges, key)
    return key


cdef void user_dict_prefetch(const UserTrie* folded, const UserTrie* exact, const PieceMatch* fm,
                             const PieceMatch* xm, const uint8_t* active, uint64_t* keys,
                             Py_ssize_t n) noexcept nogil:
    """``keys[g]``/``keys[n + g]``: ``pair_key`` of every joinable gap, for
    ``user_dict_apply`` (0 where no entry can start)."""
    cdef Py_ssize_t g
    for g in range(n - 1):
        keys[g] = pair_key(folded, fm, g) if active[g] else 0
    if exact.n_nodes == 0:
        memset(keys + n, 0, (n - 1) * sizeof(uint64_t))
        return
    for g in range(n - 1):
        keys[n + g] = pair_key(exact, xm, g) if active[g] else 0


cdef inline Py_ssize_t utrie_longest(const UserTrie* t, uint64_t key, const PieceMatch* m,
                                     const uint8_t* active, Py_ssize_t i, Py_ssize_t n,
                                     uint8_t* value) noexcept nogil:
    """Length of the longest entry of ``t`` on pieces ``[i, ...)`` across joinable
    gaps (0: none), from ``key`` = ``pair_key`` of gap ``i``; its USER_JOIN or
    USER_SPLIT into ``value``."""
    if key == 0:
        return 0
    cdef uint32_t edge = <uint32_t>wt_get(&t.edges, key)
    cdef Py_ssize_t j = i + 2, best = 0
    while edge != 0:
        if edge & USER_ENDS:
            best = j - i
            value[0] = edge & USER_ENDS
        if not edge & USER_INNER or j >= n or not active[j - 1] or m[j].next == 0:
            break
        edge = <uint32_t>wt_get(&t.edges, edge_key(edge >> USER_NODE_SHIFT, m[j].next))
        j += 1
    return best


cdef void user_dict_apply(const UserTrie* folded, const UserTrie* exact, const PieceMatch* fm,
                          const PieceMatch* xm, const uint8_t* active, const uint64_t* keys,
                          Py_ssize_t n, uint8_t* join) noexcept nogil:
    """``UserDict.apply`` on the decisions ``join[0:n-1]`` (``join[n-1]`` is False),
    with ``keys`` from ``user_dict_prefetch``: left to right, the longest entry
    at each piece, an exact one on a tie."""
    cdef Py_ssize_t i = 0, g, length, other
    cdef uint8_t value = 0, other_value = 0
    while i < n - 1:
        if keys[i] == 0 and keys[n + i] == 0:
            i += 1
            continue
        length = utrie_longest(exact, keys[n + i], xm, active, i, n, &value)
        other = utrie_longest(folded, keys[i], fm, active, i, n, &other_value)
        if other > length:
            length = other
            value = other_value
        if length == 0:
            i += 1
            continue
        for g in range(i, i + length - 1):
            join[g] = value == USER_JOIN
        if value == USER_JOIN:     # the word stands alone
            if i > 0:
                join[i - 1] = False
            join[i + length - 1] = False
        i += length


cdef class LineSegmenter:
    """One line in, the reference path's output out (see ``fast.FastPath``)."""

    cdef CompiledScorer scorer
    cdef object chunk_pieces     # (text, start, end) -> [(start, end, Kind)] or None
    cdef object word_kind        # Kind.WORD if a run of letters is always one WORD piece, else None
    cdef object lookup           # Encoder.lookup
    cdef object to_nfc
    cdef object is_normalized
    cdef object normalizer       # None, or form -> normalised form
    cdef bint user_dict          # a user dictionary is applied (tries below, CPiece.fid/xid)
    cdef UserTrie user_folded
    cdef UserTrie user_exact
    cdef object model_key        # normalize.model_key: what case-insensitive entries compare
    cdef ChunkCache cache
    cdef Scratch scratch
    cdef bint busy
    cdef int n_slow_spaces
    cdef Py_UCS4 slow_spaces[64]  # whitespace the regex turns into a piece (U+3000 ...)
    cdef ChunkCache piece_cache  # (kind, piece text) -> encoder's (id, shape)

    def __cinit__(self):
        memset(&self.cache, 0, sizeof(ChunkCache))
        memset(&self.scratch, 0, sizeof(Scratch))
        memset(&self.piece_cache, 0, sizeof(ChunkCache))
        memset(&self.user_folded, 0, sizeof(UserTrie))
        memset(&self.user_exact, 0, sizeof(UserTrie))

    def __init__(self, CompiledScorer scorer, chunk_pieces, piece_re, lookup, to_nfc, is_normalized,
                 normalizer=None, word_kind=None, user_dict=None):
        from ..normalize import model_key

        self.scorer = scorer
        self.model_key = model_key
        self.user_dict = user_dict is not None
        if user_dict is not None:
            (folded, folded_splits), (exact, exact_splits) = user_dict.compiled_tables()
            utrie_build(&self.user_folded, folded, folded_splits)
            utrie_build(&self.user_exact, exact, exact_splits)
        self.chunk_pieces = chunk_pieces
        self.word_kind = word_kind
        self.lookup = lookup
        self.to_nfc = to_nfc
        self.is_normalized = is_normalized
        self.normalizer = normalizer
        cache_init(&self.cache)
        cache_init(&self.piece_cache)
        # whitespace characters at which the regex can start a match: lines
        # containing them go back to the reference path
        self.n_slow_spaces = 0
        for code in range(0x3001):
            ch = chr(code)
            if ch.isspace() and any(piece_re.match(ch + tail) for tail in ("", " ", "a", "1", ".", "-")):
                if self.n_slow_spaces >= 64:
                    raise ValueError("pretokenizer matches too many whitespace characters")
                self.slow_spaces[self.n_slow_spaces] = code
                self.n_slow_spaces += 1

    def __dealloc__(self):
        utrie_free(&self.user_folded)
        utrie_free(&self.user_exact)
        cache_clear(&self.cache)
        scratch_free(&self.scratch)
        cache_clear(&self.piece_cache)

    cdef inline bint _slow_space(self, Py_UCS4 c) noexcept nogil:
        cdef int k
        if c == 32:
            return False
        for k in range(self.n_slow_spaces):
            if self.slow_spaces[k] == c:
                return True
        return False

    cdef int _miss(self, Scratch* sc, str text, Py_ssize_t start, Py_ssize_t end,
                   Py_ssize_t* n_out) except -2:
        """Pretokenize + encode one chunk into ``sc.miss`` with the regex and the encoder.

        Returns 0, or -1 when the regex does not tile the chunk exactly
        (the line then goes back to the reference path).  Encoder results
        are cached per (kind, piece text) in ``piece_cache``."""
        cdef Py_ssize_t p = start, s, e, k = 0
        cdef CPiece* piece
        cdef int kind_code
        cdef uint64_t h
        cdef const CEntry* hit
        cdef CPiece value
        cdef Py_ssize_t x
        cdef Py_UCS4* key_chars
        cdef bint letters = self.word_kind is not None
        if letters:
            for x in range(start, end):
                if Py_UNICODE_ISDECIMAL(sc.text[x]) or not Py_UNICODE_ISALNUM(sc.text[x]):
                    letters = False
                    break
        if letters:      # only letters: one WORD piece (checked at construction)
            found = ((start, end, self.word_kind),)
        else:
            found = self.chunk_pieces(text, start, end)
        if found is None:
            return -1
        for s, e, kind in found:
            if s != p or e > end or e <= s:
                return -1
            kind_code = kind
            piece = &sc.miss[k]
            piece.start = s - start
            piece.end = e - start
            piece.kind = kind_code
            h = chunk_hash(sc.text + s, e - s, kind_code)
            hit = cache_find(&self.piece_cache, h, sc.text + s, e - s, kind_code)
            if hit != NULL:
                piece.id = self.piece_cache.pieces[hit.piece_off].id
                piece.shape = self.piece_cache.pieces[hit.piece_off].shape
                piece.folded = self.piece_cache.pieces[hit.piece_off].folded
                piece.exact = self.piece_cache.pieces[hit.piece_off].exact
            else:
                piece_text = PyUnicode_Substring(text, s, e)
                ident, shape = self.lookup(piece_text, kind)
                if not 0 <= shape < self.scorer.T.n_shapes:
                    raise ValueError(f"encoder returned shape {shape} out of range")
                piece.id = ident
                piece.shape = shape
                piece.exact = utrie_piece(&self.user_exact, sc.text + s, e - s)
                if self.user_folded.n_nodes:
                    key = self.model_key(piece_text)
                    key_chars = PyUnicode_AsUCS4Copy(key)
                    piece.folded = utrie_piece(&self.user_folded, key_chars, len(key))
                    PyMem_Free(key_chars)
                else:
                    piece.folded.start = piece.folded.next = 0
                if e - s <= MAX_CACHED_CHUNK:
                    value = piece[0]
                    cache_add(&self.piece_cache, h, sc.text + s, e - s, kind_code, &value, 1)
            k += 1
            p = e
        if p != end:
            return -1
        n_out[0] = k
        return 0

    cdef Py_ssize_t _pieces(self, Scratch* sc, str text, Py_ssize_t n_chars) except -2:
        """Pieces of the NFC line in ``sc.text``; -1 means: use the reference path."""
        cdef Py_UCS4* t = sc.text
        cdef Py_ssize_t i = 0, j, k, n = 0, m, q, n_new = 0
        cdef int ctx
        cdef uint64_t h
        cdef const CEntry* e
        cdef const CPiece* cp
        cdef Py_UCS4 c
        while i < n_chars:
            c = t[i]
            if Py_UNICODE_ISSPACE(c):
                if self._slow_space(c):
                    return -1
                i += 1
                continue
            j = i + 1
            while j < n_chars and not Py_UNICODE_ISSPACE(t[j]):
                j += 1
            k = j
            while k < n_chars and Py_UNICODE_ISSPACE(t[k]):
                if self._slow_space(t[k]):
                    return -1
                k += 1
            ctx = CTX_EOL if k == n_chars else char_ctx(t[k])
            h = chunk_hash(t + i, j - i, ctx)
            e = cache_find(&self.cache, h, t + i, j - i, ctx)
            if e != NULL:
                cp = self.cache.pieces + e.piece_off
                m = e.n_pieces
            else:
                if self._miss(sc, text, i, j, &n_new) < 0:
                    return -1
                cp = sc.miss
                m = n_new
                if j - i <= MAX_CACHED_CHUNK:
                    cache_add(&self.cache, h, t + i, j - i, ctx, cp, m)
            # copy (no Python call between the lookup and here)
            for q in range(m):
                sc.pstart[n] = i + cp[q].start
                sc.pend[n] = i + cp[q].end
                sc.pkind[n] = cp[q].kind
                sc.pspace[n] = q == 0
                sc.w[PAD + n] = cp[q].id
                sc.s[PAD + n] = cp[q].shape
                if self.user_dict:
                    sc.ufolded[n] = cp[q].folded
                    sc.uexact[n] = cp[q].exact
                n += 1
            i = j
        return n

    cdef Scratch* _acquire(self) except NULL:
        cdef Scratch* sc
        if not self.busy:
            self.busy = True
            return &self.scratch
        sc = <Scratch*>calloc(1, sizeof(Scratch))    # another thread is inside: own buffers
        if sc == NULL:
            raise MemoryError()
        return sc

    cdef void _release(self, Scratch* sc) noexcept:
        if sc == &self.scratch:
            self.busy = False
        else:
            scratch_free(sc)
            free(sc)

    cdef Py_ssize_t _segment(self, Scratch* sc, str line, int* flags) except -2:
        """Run the whole line; fills sc.pstart/pend (NFC) and sc.join.  -1: reference path."""
        cdef Py_ssize_t n_line = len(line), n_text, n, g
        cdef str text = line
        cdef const Tables* T = &self.scorer.T
        flags[0] = 0
        scratch_reserve(sc, n_line + 1, T.n_specs)
        if not self.is_normalized("NFC", line):
            norm = self.to_nfc(line)
            text = norm.text
            flags[0] = FLAG_VIA_NFC
            if len(text) > n_line:
                scratch_reserve(sc, len(text) + 1, T.n_specs)
            PyUnicode_AsUCS4(line, sc.orig, sc.cap_text, 0)
            if norm.starts is not None:
                flags[0] |= FLAG_MAPPED
                for g, v in enumerate(norm.starts):
                    sc.map_start[g] = v
                for g, v in enumerate(norm.ends):
                    sc.map_end[g] = v
        n_text = len(text)
        if n_text:
            PyUnicode_AsUCS4(text, sc.text, sc.cap_text, 0)
        n = self._pieces(sc, text, n_text)
        if n <= 0:
            return n
        for g in range(PAD):
            sc.w[g] = T.bos_id
            sc.s[g] = T.bos_shape
            sc.w[n + PAD + g] = T.eos_id
            sc.s[n + PAD + g] = T.eos_shape
        fold_title_line(T, sc.s + PAD, n)
        for g in range(n - 1):
            sc.active[g] = self.scorer._joinable(sc.pkind[g], sc.pkind[g + 1], sc.pspace[g + 1])
            sc.scores[g] = 0
        if self.user_dict:      # the lookups load while the gaps are scored
            user_dict_prefetch(&self.user_folded, &self.user_exact, sc.ufolded, sc.uexact, sc.active,
                               sc.ukeys, n)
        if n >= NOGIL_MIN_PIECES:
            with nogil:
                dict_scores(T, sc.w + PAD, sc.s + PAD, n, sc.scores, sc.dctx)
                score_gaps(T, sc.w, sc.s, n, sc.active, sc.scores, sc.keybuf, sc.keygap)
        else:
            dict_scores(T, sc.w + PAD, sc.s + PAD, n, sc.scores, sc.dctx)
            score_gaps(T, sc.w, sc.s, n, sc.active, sc.scores, sc.keybuf, sc.keygap)
        for g in range(n - 1):
            sc.join[g] = sc.active[g] and sc.scores[g] > 0
        sc.join[n - 1] = False
        if self.user_dict:
            user_dict_apply(&self.user_folded, &self.user_exact, sc.ufolded, sc.uexact, sc.active,
                            sc.ukeys, n, sc.join)
        return n

    def segment_line(self, str line):
        """Segmented form of one line, or None for the reference path."""
        cdef Scratch* sc = self._acquire()
        try:
            return self._segment_line(sc, line)
        finally:
            self._release(sc)

    def tokenize_line(self, str line):
        """``[(text, start, end, form)]`` of one line, or None for the reference path."""
        cdef Scratch* sc = self._acquire()
        try:
            return self._tokenize_line(sc, line)
        finally:
            self._release(sc)

    cdef Py_ssize_t _write_word(self, Scratch* sc, const Py_UCS4* src, Py_ssize_t s, Py_ssize_t e,
                                Py_ssize_t out, bint* changed) noexcept:
        """Copy ``src[s:e]`` to ``sc.out[out:]`` with each whitespace run as one ``_``;
        ``changed`` is set when there was whitespace."""
        cdef Py_ssize_t x
        cdef bint in_space = False
        cdef Py_UCS4 c
        for x in range(s, e):
            c = src[x]
            if Py_UNICODE_ISSPACE(c):
                changed[0] = True
                if not in_space:
                    sc.out[out] = 95   # "_"
                    out += 1
                    in_space = True
            else:
                sc.out[out] = c
                out += 1
                in_space = False
        return out

    cdef Py_ssize_t _spans(self, Scratch* sc, Py_ssize_t n, int flags) noexcept:
        """Word spans in the original line into sc.wstart/wend; returns their number.

        As ``api.Segmenter._line_tokens``: a word is a run of joined pieces;
        when NFC split one original cluster into two words, both map to the
        cluster, and the overlapping words become one."""
        cdef Py_ssize_t first = 0, i, s, e, k = 0
        for i in range(n):
            if sc.join[i]:
                continue
            s = sc.pstart[first]
            e = sc.pend[i]
            if flags & FLAG_MAPPED:
                s = sc.map_start[s]
                e = sc.map_end[e - 1]
                if k and s < sc.wend[k - 1]:
                    k -= 1
                    s = sc.wstart[k]
            sc.wstart[k] = s
            sc.wend[k] = e
            k += 1
            first = i + 1
        return k

    cdef object _segment_line(self, Scratch* sc, str line):
        cdef int flags
        cdef Py_ssize_t n = self._segment(sc, line, &flags)
        if n < 0:
            return None
        if n == 0:
            return ""
        if self.normalizer is not None:
            return " ".join([tok[3] for tok in self._tokens(sc, line, n, flags)])
        cdef const Py_UCS4* src = sc.orig if flags & FLAG_VIA_NFC else sc.text
        cdef Py_ssize_t k, n_words = self._spans(sc, n, flags), out = 0
        cdef bint changed = False
        for k in range(n_words):
            if k:
                sc.out[out] = 32
                out += 1
            out = self._write_word(sc, src, sc.wstart[k], sc.wend[k], out, &changed)
        return PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, sc.out, out)

    cdef list _tokens(self, Scratch* sc, str line, Py_ssize_t n, int flags):
        cdef const Py_UCS4* src = sc.orig if flags & FLAG_VIA_NFC else sc.text
        cdef Py_ssize_t k, s, e, length, n_words = self._spans(sc, n, flags)
        cdef list tokens = []
        cdef bint changed
        for k in range(n_words):
            s = sc.wstart[k]
            e = sc.wend[k]
            word = PyUnicode_Substring(line, s, e)
            changed = False
            length = self._write_word(sc, src, s, e, 0, &changed)
            if not changed:
                form = word    # no whitespace inside: the same characters
            else:
                form = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, sc.out, length)
            if self.normalizer is not None:
                form = self.normalizer(form)
            tokens.append((word, s, e, form))
        return tokens

    cdef object _tokenize_line(self, Scratch* sc, str line):
        cdef int flags
        cdef Py_ssize_t n = self._segment(sc, line, &flags)
        if n < 0:
            return None
        if n == 0:
            return []
        return self._tokens(sc, line, n, flags)
