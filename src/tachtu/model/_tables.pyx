# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""The compiled scorer's tables, built once per model from its own template
list (``Model.templates``, see ``spec.py``), the same list the reference scorer
interprets, so a template added to the table needs no edit here.

Each template becomes a ``TSpec`` whose mode is chosen from its slots' sizes:

* ``MODE_DENSE``: no syllable id and at most ``DENSE_MAX`` value combinations:
  one table indexed by the packed slot values (mixed radix, the first slot
  most significant), cf. vaporetto's type-score cache;
* ``MODE_PER_ID``: one syllable id and at most ``PER_ID_MAX_COMBOS``
  combinations of the other slots: ``table[combo * n_ids + id]``; an id
  outside the vocabulary falls back to the hashed lookup;
* ``MODE_NGRAM``: a member of an n-gram group (``spec.ngram_groups``), scored
  by ``_ngrams`` from the model's n-gram codes;
* ``MODE_HASHED``: anything else: its keys stay in the ``WTable``.

Then small tables are folded into the ones that read a superset of their
slots (``MODE_FOLDED``), tables whose cells all fit in int16 are narrowed,
and the weight table keeps only the keys no table copied.

Worked example (the default model: 9205 ids, 12 shapes): ``A`` (``id:-1``)
is an ``int16[9220]`` array, ``B_SHAPE_C`` (``id:0 shape:1``) an ``int16[12 *
9220]`` array into which ``B`` (``id:0``) is folded, ``SHAPE_ABCD`` an
``int16[12**4]`` array, ``DICT_SPAN_BOTH`` ``int16[5**6]``, the ``AB``, ``BC``
... keys are in the bigram group's table, and ``BC_SHAPES`` is hashed.
"""

from libc.stdint cimport uint64_t, int64_t, int32_t, uint32_t, int16_t, uint8_t
from libc.stdlib cimport malloc, calloc, realloc, free
from libc.string cimport memcpy, memset

from ._keys cimport (filter_add, filter_free, filter_has, filter_init, tachtu_big_alloc, tachtu_big_free,
                     key_start, key_add, key_end, wt_init, wt_free, wt_prefetch, wt_put, wt_get, wt_slot)
from ._ngrams cimport NGroup, ngrams_build, ngrams_free

cdef enum:
    DENSE_MAX = 1 << 16     # dense tables up to 65536 cells
    PER_ID_MAX_COMBOS = 16  # per-id tables up to 16 * n_ids cells
    FILL_BATCH = 64         # weight-table lookups prefetched at once while filling a table


cdef int tables_build(Tables* T, object model) except -1:
    """Every table of ``model`` into ``T`` (zeroed by the caller; ``tables_free``
    frees them, also after an error part way)."""
    from . import features, layout, spec
    from .features import Shape

    if spec.MAX_SLOTS != MAX_SLOTS or features.PAD != PAD or spec.MAX_DICTS > 31:
        raise ValueError("the compiled scorer was built for another spec (MAX_SLOTS, PAD, MAX_DICTS)")
    cdef const uint64_t[::1] keys = model.keys
    cdef const int32_t[::1] weights = model.weights
    cdef Py_ssize_t i, n = keys.shape[0], n_hashed = 0
    T.n_ids = model.n_ids
    T.n_plain = model.n_plain
    T.n_namespaces = model.n_namespaces
    cdef uint8_t* hashed = <uint8_t*>malloc(max(n, 1))
    if hashed == NULL:
        raise MemoryError()
    try:
        groups = build_groups(T, model, layout.ngram_codes(model), weights, hashed)
        for i in range(n):
            n_hashed += hashed[i]
        wt_init(&T.weights, n_hashed)
        filter_init(&T.present, n_hashed)
        with nogil:
            for i in range(n):
                if hashed[i]:
                    wt_put(&T.weights, keys[i], weights[i])
                    filter_add(&T.present, keys[i])
    finally:
        free(hashed)

    T.copied = <uint8_t*>calloc(T.weights.mask + 1, 1)
    if T.copied == NULL:
        raise MemoryError()
    T.n_shapes = len(Shape)
    T.bos_id = features.BOS_ID
    T.eos_id = features.EOS_ID
    T.bos_shape = int(Shape.BOS)
    T.eos_shape = int(Shape.EOS)
    T.lower_shape = int(Shape.LOWER)
    T.title_shape = int(Shape.TITLE)
    T.title_line_min = features.TITLE_LINE_MIN
    build_dictionaries(T, model)
    T.stat_row = 1 + ROWS_PER_DICT * model.n_dicts
    T.n_rows = T.stat_row + 6
    build_stats(T, model.stats)
    dims = model.dims
    T.specs = <TSpec*>calloc(max(len(model.templates), 1) * T.n_namespaces, sizeof(TSpec))
    if T.specs == NULL:
        raise MemoryError()
    cdef int ns, gi, k = 0
    for ns in range(T.n_namespaces):
        for template in model.templates:
            build_spec(T, &T.specs[k], template, dims, ns * features.PLAIN_LINE_NAMESPACE)
            k += 1
    T.n_specs = len(model.templates)
    for ns in range(T.n_namespaces):     # the members of a group with a table leave the per-gap loop
        for gi in range(T.n_groups):
            if T.groups[ns * T.n_groups + gi].slots != NULL:
                for t, _ in groups[gi].members:
                    T.specs[ns * T.n_specs + t].mode = MODE_NGRAM
    for ns in range(T.n_namespaces):
        fold_tables(T.specs + ns * T.n_specs, T.n_specs)
    T.n_gap_specs = sum(1 for t in range(T.n_specs) if T.specs[t].mode not in (MODE_NGRAM, MODE_FOLDED))
    narrow_tables(T)
    drop_copied(T)
    for ns in range(T.n_namespaces):
        order_by_mode(T.specs + ns * T.n_specs, T.n_specs)
    return 0


cdef void tables_free(Tables* T) noexcept:
    cdef int t
    wt_free(&T.weights)
    wt_free(&T.dicts)
    filter_free(&T.dict_filter)
    free(T.match_weights)
    for t in range(2):
        tachtu_big_free(T.pair_table[t])
        free(T.stat_right[t])
        free(T.stat_left[t])
    if T.specs != NULL:
        for t in range(T.n_specs * T.n_namespaces):
            free(T.specs[t].table)
            free(T.specs[t].table16)
            free(T.specs[t].folded)
    free(T.specs)
    ngrams_free(T.groups, T.n_groups * T.n_namespaces)
    free(T.groups)
    free(T.copied)
    filter_free(&T.present)


cdef build_dictionaries(Tables* T, model):
    """The entry table (key -> bitmask of dictionaries), its bit prefilter,
    and the ``DICT_MATCH`` weights as a dense ``[dict][relation][length]`` array."""
    from . import spec
    from .features import PLAIN_LINE_NAMESPACE, Relation, feature_key

    cdef const uint64_t[::1] dkeys
    cdef Py_ssize_t i
    cdef int d, r, length
    cdef uint64_t key
    T.n_dicts = len(model.dictionaries)
    T.max_dict = spec.MAX_DICT_WORD
    if T.max_dict > DICT_MAX_WORD:
        raise ValueError("spec.MAX_DICT_WORD exceeds _tables.pxd's DICT_MAX_WORD")
    n_entries = sum(len(d) for d in model.dictionaries)
    wt_init(&T.dicts, n_entries)
    filter_init(&T.dict_filter, n_entries)
    for d in range(T.n_dicts):
        dkeys = model.dictionaries[d]
        for i in range(dkeys.shape[0]):
            key = dkeys[i]
            wt_put(&T.dicts, key, wt_get(&T.dicts, key) | (1 << d))
            filter_add(&T.dict_filter, key)
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
                    T.match_weights[ns * per_namespace + (d * 3 + r) * stride + length] = copy_weight(
                        T, feature_key(spec.DICT_MATCH + ns * PLAIN_LINE_NAMESPACE, d, r, length))

cdef build_stats(Tables* T, stats):
    """The statistics lookups of ``corpus_stats.ModelStats``: per view, the entropy
    arrays and a hash table of the pair classes (one probe where a binary
    search in the model's sorted array took a cache miss per step)."""
    from . import corpus_stats

    cdef int view
    cdef Py_ssize_t i, n, b, c
    cdef const uint64_t[::1] keys
    cdef const uint8_t[::1] values
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
        for i in range(keys.shape[0]):
            b = <Py_ssize_t>(keys[i] >> 32)
            c = <Py_ssize_t>(keys[i] & <uint64_t>0xFFFFFFFF)
            if b > n or c > n or b == 0 or c == 0 or (i and keys[i] <= keys[i - 1]):
                raise ValueError("statistics pairs are not sorted or name unknown syllables")
        T.pair_size[view] = max(16, PAIR_HOMES_PER_PAIR * keys.shape[0])
        fill_pair_table(T, view, keys, values)


cdef fill_pair_table(Tables* T, int view, const uint64_t[::1] keys, const uint8_t[::1] values):
    """View ``view``'s pair table: the entries sorted by key, each in the first
    free slot at or after its home (where linear probing without wrap-around
    puts them, in this order)."""
    cdef Py_ssize_t i, n = keys.shape[0]
    cdef uint64_t pos = 0, home
    cdef uint64_t* entries = <uint64_t*>malloc(max(n, 1) * sizeof(uint64_t))
    cdef uint64_t* scratch = <uint64_t*>malloc(max(n, 1) * sizeof(uint64_t))
    try:
        if entries == NULL or scratch == NULL:
            raise MemoryError()
        for i in range(n):
            entries[i] = (pair_key(<int32_t>(keys[i] >> 32), <int32_t>(keys[i] & <uint64_t>0xFFFFFFFF)) << 16
                          | <uint64_t>values[i] << 8 | 1)
        radix_sort(entries, scratch, n, 16, 3)
        for i in range(n):         # the slots first (entries hold them until placed)
            home = pair_home(T, view, entries[i] >> 16)
            pos = home if i == 0 or home > pos else pos + 1
            scratch[i] = pos
        T.pair_slots[view] = max((scratch[n - 1] + 1) if n else 0, T.pair_size[view])   # every home is a slot
        T.pair_table[view] = <uint64_t*>tachtu_big_alloc((T.pair_slots[view] + 1) * sizeof(uint64_t))
        if T.pair_table[view] == NULL:
            raise MemoryError()
        for i in range(n):
            T.pair_table[view][scratch[i]] = entries[i]
    finally:
        free(entries)
        free(scratch)


cdef radix_sort(uint64_t* a, uint64_t* scratch, Py_ssize_t n, int low_bit, int passes):
    """Sort ``a`` by bits ``low_bit`` up (16 a pass, least significant first)."""
    cdef Py_ssize_t i
    cdef int p, shift
    cdef uint64_t* src = a
    cdef uint64_t* dst = scratch
    cdef uint64_t* t
    cdef Py_ssize_t* count = <Py_ssize_t*>malloc(65537 * sizeof(Py_ssize_t))
    if count == NULL:
        raise MemoryError()
    for p in range(passes):
        shift = low_bit + 16 * p
        memset(count, 0, 65537 * sizeof(Py_ssize_t))
        for i in range(n):
            count[((src[i] >> shift) & 0xFFFF) + 1] += 1
        for i in range(1, 65537):
            count[i] += count[i - 1]
        for i in range(n):
            dst[count[(src[i] >> shift) & 0xFFFF]] = src[i]
            count[(src[i] >> shift) & 0xFFFF] += 1
        t = src
        src = dst
        dst = t
    free(count)
    if src != a:
        memcpy(a, src, n * sizeof(uint64_t))


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
    """``sp.table[combo * n_ids + id]``: the weight of every value combination
    (a million lookups in the weight table for the shipped model: each batch
    of ``FILL_BATCH`` keys is prefetched before it is read)."""
    cdef Py_ssize_t combo, rest, ident, first, k, batch
    cdef int j
    cdef uint64_t h
    cdef uint64_t values[MAX_SLOTS]
    cdef Py_ssize_t size[MAX_SLOTS]
    cdef uint64_t keys[FILL_BATCH]
    for j in range(sp.n):
        size[j] = sizes[j] if sizes[j] is not None else 0
    sp.table = <int32_t*>calloc(combos * n_ids, sizeof(int32_t))
    if sp.table == NULL:
        raise MemoryError()
    sp.table_size = combos * n_ids
    for combo in range(combos):
        rest = combo
        for j in range(sp.n - 1, -1, -1):
            if sp.src[j] == SRC_CONST:
                values[j] = sp.value[j]
            elif sp.src[j] == SRC_ROW:
                values[j] = rest % size[j]
                rest //= size[j]
        for first in range(0, n_ids, FILL_BATCH):
            batch = min(FILL_BATCH, n_ids - first)
            for k in range(batch):
                ident = first + k
                h = sp.start
                for j in range(sp.n):
                    h = key_add(h, <uint64_t>ident if sp.src[j] == SRC_ID or sp.src[j] == SRC_PLAIN else values[j])
                keys[k] = key_end(h)
                wt_prefetch(&T.weights, keys[k])
            for k in range(batch):
                sp.table[combo * n_ids + first + k] = copy_weight(T, keys[k])


cdef inline int32_t copy_weight(const Tables* T, uint64_t key) noexcept:
    """The weight of ``key`` for a table, its slot marked (``drop_copied``).
    Most cells have no weight: the ``present`` bits answer for most of them."""
    if key != 0 and not filter_has(&T.present, key):
        return 0
    cdef Py_ssize_t slot = wt_slot(&T.weights, key)
    if slot < 0:
        return wt_get(&T.weights, key)
    T.copied[slot] = 1
    return T.weights.slots[slot].value


cdef drop_copied(Tables* T):
    """Rebuild the weight table without the keys the tables took: what is left
    (``BC_SHAPES``, keys with out-of-vocabulary ids for the per-id fallback)
    is a few MB instead of tens, so its lookups hit the cache.  A per-id
    table's fallback only looks up ids outside its range, which no table took."""
    cdef WTable rest
    cdef Py_ssize_t i, n = 0
    for i in range(T.weights.mask + 1):
        n += T.weights.slots[i].key != 0 and not T.copied[i]
    wt_init(&rest, n)
    for i in range(T.weights.mask + 1):
        if T.weights.slots[i].key != 0 and not T.copied[i]:
            wt_put(&rest, T.weights.slots[i].key, T.weights.slots[i].value)
    if T.weights.has_zero:
        wt_put(&rest, 0, T.weights.zero)
    wt_free(&T.weights)
    T.weights = rest
    free(T.copied)
    T.copied = NULL
    filter_free(&T.present)

cdef fold_tables(TSpec* specs, int n):
    """Fold every dense (per-id) table whose row slots are among another dense
    (per-id, same id slot) table's into the smallest such table, whose cells
    then hold both weights: one read per gap instead of two (``BIAS``,
    ``SHAPE_BC``, ``STAT_BC``, ``DICT_SPAN``, ``B``, ``C`` ... fold).  Integer
    sums, so the scores are unchanged; a fold that would overflow int32 is not made."""
    cdef int x, y, best
    cdef int where[MAX_SLOTS]
    cdef int best_where[MAX_SLOTS]
    for x in range(n):
        if specs[x].mode != MODE_DENSE and specs[x].mode != MODE_PER_ID:
            continue
        best = -1
        for y in range(n):
            if y != x and row_slots_within(&specs[x], &specs[y], where) and (
                    best < 0 or specs[y].table_size < specs[best].table_size):
                best = y
                memcpy(best_where, where, sizeof(where))
        if best >= 0 and fold_into(&specs[x], &specs[best], best_where):
            specs[x].mode = MODE_FOLDED


cdef narrow_tables(Tables* T):
    """int16 copies of the dense and per-id tables when every cell fits (they
    do for the shipped model): half the bytes, so they stay in L2."""
    cdef int t
    cdef int64_t i
    cdef TSpec* sp
    for t in range(T.n_specs * T.n_namespaces):
        sp = &T.specs[t]
        if sp.mode == MODE_DENSE or sp.mode == MODE_PER_ID:
            for i in range(sp.table_size):
                if sp.table[i] != <int16_t>sp.table[i]:
                    return
    for t in range(T.n_specs * T.n_namespaces):
        sp = &T.specs[t]
        if sp.mode == MODE_DENSE or sp.mode == MODE_PER_ID:
            sp.table16 = <int16_t*>malloc(max(sp.table_size, 1) * sizeof(int16_t))
            if sp.table16 == NULL:
                raise MemoryError()
            for i in range(sp.table_size):
                sp.table16[i] = <int16_t>sp.table[i]
            free(sp.table)
            sp.table = NULL
    T.narrow = True


cdef bint row_slots_within(const TSpec* x, const TSpec* y, int* where) noexcept:
    """Whether ``y`` can take ``x``'s table: same mode (and id slot), and each
    row slot of ``x`` is one of ``y``'s (``where[j]``: its index there)."""
    cdef int j, k
    if y.mode != x.mode or (x.mode == MODE_PER_ID and (x.id_off != y.id_off or x.id_plain != y.id_plain)):
        return False
    for j in range(x.n_idx):
        where[j] = -1
        for k in range(y.n_idx):
            if x.idx_row[j] == y.idx_row[k] and x.idx_off[j] == y.idx_off[k] and x.idx_cap[j] == y.idx_cap[k]:
                where[j] = k
        if where[j] < 0:
            return False
    return True


cdef bint fold_into(TSpec* x, TSpec* y, const int* where) except -1:
    """Add ``x``'s table into ``y``'s (False, nothing changed, on int32 overflow)."""
    cdef int64_t unit = y.id_range if y.mode == MODE_PER_ID else 1
    cdef int64_t cell, xi, total, size
    cdef int j, k
    cdef int64_t value[MAX_SLOTS]
    cdef int32_t* table = <int32_t*>malloc(y.table_size * sizeof(int32_t))
    cdef TSpec* folded
    if table == NULL:
        raise MemoryError()
    for cell in range(y.table_size):
        for k in range(y.n_idx):
            size = (y.idx_stride[k + 1] if k + 1 < y.n_idx else y.table_size) // y.idx_stride[k]
            value[k] = (cell // y.idx_stride[k]) % size
        xi = cell % unit
        for j in range(x.n_idx):
            xi += value[where[j]] * x.idx_stride[j]
        total = <int64_t>y.table[cell] + x.table[xi]
        if total != <int32_t>total:
            free(table)
            return False
        table[cell] = <int32_t>total
    free(y.table)
    y.table = table
    if y.mode == MODE_PER_ID:
        folded = <TSpec*>realloc(y.folded, (y.n_folded + 1 + x.n_folded) * sizeof(TSpec))
        if folded == NULL:
            raise MemoryError()
        y.folded = folded
        y.folded[y.n_folded] = x[0]
        y.folded[y.n_folded].folded = NULL
        y.folded[y.n_folded].n_folded = 0
        y.folded[y.n_folded].table = NULL
        for k in range(x.n_folded):
            y.folded[y.n_folded + 1 + k] = x.folded[k]
        y.n_folded += 1 + x.n_folded
    free(x.table)
    free(x.folded)
    x.table = NULL
    x.folded = NULL
    x.n_folded = 0
    return True


cdef order_by_mode(TSpec* specs, int n):
    """Dense, then per-id, then hashed templates, then those of n-gram groups
    and the folded ones (sums do not depend on the order; grouping them keeps
    the per-gap loop's branches predictable, and the last two out of it)."""
    cdef TSpec* copy = <TSpec*>malloc(max(n, 1) * sizeof(TSpec))
    cdef int mode, t, k = 0
    if copy == NULL:
        raise MemoryError()
    for mode in (MODE_DENSE, MODE_PER_ID, MODE_HASHED, MODE_NGRAM, MODE_FOLDED):
        for t in range(n):
            if specs[t].mode == mode:
                copy[k] = specs[t]
                k += 1
    memcpy(specs, copy, n * sizeof(TSpec))
    free(copy)


cdef list build_groups(Tables* T, model, const uint64_t[::1] codes, const int32_t[::1] weights, uint8_t* hashed):
    """The positional n-gram groups (``spec.ngram_groups``, ``_ngrams``) from the
    model's n-gram codes; ``hashed[i]``: key ``i`` stays in the weight table."""
    from .features import PLAIN_LINE_NAMESPACE
    from .spec import ngram_groups

    templates = tuple(model.templates)
    groups = ngram_groups(templates)
    T.n_groups = len(groups)
    T.groups = <NGroup*>calloc(max(T.n_groups * T.n_namespaces, 1), sizeof(NGroup))
    if T.groups == NULL:
        raise MemoryError()
    ngrams_build(T.groups, groups, templates, T.n_namespaces, PLAIN_LINE_NAMESPACE, codes, weights, T.n_ids,
                 T.n_plain, hashed)
    return groups
