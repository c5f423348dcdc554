# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""User dictionary (``userdict.UserDict``) matched in C: one trie per table
(case-insensitive, exact) over syllable ids, applied after the model's
decisions exactly as ``UserDict.apply`` does.

Each piece carries what it can do in each trie (``PieceMatch``, found once per
distinct piece text by the line path's cache); the first step from the root is
then free, and the hashed edge of every gap's first two pieces is computed and
prefetched before the gaps are scored (``user_dict_prefetch``), so its cache
miss is hidden behind the scoring.
"""

from libc.stdint cimport uint64_t, int32_t, uint32_t, uint8_t
from libc.stdlib cimport calloc, free
from libc.string cimport memset, memcmp

from ._keys cimport TACHTU_MULT, key_end, wt_init, wt_free, wt_put, wt_get, wt_prefetch, chunk_hash

cdef extern from "Python.h":
    Py_UCS4* PyUnicode_AsUCS4Copy(object u) except NULL
    void PyMem_Free(void* p)

cdef enum:
    USER_JOIN = 1            # low two bits of an edge's value: the entry ending at its node
    USER_SPLIT = 2
    USER_ENDS = 3
    USER_INNER = 4           # bit 2: its node has children (longer entries go on from it)
    USER_NODE_SHIFT = 3      # the child node is the value >> 3

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
