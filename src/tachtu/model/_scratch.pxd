# cython: language_level=3
"""C declarations of the line path's state (``_scratch.pyx``): the chunk cache
and the per-thread scratch buffers that ``_line.LineSegmenter`` pools."""

from libc.stdint cimport uint64_t, int64_t, int32_t, uint32_t, uint8_t
from libc.string cimport memcmp

from ._scorer cimport ScoreBuf, Tables
from ._usertrie cimport PieceMatch

cdef struct CEntry:
    uint64_t hash            # 0: empty slot
    uint32_t text_off        # into ChunkCache.chars
    uint32_t n_text
    uint32_t piece_off       # into ChunkCache.pieces
    uint32_t n_pieces
    uint8_t ctx

cdef struct CPiece:
    uint32_t start           # relative to the chunk
    uint32_t end
    int64_t id
    int64_t plain            # diacritic-free id
    int32_t sid0             # stats ids: model key, diacritic-free
    int32_t sid1
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
    int64_t* w2              # padded plain ids
    int32_t* sid0            # stats ids (not padded)
    int32_t* sid1
    uint8_t* s               # padded shapes
    uint8_t* active
    uint8_t* join
    int64_t* scores
    ScoreBuf score           # the scorer's own scratch
    Py_ssize_t cap_out
    Py_UCS4* out
    CPiece* miss             # pieces of the chunk being pretokenized
    PieceMatch* ufolded      # CPiece.folded/exact of each piece
    PieceMatch* uexact
    uint64_t* ukeys          # user dictionary edge keys (2 per piece, see user_dict_prefetch)
    Py_ssize_t* wstart       # word spans in the original line
    Py_ssize_t* wend
    Py_UCS4* block           # a block's output, line after line (``segment_block``)
    Py_ssize_t cap_block
    Py_ssize_t reserved      # the longest line the buffers (and the scorer's) have room for
    bint pieces_only         # _decide stops after the pieces (a long line's first pass)
    uint8_t line_plain       # 0: line_is_plain of the text; 1, 2: not plain, plain (a window of a long line)
    uint8_t line_fold        # 0: score_line folds Title Case; 1, 2: no fold, fold (likewise)
    ChunkCache cache         # this scratch's own chunk cache (see LineSegmenter)
    Scratch* next            # the next idle scratch of the pool



cdef void cache_clear(ChunkCache* c) noexcept
cdef int cache_init(ChunkCache* c) except -1
cdef int cache_add(ChunkCache* c, uint64_t h, const Py_UCS4* text, Py_ssize_t n, int ctx,
                   const CPiece* pieces, Py_ssize_t n_pieces) except -1
cdef void* grow(void* p, Py_ssize_t* cap, Py_ssize_t need, Py_ssize_t minimum, size_t item) except NULL nogil
cdef void scratch_free_lines(Scratch* sc) noexcept
cdef void scratch_destroy(Scratch* sc) noexcept
cdef int scratch_reserve(Scratch* sc, Py_ssize_t n_chars, const Tables* T) except -1


cdef inline const CEntry* cache_entry(const ChunkCache* c, uint64_t h, Py_ssize_t n, int ctx) noexcept nogil:
    """The first entry of hash ``h``, length ``n`` and context ``ctx``, text not
    compared (``cache_find`` compares it)."""
    cdef uint64_t i = h & c.mask
    cdef const CEntry* e
    while c.table[i].hash != 0:
        e = &c.table[i]
        if e.hash == h and e.n_text == n and e.ctx == ctx:
            return e
        i = (i + 1) & c.mask
    return NULL

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
