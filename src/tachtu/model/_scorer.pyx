# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Compiled gap scorer: the C twin of ``scorer_ref.ReferenceScorer``.

It is built from the model's own template list (``Model.templates``, see
``spec.py``), the same list the reference scorer interprets, so a template
added to the table needs no edit here.  Each template becomes a ``TSpec``
whose mode is chosen from its slots' sizes:

* ``MODE_DENSE``: no syllable id and at most ``DENSE_MAX`` value combinations:
  one ``int32`` table indexed by the packed slot values (mixed radix, the
  first slot most significant), cf. vaporetto's type-score cache;
* ``MODE_PER_ID``: one syllable id and at most ``PER_ID_MAX_COMBOS``
  combinations of the other slots: ``table[combo * n_ids + id]`` (no hashing
  for unigram-like templates, cf. vaporetto ``PositionalWeight``); an id
  outside the vocabulary falls back to the hashed lookup;
* ``MODE_HASHED``: anything else: the key is hashed per gap and looked up in
  the ``WTable`` of all weights, prefetched ``PREFETCH_AHEAD`` keys ahead.

Worked example (the default model: 9124 ids, 12 shapes): ``B`` (``id:0``) is
an ``int32[9124]`` array, ``SHAPE_B_C`` (``shape:0 id:1``) ``int32[12 * 9124]``,
``SHAPE_ABCD`` an ``int32[12**4]`` array, ``DICT_SPAN`` of dictionary 1
(``const:1 end1:0/4 begin1:1/4 cover1:0/4``) an ``int32[5**3]`` array, and
``AB``/``ABC``/... are looked up in the 2**21-slot ``WTable``.

Per line, ``score_line`` fills the byte rows the slots read (shapes, and per
dictionary the ``PAIR``/``END``/``BEGIN``/``COVER`` rows of ``features.line_rows``)
while it adds the ``DICT_MATCH`` weight of every dictionary match, then adds
every template's weight to every active gap.
"""

from libc.stdint cimport uint64_t, int64_t, int32_t, uint32_t, uint8_t
from libc.stdlib cimport malloc, calloc, free
from libc.string cimport memcpy, memset

from ._keys cimport (WTable, key_start, key_add, key_end, wt_init, wt_free, wt_put, wt_get,
                     wt_prefetch)

cdef enum:
    MODE_DENSE = 0
    MODE_PER_ID = 1
    MODE_HASHED = 2
    SRC_ID = 0              # w[PAD + g + off]
    SRC_ROW = 1             # rows[row][PAD + g + off], capped
    SRC_CONST = 2
    SRC_PLAIN = 3           # w2[PAD + g + off]
    ROWS_PER_DICT = 4       # PAIR, END, BEGIN, COVER (spec.Source order)
    DENSE_MAX = 1 << 16     # dense tables up to 256 KiB
    PER_ID_MAX_COMBOS = 16  # per-id tables up to 16 * n_ids cells
    PREFETCH_AHEAD = 16     # weight-table lookups in flight
    PAIR_CACHE = 1 << 16    # statistics pairs remembered per view and thread (most pairs of running text recur)
    KEY_BLOCK = 4096        # gaps whose hashed keys are collected at once (bounds ScoreBuf on long lines)


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
    cdef Py_ssize_t keys = min(cap, KEY_BLOCK) * T.n_specs + 1
    buf.keybuf = <uint64_t*>malloc(keys * sizeof(uint64_t))
    buf.keygap = <uint32_t*>malloc(keys * sizeof(uint32_t))
    buf.pair_cache = <uint64_t*>calloc(2 * PAIR_CACHE, sizeof(uint64_t))
    if buf.rows == NULL or buf.keybuf == NULL or buf.keygap == NULL or buf.pair_cache == NULL:
        scorebuf_free(buf)
        raise MemoryError()
    buf.cap = cap
    return 0


cdef void scorebuf_free(ScoreBuf* buf) noexcept:
    free(buf.pair_cache)
    free(buf.rows)
    free(buf.keybuf)
    free(buf.keygap)
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
                             int64_t* scores, uint8_t** rows) noexcept nogil:
    """Every dictionary match (``features.dict_matches``): its ``DICT_MATCH``
    weights into ``scores`` and its length into the dictionary rows
    (``features.line_rows``: longest ending at, starting at, covering; 2-piece
    starts).  ``rows[1 + 4 * d + k]`` points at piece 0 of row ``k`` of ``d``."""
    cdef Py_ssize_t start, end, lim, gap, length
    cdef uint64_t h, key, bit
    cdef int32_t mask
    cdef int d
    cdef int stride = T.max_dict + 1
    cdef uint8_t* pair
    cdef uint8_t* ends
    cdef uint8_t* begins
    cdef uint8_t* covers
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
                    scores[gap] += match_weights[(d * 3 + T.rel_inside) * stride + length]
                if start > 0:
                    scores[start - 1] += match_weights[(d * 3 + T.rel_left) * stride + length]
                if end < n - 1:
                    scores[end] += match_weights[(d * 3 + T.rel_right) * stride + length]
                pair = rows[1 + ROWS_PER_DICT * d]
                ends = rows[2 + ROWS_PER_DICT * d]
                begins = rows[3 + ROWS_PER_DICT * d]
                covers = rows[4 + ROWS_PER_DICT * d]
                if ends[end] < length:
                    ends[end] = <uint8_t>length
                if begins[start] < length:
                    begins[start] = <uint8_t>length
                for gap in range(start, end):
                    if covers[gap] < length:
                        covers[gap] = <uint8_t>length
                if length == 2:
                    pair[start] = 1


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


cdef inline int64_t table_index(const TSpec* sp, uint8_t** rows, Py_ssize_t g) noexcept nogil:
    """Index of the row slots' values in ``sp.table`` (before the id, for per-id tables)."""
    cdef int64_t idx = 0
    cdef uint8_t v
    cdef int j
    for j in range(sp.n_idx):
        v = rows[sp.idx_row[j]][g + sp.idx_off[j]]
        idx += (v if v < sp.idx_cap[j] else sp.idx_cap[j]) * sp.idx_stride[j]
    return idx


cdef inline uint64_t spec_key(const TSpec* sp, const int64_t* wg, const int64_t* wg2, uint8_t** rows,
                              Py_ssize_t g) noexcept nogil:
    cdef uint64_t h = sp.start
    cdef int j
    for j in range(sp.n):
        h = key_add(h, slot_value(sp, j, wg, wg2, rows, g))
    return key_end(h)


cdef void score_templates(const Tables* T, const TSpec* specs, const int64_t* w, const int64_t* w2,
                          uint8_t** rows, Py_ssize_t n, const uint8_t* active, int64_t* scores,
                          uint64_t* keybuf, uint32_t* keygap) noexcept nogil:
    """Add every template's weight to every active gap of the line.

    Dense and per-id tables are read at once; hashed keys are collected
    (``keybuf``, their gap in ``keygap``) and then looked up with a prefetch
    ``PREFETCH_AHEAD`` keys ahead, so the weight table's cache misses overlap.
    Keys are collected for ``KEY_BLOCK`` gaps at a time, so the buffers stay
    small however long the line (a 50 MB line once needed 2.2 GB).
    """
    cdef Py_ssize_t block = 0
    while block < n - 1:
        score_block(T, specs, w, w2, rows, block, min(n - 1, block + KEY_BLOCK), active, scores, keybuf, keygap)
        block += KEY_BLOCK


cdef void score_block(const Tables* T, const TSpec* specs, const int64_t* w, const int64_t* w2, uint8_t** rows,
                      Py_ssize_t first, Py_ssize_t last, const uint8_t* active, int64_t* scores, uint64_t* keybuf,
                      uint32_t* keygap) noexcept nogil:
    """``score_templates`` for the gaps ``first`` to ``last - 1``."""
    cdef Py_ssize_t g, k, nkeys = 0
    cdef int64_t ident, total
    cdef int t
    cdef const TSpec* sp
    cdef const int64_t* wg
    cdef const int64_t* wg2
    cdef const WTable* wt = &T.weights
    for g in range(first, last):
        if not active[g]:
            continue
        wg = w + PAD + g
        wg2 = w2 + PAD + g
        total = 0
        for t in range(T.n_specs):
            sp = &specs[t]
            if sp.mode == MODE_DENSE:
                total += sp.table[table_index(sp, rows, g)]
                continue
            if sp.mode == MODE_PER_ID:
                ident = (wg2 if sp.id_plain else wg)[sp.id_off]
                if <uint64_t>ident < <uint64_t>sp.id_range:
                    total += sp.table[ident + table_index(sp, rows, g)]
                    continue
            keybuf[nkeys] = spec_key(sp, wg, wg2, rows, g)
            keygap[nkeys] = <uint32_t>g
            nkeys += 1
        scores[g] += total
    for k in range(min(nkeys, PREFETCH_AHEAD)):
        wt_prefetch(wt, keybuf[k])
    for k in range(nkeys):
        if k + PREFETCH_AHEAD < nkeys:
            wt_prefetch(wt, keybuf[k + PREFETCH_AHEAD])
        scores[keygap[k]] += wt_get(wt, keybuf[k])


cdef inline uint8_t pair_class(const Tables* T, int view, int32_t b, int32_t c) noexcept nogil:
    """Class of the stats-id pair (b, c), both known: a binary search among b's
    pairs (a row of the model's sorted array, no table built at load)."""
    cdef Py_ssize_t lo = T.pair_rows[view][b], hi = T.pair_rows[view][b + 1], mid
    cdef uint64_t key = (<uint64_t>b << 32) | <uint32_t>c
    cdef const uint64_t* keys = T.pair_keys[view]
    while lo < hi:
        mid = (lo + hi) >> 1
        if keys[mid] < key:
            lo = mid + 1
        else:
            hi = mid
    if lo < T.pair_rows[view][b + 1] and keys[lo] == key:
        return T.pair_values[view][lo]
    return T.pair_unseen


cdef inline uint8_t cached_pair_class(const Tables* T, int view, int32_t b, int32_t c,
                                      uint64_t* cache) noexcept nogil:
    """``pair_class`` through a small direct-mapped cache (the scratch's own, so
    threads never share it); stats ids are below 2**24, so an entry holds the pair."""
    cdef uint64_t tag = (<uint64_t>b << 40) | (<uint64_t>c << 16)
    cdef uint64_t* slot = &cache[(((<uint64_t>b << 20) ^ <uint64_t>c) * <uint64_t>2654435761 >> 12) & (PAIR_CACHE - 1)]
    cdef uint8_t value
    if slot[0] & ~(<uint64_t>0xFFFF) == tag and slot[0] & 1:
        return <uint8_t>(slot[0] >> 8)
    value = pair_class(T, view, b, c)
    slot[0] = tag | (<uint64_t>value << 8) | 1
    return value


cdef void fill_stat_rows(const Tables* T, const int32_t* sid0, const int32_t* sid1, Py_ssize_t n,
                         uint8_t** rows, uint64_t* cache) noexcept nogil:
    """The statistics rows of ``features.line_rows``: per view, the class of each
    neighbour pair and the entropy classes of each piece (unknown without statistics)."""
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
        for i in range(n - 1):
            if sid[i] != 0 and sid[i + 1] != 0:
                pair[i] = cached_pair_class(T, view, sid[i], sid[i + 1], cache + view * PAIR_CACHE)


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
    if not buf.title_folded:
        fold_title_line(T, s + PAD, n)
    rows[0] = s + PAD
    memset(buf.rows, 0, (T.n_rows - 1) * width)
    for r in range(1, T.n_rows):
        rows[r] = buf.rows + (r - 1) * width + PAD
    match_dictionaries(T, T.match_weights + ns * max(T.n_dicts, 1) * 3 * (T.max_dict + 1), w + PAD, n, scores, rows)
    fill_stat_rows(T, sid0, sid1, n, rows, buf.pair_cache)
    score_templates(T, T.specs + ns * T.n_specs, w, w2, rows, n, active, scores, buf.keybuf, buf.keygap)


# -- building the tables -------------------------------------------------------------
cdef build_dictionaries(Tables* T, model):
    """The entry table (key -> bitmask of dictionaries), its bit prefilter,
    and the ``DICT_MATCH`` weights as a dense ``[dict][relation][length]`` array."""
    from . import spec
    from .features import PLAIN_LINE_NAMESPACE, Relation, feature_key

    cdef const uint64_t[::1] dkeys
    cdef Py_ssize_t i
    cdef int d, r, length, bits = 12
    cdef uint64_t key, bit
    T.n_dicts = len(model.dictionaries)
    T.max_dict = spec.MAX_DICT_WORD
    n_entries = sum(len(d) for d in model.dictionaries)
    wt_init(&T.dicts, n_entries)
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
    T.dict_start = key_start(spec.DICT_WORD)
    T.rel_inside = int(Relation.INSIDE)
    T.rel_left = int(Relation.LEFT)
    T.rel_right = int(Relation.RIGHT)
    cdef int stride = T.max_dict + 1, ns
    cdef Py_ssize_t per_namespace = max(T.n_dicts, 1) * len(Relation) * stride
    T.match_weights = <int32_t*>calloc(T.n_namespaces * per_namespace, sizeof(int32_t))
    if T.match_weights == NULL:
        raise MemoryError()
    for ns in range(T.n_namespaces):
        for d in range(T.n_dicts):
            for r in range(len(Relation)):
                for length in range(stride):
                    T.match_weights[ns * per_namespace + (d * 3 + r) * stride + length] = wt_get(
                        &T.weights, feature_key(spec.DICT_MATCH + ns * PLAIN_LINE_NAMESPACE, d, r, length))

cdef build_stats(Tables* T, stats):
    """The statistics lookups of ``corpus_stats.ModelStats`` (per view: pair table, entropy arrays)."""
    from . import corpus_stats

    cdef int view
    cdef Py_ssize_t i, n
    cdef const uint64_t[::1] keys
    cdef const uint8_t[::1] values
    cdef Py_ssize_t b
    T.pair_unknown = corpus_stats.PAIR_UNKNOWN
    T.pair_unseen = corpus_stats.PAIR_UNSEEN
    T.syl_unknown = corpus_stats.SYL_UNKNOWN
    T.has_stats = stats is not None
    if stats is None:
        return
    for view in range(2):
        v = stats.views[view]
        n = len(v.syllables)
        T.stat_right[view] = <uint8_t*>malloc(n + 1)
        T.stat_left[view] = <uint8_t*>malloc(n + 1)
        if T.stat_right[view] == NULL or T.stat_left[view] == NULL:
            raise MemoryError()
        if n >= (1 << 24):
            raise ValueError("statistics of more than 2**24 syllables")
        T.n_stat[view] = n
        T.stat_right[view][0] = T.stat_left[view][0] = T.syl_unknown
        values = v.right
        if n:
            memcpy(T.stat_right[view] + 1, &values[0], n)
        values = v.left
        if n:
            memcpy(T.stat_left[view] + 1, &values[0], n)
        keys = v.pair_keys
        values = v.pair_values
        T.pair_rows[view] = <Py_ssize_t*>malloc((n + 2) * sizeof(Py_ssize_t))
        if T.pair_rows[view] == NULL:
            raise MemoryError()
        if keys.shape[0]:
            T.pair_keys[view] = &keys[0]
            T.pair_values[view] = &values[0]
        b = 0
        for i in range(keys.shape[0]):      # sorted: each b's pairs are one run
            if i and keys[i] <= keys[i - 1] or keys[i] >> 32 > <uint64_t>n:
                raise ValueError("statistics pairs are not sorted or name unknown syllables")
            while b <= <Py_ssize_t>(keys[i] >> 32):
                T.pair_rows[view][b] = i
                b += 1
        while b <= n + 1:
            T.pair_rows[view][b] = keys.shape[0]
            b += 1


cdef build_spec(Tables* T, TSpec* sp, template, dims, int namespace):
    """``sp`` for one ``spec.Template``: slot sources, then its mode and table."""
    from .spec import Source

    cdef int j, n_id = 0
    cdef Py_ssize_t combos = 1
    sizes = []
    sp.start = key_start(template.number + namespace)
    sp.n = len(template.slots)
    for j, slot in enumerate(template.slots):
        sp.off[j] = slot.offset
        if slot.source in (Source.ID, Source.PLAIN):
            sp.src[j] = SRC_ID if slot.source == Source.ID else SRC_PLAIN
            sp.id_off = slot.offset
            sp.id_plain = slot.source == Source.PLAIN
            sp.id_range = T.n_plain if sp.id_plain else T.n_ids
            n_id += 1
        elif slot.source == Source.CONST:
            sp.src[j] = SRC_CONST
            sp.value[j] = slot.value
        else:
            sp.src[j] = SRC_ROW
            if slot.source == Source.SHAPE:
                sp.row[j] = 0
            elif slot.is_dict:
                sp.row[j] = 1 + ROWS_PER_DICT * slot.dict + (slot.source - Source.PAIR)
            else:
                sp.row[j] = T.stat_row + 3 * slot.dict + (slot.source - Source.STAT_PAIR)
            sp.cap[j] = slot.cap
        size = slot.size(dims)
        sizes.append(size)
        if size is not None:
            combos *= size
    if n_id == 0 and combos <= DENSE_MAX:
        sp.mode = MODE_DENSE
        set_index(sp, sizes, 1)
        fill_table(T, sp, sizes, combos, 1)
    elif n_id == 1 and combos <= PER_ID_MAX_COMBOS:
        sp.mode = MODE_PER_ID
        set_index(sp, sizes, sp.id_range)
        fill_table(T, sp, sizes, combos, sp.id_range)
    else:
        sp.mode = MODE_HASHED


cdef set_index(TSpec* sp, list sizes, int64_t unit):
    """The row slots that index the table, with their mixed-radix weights: the
    last slot least significant, all times ``unit`` (the per-id tables' id
    range).  Shape rows are never capped (cap 255: values are below it)."""
    cdef int j, k = 0
    cdef int64_t stride = unit
    for j in range(sp.n - 1, -1, -1):
        if sp.src[j] != SRC_ROW:
            continue
        sp.idx_row[k] = sp.row[j]
        sp.idx_off[k] = sp.off[j]
        sp.idx_cap[k] = sp.cap[j] if sp.cap[j] else 255
        sp.idx_stride[k] = stride
        stride *= sizes[j]
        k += 1
    sp.n_idx = k


cdef fill_table(const Tables* T, TSpec* sp, list sizes, Py_ssize_t combos, int64_t n_ids):
    """``sp.table[combo * n_ids + id]``: the weight of every value combination."""
    cdef Py_ssize_t combo, rest, ident
    cdef int j
    cdef uint64_t h
    cdef uint64_t values[MAX_SLOTS]
    sp.table = <int32_t*>calloc(combos * n_ids, sizeof(int32_t))
    if sp.table == NULL:
        raise MemoryError()
    for combo in range(combos):
        rest = combo
        for j in range(sp.n - 1, -1, -1):
            if sp.src[j] == SRC_CONST:
                values[j] = sp.value[j]
            elif sp.src[j] == SRC_ROW:
                values[j] = rest % sizes[j]
                rest //= sizes[j]
        for ident in range(n_ids):
            h = sp.start
            for j in range(sp.n):
                h = key_add(h, <uint64_t>ident if sp.src[j] == SRC_ID or sp.src[j] == SRC_PLAIN else values[j])
            sp.table[combo * n_ids + ident] = wt_get(&T.weights, key_end(h))

cdef order_by_mode(TSpec* specs, int n):
    """Dense, then per-id, then hashed templates (sums do not depend on the
    order; grouping them keeps the per-gap loop's branches predictable)."""
    cdef TSpec* copy = <TSpec*>malloc(max(n, 1) * sizeof(TSpec))
    cdef int mode, t, k = 0
    if copy == NULL:
        raise MemoryError()
    for mode in (MODE_DENSE, MODE_PER_ID, MODE_HASHED):
        for t in range(n):
            if specs[t].mode == mode:
                copy[k] = specs[t]
                k += 1
    memcpy(specs, copy, n * sizeof(TSpec))
    free(copy)


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
        from . import features, spec
        from .features import Shape

        if spec.MAX_SLOTS != MAX_SLOTS or features.PAD != PAD or spec.MAX_DICTS > 31:
            raise ValueError("the compiled scorer was built for another spec (MAX_SLOTS, PAD, MAX_DICTS)")
        self.model = model
        cdef Tables* T = &self.T
        cdef const uint64_t[::1] keys = model.keys
        cdef const int32_t[::1] weights = model.weights
        cdef Py_ssize_t i, n = keys.shape[0]
        wt_init(&T.weights, n)
        with nogil:
            for i in range(n):
                wt_put(&T.weights, keys[i], weights[i])

        T.n_shapes = len(Shape)
        T.n_ids = features.N_SPECIAL + len(model.vocab)
        T.n_plain = features.N_SPECIAL + len(model.plain_vocab)
        T.bos_id = features.BOS_ID
        T.eos_id = features.EOS_ID
        T.bos_shape = int(Shape.BOS)
        T.eos_shape = int(Shape.EOS)
        T.lower_shape = int(Shape.LOWER)
        T.title_shape = int(Shape.TITLE)
        T.title_line_min = features.TITLE_LINE_MIN
        T.n_namespaces = 2 if model.plain_lines else 1
        build_dictionaries(T, model)
        T.stat_row = 1 + ROWS_PER_DICT * model.n_dicts
        T.n_rows = T.stat_row + 6
        build_stats(T, model.stats)
        dims = model.dims
        T.specs = <TSpec*>calloc(max(len(model.templates), 1) * T.n_namespaces, sizeof(TSpec))
        if T.specs == NULL:
            raise MemoryError()
        cdef int ns, k = 0
        for ns in range(T.n_namespaces):
            for template in model.templates:
                build_spec(T, &T.specs[k], template, dims, ns * features.PLAIN_LINE_NAMESPACE)
                k += 1
        T.n_specs = len(model.templates)
        for ns in range(T.n_namespaces):
            order_by_mode(T.specs + ns * T.n_specs, T.n_specs)
        build_joinable(self.joinable_table)

    def __dealloc__(self):
        cdef int t
        wt_free(&self.T.weights)
        wt_free(&self.T.dicts)
        free(self.T.dict_bits)
        free(self.T.match_weights)
        for t in range(2):
            free(self.T.pair_rows[t])
            free(self.T.stat_right[t])
            free(self.T.stat_left[t])
        if self.T.specs != NULL:
            for t in range(self.T.n_specs * self.T.n_namespaces):
                free(self.T.specs[t].table)
        free(self.T.specs)

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

    def scores(self, ids, shapes, plain_ids=None, stat_ids=None, plain_line=False):
        """Integer score of every gap (``len(ids) - 1`` values), as ``ReferenceScorer.scores``."""
        return self._run(ids, shapes, plain_ids, stat_ids, plain_line, None, None, True)

    def joins(self, ids, shapes, kinds, spaces, plain_ids=None, stat_ids=None, plain_line=False):
        """Join decision for every gap, as ``ReferenceScorer.joins``."""
        return self._run(ids, shapes, plain_ids, stat_ids, plain_line, kinds, spaces, False)
