# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Positional weights for the n-gram templates (``spec.ngram_groups``).

Why: the id n-gram templates (``AB``, ``BC``, ``ABC`` ... and their plain
twins) were 16 of the 17 hashed lookups per gap, each a cache miss in a
weight table of tens of MB.  The templates of one group read the same n-gram
at different distances from the gap, so ``ngrams_score`` looks the n-gram at
piece ``p`` up once, in a table keyed by the packed ids, whose slot holds one
weight per member; member ``j``'s weight goes to gap ``p - shift[j]`` (cf.
vaporetto's ``PositionalWeight``).  Scores are integer sums, so they equal the
per-template ones exactly.

A model file stores the keys of these templates as *codes* (template and
ids, ``layout.py``); ``ngrams_build`` fills the tables from them.  The codes
of a model that has only hashed keys (a new one, or an older file) come from
``resolve_keys``, which maps each key back to its template and ids.  Every
step of ``features.feature_key``
is invertible (an xor-shift, a multiplication by an odd number), so a key
gives back ``state ^ last value``; ids are below ``2**B``, so the state's top
bits name it.  The resolution is exhaustive, not heuristic:

1. bigrams: a map from the top bits of ``key_add(start, x)`` over every member
   template and every ``x`` finds ``x``; ``y`` is then the xor;
2. trigrams: the same over the prefix pairs the bigrams found;
3. the keys of other hashed templates (``BC_SHAPES``) are recognised by
   unwinding their bounded tail values, so that
4. the few keys left are tried against every trigram template and every last
   id.  If that is too much work (a model whose keys step 3 cannot recognise),
   the trigram templates stay hashed, which is always exact.

Keys of the dense and per-id templates (and the caller's ``extra`` keys) are
enumerated first and never looked at.
"""

from libc.stdint cimport uint64_t, int64_t, int32_t, uint32_t, int16_t, uint8_t
from libc.stdlib cimport malloc, calloc, realloc, free, qsort
from libc.string cimport memset

from ._keys cimport (TACHTU_MULT, TACHTU_SEED, TACHTU_PREFETCH, WTable, key_start, key_add, key_end, key_unend,
                     key_unadd, mix64, tachtu_big_alloc, tachtu_big_free, wt_free, wt_get, wt_init, wt_put)

cdef enum:
    AHEAD = 16                  # n-gram lookups in flight
    KIND_BIGRAM = 0
    KIND_TRIGRAM = 1
    KIND_OTHER = 2              # a hashed template outside the groups (only recognised)
    KIND_TABLE = 3              # a template of at most one id slot (its keys enumerated)
    MAX_TAIL_COMBOS = 4096      # bounded tail values step 3 enumerates per template
    MAX_TABLE_KEYS = 1 << 24    # keys a KIND_TABLE template may have
    BRUTE_FORCE_MAX = 200000000 # map probes step 4 may spend (about a second)
    CHAINS_PER_NAMESPACE = 1024 # code chain numbers: 1 + namespace * this + template index

DEF MAX_CHAIN_SLOTS = 8


# -- scoring ---------------------------------------------------------------------
cdef void ng_fallback(const NGroup* g, const int64_t* ids, Py_ssize_t p, Py_ssize_t first, Py_ssize_t last,
                      int64_t* scores, const WTable* wt) noexcept nogil:
    """An n-gram with an id outside the packed range: each member's hashed key."""
    cdef int j, k
    cdef Py_ssize_t gap
    cdef uint64_t h
    for j in range(g.n_members):
        gap = p - g.shift[j]
        if gap < first or gap >= last:
            continue
        h = g.start[j]
        for k in range(g.n_ids):
            h = key_add(h, <uint64_t>ids[p + g.pat[k]])
        scores[gap] += wt_get(wt, key_end(h))


cdef void ngrams_score(const NGroup* groups, int n_groups, const int64_t* w, const int64_t* w2,
                       Py_ssize_t first, Py_ssize_t last, int64_t* scores, const WTable* fallback,
                       uint64_t* keybuf) noexcept nogil:
    """Add every group's weights to the gaps ``first`` to ``last - 1``.

    ``w``/``w2`` point at piece 0 of the padded ids and plain ids; ``keybuf``
    has room for ``2 * n_groups * (last - first + 8)`` values.  All groups'
    n-grams are listed first (packed, then the address of their home slot;
    packed 0 when an id is out of range: ``ng_fallback``), so one prefetch
    pipeline runs over the lot instead of starting afresh for each group."""
    cdef int gi, j, k
    cdef Py_ssize_t p, m, i, q, gap, total = 0, span = last - first + 8
    cdef int64_t v
    cdef uint64_t packed
    cdef bint bad
    cdef const NGroup* g
    cdef const int64_t* ids
    cdef const uint8_t* slot
    cdef const uint8_t* end
    cdef const int16_t* weights
    cdef uint64_t key
    cdef uint64_t* homes = keybuf + n_groups * span
    for gi in range(n_groups):
        g = &groups[gi]
        if g.slots == NULL:
            continue
        ids = (w2 if g.plain else w) + first + g.min_shift
        m = last - first + g.max_shift - g.min_shift
        for i in range(m):
            packed = 0
            bad = False
            for k in range(g.n_ids):
                v = ids[i + g.pat[k]]
                bad |= <uint64_t>v >= <uint64_t>g.id_range
                packed |= <uint64_t>(v + 1) << (NG_ID_BITS * k)
            keybuf[total + i] = 0 if bad else packed
            homes[total + i] = <uint64_t>(g.slots + ng_home(g, packed) * g.slot_bytes)
        total += m
    for q in range(min(total, AHEAD)):
        TACHTU_PREFETCH(<const uint8_t*>homes[q])
    q = 0
    for gi in range(n_groups):
        g = &groups[gi]
        if g.slots == NULL:
            continue
        ids = w2 if g.plain else w
        m = last - first + g.max_shift - g.min_shift
        end = g.slots + g.size * g.slot_bytes
        for i in range(m):
            if q + AHEAD < total:
                TACHTU_PREFETCH(<const uint8_t*>homes[q + AHEAD])
            p = first + g.min_shift + i
            packed = keybuf[q]
            slot = <const uint8_t*>homes[q]
            q += 1
            if packed == 0:
                ng_fallback(g, ids, p, first, last, scores, fallback)
                continue
            key = slot_key(g, slot)
            while key != packed and key != 0:
                slot += g.slot_bytes
                if slot == end:
                    slot = g.slots
                key = slot_key(g, slot)
            if key == 0:
                continue
            weights = <const int16_t*>(slot + (8 if g.wide_key else 4))
            for j in range(g.n_members):
                gap = p - g.shift[j]
                if first <= gap < last:
                    scores[gap] += weights[j]


cdef void ngrams_free(NGroup* groups, int n) noexcept:
    cdef int i
    if groups == NULL:
        return
    for i in range(n):
        tachtu_big_free(groups[i].slots)
        groups[i].slots = NULL


# -- building the tables from codes ---------------------------------------------------
cdef struct Entry:              # one code, as ``ngrams_build`` and ``code_order`` sort it
    uint64_t order              # group << 40 | home slot
    uint64_t packed
    Py_ssize_t index            # into the codes


cdef int compare_entries(const void* a, const void* b) noexcept nogil:
    cdef const Entry* x = <const Entry*>a
    cdef const Entry* y = <const Entry*>b
    if x.order != y.order:
        return -1 if x.order < y.order else 1
    if x.packed != y.packed:
        return -1 if x.packed < y.packed else 1
    return (x.index > y.index) - (x.index < y.index)


cdef Entry* group_entries(NGroup* out, list groups, tuple templates, int n_namespaces, int namespace_step,
                          const uint64_t[::1] codes, int64_t n_ids, int64_t n_plain, int* group_of, int* member_of,
                          Py_ssize_t* n_entries) except NULL:
    """Describe the groups in ``out`` (no tables yet) and list the codes as
    entries ordered by group, home slot and n-gram.  Each table is sized for
    the group's distinct n-grams (counted as runs: exact when the codes come in
    this order, as a model file has them; more, never fewer, otherwise)."""
    from .spec import Source

    cdef int n_groups = len(groups), gi, j, k, ns
    cdef Py_ssize_t i, n = codes.shape[0], m = 0, n_chains = 1 + n_namespaces * CHAINS_PER_NAMESPACE
    cdef uint64_t code, packed
    cdef bint ordered = True, used
    cdef NGroup* g
    cdef Entry* entries = <Entry*>malloc(max(n, 1) * sizeof(Entry))
    cdef uint64_t* last = <uint64_t*>calloc(max(n_namespaces * n_groups, 1), sizeof(uint64_t))
    try:
        if entries == NULL or last == NULL:
            raise MemoryError()
        for i in range(n_chains):
            group_of[i] = -1
        for gi in range(n_namespaces * n_groups):
            g = &out[gi]
            memset(g, 0, sizeof(NGroup))
            spec_group = groups[gi % n_groups]
            ns = gi // n_groups
            g.n_ids = len(spec_group.pattern)
            for k in range(g.n_ids):
                g.pat[k] = spec_group.pattern[k]
            g.plain = spec_group.source == Source.PLAIN
            g.id_range = n_plain if g.plain else n_ids
            g.n_members = len(spec_group.members)
            g.min_shift = min(shift for _, shift in spec_group.members)
            g.max_shift = max(shift for _, shift in spec_group.members)
            for j, (index, shift) in enumerate(spec_group.members):
                g.shift[j] = shift
                g.start[j] = key_start(templates[index].number + ns * namespace_step)
                group_of[chain_code(ns, index)] = gi
                member_of[chain_code(ns, index)] = j
            g.wide_key = g.n_ids > 2
            g.slot_bytes = 8
            while g.slot_bytes < (8 if g.wide_key else 4) + 2 * g.n_members:
                g.slot_bytes *= 2       # a power of two: a slot never straddles a cache line
        for i in range(n):      # distinct n-grams per group, as runs (in ``size`` for now)
            code = codes[i]
            if code == 0:
                continue
            if code >> 48 >= <uint64_t>n_chains or group_of[code >> 48] < 0:
                raise ValueError("n-gram code of a template outside the groups")
            gi = group_of[code >> 48]
            packed = 0
            for k in range(out[gi].n_ids):
                packed |= (((code >> (16 * k)) & 0xFFFF) + 1) << (NG_ID_BITS * k)
            if packed != last[gi]:
                out[gi].size += 1
                last[gi] = packed
            entries[m].order = <uint64_t>gi << 40
            entries[m].packed = packed
            entries[m].index = i
            m += 1
        for gi in range(n_groups):      # a group has tables in every namespace or in none
            used = False
            for ns in range(n_namespaces):
                used = used or out[ns * n_groups + gi].size != 0
            for ns in range(n_namespaces):
                if used:
                    g = &out[ns * n_groups + gi]
                    g.size = max(16, g.size + g.size // 3 + 1)
        for i in range(m):
            g = &out[entries[i].order >> 40]
            entries[i].order |= ng_home(g, entries[i].packed)
            if i and compare_entries(&entries[i - 1], &entries[i]) > 0:
                ordered = False
        if not ordered:
            qsort(entries, m, sizeof(Entry), compare_entries)
        n_entries[0] = m
        return entries
    except BaseException:
        free(entries)
        raise
    finally:
        free(last)


cdef int ngrams_build(NGroup* out, list groups, tuple templates, int n_namespaces, int namespace_step,
                      const uint64_t[::1] codes, const int32_t[::1] weights, int64_t n_ids,
                      int64_t n_plain, uint8_t* hashed) except -1:
    """Fill ``out`` (``n_namespaces * len(groups)`` groups) from the model's n-gram
    codes (``layout.py``: ``chain << 48 | z << 32 | y << 16 | x``, 0 for hashed
    keys) and set ``hashed[i]`` for the keys the weight table must keep.  A
    group gets no table (``slots`` NULL, its templates stay hashed) when it has
    no codes (codes are complete per template: ``resolve_keys`` leaves none
    half done) or a weight beyond int16 (the tables hold int16 weights: half
    the memory, so more of them stays in cache).  Entries go in in the order
    of their home slots, front to back."""
    cdef Py_ssize_t i, m = 0, n = codes.shape[0], n_chains = 1 + n_namespaces * CHAINS_PER_NAMESPACE
    cdef int gi, n_groups = len(groups), ns
    cdef int32_t weight
    cdef uint8_t* slot
    cdef NGroup* g
    cdef Entry* entries = NULL
    cdef int* group_of = <int*>malloc(n_chains * sizeof(int))
    cdef int* member_of = <int*>malloc(n_chains * sizeof(int))
    try:
        if group_of == NULL or member_of == NULL:
            raise MemoryError()
        entries = group_entries(out, groups, templates, n_namespaces, namespace_step, codes, n_ids, n_plain,
                                group_of, member_of, &m)
        for i in range(m):
            weight = weights[entries[i].index]
            if weight != <int16_t>weight:
                for ns in range(n_namespaces):
                    out[ns * n_groups + (entries[i].order >> 40) % n_groups].size = 0
        for gi in range(n_namespaces * n_groups):
            g = &out[gi]
            if g.size:
                g.slots = <uint8_t*>tachtu_big_alloc(g.size * g.slot_bytes)
                if g.slots == NULL:
                    raise MemoryError()
        for i in range(n):
            hashed[i] = codes[i] == 0
        with nogil:
            for i in range(m):
                g = &out[entries[i].order >> 40]
                if g.slots == NULL:
                    hashed[entries[i].index] = True
                    continue
                slot = ng_insert(g, entries[i].packed)
                (<int16_t*>(slot + (8 if g.wide_key else 4)))[member_of[codes[entries[i].index] >> 48]] = \
                    <int16_t>weights[entries[i].index]
        return 0
    finally:
        free(entries)
        free(group_of)
        free(member_of)


def code_order(const uint64_t[::1] codes, tuple templates, int n_namespaces, int64_t n_ids, int64_t n_plain):
    """The order a model file stores its (non-zero) codes in: by group, home slot
    and n-gram, so loading inserts them front to back (``ngrams_build``)."""
    from array import array

    from .features import PLAIN_LINE_NAMESPACE
    from .spec import ngram_groups

    cdef Py_ssize_t i, m = 0, n_chains = 1 + n_namespaces * CHAINS_PER_NAMESPACE
    groups = ngram_groups(templates)
    cdef NGroup* out = <NGroup*>calloc(max(n_namespaces * len(groups), 1), sizeof(NGroup))
    cdef int* group_of = <int*>malloc(n_chains * sizeof(int))
    cdef int* member_of = <int*>malloc(n_chains * sizeof(int))
    cdef Entry* entries = NULL
    try:
        if out == NULL or group_of == NULL or member_of == NULL:
            raise MemoryError()
        # twice: the sizes counted on the keys' order may be too large; in this order they are exact
        entries = group_entries(out, groups, templates, n_namespaces, PLAIN_LINE_NAMESPACE, codes, n_ids, n_plain,
                                group_of, member_of, &m)
        first = [entries[i].index for i in range(m)]
        free(entries)
        entries = NULL
        ordered = array("Q", [codes[i] for i in first])
        entries = group_entries(out, groups, templates, n_namespaces, PLAIN_LINE_NAMESPACE, ordered, n_ids, n_plain,
                                group_of, member_of, &m)
        return array("I", [first[entries[i].index] for i in range(m)])
    finally:
        free(out)
        free(group_of)
        free(member_of)
        free(entries)


cdef inline Py_ssize_t chain_code(int ns, int index) noexcept nogil:
    """The top 16 bits of a code: template ``index`` of namespace ``ns``."""
    return 1 + ns * CHAINS_PER_NAMESPACE + index


cdef uint8_t* ng_insert(NGroup* g, uint64_t packed) noexcept nogil:
    """The slot of ``packed``, claimed if new (weights 0)."""
    cdef uint64_t i = ng_home(g, packed), key
    cdef uint8_t* slot
    while True:
        slot = g.slots + i * g.slot_bytes
        key = slot_key(g, slot)
        if key == packed:
            return slot
        if key == 0:
            if g.wide_key:
                (<uint64_t*>slot)[0] = packed
            else:
                (<uint32_t*>slot)[0] = <uint32_t>packed
            return slot
        i += 1
        if i == g.size:
            i = 0


# -- resolution: hashed keys -> codes ---------------------------------------------------
cdef struct Chain:              # one template in one namespace, as the resolver sees it
    int kind
    uint64_t start              # key_start(number + namespace)
    uint64_t code               # chain_code << 48
    int n_open                  # leading id slots
    int64_t range[NG_MAX_IDS]   # their id ranges
    bint plain
    int diff                    # its 2nd id's offset from its 1st (a trigram's prefix pair's)
    int n_tail                  # KIND_OTHER / KIND_TABLE: the values of the other slots
    int64_t tail_size[MAX_CHAIN_SLOTS]
    uint64_t tail_const[MAX_CHAIN_SLOTS]    # CONST slots: the value
    bint tail_is_const[MAX_CHAIN_SLOTS]
    bint tail_is_open[MAX_CHAIN_SLOTS]      # KIND_TABLE: an id slot (tail_size: its range)


cdef list chains_of(list groups, tuple templates, object dims, int n_namespaces, int namespace_step,
                    int64_t n_ids, int64_t n_plain):
    """The templates the resolver knows, per namespace: group members, the
    small tables (at most one id slot, enumerated), and the other templates
    whose ids lead and whose remaining slots take few values."""
    from .spec import Source

    open_sources = (Source.ID, Source.PLAIN)
    chains = []
    in_group = {index: g for g in groups for index, _ in g.members}
    for ns in range(n_namespaces):
        for index, t in enumerate(templates):
            base = dict(start=key_start(t.number + ns * namespace_step), code=chain_code(ns, index) << 48,
                        ranges=[], plain=False, diff=0, tail=[])
            slots = t.slots
            if index in in_group:
                g = in_group[index]
                plain = g.source == Source.PLAIN
                chains.append(dict(base, kind=KIND_BIGRAM if len(g.pattern) == 2 else KIND_TRIGRAM, plain=plain,
                                   ranges=[n_plain if plain else n_ids] * len(g.pattern),
                                   diff=g.pattern[1] - g.pattern[0]))
                continue
            values = [(n_plain if s.source == Source.PLAIN else n_ids) if s.source in open_sources
                      else s.size(dims) for s in slots]
            combos = 1
            for v in values:
                combos *= v
            if sum(s.source in open_sources for s in slots) <= 1 and combos <= MAX_TABLE_KEYS:
                chains.append(dict(base, kind=KIND_TABLE, tail=[
                    (v, s.value if s.source == Source.CONST else None, s.source in open_sources)
                    for v, s in zip(values, slots)]))
                continue
            n_open = 0
            while n_open < len(slots) and slots[n_open].source in open_sources:
                n_open += 1
            tail = slots[n_open:]
            combos = 1
            for v in values[n_open:]:
                combos *= v
            if n_open <= 2 and not any(s.source in open_sources for s in tail) and combos <= MAX_TAIL_COMBOS:
                chains.append(dict(base, kind=KIND_OTHER, ranges=values[:n_open], tail=[
                    (v, s.value if s.source == Source.CONST else None, False) for v, s in zip(values[n_open:], tail)]))
    return chains


cdef void fill_chain(Chain* c, dict d) noexcept:
    cdef int k
    memset(c, 0, sizeof(Chain))
    c.kind = d["kind"]
    c.start = d["start"]
    c.code = d["code"]
    c.n_open = len(d["ranges"])
    for k in range(c.n_open):
        c.range[k] = d["ranges"][k]
    c.plain = d["plain"]
    c.diff = d["diff"]
    c.n_tail = len(d["tail"])
    for k, (size, const, is_open) in enumerate(d["tail"]):
        c.tail_size[k] = size
        c.tail_is_const[k] = const is not None
        c.tail_const[k] = const if const is not None else 0
        c.tail_is_open[k] = is_open


cdef struct TagMap:             # top bits of a state -> payloads (several per tag allowed)
    uint64_t* tags              # tag + 1 (0: empty)
    uint64_t* payload
    uint64_t mask
    int shift
    uint64_t* bits              # prefilter: one bit per tag hash
    int bits_shift


cdef int tm_init(TagMap* m, Py_ssize_t n) except -1:
    cdef int b = 4, f = 16
    while (<Py_ssize_t>1 << b) < 2 * n + 2:
        b += 1
    while (<Py_ssize_t>1 << f) < 16 * n + 16:
        f += 1
    m.tags = <uint64_t*>calloc(<size_t>1 << b, sizeof(uint64_t))
    m.payload = <uint64_t*>malloc((<size_t>1 << b) * sizeof(uint64_t))
    m.bits = <uint64_t*>calloc(((<size_t>1 << f) + 63) // 64, sizeof(uint64_t))
    if m.tags == NULL or m.payload == NULL or m.bits == NULL:
        tm_free(m)
        raise MemoryError()
    m.mask = (<uint64_t>1 << b) - 1
    m.shift = 64 - b
    m.bits_shift = 64 - f
    return 0


cdef void tm_free(TagMap* m) noexcept:
    free(m.tags)
    free(m.payload)
    free(m.bits)
    memset(m, 0, sizeof(TagMap))


cdef inline uint64_t tm_bit(const TagMap* m, uint64_t tag) noexcept nogil:
    return ((tag + 1) * TACHTU_MULT) >> m.bits_shift


cdef inline void tm_put(TagMap* m, uint64_t tag, uint64_t value) noexcept nogil:
    cdef uint64_t i = ((tag + 1) * TACHTU_SEED) >> m.shift
    cdef uint64_t bit = tm_bit(m, tag)
    while m.tags[i] != 0:
        i = (i + 1) & m.mask
    m.tags[i] = tag + 1
    m.payload[i] = value
    m.bits[bit >> 6] |= (<uint64_t>1) << (bit & 63)


cdef inline bint tm_maybe(const TagMap* m, uint64_t tag) noexcept nogil:
    cdef uint64_t bit = tm_bit(m, tag)
    return (m.bits[bit >> 6] >> (bit & 63)) & 1


cdef inline uint64_t tm_first(const TagMap* m, uint64_t tag) noexcept nogil:
    return ((tag + 1) * TACHTU_SEED) >> m.shift


cdef inline bint prefix_id(const TagMap* a, const Chain* chains, int want, uint64_t u, int bits,
                           int* chain_out, uint64_t* x_out, uint64_t* y_out) noexcept nogil:
    """Is ``u == key_add(start, x) ^ y`` for chain ``want`` (-1: any bigram
    chain) with both ids in range?"""
    cdef uint64_t tag = u >> bits, i, x, y
    cdef int c
    if not tm_maybe(a, tag):
        return False
    i = tm_first(a, tag)
    while a.tags[i] != 0:
        if a.tags[i] == tag + 1:
            c = <int>(a.payload[i] >> 32)
            x = a.payload[i] & <uint64_t>0xFFFFFFFF
            if c == want or (want < 0 and chains[c].kind == KIND_BIGRAM):
                y = u ^ key_add(chains[c].start, x)
                if y < <uint64_t>chains[c].range[1]:
                    chain_out[0] = c
                    x_out[0] = x
                    y_out[0] = y
                    return True
        i = (i + 1) & a.mask
    return False


cdef bint recognise_other(const TagMap* a, const Chain* chains, int n_chains, uint64_t key, int bits) noexcept nogil:
    """Whether ``key`` belongs to a ``KIND_OTHER`` chain (step 3)."""
    cdef int c, t, found
    cdef Py_ssize_t combo, rest, combos
    cdef uint64_t state, x, y, value
    cdef const Chain* ch
    for c in range(n_chains):
        ch = &chains[c]
        if ch.kind != KIND_OTHER:
            continue
        combos = 1
        for t in range(ch.n_tail):
            combos *= ch.tail_size[t]
        for combo in range(combos):
            state = key_unend(key)
            rest = combo
            for t in range(ch.n_tail - 1, -1, -1):
                value = ch.tail_const[t] if ch.tail_is_const[t] else <uint64_t>(rest % ch.tail_size[t])
                rest //= ch.tail_size[t]
                state = key_unadd(state) ^ value
            if ch.n_open == 0:
                if state == ch.start:
                    return True
            elif ch.n_open == 1:
                if (key_unadd(state) ^ ch.start) < <uint64_t>ch.range[0]:
                    return True
            elif prefix_id(a, chains, c, key_unadd(state), bits, &found, &x, &y):
                return True
    return False


cdef void mark_table(const Chain* ch, const WTable* index, uint8_t* explained) noexcept nogil:
    """Mark every key of a ``KIND_TABLE`` chain (enumerated)."""
    cdef Py_ssize_t combo, rest, combos = 1
    cdef int t
    cdef uint64_t h
    cdef int32_t at
    for t in range(ch.n_tail):
        combos *= ch.tail_size[t]
    for combo in range(combos):
        rest = combo
        h = ch.start
        for t in range(ch.n_tail):      # the first slot varies slowest: any order enumerates all
            h = key_add(h, ch.tail_const[t] if ch.tail_is_const[t] else <uint64_t>(rest % ch.tail_size[t]))
            rest //= ch.tail_size[t]
        at = wt_get(index, key_end(h))
        if at > 0:
            explained[at - 1] = 1


cdef void sort_unique(uint64_t* values, Py_ssize_t* n) noexcept:
    cdef Py_ssize_t i, k = 0
    qsort(values, n[0], sizeof(uint64_t), compare_u64)
    for i in range(n[0]):
        if k == 0 or values[i] != values[k - 1]:
            values[k] = values[i]
            k += 1
    n[0] = k


cdef int compare_u64(const void* a, const void* b) noexcept nogil:
    cdef uint64_t x = (<const uint64_t*>a)[0], y = (<const uint64_t*>b)[0]
    return (x > y) - (x < y)


def resolve_keys(const uint64_t[::1] keys, tuple templates, object dims, int n_namespaces, int namespace_step,
                 int64_t n_ids, int64_t n_plain, extra=(), int64_t brute_force_max=BRUTE_FORCE_MAX):
    """The n-gram code of each of ``keys`` (0: not an n-gram key, or not
    resolved), as ``array('Q')``: see the module docstring for the steps.
    ``extra``: keys known to be of no template here (the dictionary matches');
    ``brute_force_max``: the probes step 4 may spend before the trigram
    templates are left hashed."""
    from array import array

    from .spec import ngram_groups

    cdef int bits = 1, n_chains, c, found_c
    cdef Py_ssize_t i, n = keys.shape[0], r, n_pairs = 0, q, n_left = 0, per_left = 0
    cdef uint64_t key, u, x, y, z, tag, e
    cdef int32_t at
    cdef Chain* chains = NULL
    cdef TagMap a, b
    cdef WTable index
    cdef uint64_t* pairs = NULL
    cdef Py_ssize_t* left = NULL
    cdef uint8_t* explained = NULL
    codes = array("Q", bytes(8 * n))
    cdef uint64_t[::1] out = codes
    memset(&a, 0, sizeof(TagMap))
    memset(&b, 0, sizeof(TagMap))
    memset(&index, 0, sizeof(WTable))
    if max(n_ids, n_plain) >= 0xFFFF or len(templates) >= CHAINS_PER_NAMESPACE or n >= (1 << 31) - 1 or not n:
        return codes        # too large for codes: everything stays hashed
    while (<int64_t>1 << bits) < max(n_ids, n_plain):
        bits += 1
    chain_list = chains_of(ngram_groups(templates), templates, dims, n_namespaces, namespace_step, n_ids, n_plain)
    n_chains = len(chain_list)
    try:
        chains = <Chain*>calloc(max(n_chains, 1), sizeof(Chain))
        explained = <uint8_t*>calloc(n, 1)
        pairs = <uint64_t*>malloc(n * sizeof(uint64_t))
        left = <Py_ssize_t*>malloc(n * sizeof(Py_ssize_t))
        if chains == NULL or explained == NULL or pairs == NULL or left == NULL:
            raise MemoryError()
        for c in range(n_chains):
            fill_chain(&chains[c], chain_list[c])
        wt_init(&index, n)      # key -> position + 1
        for i in range(n):
            wt_put(&index, keys[i], <int32_t>(i + 1))
        for key in extra:
            at = wt_get(&index, key)
            if at > 0:
                explained[at - 1] = 1
        for c in range(n_chains):
            if chains[c].kind == KIND_TABLE:
                mark_table(&chains[c], &index, explained)
        # the map of every chain's first id: state after it -> (chain, x)
        r = 0
        for c in range(n_chains):
            if chains[c].kind != KIND_TABLE and chains[c].n_open >= 2:
                r += chains[c].range[0]
        tm_init(&a, r)
        for c in range(n_chains):
            if chains[c].kind != KIND_TABLE and chains[c].n_open >= 2:
                for x in range(<uint64_t>chains[c].range[0]):
                    tm_put(&a, key_add(chains[c].start, x) >> bits, (<uint64_t>c << 32) | x)
        with nogil:
            # 1. bigrams, and the prefix pairs they give the trigrams
            for i in range(n):
                if explained[i]:
                    continue
                if prefix_id(&a, chains, -1, key_unadd(key_unend(keys[i])), bits, &found_c, &x, &y):
                    out[i] = chains[found_c].code | x | (y << 16)
                    explained[i] = 2
                    pairs[n_pairs] = ((<uint64_t>chains[found_c].plain << 63)
                                      | (<uint64_t>(chains[found_c].diff + 8) << 58) | (x << 16) | y)
                    n_pairs += 1
        sort_unique(pairs, &n_pairs)
        # 2. trigrams over those pairs: state after two ids -> (chain, pair)
        r = 0
        for c in range(n_chains):
            if chains[c].kind == KIND_TRIGRAM:
                r += n_pairs
        tm_init(&b, r)
        with nogil:
            for c in range(n_chains):
                if chains[c].kind != KIND_TRIGRAM:
                    continue
                for q in range(n_pairs):
                    e = pairs[q]
                    x = (e >> 16) & <uint64_t>0xFFFF
                    y = e & <uint64_t>0xFFFF
                    if (<bint>(e >> 63) != chains[c].plain or <int>((e >> 58) & 31) - 8 != chains[c].diff
                            or x >= <uint64_t>chains[c].range[0] or y >= <uint64_t>chains[c].range[1]):
                        continue
                    tm_put(&b, key_add(key_add(chains[c].start, x), y) >> bits, (<uint64_t>c << 40) | <uint64_t>q)
            for i in range(n):
                if explained[i]:
                    continue
                u = key_unadd(key_unend(keys[i]))
                tag = u >> bits
                if not tm_maybe(&b, tag):
                    continue
                r = tm_first(&b, tag)
                while b.tags[r] != 0:
                    if b.tags[r] == tag + 1:
                        c = <int>(b.payload[r] >> 40)
                        e = pairs[b.payload[r] & ((<uint64_t>1 << 40) - 1)]
                        x = (e >> 16) & <uint64_t>0xFFFF
                        y = e & <uint64_t>0xFFFF
                        z = u ^ key_add(key_add(chains[c].start, x), y)
                        if z < <uint64_t>chains[c].range[2]:
                            out[i] = chains[c].code | x | (y << 16) | (z << 32)
                            explained[i] = 2
                            break
                    r = (r + 1) & b.mask
            # 3. keys of the other hashed templates; 4. the rest, against every trigram and last id
            for i in range(n):
                if explained[i]:
                    continue
                if recognise_other(&a, chains, n_chains, keys[i], bits):
                    explained[i] = 1
                else:
                    left[n_left] = i
                    n_left += 1
            for c in range(n_chains):
                if chains[c].kind == KIND_TRIGRAM:
                    per_left += chains[c].range[2]
            if n_left * per_left <= brute_force_max:
                for q in range(n_left):
                    i = left[q]
                    u = key_unadd(key_unend(keys[i]))
                    for c in range(n_chains):
                        if chains[c].kind != KIND_TRIGRAM or explained[i]:
                            continue
                        for z in range(<uint64_t>chains[c].range[2]):
                            if prefix_id(&a, chains, c, key_unadd(u ^ z), bits, &found_c, &x, &y):
                                out[i] = chains[c].code | x | (y << 16) | (z << 32)
                                explained[i] = 2
                                break
            else:       # trigram keys may be left unresolved: the trigram templates stay hashed
                for i in range(n):
                    if is_trigram(chains, n_chains, out[i]):
                        out[i] = 0
        return codes
    finally:
        free(chains)
        free(explained)
        free(pairs)
        free(left)
        tm_free(&a)
        tm_free(&b)
        wt_free(&index)


cdef inline bint is_trigram(const Chain* chains, int n_chains, uint64_t code) noexcept nogil:
    cdef int c
    if code == 0:
        return False
    for c in range(n_chains):
        if chains[c].code == code & (<uint64_t>0xFFFF << 48):
            return chains[c].kind == KIND_TRIGRAM
    return False


def keys_of_codes(const uint64_t[::1] codes, list numbers, list lengths, int namespace_step):
    """``layout.keys_of_codes`` in C: the hashed key of each code; ``numbers`` and
    ``lengths``: each template's number and slot count.  ValueError on a code
    naming no template."""
    from array import array

    cdef Py_ssize_t i, n = codes.shape[0], n_templates = len(numbers)
    cdef int64_t chain, index
    cdef int k
    cdef uint64_t h
    keys = array("Q", bytes(8 * n))
    cdef uint64_t[::1] out = keys
    cdef uint64_t[::1] starts = array("Q", [key_start(number + ns * namespace_step)
                                            for ns in range(2) for number in numbers] or [0])
    cdef int32_t[::1] slots = array("i", lengths or [0])
    cdef bint bad = False
    with nogil:
        for i in range(n):
            chain = <int64_t>(codes[i] >> 48) - 1
            index = chain % CHAINS_PER_NAMESPACE
            if chain < 0 or chain >= 2 * CHAINS_PER_NAMESPACE or index >= n_templates or slots[index] > NG_MAX_IDS:
                bad = True
                break
            h = starts[(chain // CHAINS_PER_NAMESPACE) * n_templates + index]
            for k in range(slots[index]):
                h = key_add(h, (codes[i] >> (16 * k)) & 0xFFFF)
            out[i] = key_end(h)
    if bad:
        raise ValueError("n-gram code of an unknown template")
    return keys
