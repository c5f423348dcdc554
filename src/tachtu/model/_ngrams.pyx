# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Positional weights for the n-gram templates (``spec.ngram_groups``).

Why: the id n-gram templates (``AB``, ``BC``, ``ABC`` ... and their plain
twins) were 16 of the 17 hashed lookups per gap, each a cache miss in a
weight table of tens of MB.  The templates of one group read the same n-gram
at different distances from the gap, so ``ngrams_score`` looks the n-gram at
piece ``p`` up once, in a table keyed by the packed ids, whose slot holds an
int16 weight per member (keys in ascending order, each at or after its home,
so a search stops at the first larger key: ``resolve_group``); member ``j``'s weight goes to gap ``p - shift[j]``
(cf. vaporetto's ``PositionalWeight``).  Scores are integer sums, so they
equal the per-template ones exactly.

A model file stores the keys of these templates as *codes* (template and
ids, ``layout.py``), in the order ``code_order`` gives, and ``ngrams_build``
fills the tables from them front to back.  The codes of a model that has
only hashed keys come from ``_resolve.resolve_keys``.
"""

from libc.stdint cimport uint64_t, int64_t, int32_t, uint32_t, int16_t, uint8_t
from libc.stdlib cimport malloc, calloc, free, qsort
from libc.string cimport memset

from ._keys cimport TACHTU_PREFETCH, WTable, key_start, key_add, key_end, tachtu_big_alloc, tachtu_big_free, wt_get

cdef enum:
    AHEAD = 16                  # n-gram lookups in flight
    # Home slots per n-gram.  A lookup reads on from its home past the keys pushed
    # there from earlier homes; at a third full most stop at the home.  Measured
    # on news lines (in-process, against 3/4 full): 1.23x at half full, 1.44x at a
    # third, for 43 MB of tables instead of 19.
    NG_HOMES_PER_NGRAM = 3


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


cdef inline Py_ssize_t list_group(const NGroup* g, const int64_t* ids, Py_ssize_t m, Py_ssize_t n_gaps,
                                  const uint32_t* live, uint64_t* keybuf, uint64_t* homes, uint32_t* where,
                                  Py_ssize_t total, const int n_ids) noexcept nogil:
    """List group ``g``'s ``m`` n-grams from ``ids`` (its first position's ids)
    after ``total`` entries: key (0: an id out of range), home slot and position;
    returns the new total.  ``n_ids`` is a constant at each call, so the id loop
    unrolls and the key's width is known (the fields sit in locals)."""
    cdef Py_ssize_t i, lo, hi
    cdef int k
    cdef int64_t v
    cdef uint64_t packed, key, bad
    cdef uint64_t id_range = <uint64_t>g.id_range, size = g.size
    cdef Py_ssize_t width = g.max_shift - g.min_shift, slot_bytes = g.slot_bytes
    cdef const uint8_t* slots = g.slots
    cdef int pat[NG_MAX_IDS]
    for k in range(n_ids):
        pat[k] = g.pat[k]
    for i in range(m):
        if live != NULL:
            lo = max(i - width, 0)     # its members' gaps, from first
            hi = min(i + 1, n_gaps)
            if hi <= lo or live[hi] == live[lo]:
                continue
        packed = 0
        bad = 0
        for k in range(n_ids):
            v = ids[i + pat[k]]
            bad |= <uint64_t>v >= id_range
            packed |= <uint64_t>(v + 1) << (NG_ID_BITS * k)
        if n_ids > 2:
            key = mix64(packed)
            homes[total] = <uint64_t>(slots + (((key >> 32) * size) >> 32) * slot_bytes)
        else:
            key = ng_key32(<uint32_t>packed)
            homes[total] = <uint64_t>(slots + ((key * size) >> 32) * slot_bytes)
        keybuf[total] = 0 if bad else key
        where[total] = <uint32_t>i
        total += 1
    return total


cdef inline Py_ssize_t resolve_group(const NGroup* g, const int64_t* ids, Py_ssize_t q, Py_ssize_t end,
                                     Py_ssize_t total, Py_ssize_t first, Py_ssize_t last, int64_t* scores,
                                     const WTable* fallback, const uint64_t* keybuf, const uint64_t* homes,
                                     const uint32_t* where, const bint wide) noexcept nogil:
    """Look up group ``g``'s entries ``q`` to ``end - 1`` (prefetching ``AHEAD`` of
    ``total`` ahead) and add their weights; returns ``end``.  ``wide``: the
    group's keys are uint64 (``g.wide_key``, a constant at each call).

    A search starts at the key's home slot.  Keys are stored in ascending order
    and homes rise with keys, so the keys from a home on are the smaller ones
    pushed past their homes, then this one if present: the search ends at the
    first key not smaller (an empty slot, 0, counts as larger; the empty slot
    after the last ends every search).  An n-gram whose members' gaps all lie
    in ``[first, last)`` (all but a few at a block's ends) adds its weights
    without a check each."""
    cdef Py_ssize_t p, j, gap, base = first + g.min_shift
    cdef Py_ssize_t lowest = first + g.max_shift, highest = last + g.min_shift   # p in [lowest, highest)
    cdef int n_members = g.n_members
    cdef Py_ssize_t slot_bytes = g.slot_bytes
    cdef uint64_t key, k
    cdef const uint8_t* slot
    cdef const int16_t* weights
    cdef int shift[NG_MAX_MEMBERS]
    for j in range(n_members):
        shift[j] = g.shift[j]
    while q < end:
        if q + AHEAD < total:
            TACHTU_PREFETCH(<const uint8_t*>homes[q + AHEAD])
        p = base + where[q]
        key = keybuf[q]
        slot = <const uint8_t*>homes[q]
        q += 1
        if key == 0:
            ng_fallback(g, ids, p, first, last, scores, fallback)
            continue
        k = (<const uint64_t*>slot)[0] if wide else (<const uint32_t*>slot)[0]
        while k - 1 < key - 1:
            slot += slot_bytes
            k = (<const uint64_t*>slot)[0] if wide else (<const uint32_t*>slot)[0]
        if k != key:
            continue
        weights = <const int16_t*>(slot + (8 if wide else 4))
        if lowest <= p < highest:
            for j in range(n_members):
                scores[p - shift[j]] += weights[j]
        else:
            for j in range(n_members):
                gap = p - shift[j]
                if first <= gap < last:
                    scores[gap] += weights[j]
    return end


cdef void ngrams_score(const NGroup* groups, int n_groups, const int64_t* w, const int64_t* w2,
                       Py_ssize_t first, Py_ssize_t last, const uint32_t* live, int64_t* scores,
                       const WTable* fallback, uint64_t* keybuf, uint32_t* where) noexcept nogil:
    """Add every group's weights to the active gaps ``first`` to ``last - 1``.

    ``w``/``w2`` point at piece 0 of the padded ids and plain ids; ``live[k]``
    counts the active gaps among ``first`` to ``first + k - 1``, so an n-gram
    whose members all score inactive gaps (beside punctuation, or between the
    lines of a batch) is not looked up: their scores are never read.
    ``keybuf`` has room for ``2 * n_groups * (last - first + 8)`` values and
    ``where`` for half as many.  All groups' n-grams are listed first (their
    keys, the address of their home slot and their position; key 0 when an id
    is out of range: ``ng_fallback``), so one prefetch pipeline runs over the
    lot instead of starting afresh for each group."""
    cdef int gi
    cdef Py_ssize_t q, total = 0, span = last - first + 8
    cdef const NGroup* g
    cdef const int64_t* ids
    cdef uint64_t* homes = keybuf + n_groups * span
    cdef Py_ssize_t ends[NG_MAX_GROUPS]
    for gi in range(n_groups):
        g = &groups[gi]
        if g.slots != NULL:
            ids = (w2 if g.plain else w) + first + g.min_shift
            if g.n_ids == 3:
                total = list_group(g, ids, last - first + g.max_shift - g.min_shift, last - first, live,
                                   keybuf, homes, where, total, 3)
            elif g.n_ids == 2:
                total = list_group(g, ids, last - first + g.max_shift - g.min_shift, last - first, live,
                                   keybuf, homes, where, total, 2)
            else:
                total = list_group(g, ids, last - first + g.max_shift - g.min_shift, last - first, live,
                                   keybuf, homes, where, total, 1)
        ends[gi] = total
    for q in range(min(total, AHEAD)):
        TACHTU_PREFETCH(<const uint8_t*>homes[q])
    q = 0
    for gi in range(n_groups):
        g = &groups[gi]
        if g.slots == NULL:
            continue
        ids = w2 if g.plain else w
        if g.wide_key:
            q = resolve_group(g, ids, q, ends[gi], total, first, last, scores, fallback, keybuf, homes, where, True)
        else:
            q = resolve_group(g, ids, q, ends[gi], total, first, last, scores, fallback, keybuf, homes, where, False)


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
    uint64_t key                # ng_key of the n-gram
    Py_ssize_t index            # into the codes


cdef int compare_entries(const void* a, const void* b) noexcept nogil:
    cdef const Entry* x = <const Entry*>a
    cdef const Entry* y = <const Entry*>b
    if x.order != y.order:
        return -1 if x.order < y.order else 1
    if x.key != y.key:
        return -1 if x.key < y.key else 1
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
            packed = ng_key(&out[gi], packed)
            if packed != last[gi]:
                out[gi].size += 1
                last[gi] = packed
            entries[m].order = <uint64_t>gi << 40
            entries[m].key = packed
            entries[m].index = i
            m += 1
        for gi in range(n_groups):      # a group has tables in every namespace or in none
            used = False
            for ns in range(n_namespaces):
                used = used or out[ns * n_groups + gi].size != 0
            for ns in range(n_namespaces):
                if used:
                    g = &out[ns * n_groups + gi]
                    g.size = max(16, NG_HOMES_PER_NGRAM * g.size + 1)
        for i in range(m):
            g = &out[entries[i].order >> 40]
            entries[i].order |= ng_home(g, entries[i].key)
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
        if n_groups > NG_MAX_GROUPS:
            raise ValueError(f"{n_groups} n-gram groups: at most {NG_MAX_GROUPS}")
        entries = group_entries(out, groups, templates, n_namespaces, namespace_step, codes, n_ids, n_plain,
                                group_of, member_of, &m)
        for i in range(m):
            weight = weights[entries[i].index]
            if weight != <int16_t>weight:
                for ns in range(n_namespaces):
                    out[ns * n_groups + (entries[i].order >> 40) % n_groups].size = 0
        place_entries(out, entries, m)
        for gi in range(n_namespaces * n_groups):
            g = &out[gi]
            if g.size:
                # every home is a slot (a lookup reads its home first, and the last
                # entries' homes may lie short of the table's last), then an empty sentinel
                g.n_slots = max(g.n_slots, g.size)
                g.slots = <uint8_t*>tachtu_big_alloc((g.n_slots + 1) * g.slot_bytes)
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
                slot = g.slots + (entries[i].order & <uint64_t>0xFFFFFFFFFF) * g.slot_bytes
                if g.wide_key:
                    (<uint64_t*>slot)[0] = entries[i].key
                else:
                    (<uint32_t*>slot)[0] = <uint32_t>entries[i].key
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


cdef void place_entries(NGroup* groups, Entry* entries, Py_ssize_t m) noexcept nogil:
    """The slot of every entry, in place of its home in ``order``'s low 40 bits,
    and each group's ``n_slots``.  In (home, n-gram) order each n-gram takes the
    first slot at or after its home past the previous one's, which is where
    linear probing without wrap-around would put it; the runs stay sorted, so a
    lookup can stop at the first larger n-gram (``resolve_group``)."""
    cdef Py_ssize_t i
    cdef uint64_t home, pos = 0, prev = 0
    cdef NGroup* g
    cdef NGroup* current = NULL
    for i in range(m):
        g = &groups[entries[i].order >> 40]
        home = entries[i].order & <uint64_t>0xFFFFFFFFFF
        if g != current:
            current = g
            pos = home
        elif entries[i].key != prev:
            pos = max(home, pos + 1)
        prev = entries[i].key
        entries[i].order = (entries[i].order >> 40) << 40 | pos
        g.n_slots = pos + 1
