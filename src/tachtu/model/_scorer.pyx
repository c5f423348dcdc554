# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Compiled gap scorer: the C twin of ``scorer_ref.ReferenceScorer``.

``CompiledScorer`` holds the model's tables (``_tables.pyx`` builds them:
dense, per-id, n-gram groups, hashed).  Per line, ``score_line`` fills the
byte rows the slots read (shapes; per dictionary the ``PAIR``/``END``/
``BEGIN``/``COVER`` rows of ``features.line_rows``, while it adds the
``DICT_MATCH`` weight of every dictionary match; the statistics rows), then
adds every per-gap template's weight to every active gap (dense and per-id
tables read at once, hashed keys prefetched ``PREFETCH_AHEAD`` ahead) and the
n-gram groups' weights (``_ngrams.ngrams_score``).
"""

from libc.stdint cimport uint64_t, int64_t, int32_t, uint32_t, int16_t, uint8_t
from libc.stdlib cimport malloc, calloc, free
from libc.string cimport memset

from ._keys cimport TACHTU_PREFETCH, WTable, filter_has, key_start, key_add, key_end, wt_get, wt_prefetch
from ._ngrams cimport NGroup, ngrams_score
from ._tables cimport (DICT_MAX_WORD, MODE_DENSE, MODE_PER_ID, ROWS_PER_DICT, SRC_CONST, SRC_ID, SRC_PLAIN, pair_home, pair_key,
                       tables_build, tables_free)

cdef enum:
    PREFETCH_AHEAD = 16     # weight-table lookups in flight
    PAIR_AHEAD = 32         # statistics pair lookups in flight (8: 0.95x on news lines)
    KEY_BLOCK = 4096        # gaps whose hashed keys are collected at once (bounds ScoreBuf on long lines)
    DICT_BLOCK = 64         # starts whose dictionary candidates are collected at once


def fkey(template, *values):
    """``features.feature_key`` computed in C (for tests)."""
    cdef uint64_t h = key_start(<uint64_t>(template & 0xFFFFFFFFFFFFFFFF))
    for v in values:
        h = key_add(h, <uint64_t>(v & 0xFFFFFFFFFFFFFFFF))
    return key_end(h)


# -- per line ----------------------------------------------------------------------
cdef int scorebuf_reserve(ScoreBuf* buf, const Tables* T, Py_ssize_t n) except -1:
    """Room for a line of ``n`` pieces (kept for later lines)."""
    if n <= buf.cap:
        return 0
    scorebuf_free(buf)
    cdef Py_ssize_t cap = max(n, 256)
    buf.rows = <uint8_t*>malloc(T.n_rows * (cap + 2 * PAD))
    cdef Py_ssize_t keys = (min(cap, KEY_BLOCK) + 8) * (T.n_specs + 2 * T.n_groups + 1)  # hashed keys; n-gram lists
    buf.keybuf = <uint64_t*>malloc(keys * sizeof(uint64_t))
    buf.keygap = <uint32_t*>malloc(keys * sizeof(uint32_t))
    buf.live = <uint32_t*>malloc((min(cap, KEY_BLOCK) + 1) * sizeof(uint32_t))
    buf.runs = <uint32_t*>malloc((min(cap, KEY_BLOCK) + 2) * sizeof(uint32_t))
    if buf.rows == NULL or buf.keybuf == NULL or buf.keygap == NULL or buf.live == NULL or buf.runs == NULL:
        scorebuf_free(buf)
        raise MemoryError()
    buf.cap = cap
    return 0


cdef void scorebuf_free(ScoreBuf* buf) noexcept:
    free(buf.rows)
    free(buf.keybuf)
    free(buf.keygap)
    free(buf.live)
    free(buf.runs)
    memset(buf, 0, sizeof(ScoreBuf))


cdef void fold_title_line(const Tables* T, uint8_t* s, Py_ssize_t n) noexcept nogil:
    """``features.fold_title_line`` in place on the ``n`` shapes at ``s``."""
    cdef Py_ssize_t i, titles = 0
    for i in range(n):
        if s[i] == T.lower_shape:
            return
        titles += s[i] == T.title_shape
    if titles < T.title_line_min:
        return
    for i in range(n):
        if s[i] == T.title_shape:
            s[i] = T.lower_shape


cdef void match_dictionaries(const Tables* T, const int32_t* match_weights, const int64_t* ids, Py_ssize_t n,
                             bint separated, int64_t* scores, uint8_t** rows) noexcept nogil:
    """Every dictionary match (``features.dict_matches``): its ``DICT_MATCH``
    weights into ``scores`` and its length into the dictionary rows
    (``features.line_rows``: longest ending at, starting at, covering; 2-piece
    starts).  ``rows[1 + 4 * d + k]`` points at piece 0 of row ``k`` of ``d``.

    The spans that pass the bit prefilter are collected for ``DICT_BLOCK``
    starts at a time, their entry slots prefetched as they are found, and then
    looked up: the entry table's cache misses overlap instead of queueing.
    ``separated``: the line is lines with separator cells between them (ids
    BOS and EOS, which no real piece has): no span starts at or crosses one."""
    cdef Py_ssize_t block, start, end, lim, c, nc
    cdef uint64_t h, key
    cdef int32_t mask
    cdef uint64_t ckey[DICT_BLOCK * (DICT_MAX_WORD - 1)]
    cdef Py_ssize_t cstart[DICT_BLOCK * (DICT_MAX_WORD - 1)]
    cdef uint8_t clength[DICT_BLOCK * (DICT_MAX_WORD - 1)]
    block = 0
    while block < n - 1:
        nc = 0
        for start in range(block, min(block + DICT_BLOCK, n - 1)):
            if separated and is_separator(T, ids[start]):
                continue
            h = key_add(T.dict_start, <uint64_t>ids[start])
            lim = min(start + T.max_dict, n)
            for end in range(start + 1, lim):
                if separated and is_separator(T, ids[end]):
                    break
                h = key_add(h, <uint64_t>ids[end])
                key = key_end(h)
                if filter_has(&T.dict_filter, key):
                    wt_prefetch(&T.dicts, key)
                    ckey[nc] = key
                    cstart[nc] = start
                    clength[nc] = <uint8_t>(end - start + 1)
                    nc += 1
        for c in range(nc):
            mask = wt_get(&T.dicts, ckey[c])
            if mask != 0:
                add_match(T, match_weights, mask, cstart[c], cstart[c] + clength[c] - 1, n, scores, rows)
        block += DICT_BLOCK


cdef inline bint is_separator(const Tables* T, int64_t ident) noexcept nogil:
    return ident == T.bos_id or ident == T.eos_id


cdef inline void add_match(const Tables* T, const int32_t* match_weights, int32_t mask, Py_ssize_t start,
                           Py_ssize_t end, Py_ssize_t n, int64_t* scores, uint8_t** rows) noexcept nogil:
    """One match of pieces ``start`` to ``end`` in the dictionaries of ``mask``."""
    cdef Py_ssize_t gap, length = end - start + 1
    cdef int d
    cdef int stride = T.max_dict + 1
    cdef uint8_t* ends
    cdef uint8_t* covers
    for d in range(T.n_dicts):
        if not (mask >> d) & 1:
            continue
        for gap in range(start, end):
            scores[gap] += match_weights[(d * 3 + T.rel_inside) * stride + length]
        if start > 0:
            scores[start - 1] += match_weights[(d * 3 + T.rel_left) * stride + length]
        if end < n - 1:
            scores[end] += match_weights[(d * 3 + T.rel_right) * stride + length]
        ends = rows[2 + ROWS_PER_DICT * d]
        covers = rows[4 + ROWS_PER_DICT * d]
        if ends[end] < length:
            ends[end] = <uint8_t>length
        if rows[3 + ROWS_PER_DICT * d][start] < length:
            rows[3 + ROWS_PER_DICT * d][start] = <uint8_t>length
        for gap in range(start, end):
            if covers[gap] < length:
                covers[gap] = <uint8_t>length
        if length == 2:
            rows[1 + ROWS_PER_DICT * d][start] = 1


cdef inline uint64_t slot_value(const TSpec* sp, int j, const int64_t* wg, const int64_t* wg2,
                                uint8_t** rows, Py_ssize_t g) noexcept nogil:
    """Value of slot ``j`` of ``sp`` at gap ``g`` (``wg``/``wg2``: ids and plain ids from piece b)."""
    cdef uint8_t v
    if sp.src[j] == SRC_ID:
        return <uint64_t>wg[sp.off[j]]
    if sp.src[j] == SRC_PLAIN:
        return <uint64_t>wg2[sp.off[j]]
    if sp.src[j] == SRC_CONST:
        return sp.value[j]
    v = rows[sp.row[j]][g + sp.off[j]]
    if sp.cap[j] and v > sp.cap[j]:
        v = sp.cap[j]
    return v


cdef inline int64_t table_index(const TSpec* sp, const uint8_t* const* base, Py_ssize_t g) noexcept nogil:
    """Index of the row slots' values in ``sp.table`` (before the id, for per-id
    tables); ``base[j]``: row slot ``j``'s row, moved by its offset."""
    cdef int64_t idx = 0
    cdef uint8_t v
    cdef int j
    for j in range(sp.n_idx):
        v = base[j][g]
        idx += (v if v < sp.idx_cap[j] else sp.idx_cap[j]) * sp.idx_stride[j]
    return idx


cdef inline uint64_t spec_key(const TSpec* sp, const int64_t* wg, const int64_t* wg2, uint8_t** rows,
                              Py_ssize_t g) noexcept nogil:
    cdef uint64_t h = sp.start
    cdef int j
    for j in range(sp.n):
        h = key_add(h, slot_value(sp, j, wg, wg2, rows, g))
    return key_end(h)


cdef void score_templates(const Tables* T, const TSpec* specs, const NGroup* groups, const int64_t* w,
                          const int64_t* w2, uint8_t** rows, Py_ssize_t n, const uint8_t* active, int64_t* scores,
                          ScoreBuf* buf) noexcept nogil:
    """Add every template's weight to every active gap of the line.

    Dense and per-id tables are read at once; hashed keys are collected
    (``keybuf``, their gap in ``keygap``) and then looked up with a prefetch
    ``PREFETCH_AHEAD`` keys ahead, so the weight table's cache misses overlap.
    Keys are collected for ``KEY_BLOCK`` gaps at a time, so the buffers stay
    small however long the line (a 50 MB line once needed 2.2 GB).
    """
    cdef Py_ssize_t block = 0
    while block < n - 1:
        score_block(T, specs, groups, w, w2, rows, block, min(n - 1, block + KEY_BLOCK), active, scores, buf)
        block += KEY_BLOCK


ctypedef fused weight_t:
    int16_t
    int32_t


cdef inline void add_table(const TSpec* sp, const weight_t* table, const uint8_t* const* base, const int64_t* ids,
                           Py_ssize_t first, Py_ssize_t last, int64_t* scores) noexcept nogil:
    """Add a dense (``ids`` NULL) or per-id table's weight to the gaps ``first``
    to ``last - 1`` (ids out of range add nothing here: their keys are hashed)."""
    cdef Py_ssize_t g
    cdef int64_t ident
    if sp.n_idx == 0:
        add_rows(sp, table, base, ids, first, last, scores, 0)
    elif sp.n_idx == 1:
        add_rows(sp, table, base, ids, first, last, scores, 1)
    elif sp.n_idx == 2:
        add_rows(sp, table, base, ids, first, last, scores, 2)
    elif sp.n_idx == 3:
        add_rows(sp, table, base, ids, first, last, scores, 3)
    elif sp.n_idx == 4:
        add_rows(sp, table, base, ids, first, last, scores, 4)
    else:
        for g in range(first, last):
            ident = id_part(sp, ids, g)
            if ident >= 0:
                scores[g] += table[ident + table_index(sp, base, g)]


cdef inline void add_rows(const TSpec* sp, const weight_t* table, const uint8_t* const* base, const int64_t* ids,
                          Py_ssize_t first, Py_ssize_t last, int64_t* scores, const int n_rows) noexcept nogil:
    """``add_table`` for ``n_rows`` (at most 4) row slots, with their rows, caps
    and strides in locals: called with a constant, so the compiler unrolls the
    inner loop and keeps them in registers (it cannot keep ``sp``'s fields there
    across the stores to ``scores``)."""
    cdef Py_ssize_t g
    cdef int64_t ident
    cdef int j
    cdef uint8_t v
    cdef const uint8_t* row[4]
    cdef int64_t cap[4]
    cdef int64_t stride[4]
    for j in range(n_rows):
        row[j], cap[j], stride[j] = base[j], sp.idx_cap[j], sp.idx_stride[j]
    for g in range(first, last):
        ident = id_part(sp, ids, g)
        if ident >= 0:
            for j in range(n_rows):
                v = row[j][g]
                ident += (v if v < cap[j] else cap[j]) * stride[j]
            scores[g] += table[ident]


cdef inline int64_t id_part(const TSpec* sp, const int64_t* ids, Py_ssize_t g) noexcept nogil:
    """The id part of a cell's index: 0 for a dense table (``ids`` NULL), -1
    for an id outside a per-id table's range."""
    if ids == NULL:
        return 0
    if <uint64_t>ids[g] >= <uint64_t>sp.id_range:
        return -1
    return ids[g]


cdef inline Py_ssize_t add_keys(const TSpec* sp, const int64_t* wg, const int64_t* wg2, uint8_t** rows,
                                Py_ssize_t g, uint64_t* keybuf, uint32_t* keygap, Py_ssize_t nkeys) noexcept nogil:
    """Collect the hashed key of ``sp`` at gap ``g`` (and of the templates folded into it)."""
    cdef int k
    keybuf[nkeys] = spec_key(sp, wg, wg2, rows, g)
    keygap[nkeys] = <uint32_t>g
    nkeys += 1
    for k in range(sp.n_folded):
        keybuf[nkeys] = spec_key(&sp.folded[k], wg, wg2, rows, g)
        keygap[nkeys] = <uint32_t>g
        nkeys += 1
    return nkeys


cdef void score_block(const Tables* T, const TSpec* specs, const NGroup* groups, const int64_t* w,
                      const int64_t* w2, uint8_t** rows, Py_ssize_t first, Py_ssize_t last, const uint8_t* active,
                      int64_t* scores, ScoreBuf* buf) noexcept nogil:
    """``score_templates`` for the gaps ``first`` to ``last - 1``: the per-gap
    templates, then the n-gram groups.  Only active gaps are scored (the
    scores of the others are never read): dense and per-id tables run over
    the runs of active gaps, n-grams that only score inactive ones are not
    looked up (``ngrams_score``)."""
    cdef Py_ssize_t g, k, r, nkeys = 0, n_runs = 0
    cdef int t
    cdef const TSpec* sp
    cdef const int64_t* ids
    cdef const WTable* wt = &T.weights
    cdef const uint8_t* base[MAX_SLOTS]
    cdef uint64_t* keybuf = buf.keybuf
    cdef uint32_t* keygap = buf.keygap
    cdef uint32_t* live = buf.live
    cdef uint32_t* runs = buf.runs
    live[0] = 0
    for g in range(first, last):
        live[g - first + 1] = live[g - first] + (active[g] != 0)
    if 4 * (last - first - live[last - first]) < last - first:   # mostly active: no skipping is cheaper
        runs[0], runs[1], n_runs = <uint32_t>first, <uint32_t>last, 1
        live = NULL
    else:
        for g in range(first, last):    # each run: its first gap, then the gap after its last
            if active[g] and (g == first or not active[g - 1]):
                runs[2 * n_runs] = <uint32_t>g
                n_runs += 1
            if active[g] and (g + 1 == last or not active[g + 1]):
                runs[2 * n_runs - 1] = <uint32_t>(g + 1)
    for t in range(T.n_gap_specs):      # template by template: its fields stay in registers across the gaps
        sp = &specs[t]
        for k in range(sp.n_idx):       # each row slot's row, moved by its offset
            base[k] = rows[sp.idx_row[k]] + sp.idx_off[k]
        if sp.mode == MODE_DENSE or sp.mode == MODE_PER_ID:
            ids = NULL if sp.mode == MODE_DENSE else (w2 if sp.id_plain else w) + PAD + sp.id_off
            for r in range(n_runs):
                if T.narrow:
                    add_table(sp, sp.table16, base, ids, runs[2 * r], runs[2 * r + 1], scores)
                else:
                    add_table(sp, sp.table, base, ids, runs[2 * r], runs[2 * r + 1], scores)
            if ids == NULL or (buf.max_plain if sp.id_plain else buf.max_id) < <uint64_t>sp.id_range:
                continue
            for g in range(first, last):    # ids out of range: the hashed keys (and the folded templates')
                if active[g] and <uint64_t>ids[g] >= <uint64_t>sp.id_range:
                    nkeys = add_keys(sp, w + PAD + g, w2 + PAD + g, rows, g, keybuf, keygap, nkeys)
            continue
        for g in range(first, last):
            if active[g]:
                nkeys = add_keys(sp, w + PAD + g, w2 + PAD + g, rows, g, keybuf, keygap, nkeys)
    for k in range(min(nkeys, PREFETCH_AHEAD)):
        wt_prefetch(wt, keybuf[k])
    for k in range(nkeys):
        if k + PREFETCH_AHEAD < nkeys:
            wt_prefetch(wt, keybuf[k + PREFETCH_AHEAD])
        scores[keygap[k]] += wt_get(wt, keybuf[k])
    ngrams_score(groups, T.n_groups, w + PAD, w2 + PAD, first, last, live, scores, wt, keybuf, keygap)


cdef inline uint8_t pair_class(const Tables* T, int view, int32_t b, int32_t c) noexcept nogil:
    """Class of the stats-id pair (b, c), both known (``PAIR_UNSEEN`` if raw text
    never had it).  The table holds its keys in ascending order, each at or
    after its home, so the search ends at the first key not smaller (an empty
    slot, 0, reads as larger; an empty slot follows the last)."""
    cdef uint64_t key = pair_key(b, c)
    cdef const uint64_t* slot = T.pair_table[view] + pair_home(T, view, key)
    while (slot[0] - 1) >> 16 < key:
        slot += 1
    return <uint8_t>(slot[0] >> 8) if slot[0] >> 16 == key else T.pair_unseen


cdef void fill_stat_rows(const Tables* T, const int32_t* sid0, const int32_t* sid1, Py_ssize_t n,
                         uint8_t** rows) noexcept nogil:
    """The statistics rows of ``features.line_rows``: per view, the class of each
    neighbour pair and the entropy classes of each piece (unknown without
    statistics).  Pair lookups are prefetched ``PAIR_AHEAD`` pieces ahead."""
    cdef int view
    cdef Py_ssize_t i
    cdef const int32_t* sid
    cdef uint8_t* pair
    cdef uint8_t* right
    cdef uint8_t* left
    for view in range(2):
        pair = rows[T.stat_row + 3 * view]
        right = rows[T.stat_row + 3 * view + 1]
        left = rows[T.stat_row + 3 * view + 2]
        memset(pair - PAD, T.pair_unknown, n + 2 * PAD)
        memset(right - PAD, T.syl_unknown, n + 2 * PAD)
        memset(left - PAD, T.syl_unknown, n + 2 * PAD)
        sid = sid0 if view == 0 else sid1
        if not T.has_stats or sid == NULL:
            continue
        for i in range(n):
            right[i] = T.stat_right[view][sid[i]]
            left[i] = T.stat_left[view][sid[i]]
        for i in range(min(n - 1, PAIR_AHEAD)):
            TACHTU_PREFETCH(T.pair_table[view] + pair_home(T, view, pair_key(sid[i], sid[i + 1])))
        for i in range(n - 1):
            if i + PAIR_AHEAD < n - 1:
                TACHTU_PREFETCH(T.pair_table[view] + pair_home(T, view, pair_key(sid[i + PAIR_AHEAD], sid[i + PAIR_AHEAD + 1])))
            if sid[i] != 0 and sid[i + 1] != 0:
                pair[i] = pair_class(T, view, sid[i], sid[i + 1])


cdef void score_line(const Tables* T, int64_t* w, int64_t* w2, uint8_t* s, const int32_t* sid0,
                     const int32_t* sid1, Py_ssize_t n, bint plain_line, const uint8_t* active,
                     int64_t* scores, ScoreBuf* buf) noexcept nogil:
    """Add the score of every gap of a line to ``scores`` (``n - 1`` cells).

    ``w``/``w2``/``s``: ids, plain ids and shapes of the ``n`` pieces, each with
    ``PAD`` cells on both sides that this fills with BOS/EOS; ``s`` is
    Title-folded in place.  ``sid0``/``sid1``: the pieces' stats ids per view
    (NULL: unknown).  ``plain_line``: the line has no diacritic
    (``features.line_is_plain``); with a ``plain_lines`` model its own weights score it.
    ``buf`` must have room for ``n`` pieces (``scorebuf_reserve``).
    """
    cdef Py_ssize_t i, width = n + 2 * PAD
    cdef uint8_t* rows[1 + ROWS_PER_DICT * 31 + 6]
    cdef int r
    cdef int ns = 1 if plain_line and T.n_namespaces == 2 else 0
    for i in range(PAD):
        w[i] = w2[i] = T.bos_id
        s[i] = T.bos_shape
        w[n + PAD + i] = w2[n + PAD + i] = T.eos_id
        s[n + PAD + i] = T.eos_shape
    buf.max_id = buf.max_plain = 0
    for i in range(width):
        buf.max_id = max(buf.max_id, <uint64_t>w[i])
        buf.max_plain = max(buf.max_plain, <uint64_t>w2[i])
    if not buf.title_folded:
        fold_title_line(T, s + PAD, n)
    rows[0] = s + PAD
    memset(buf.rows, 0, (T.n_rows - 1) * width)
    for r in range(1, T.n_rows):
        rows[r] = buf.rows + (r - 1) * width + PAD
    match_dictionaries(T, T.match_weights + ns * max(T.n_dicts, 1) * 3 * (T.max_dict + 1), w + PAD, n,
                       buf.separated, scores, rows)
    fill_stat_rows(T, sid0, sid1, n, rows)
    score_templates(T, T.specs + ns * T.n_specs, T.groups + ns * T.n_groups, w, w2, rows, n, active, scores, buf)


cdef build_joinable(uint8_t* table):
    """``joinable(kind, kind, space)`` for every pair of piece kinds."""
    from . import features

    kinds = list(features.Kind)
    if len(kinds) > N_KINDS_MAX:
        raise ValueError("too many piece kinds")
    for a in kinds:
        for b in kinds:
            for space in (False, True):
                table[(int(a) * N_KINDS_MAX + int(b)) * 2 + space] = bool(
                    features.joinable(a, b, space))


cdef class CompiledScorer:
    """Compiled twin of ``ReferenceScorer``: identical ``scores``/``joins``.

    >>> from tachtu.model.model import Model
    >>> CompiledScorer(Model.load()).joins([100, 200], [2, 2], [0, 0], [True, True]) in ([True], [False])
    True
    """

    def __cinit__(self):
        memset(&self.T, 0, sizeof(Tables))

    def __init__(self, model):
        self.model = model
        tables_build(&self.T, model)
        build_joinable(self.joinable_table)

    def __dealloc__(self):
        tables_free(&self.T)

    def __reduce__(self):
        return (CompiledScorer, (self.model,))

    cdef list _run(self, ids, shapes, plain_ids, stat_ids, bint plain_line, kinds, spaces, bint want_scores):
        cdef Py_ssize_t n = len(ids), i
        if plain_ids is None:
            plain_ids = ids
        if len(shapes) != n or len(plain_ids) != n:
            raise ValueError("ids, shapes and plain ids differ in length")
        if n < 2:
            return []
        cdef int64_t* w = <int64_t*>malloc((n + 2 * PAD) * sizeof(int64_t))
        cdef int64_t* w2 = <int64_t*>malloc((n + 2 * PAD) * sizeof(int64_t))
        cdef int32_t* sid0 = <int32_t*>calloc(n, sizeof(int32_t))
        cdef int32_t* sid1 = <int32_t*>calloc(n, sizeof(int32_t))
        cdef uint8_t* s = <uint8_t*>malloc((n + 2 * PAD) * sizeof(uint8_t))
        cdef uint8_t* active = <uint8_t*>malloc(n * sizeof(uint8_t))
        cdef int64_t* scores = <int64_t*>calloc(n, sizeof(int64_t))
        cdef ScoreBuf buf
        memset(&buf, 0, sizeof(ScoreBuf))
        cdef int shape
        try:
            if w == NULL or w2 == NULL or sid0 == NULL or sid1 == NULL or s == NULL or active == NULL or scores == NULL:
                raise MemoryError()
            scorebuf_reserve(&buf, &self.T, n)
            for i in range(n):
                w[PAD + i] = ids[i]
                w2[PAD + i] = plain_ids[i]
                if stat_ids is not None:
                    sid0[i] = stat_ids[0][i]
                    sid1[i] = stat_ids[1][i]
                    if not (0 <= sid0[i] <= self.T.n_stat[0] and 0 <= sid1[i] <= self.T.n_stat[1]):
                        raise ValueError("stats id out of range")
                shape = shapes[i]
                if shape < 0 or shape >= self.T.n_shapes:
                    raise ValueError(f"shape {shape} out of range")
                s[PAD + i] = shape
            for i in range(n - 1):
                active[i] = want_scores or self.joinable(kinds[i], kinds[i + 1], bool(spaces[i + 1]))
            score_line(&self.T, w, w2, s, sid0, sid1, n, plain_line, active, scores, &buf)
            if want_scores:
                return [scores[i] for i in range(n - 1)]
            return [bool(active[i] and scores[i] > 0) for i in range(n - 1)]
        finally:
            free(w)
            free(w2)
            free(sid0)
            free(sid1)
            free(s)
            free(active)
            free(scores)
            scorebuf_free(&buf)

    def table_slots(self):
        """``(homes, slots)`` of every open-addressing table a lookup starts at
        a home of (the n-gram groups', then the statistics pairs' per view):
        each has its homes, then an empty slot, so no lookup reads past it."""
        cdef int i
        out = [(self.T.groups[i].size, self.T.groups[i].n_slots + 1)
               for i in range(self.T.n_groups * self.T.n_namespaces) if self.T.groups[i].slots != NULL]
        if self.T.has_stats:
            out += [(self.T.pair_size[i], self.T.pair_slots[i] + 1) for i in range(2)]
        return out

    def scores(self, ids, shapes, plain_ids=None, stat_ids=None, plain_line=False):
        """Integer score of every gap (``len(ids) - 1`` values), as ``ReferenceScorer.scores``."""
        return self._run(ids, shapes, plain_ids, stat_ids, plain_line, None, None, True)

    def joins(self, ids, shapes, kinds, spaces, plain_ids=None, stat_ids=None, plain_line=False):
        """Join decision for every gap, as ``ReferenceScorer.joins``."""
        return self._run(ids, shapes, plain_ids, stat_ids, plain_line, kinds, spaces, False)
