# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""From hashed keys to n-gram codes (``layout.py``), and back.

A model trained just now, or saved before codes existed, holds its n-gram
templates' weights under hashed keys only.  ``resolve_keys`` maps each key
back to its template and ids: every step of ``features.feature_key`` is
invertible (an xor-shift, a multiplication by an odd number), so a key gives
back ``state ^ last value``; ids are below ``2**B``, so the state's top bits
name it.  The resolution is exhaustive, not heuristic:

1. bigrams: a map from the top bits of ``key_add(start, x)`` over every member
   template and every ``x`` finds ``x``; ``y`` is then the xor;
2. trigrams: the same over the prefix pairs the bigrams found;
3. the keys of other hashed templates (``BC_SHAPES``) are recognised by
   unwinding their bounded tail values, so that
4. the few keys left are tried against every trigram template and every last
   id.  If that is too much work (a model whose keys step 3 cannot recognise),
   the trigram templates stay hashed, which is always exact.

Keys of the dense and per-id templates are enumerated first and never looked
at; the few keys of no template (the dictionary matches') end in step 4.
``keys_of_codes`` is the way back.
"""

from libc.stdint cimport uint64_t, int64_t, int32_t, uint8_t
from libc.stdlib cimport malloc, calloc, free, qsort
from libc.string cimport memset

from ._keys cimport (TACHTU_MULT, TACHTU_SEED, KeyFilter, WTable, filter_add, filter_free, filter_has, filter_init,
                     key_start, key_add, key_end, key_unend, key_unadd, wt_free, wt_get, wt_init, wt_put)
from ._ngrams cimport CHAINS_PER_NAMESPACE, NG_MAX_IDS, chain_code

cdef enum:
    KIND_BIGRAM = 0
    KIND_TRIGRAM = 1
    KIND_OTHER = 2              # a hashed template outside the groups (only recognised)
    KIND_TABLE = 3              # a template of at most one id slot (its keys enumerated)
    MAX_TAIL_COMBOS = 4096      # bounded tail values step 3 enumerates per template
    MAX_TABLE_KEYS = 1 << 24    # keys a KIND_TABLE template may have
    BRUTE_FORCE_MAX = 200000000 # map probes step 4 may spend (about a second)
    MAX_CHAIN_SLOTS = 8


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
    KeyFilter maybe             # prefilter of the tags' hashes


cdef int tm_init(TagMap* m, Py_ssize_t n) except -1:
    cdef int b = 4
    while (<Py_ssize_t>1 << b) < 2 * n + 2:
        b += 1
    m.tags = <uint64_t*>calloc(<size_t>1 << b, sizeof(uint64_t))
    m.payload = <uint64_t*>malloc((<size_t>1 << b) * sizeof(uint64_t))
    if m.tags == NULL or m.payload == NULL:
        tm_free(m)
        raise MemoryError()
    m.mask = (<uint64_t>1 << b) - 1
    m.shift = 64 - b
    try:
        filter_init(&m.maybe, n + 1)
    except MemoryError:
        tm_free(m)
        raise
    return 0


cdef void tm_free(TagMap* m) noexcept:
    free(m.tags)
    free(m.payload)
    filter_free(&m.maybe)
    memset(m, 0, sizeof(TagMap))


cdef inline void tm_put(TagMap* m, uint64_t tag, uint64_t value) noexcept nogil:
    cdef uint64_t i = ((tag + 1) * TACHTU_SEED) >> m.shift
    while m.tags[i] != 0:
        i = (i + 1) & m.mask
    m.tags[i] = tag + 1
    m.payload[i] = value
    filter_add(&m.maybe, (tag + 1) * TACHTU_MULT)


cdef inline bint tm_maybe(const TagMap* m, uint64_t tag) noexcept nogil:
    return filter_has(&m.maybe, (tag + 1) * TACHTU_MULT)


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
                 int64_t n_ids, int64_t n_plain, int64_t brute_force_max=BRUTE_FORCE_MAX):
    """The n-gram code of each of ``keys`` (0: not an n-gram key, or not
    resolved), as ``array('Q')``: see the module docstring for the steps.
    ``brute_force_max``: the probes step 4 may spend before the trigram
    templates are left hashed."""
    from array import array

    from .spec import ngram_groups

    cdef int bits = 1, n_chains, c, found_c
    cdef Py_ssize_t i, n = keys.shape[0], r, n_pairs = 0, q, n_left = 0, per_left = 0
    cdef uint64_t key, u, x, y, z, tag, e
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
