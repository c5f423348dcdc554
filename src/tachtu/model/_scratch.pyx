# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""The line path's state: the chunk cache (distinct whitespace-separated
chunks, with their pieces, ids and shapes) and the scratch buffers a line is
decided in.  ``_line.LineSegmenter`` keeps one of each per thread in a pool;
nothing here calls Python, so a cache insert is atomic under the GIL.
"""

from libc.stdint cimport uint64_t, int64_t, int32_t, uint32_t, uint8_t
from libc.stdlib cimport malloc, calloc, realloc, free
from libc.string cimport memcpy, memset

from ._scorer cimport PAD, Tables, scorebuf_free, scorebuf_reserve
from ._usertrie cimport PieceMatch

cdef enum:
    CACHE_MAX_ENTRIES = 1 << 18     # a cache this full starts afresh


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


cdef void* grow(void* p, Py_ssize_t* cap, Py_ssize_t need, Py_ssize_t minimum, size_t item) except NULL nogil:
    """``p`` with room for ``need`` items (doubling, at least ``minimum``); ``cap`` updated."""
    cdef Py_ssize_t size
    cdef void* q
    if need <= cap[0] and p != NULL:
        return p
    size = max(2 * cap[0], need, minimum)
    q = realloc(p, size * item)
    if q == NULL:
        with gil:
            raise MemoryError()
    cap[0] = size
    return q


cdef int cache_add(ChunkCache* c, uint64_t h, const Py_UCS4* text, Py_ssize_t n, int ctx,
                   const CPiece* pieces, Py_ssize_t n_pieces) except -1:
    """Insert a chunk (no Python calls inside: atomic under the GIL).  Returns 1
    when the entry table was cleared or moved (pointers to its entries are then
    stale), else 0."""
    cdef Py_ssize_t size, i
    cdef CEntry* old
    cdef CEntry* table
    cdef uint64_t j
    cdef int moved = 0
    if c.count + 1 > CACHE_MAX_ENTRIES:
        cache_clear(c)
        cache_init(c)
        moved = 1
    if 2 * (c.count + 1) > <Py_ssize_t>(c.mask + 1):
        moved = 1
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
    c.chars = <Py_UCS4*>grow(c.chars, &c.cap_chars, c.n_chars + n, 1 << 14, sizeof(Py_UCS4))
    c.pieces = <CPiece*>grow(c.pieces, &c.cap_pieces, c.n_pieces + n_pieces, 1 << 12, sizeof(CPiece))
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
    return moved


cdef void scratch_free_lines(Scratch* sc) noexcept:
    """Free the buffers sized by the line (not the block output)."""
    free(sc.text); free(sc.orig); free(sc.map_start); free(sc.map_end)
    free(sc.pstart); free(sc.pend); free(sc.pkind); free(sc.pspace)
    free(sc.w); free(sc.w2); free(sc.sid0); free(sc.sid1); free(sc.s); free(sc.active); free(sc.join); free(sc.scores); scorebuf_free(&sc.score)
    free(sc.out); free(sc.miss); free(sc.ufolded); free(sc.uexact); free(sc.ukeys); free(sc.wstart); free(sc.wend)
    sc.text = sc.orig = sc.out = NULL
    sc.map_start = sc.map_end = sc.wstart = sc.wend = NULL
    sc.pstart = sc.pend = NULL
    sc.pkind = sc.pspace = sc.s = sc.active = sc.join = NULL
    sc.w = sc.w2 = sc.scores = NULL
    sc.sid0 = sc.sid1 = NULL
    sc.miss = NULL
    sc.ufolded = sc.uexact = NULL
    sc.ukeys = NULL
    sc.cap_text = sc.cap_pieces = sc.cap_out = sc.reserved = 0


cdef void scratch_destroy(Scratch* sc) noexcept:
    """Free a pooled scratch and everything it holds."""
    scratch_free_lines(sc)
    free(sc.block)
    cache_clear(&sc.cache)
    free(sc)


cdef int scratch_reserve(Scratch* sc, Py_ssize_t n_chars, const Tables* T) except -1:
    """Grow the buffers for a line of ``n_chars`` characters (pieces <= chars)."""
    cdef Py_ssize_t cap
    if n_chars > sc.cap_text:
        cap = max(n_chars, 2 * sc.cap_text, 256)
        scratch_free_lines(sc)
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
        sc.w2 = <int64_t*>malloc((cap + 2 * PAD) * sizeof(int64_t))
        sc.sid0 = <int32_t*>malloc(cap * sizeof(int32_t))
        sc.sid1 = <int32_t*>malloc(cap * sizeof(int32_t))
        sc.s = <uint8_t*>malloc(cap + 2 * PAD)
        sc.active = <uint8_t*>malloc(cap)
        sc.join = <uint8_t*>malloc(cap)
        sc.scores = <int64_t*>malloc(cap * sizeof(int64_t))
        sc.out = <Py_UCS4*>malloc(sc.cap_out * sizeof(Py_UCS4))
        sc.miss = <CPiece*>malloc(cap * sizeof(CPiece))
        sc.ufolded = <PieceMatch*>malloc(cap * sizeof(PieceMatch))
        sc.uexact = <PieceMatch*>malloc(cap * sizeof(PieceMatch))
        sc.ukeys = <uint64_t*>malloc(2 * cap * sizeof(uint64_t))
        sc.wstart = <Py_ssize_t*>malloc(cap * sizeof(Py_ssize_t))
        sc.wend = <Py_ssize_t*>malloc(cap * sizeof(Py_ssize_t))
        if (sc.text == NULL or sc.orig == NULL or sc.map_start == NULL or sc.map_end == NULL
                or sc.pstart == NULL or sc.pend == NULL or sc.pkind == NULL or sc.pspace == NULL
                or sc.w == NULL or sc.w2 == NULL or sc.sid0 == NULL or sc.sid1 == NULL or sc.s == NULL or sc.active == NULL or sc.join == NULL
                or sc.scores == NULL or sc.out == NULL or sc.miss == NULL
                or sc.ufolded == NULL or sc.uexact == NULL or sc.ukeys == NULL
                or sc.wstart == NULL or sc.wend == NULL):
            scratch_free_lines(sc)
            raise MemoryError()
    scorebuf_reserve(&sc.score, T, n_chars)
    sc.reserved = max(sc.reserved, n_chars)
    return 0
