# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""The compiled line path: one line in, the reference path's output out.

``LineSegmenter`` does in C what ``api.Segmenter`` does per line in Python:
NFC (``_nfc.nfc_text``, or ``normalize.to_nfc`` for what it does not cover), the
pretokenizer's pieces, their ids and shapes, the scorer (``_scorer.score_line``),
the user dictionary (``_usertrie``) and rendering (``_render.pxd``).

It splits the line on whitespace into chunks and caches, per distinct chunk
(and the class of the next non-space character, the only context the
pretokenizer's lookaheads can see across whitespace), its pieces with their
ids and shapes.  A cache miss runs the pretokenizer regex *on the line itself*
at the chunk's position and calls the encoder, so cached values are exactly
what the reference path computes.

``segment_block`` does many lines in one call (one output string), and a line
of ``WINDOW_MIN_CHARS`` or more is decided in windows (``_segment_windows``),
so memory follows the window, not the line.
"""

from libc.stdint cimport uint64_t, uint8_t
from libc.stdlib cimport calloc, free
from libc.string cimport memcmp, memset
from cpython.ref cimport PyObject, Py_INCREF, Py_DECREF

from ._keys cimport TACHTU_PREFETCH, chunk_hash
from ._nfc cimport nfc_ready, nfc_text, quick_check

from ..render import join_words
from ._render cimport hard_break, word_spans, write_gap, write_word
from ._scorer cimport PAD, CompiledScorer, Tables, fold_title_line, score_line
from ._scratch cimport (CEntry, CPiece, ChunkCache, Scratch, cache_add, cache_clear, cache_entry, cache_find,
                        cache_init, grow, scratch_destroy, scratch_free_lines, scratch_reserve)
from ._usertrie cimport (UserTrie, user_dict_apply, user_dict_prefetch, utrie_build,
                         utrie_free, utrie_piece)

cdef extern from "Python.h":
    bint Py_UNICODE_ISSPACE(Py_UCS4 ch) nogil
    bint Py_UNICODE_ISALNUM(Py_UCS4 ch) nogil
    bint Py_UNICODE_ISDECIMAL(Py_UCS4 ch) nogil
    bint Py_UNICODE_ISLOWER(Py_UCS4 ch) nogil
    Py_UCS4* PyUnicode_AsUCS4(object u, Py_UCS4* buffer, Py_ssize_t buflen, int copy_null) except NULL
    Py_UCS4* PyUnicode_AsUCS4Copy(object u) except NULL
    void PyMem_Free(void* p)
    object PyUnicode_FromKindAndData(int kind, const void* buffer, Py_ssize_t size)
    object PyUnicode_Substring(object s, Py_ssize_t start, Py_ssize_t end)
    Py_ssize_t PyUnicode_FindChar(object s, Py_UCS4 ch, Py_ssize_t start, Py_ssize_t end, int direction) except -2
    Py_ssize_t PyUnicode_Find(object s, object sub, Py_ssize_t start, Py_ssize_t end, int direction) except -2
    int PyUnicode_1BYTE_KIND
    int PyUnicode_4BYTE_KIND
    int PyUnicode_KIND(object u)
    void* PyUnicode_DATA(object u)
    Py_UCS4 PyUnicode_READ(int kind, const void* data, Py_ssize_t index) nogil

cdef enum:
    CTX_EOL = 0             # classes of the character after a chunk's whitespace
    CTX_LETTER = 1
    CTX_DIGIT = 2
    CTX_OTHER = 3
    MAX_CACHED_CHUNK = 64   # longer chunks are pretokenized every time
    CHUNK_BLOCK = 32        # chunks looked up in the cache at once (``_pieces``)
    NOGIL_MIN_CHARS = 256   # segment_line releases the GIL for lines at least this long
    POOL_MAX = 8            # idle scratches kept (one per thread that segments at once)
    WINDOW_MIN_CHARS = 1 << 20  # lines at least this long are segmented in windows (see _segment_windows)
    WINDOW_CHUNKS = 4096    # whitespace-separated chunks a window decides
    MARGIN_CHUNKS = 16      # chunks of context on each side (a gap reads 10 pieces each way)
    SHRINK_CHARS = 1 << 16  # scratch buffers sized above this are freed after the call
    CHARSET_MAX = 64        # characters a CharSet holds
    BATCH_LINE_CHARS = 256  # block lines up to this long are scored in batches ...
    BATCH_CHARS = 4096      # ... of up to this many characters ...
    BATCH_LINES = 256       # ... and lines
    SEPARATOR = 2 * PAD     # cells between two lines of a batch
    BATCH_PIECES = BATCH_CHARS + SEPARATOR * BATCH_LINES   # the batch's pieces with separators fit
    FLAG_VIA_NFC = 1        # the line was not NFC: pieces index the NFC copy
    FLAG_MAPPED = 2         # ... and the Normalized map gives original spans


cdef struct BatchLine:      # a short line of a block, waiting in a Batch
    Py_ssize_t text_off      # its characters in sc.text
    Py_ssize_t n_chars
    Py_ssize_t first         # its pieces in the scratch's piece arrays
    Py_ssize_t n
    bint newline             # a newline follows it in the block

cdef struct Batch:          # short lines scored in one score_line call (``_block_lines``)
    BatchLine lines[BATCH_LINES]
    int n_lines
    Py_ssize_t n_text        # characters of sc.text taken
    Py_ssize_t n_pieces      # pieces taken, separators included
    bint plain               # the namespace of its lines (features.line_is_plain)


cdef struct LineText:       # the str a line's pieces index, for the Python calls of a cache miss
    PyObject* text           # the NFC line, or NULL until a miss needs it (then a new reference)
    PyObject* block          # ... cut from this str ...
    Py_ssize_t start, end    # ... at [start, end)


cdef struct CharSet:        # a few characters, searched one by one
    Py_UCS4 chars[CHARSET_MAX]
    int n


cdef charset_fill(CharSet* chars, str text, str what):
    if len(text) > CHARSET_MAX:
        raise ValueError(f"at most {CHARSET_MAX} {what}, not {len(text)}")
    for k, c in enumerate(text):
        chars.chars[k] = ord(c)
    chars.n = len(text)


cdef inline bint charset_has(const CharSet* chars, Py_UCS4 c) noexcept nogil:
    cdef int k
    for k in range(chars.n):
        if chars.chars[k] == c:
            return True
    return False


cdef inline bint has_diacritic(Py_UCS4 c) noexcept nogil:
    """``features.DIACRITIC_RANGES``: a Latin letter with marks, or a combining mark."""
    return 0xC0 <= c <= 0x24F or 0x1E00 <= c <= 0x1EFF or 0x300 <= c <= 0x36F


cdef inline bint line_is_plain(const Py_UCS4* text, Py_ssize_t n) noexcept nogil:
    """``features.line_is_plain`` on the NFC line."""
    cdef Py_ssize_t i
    for i in range(n):
        if has_diacritic(text[i]):
            return False
    return True


cdef inline int char_ctx(Py_UCS4 c) noexcept nogil:
    """The class of the character after a chunk's whitespace.  ASCII (most of
    them) is classed here: the Unicode database's two calls per chunk were 1%
    of the time on news."""
    if c < 128:
        if 48 <= c <= 57:
            return CTX_DIGIT
        return CTX_LETTER if 65 <= c <= 90 or 97 <= c <= 122 else CTX_OTHER
    if Py_UNICODE_ISDECIMAL(c):
        return CTX_DIGIT
    if Py_UNICODE_ISALNUM(c):
        return CTX_LETTER
    return CTX_OTHER


cdef Py_ssize_t write_words(Py_UCS4* out, const Py_UCS4* src, const Py_ssize_t* wstart, const Py_ssize_t* wend,
                            Py_ssize_t n_words) noexcept nogil:
    """The words ``src[wstart[k]:wend[k]]`` and the gaps between them (``_render.pxd``)
    to ``out``; returns the length written."""
    cdef Py_ssize_t k, length = 0
    cdef bint changed = False
    for k in range(n_words):
        if k:
            length = write_gap(out, src, wend[k - 1], wstart[k], length)
        length = write_word(out, src, wstart[k], wend[k], length, &changed)
    return length


cdef void central_pieces(const uint8_t* pspace, Py_ssize_t n, Py_ssize_t left, Py_ssize_t central,
                        Py_ssize_t* p0, Py_ssize_t* p1) noexcept nogil:
    """The pieces ``[p0, p1)`` of chunks ``left .. left + central - 1`` of a window
    (a chunk's first piece is the one with whitespace before it, ``pspace``)."""
    cdef Py_ssize_t q, chunk = -1
    p0[0] = p1[0] = n
    for q in range(n):
        if pspace[q]:
            chunk += 1
            if chunk == left:
                p0[0] = q
            elif chunk == left + central:
                p1[0] = q
                return


# ---------------------------------------------------------------------------


cdef class LineSegmenter:
    """One line in, the reference path's output out (see ``compiled.CompiledBackend``).

    Threads: every call takes a ``Scratch`` from a pool (kept across calls, at
    most ``POOL_MAX`` idle) and gives it back, so a thread never shares its
    buffers, and each scratch carries its *own* chunk cache.  The hot path
    (chunk-cache hits, scoring, the user dictionary, rendering) then runs
    without the GIL with nothing shared but read-only tables (the scorer's, the
    user-dictionary tries): per-scratch caches need no locks and no care about
    a reader holding memory that a writer moves, at the price of each thread
    warming its own cache (a few MB each).  A cache miss takes the GIL: it
    calls the Python regex and encoder, and the encoder's ``piece_cache``,
    shared, is only read and written under the GIL (its insertions make no
    Python call, so they are atomic there).
    """

    cdef CompiledScorer scorer
    cdef const Tables* T         # the scorer's tables (read-only)
    cdef object chunk_pieces     # (text, start, end) -> [(start, end, Kind)] or None
    cdef object word_kind        # Kind.WORD if a run of letters is always one WORD piece, else None
    cdef object punct_kind       # Kind.PUNCT: the punctuation split off letters (``_edges``)
    cdef CharSet lead            # which punctuation (``compiled.edge_punctuation``): before letters,
    cdef CharSet trail           # after them, and first of two after them
    cdef CharSet pair_first
    cdef object lookup           # Encoder.lookup
    cdef object to_nfc
    cdef object is_normalized
    cdef object normalizer       # None, or form -> normalised form
    cdef object slow_line        # line -> segmented line, for the lines ``segment`` does not take
    cdef bint user_dict          # a user dictionary is applied (tries below, CPiece.fid/xid)
    cdef UserTrie user_folded
    cdef UserTrie user_exact
    cdef object model_key        # normalize.model_key: what case-insensitive entries compare
    cdef bint has_normalizer
    cdef public Py_ssize_t window_chars   # lines this long go in windows (tests lower it)
    cdef public Py_ssize_t window_chunks
    cdef readonly Py_ssize_t windows_done  # windows decided so far (tests count them)
    cdef readonly Py_ssize_t lines_batched  # block lines scored in batches so far (likewise)
    cdef Scratch* pool           # idle scratches (a list through Scratch.next), under the GIL
    cdef int n_idle
    cdef Py_ssize_t n_scratch    # scratches that exist (idle or in use)
    cdef CharSet slow_spaces     # whitespace the regex turns into a piece (U+3000 ...)
    cdef ChunkCache piece_cache  # (kind, piece text) -> encoder's (id, shape)

    def __cinit__(self):
        self.pool = NULL
        memset(&self.piece_cache, 0, sizeof(ChunkCache))
        memset(&self.user_folded, 0, sizeof(UserTrie))
        memset(&self.user_exact, 0, sizeof(UserTrie))

    def __init__(self, CompiledScorer scorer, chunk_pieces, piece_re, lookup, to_nfc, is_normalized,
                 normalizer=None, word_kind=None, user_dict=None, edges=("", "", ""), punct_kind=None,
                 slow_line=None):
        from ..normalize import model_key

        self.scorer = scorer
        self.T = &scorer.T
        self.model_key = model_key
        self.user_dict = user_dict is not None
        if user_dict is not None:
            (folded, folded_splits), (exact, exact_splits) = user_dict.compiled_tables()
            utrie_build(&self.user_folded, folded, folded_splits)
            utrie_build(&self.user_exact, exact, exact_splits)
        self.chunk_pieces = chunk_pieces
        self.word_kind = word_kind
        self.punct_kind = punct_kind
        lead, trail, pair_first = edges
        charset_fill(&self.lead, lead, "characters of punctuation before letters")
        charset_fill(&self.trail, trail, "characters of punctuation after letters")
        charset_fill(&self.pair_first, pair_first, "first characters of punctuation pairs after letters")
        self.lookup = lookup
        self.to_nfc = to_nfc
        self.is_normalized = is_normalized
        self.normalizer = normalizer
        self.slow_line = slow_line
        self.has_normalizer = normalizer is not None
        self.window_chars = WINDOW_MIN_CHARS
        self.window_chunks = WINDOW_CHUNKS
        cache_init(&self.piece_cache)
        # whitespace characters at which the regex can start a match: lines
        # containing them go back to the reference path
        charset_fill(&self.slow_spaces, "".join(
            ch for ch in map(chr, range(0x3001))
            if ch.isspace() and any(piece_re.match(ch + tail) for tail in ("", " ", "a", "1", ".", "-"))
        ), "whitespace characters the pretokenizer matches")

    def __dealloc__(self):
        utrie_free(&self.user_folded)
        utrie_free(&self.user_exact)
        cdef Scratch* sc
        while self.pool != NULL:
            sc = self.pool
            self.pool = sc.next
            scratch_destroy(sc)
        cache_clear(&self.piece_cache)

    cdef inline bint _slow_space(self, Py_UCS4 c) noexcept nogil:
        return c != 32 and charset_has(&self.slow_spaces, c)

    cdef int _miss(self, Scratch* sc, const Py_UCS4* t, str text, Py_ssize_t start, Py_ssize_t end,
                   Py_ssize_t* n_out) except -2:
        """Pretokenize + encode one chunk into ``sc.miss`` with the regex and the encoder.

        Returns 0, or -1 when the regex does not tile the chunk exactly
        (the line then goes back to the reference path).  Encoder results
        are cached per (kind, piece text) in ``piece_cache``.  ``t``: the
        line's characters (``text``'s), which ``start`` and ``end`` index."""
        cdef Py_ssize_t p = start, s, e, k = 0
        cdef CPiece* piece
        cdef int kind_code
        cdef uint64_t h
        cdef const CEntry* hit
        cdef CPiece value
        cdef Py_ssize_t x
        cdef Py_UCS4* key_chars
        found = self._edges(t, start, end) if self.word_kind is not None else None
        if found is None:
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
            h = chunk_hash(t + s, e - s, kind_code)
            hit = cache_find(&self.piece_cache, h, t + s, e - s, kind_code)
            if hit != NULL:
                piece.id = self.piece_cache.pieces[hit.piece_off].id
                piece.plain = self.piece_cache.pieces[hit.piece_off].plain
                piece.sid0 = self.piece_cache.pieces[hit.piece_off].sid0
                piece.sid1 = self.piece_cache.pieces[hit.piece_off].sid1
                piece.shape = self.piece_cache.pieces[hit.piece_off].shape
                piece.folded = self.piece_cache.pieces[hit.piece_off].folded
                piece.exact = self.piece_cache.pieces[hit.piece_off].exact
            else:
                piece_text = PyUnicode_Substring(text, s, e)
                ident, shape, plain, sid0, sid1 = self.lookup(piece_text, kind)
                if not 0 <= shape < self.T.n_shapes:
                    raise ValueError(f"encoder returned shape {shape} out of range")
                piece.id = ident
                piece.plain = plain
                piece.sid0 = sid0
                piece.sid1 = sid1
                piece.shape = shape
                piece.exact = utrie_piece(&self.user_exact, t + s, e - s)
                if self.user_folded.n_nodes:
                    key = self.model_key(piece_text)
                    key_chars = PyUnicode_AsUCS4Copy(key)
                    piece.folded = utrie_piece(&self.user_folded, key_chars, len(key))
                    PyMem_Free(key_chars)
                else:
                    piece.folded.start = piece.folded.next = 0
                if e - s <= MAX_CACHED_CHUNK:
                    value = piece[0]
                    cache_add(&self.piece_cache, h, t + s, e - s, kind_code, &value, 1)
            k += 1
            p = e
        if p != end:
            return -1
        n_out[0] = k
        return 0

    cdef object _edges(self, const Py_UCS4* t, Py_ssize_t start, Py_ssize_t end):
        """The pieces of a chunk of letters, with maybe a punctuation character
        before them and one or two after (``compiled.edge_punctuation``), as the
        regex gives them (checked at construction); None for any other chunk."""
        cdef Py_ssize_t a = start, b = end, x
        if b - a >= 2 and charset_has(&self.lead, t[a]):
            a += 1
        if b - a >= 2 and charset_has(&self.trail, t[b - 1]):
            b -= 1
            if b - a >= 2 and charset_has(&self.pair_first, t[b - 1]):
                b -= 1
        for x in range(a, b):
            if Py_UNICODE_ISDECIMAL(t[x]) or not Py_UNICODE_ISALNUM(t[x]):
                return None
        if b < end and t[b] == 46:      # "." after the letters: lower case, three or more (not TP., N., tr.)
            if b - a < 3:
                return None
            for x in range(a, b):
                if not Py_UNICODE_ISLOWER(t[x]):
                    return None
        word = (a, b, self.word_kind)
        if a == start and b == end:
            return (word,)
        pieces = [(x, x + 1, self.punct_kind) for x in range(start, a)]
        pieces.append(word)
        pieces += [(x, x + 1, self.punct_kind) for x in range(b, end)]
        return pieces

    cdef object _text(self, LineText* lt):
        """The str of ``lt`` (cut from its block the first time; GIL held)."""
        if lt.text == NULL:
            text = PyUnicode_Substring(<object>lt.block, lt.start, lt.end)
            lt.text = <PyObject*>text
            Py_INCREF(text)
        return <object>lt.text

    cdef Py_ssize_t _pieces(self, Scratch* sc, LineText* lt, Py_ssize_t text_off, Py_ssize_t n_chars,
                            Py_ssize_t first) except -2 nogil:
        """Pieces of the NFC line at ``sc.text + text_off``, written from piece
        ``first`` on (a batch of lines holds several); returns how many, or -1:
        use the reference path.

        ``sc.pspace[n]`` is 1 when whitespace comes before piece ``n``, 2 when
        that whitespace holds a hard break (see ``hard_break``).  Runs without
        the GIL but for cache misses.

        ``CHUNK_BLOCK`` chunks at a time, in three passes, so that the chunk
        cache's misses overlap: find the chunks and prefetch their cache slots;
        find their entries and prefetch the entries' text and pieces; then
        compare the text and copy the pieces (pretokenizing the misses; after
        one, the block's later misses are looked up again, since they may be the
        chunk just added, and every later chunk when ``cache_add`` moved the
        entries)."""
        cdef Py_UCS4* t = sc.text + text_off
        cdef Py_ssize_t i = 0, j, k, n = first, nb, b, m, q, n_new = 0
        cdef uint64_t h
        cdef const CEntry* e
        cdef const CPiece* cp
        cdef uint8_t space = 1
        cdef int found
        cdef bint moved, added
        cdef Py_ssize_t cstart[CHUNK_BLOCK]
        cdef Py_ssize_t cend[CHUNK_BLOCK]
        cdef uint64_t chash[CHUNK_BLOCK]
        cdef const CEntry* centry[CHUNK_BLOCK]
        cdef uint8_t cspace[CHUNK_BLOCK]
        cdef uint8_t cctx[CHUNK_BLOCK]
        while i < n_chars:
            nb = 0
            while i < n_chars and nb < CHUNK_BLOCK:      # the chunks, their slots prefetched
                if Py_UNICODE_ISSPACE(t[i]):
                    if self._slow_space(t[i]):
                        return -1
                    if hard_break(t[i]):
                        space = 2
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
                cctx[nb] = CTX_EOL if k == n_chars else char_ctx(t[k])
                h = chunk_hash(t + i, j - i, cctx[nb])
                TACHTU_PREFETCH(&sc.cache.table[h & sc.cache.mask])
                cstart[nb], cend[nb], chash[nb], cspace[nb] = i, j, h, space
                nb += 1
                i = j
                space = 1
            for b in range(nb):         # their entries, text and pieces prefetched
                e = cache_entry(&sc.cache, chash[b], cend[b] - cstart[b], cctx[b])
                centry[b] = e
                if e != NULL:
                    TACHTU_PREFETCH(sc.cache.chars + e.text_off)
                    TACHTU_PREFETCH(sc.cache.pieces + e.piece_off)
            moved = added = False
            for b in range(nb):
                i, j = cstart[b], cend[b]
                e = centry[b]
                if moved or (added and e == NULL):
                    e = cache_find(&sc.cache, chash[b], t + i, j - i, cctx[b])
                elif e != NULL and memcmp(sc.cache.chars + e.text_off, t + i, (j - i) * sizeof(Py_UCS4)) != 0:
                    e = cache_find(&sc.cache, chash[b], t + i, j - i, cctx[b])     # a hash collision
                if e != NULL:
                    cp = sc.cache.pieces + e.piece_off
                    m = e.n_pieces
                else:
                    with gil:
                        found = self._miss(sc, t, self._text(lt), i, j, &n_new)
                        if found == 0 and j - i <= MAX_CACHED_CHUNK:
                            if cache_add(&sc.cache, chash[b], t + i, j - i, cctx[b], sc.miss, n_new):
                                moved = True
                            added = True
                    if found < 0:
                        return -1
                    cp = sc.miss
                    m = n_new
                for q in range(m):
                    sc.pstart[n] = i + cp[q].start
                    sc.pend[n] = i + cp[q].end
                    sc.pkind[n] = cp[q].kind
                    sc.pspace[n] = cspace[b] if q == 0 else 0
                    sc.w[PAD + n] = cp[q].id
                    sc.w2[PAD + n] = cp[q].plain
                    sc.sid0[n] = cp[q].sid0
                    sc.sid1[n] = cp[q].sid1
                    sc.s[PAD + n] = cp[q].shape
                    if self.user_dict:
                        sc.ufolded[n] = cp[q].folded
                        sc.uexact[n] = cp[q].exact
                    n += 1
            if nb:
                i = cend[nb - 1]
        return n - first

    cdef Scratch* _acquire(self) except NULL:
        """An idle scratch of the pool, or a new one (GIL held: no Python call inside)."""
        cdef Scratch* sc = self.pool
        if sc != NULL:
            self.pool = sc.next
            self.n_idle -= 1
            return sc
        sc = <Scratch*>calloc(1, sizeof(Scratch))
        if sc == NULL:
            raise MemoryError()
        try:
            cache_init(&sc.cache)
        except MemoryError:
            free(sc)
            raise
        self.n_scratch += 1
        return sc

    cdef void _release(self, Scratch* sc) noexcept:
        """Back to the pool (GIL held), or freed when ``POOL_MAX`` are idle already;
        buffers a long line grew are freed (the next long line allocates again)."""
        if sc.cap_text > SHRINK_CHARS:
            scratch_free_lines(sc)
        if sc.cap_block > 128 * SHRINK_CHARS:
            free(sc.block)
            sc.block = NULL
            sc.cap_block = 0
        if self.n_idle >= POOL_MAX:
            scratch_destroy(sc)
            self.n_scratch -= 1
            return
        sc.next = self.pool
        self.pool = sc
        self.n_idle += 1

    @property
    def scratches(self):
        """How many scratches exist (idle or in use): one per thread inside at once."""
        return self.n_scratch

    cdef Py_ssize_t _segment(self, Scratch* sc, str line, int* flags) except -2:
        """Run the whole line; fills sc.pstart/pend (NFC) and sc.join.  -1: reference path."""
        cdef Py_ssize_t n_line = len(line), n_text, n, g
        cdef str text = line
        cdef const Tables* T = &self.scorer.T
        flags[0] = 0
        scratch_reserve(sc, n_line + 1, T)
        text = nfc_text(line, sc.orig, sc.text, sc.map_start, sc.map_end, sc.cap_text)
        if text is None and not self.is_normalized("NFC", line):    # not covered by _nfc
            norm = self.to_nfc(line)
            text = norm.text
            flags[0] = FLAG_VIA_NFC
            if len(text) > n_line:
                scratch_reserve(sc, len(text) + 1, T)
            PyUnicode_AsUCS4(line, sc.orig, sc.cap_text, 0)
            if norm.starts is not None:
                flags[0] |= FLAG_MAPPED
                for g, v in enumerate(norm.starts):
                    sc.map_start[g] = v
                for g, v in enumerate(norm.ends):
                    sc.map_end[g] = v
        elif text is None:
            text = line
        elif text is not line:
            flags[0] = FLAG_VIA_NFC | FLAG_MAPPED
        n_text = len(text)
        if n_text:
            PyUnicode_AsUCS4(text, sc.text, sc.cap_text, 0)
        return self._decide_text(sc, text, n_text)

    cdef Py_ssize_t _decide_text(self, Scratch* sc, str text, Py_ssize_t n_text) except -2:
        """``_decide`` on the NFC line ``text``, without the GIL when the line is long."""
        cdef LineText lt
        lt.text = <PyObject*>text      # borrowed: the caller holds it
        lt.block = NULL
        if n_text < NOGIL_MIN_CHARS:
            return self._decide(sc, &lt, n_text)
        with nogil:
            return self._decide(sc, &lt, n_text)

    cdef Py_ssize_t _decide(self, Scratch* sc, LineText* lt, Py_ssize_t n_text) except -2 nogil:
        """Pieces and join decisions of the NFC line already in ``sc.text`` (its str
        through ``lt``): fills sc.pstart/pend and sc.join; returns the pieces, or -1
        for the reference path.  Needs the GIL only for cache misses."""
        cdef Py_ssize_t n, g
        cdef const Tables* T = self.T
        n = self._pieces(sc, lt, 0, n_text, 0)
        if n <= 0 or sc.pieces_only:
            return n
        cdef bint plain = line_is_plain(sc.text, n_text) if sc.line_plain == 0 else sc.line_plain == 2
        self._open_gaps(sc, 0, n)
        if self.user_dict:      # the lookups load while the gaps are scored
            user_dict_prefetch(&self.user_folded, &self.user_exact, sc.ufolded, sc.uexact, sc.active,
                               sc.ukeys, n)
        sc.score.title_folded = sc.line_fold != 0
        sc.score.separated = False
        if sc.line_fold == 2:     # the whole line's fold (features.fold_title_line)
            for g in range(n):
                if sc.s[PAD + g] == T.title_shape:
                    sc.s[PAD + g] = T.lower_shape
        score_line(T, sc.w, sc.w2, sc.s, sc.sid0, sc.sid1, n, plain, sc.active, sc.scores, &sc.score)
        self._close_gaps(sc, 0, n)
        return n

    cdef void _open_gaps(self, Scratch* sc, Py_ssize_t first, Py_ssize_t n) noexcept nogil:
        """Which gaps of the ``n`` pieces from ``first`` may join; their scores to 0."""
        cdef Py_ssize_t g
        for g in range(first, first + n - 1):
            sc.active[g] = self.scorer.joinable(sc.pkind[g], sc.pkind[g + 1], sc.pspace[g + 1] != 0)
            sc.scores[g] = 0

    cdef void _close_gaps(self, Scratch* sc, Py_ssize_t first, Py_ssize_t n) noexcept nogil:
        """The join decisions of the ``n`` scored pieces from ``first``: the score,
        the user dictionary, then what the layout decides (``backends.layout_joins``)."""
        cdef Py_ssize_t g, last = first + n - 1
        for g in range(first, last):
            sc.join[g] = sc.active[g] and sc.scores[g] > 0
        sc.join[last] = False
        if self.user_dict:
            user_dict_apply(&self.user_folded, &self.user_exact, sc.ufolded + first, sc.uexact + first,
                            sc.active + first, sc.ukeys, n, sc.join + first)
        for g in range(first, last):
            if sc.pspace[g + 1] == 0:
                if self.scorer.joinable(sc.pkind[g], sc.pkind[g + 1], True):
                    sc.join[g] = True
            elif sc.pspace[g + 1] == 2:
                sc.join[g] = False

    def segment_line(self, str line):
        """Segmented form of one line, or None for the reference path."""
        return self._with_scratch(line, False)

    def segment(self, str line):
        """``CompiledBackend.segment_line`` itself, so that a call per line costs no
        Python frame: a line with a ``_`` or a `` . `` (which may be a spaced
        number), or one this path hands back, goes to ``slow_line`` (given at
        construction), which decides it as before."""
        cdef Py_ssize_t n = len(line)
        if PyUnicode_FindChar(line, 95, 0, n, 1) >= 0 or PyUnicode_Find(line, " . ", 0, n, 1) >= 0:
            return self.slow_line(line)
        out = self._with_scratch(line, False)
        return self.slow_line(line) if out is None else out

    def tokenize_line(self, str line):
        """``[(text, start, end, form)]`` of one line, or None for the reference path."""
        return self._with_scratch(line, True)

    def segment_block(self, str block, fallback):
        """``"\\n".join`` of the segmented lines of ``block`` (split on "\\n" only).

        One call for many lines: no Python object per line on the common path,
        and one output string.  ``fallback(line)`` segments the lines this path
        does not take (a ``_``, a `` . `` that may be a spaced number, or any
        line ``_segment`` hands back), in place, so the result equals joining
        ``CompiledBackend.segment_line`` of each line.
        """
        cdef Scratch* sc = self._acquire()
        try:
            return self._block(sc, block, fallback)
        finally:
            self._release(sc)

    cdef object _block(self, Scratch* sc, str block, fallback):
        cdef Py_ssize_t n_block = len(block), n
        cdef int kind = PyUnicode_KIND(block)
        cdef const void* data = PyUnicode_DATA(block)
        # Each line is checked for NFC on its own (``quick_check``), so one line that is not
        # leaves the others batched.  Without those tables: the block at once (NFC, then so is
        # every line: a newline never composes), unless it may hold a long line (checking that
        # can copy it several times: its lines check themselves).
        cdef bint per_line = kind != PyUnicode_1BYTE_KIND and nfc_ready()
        cdef bint nfc = not per_line and n_block < self.window_chars and self.is_normalized("NFC", block)
        cdef list parts = []
        with nogil:
            n = self._block_lines(sc, <PyObject*>block, kind, data, n_block, nfc, per_line, <PyObject*>fallback,
                                  <PyObject*>parts)
        if not parts or n:
            parts.append(PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, sc.block, n))
        return "".join(parts)     # one part (a long line alone): that string itself

    cdef Py_ssize_t _block_lines(self, Scratch* sc, PyObject* block, int kind, const void* data,
                                 Py_ssize_t n_block, bint nfc, bint per_line, PyObject* fallback,
                                 PyObject* parts) except -1 nogil:
        """The lines of ``block`` into ``sc.block`` (long outputs as strings onto
        ``parts``); returns its length.  ``nfc``: every line is NFC; else with
        ``per_line`` each is checked (``quick_check``).  Without the GIL but for
        cache misses, lines that are not NFC, long lines and the lines
        ``fallback`` or the normaliser takes."""
        cdef Py_ssize_t start = 0, end, n, n_line, pos = 0, x
        cdef bint python, line_nfc
        cdef int flags
        cdef Py_UCS4 c
        cdef LineText lt
        cdef Batch batch
        batch.n_lines = batch.n_text = batch.n_pieces = 0
        cdef bint batched = (nfc or per_line) and not self.user_dict and not self.has_normalizer
        if batched and sc.reserved < BATCH_PIECES:
            with gil:
                scratch_reserve(sc, BATCH_PIECES, self.T)
        while start <= n_block:
            end = start
            python = False
            while end < n_block:
                c = PyUnicode_READ(kind, data, end)
                if c == 10:
                    break
                if c == 95 or (c == 46 and end > start and end + 1 < n_block
                               and PyUnicode_READ(kind, data, end - 1) == 32
                               and PyUnicode_READ(kind, data, end + 1) == 32):
                    python = True    # "_" or " . ": CompiledBackend.segment_line decides
                end += 1
            n_line = end - start
            n = -1
            flags = 0
            line_nfc = nfc or (per_line and n_line < self.window_chars and quick_check(kind, data, start, end) > 0)
            if batched and line_nfc and not python and n_line <= BATCH_LINE_CHARS and n_line < self.window_chars:
                if self._batch_line(sc, &batch, block, kind, data, start, end, end < n_block, &pos) >= 0:
                    start = end + 1
                    continue
                python = True       # the C path hands the line back: the fallback's, in its place
            pos = self._flush(sc, &batch, pos)
            if python or n_line >= self.window_chars:
                with gil:
                    line = PyUnicode_Substring(<object>block, start, end)
                    out = (<object>fallback)(line) if python else self._long_line(sc, line, <object>fallback)
                    pos = self._put(sc, out, pos, <object>parts)
            else:
                if line_nfc:
                    if n_line + 1 > sc.reserved:
                        with gil:
                            scratch_reserve(sc, n_line + 1, self.T)
                    for x in range(n_line):
                        sc.text[x] = PyUnicode_READ(kind, data, start + x)
                    lt.text = NULL
                    lt.block = block
                    lt.start = start
                    lt.end = end
                    try:
                        n = self._decide(sc, &lt, n_line)
                    finally:
                        if lt.text != NULL:
                            with gil:
                                Py_DECREF(<object>lt.text)
                else:
                    with gil:
                        n = self._segment(sc, PyUnicode_Substring(<object>block, start, end), &flags)
                if n == 0:
                    pass
                elif n > 0 and not self.has_normalizer:
                    # room for the line's output: at most 2 characters per input character
                    sc.block = <Py_UCS4*>grow(sc.block, &sc.cap_block, pos + 2 * n_line + 1, 1 << 12, sizeof(Py_UCS4))
                    pos += self._render(sc, n, flags, sc.block + pos)
                else:
                    with gil:
                        line = PyUnicode_Substring(<object>block, start, end)
                        if n > 0:
                            out = join_words(line, self._tokens(sc, line, n, flags))
                        else:
                            out = (<object>fallback)(line)
                        pos = self._put(sc, out, pos, <object>parts)
            if end < n_block:
                sc.block = <Py_UCS4*>grow(sc.block, &sc.cap_block, pos + 1, 1 << 12, sizeof(Py_UCS4))
                sc.block[pos] = 10
                pos += 1
            start = end + 1
        return self._flush(sc, &batch, pos)

    cdef Py_ssize_t _batch_line(self, Scratch* sc, Batch* batch, PyObject* block, int kind, const void* data,
                                Py_ssize_t start, Py_ssize_t end, bint newline, Py_ssize_t* pos) except -2 nogil:
        """Add the (NFC, short) line ``block[start:end]`` to ``batch``: its text,
        its pieces after the others' (and four separator cells), its open gaps;
        the batch is scored and written (``_flush``) first when it is full or
        the line's namespace differs.  Returns its pieces, or -1 for the
        reference path (nothing added)."""
        cdef Py_ssize_t n_line = end - start, x, first, n
        cdef bint plain
        cdef LineText lt
        cdef BatchLine* line
        if (batch.n_lines == BATCH_LINES or batch.n_text + n_line > BATCH_CHARS
                or batch.n_pieces + SEPARATOR + n_line > BATCH_PIECES):
            pos[0] = self._flush(sc, batch, pos[0])
        for x in range(n_line):
            sc.text[batch.n_text + x] = PyUnicode_READ(kind, data, start + x)
        plain = line_is_plain(sc.text + batch.n_text, n_line)
        if batch.n_pieces and plain != batch.plain:
            pos[0] = self._flush(sc, batch, pos[0])
            for x in range(n_line):
                sc.text[x] = PyUnicode_READ(kind, data, start + x)
        first = batch.n_pieces + SEPARATOR if batch.n_pieces else 0
        lt.text = NULL
        lt.block = block
        lt.start = start
        lt.end = end
        try:
            n = self._pieces(sc, &lt, batch.n_text, n_line, first)
        finally:
            if lt.text != NULL:
                with gil:
                    Py_DECREF(<object>lt.text)
        if n < 0:
            return -1
        line = &batch.lines[batch.n_lines]
        line.text_off, line.n_chars, line.first, line.n, line.newline = batch.n_text, n_line, first, n, newline
        batch.n_lines += 1
        batch.n_text += n_line
        self.lines_batched += 1
        if n == 0:
            return 0
        if batch.n_pieces:
            self._separate(sc, batch.n_pieces)
        batch.plain = plain
        batch.n_pieces = first + n
        self._open_gaps(sc, first, n)
        fold_title_line(self.T, sc.s + PAD + first, n)
        return n

    cdef void _separate(self, Scratch* sc, Py_ssize_t at) noexcept nogil:
        """The cells between two lines of a batch, at pieces ``at`` to ``at + 3``:
        what ``score_line`` pads a line with (EOS twice after one line, BOS twice
        before the next; no stats ids), and their gaps closed."""
        cdef Py_ssize_t k
        cdef const Tables* T = self.T
        for k in range(SEPARATOR):
            sc.w[PAD + at + k] = sc.w2[PAD + at + k] = T.eos_id if k < PAD else T.bos_id
            sc.s[PAD + at + k] = T.eos_shape if k < PAD else T.bos_shape
            sc.sid0[at + k] = sc.sid1[at + k] = 0
        for k in range(at - 1, at + SEPARATOR):
            sc.active[k] = False
            sc.scores[k] = 0

    cdef Py_ssize_t _flush(self, Scratch* sc, Batch* batch, Py_ssize_t pos) except -1 nogil:
        """Score the batch's lines at once (their misses overlap: one short line
        alone leaves a miss nothing to overlap with), decide and write them,
        each with its newline, at ``pos`` of the block output; returns the end."""
        cdef int k
        cdef BatchLine* line
        if batch.n_lines == 0:
            return pos
        if batch.n_pieces:
            sc.score.title_folded = True       # each line folded on its own
            sc.score.separated = True
            score_line(self.T, sc.w, sc.w2, sc.s, sc.sid0, sc.sid1, batch.n_pieces, batch.plain, sc.active,
                       sc.scores, &sc.score)
        for k in range(batch.n_lines):
            line = &batch.lines[k]
            # room for the line's output and its newline: at most 2 characters per input character
            sc.block = <Py_UCS4*>grow(sc.block, &sc.cap_block, pos + 2 * line.n_chars + 1, 1 << 12, sizeof(Py_UCS4))
            if line.n:
                self._close_gaps(sc, line.first, line.n)
                pos += write_words(sc.block + pos, sc.text + line.text_off, sc.wstart, sc.wend, word_spans(
                    sc.join + line.first, sc.pstart + line.first, sc.pend + line.first, line.n, False, NULL, NULL,
                    sc.wstart, sc.wend))
            if line.newline:
                sc.block[pos] = 10
                pos += 1
        batch.n_lines = batch.n_text = batch.n_pieces = 0
        return pos

    cdef Py_ssize_t _put(self, Scratch* sc, str text, Py_ssize_t pos, list parts) except -1:
        """Add a line's output to the block output at ``pos``; returns the new end.  A
        long one goes onto ``parts`` as it is, after what ``sc.block`` holds, so no
        long line is ever copied into the 4-byte buffer."""
        cdef Py_ssize_t n = len(text)
        if n >= SHRINK_CHARS:
            if pos:
                parts.append(PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, sc.block, pos))
            parts.append(text)
            return 0
        sc.block = <Py_UCS4*>grow(sc.block, &sc.cap_block, pos + n + 1, 1 << 12, sizeof(Py_UCS4))
        if n:
            PyUnicode_AsUCS4(text, sc.block + pos, sc.cap_block - pos, 0)
        return pos + n

    cdef object _long_line(self, Scratch* sc, str line, fallback):
        """The segmented form of a line of ``window_chars`` or more: in windows when it
        can be, else whole (``fallback`` for a line the C path hands back)."""
        cdef int flags
        cdef Py_ssize_t n
        out = self._segment_windows(sc, line) if self._windowed() else None
        if out is not None:
            return out
        n = self._segment(sc, line, &flags)
        if n < 0:
            return fallback(line)
        return self._segment_line(sc, line, n, flags) if n else ""

    cdef inline bint _windowed(self):
        """Whether long lines go in windows: not with a user dictionary (its longest-match
        scan runs left to right across the whole line) nor with output normalisation."""
        return not self.user_dict and not self.has_normalizer

    cdef object _segment_windows(self, Scratch* sc, str line):
        """The segmented form of a long line decided window by window, so memory follows
        the window, not the line; None when it is to be done whole (a line of one
        window, or a window the C path hands back).

        Window k decides the gaps after its central chunks kC .. (k+1)C - 1 (C:
        ``window_chunks``; a chunk is a run of non-whitespace) and reads
        ``MARGIN_CHUNKS`` chunks on each side, more than any gap's score sees
        (features of pieces -2 .. +3 around it, each reading dictionary matches of
        up to ``spec.MAX_DICT_WORD`` pieces).  Windows are cut before whitespace,
        which NFC never composes with, so NFC of a window is that part of the NFC
        line and every chunk gets the line's pieces.  The two line-level
        properties, ``line_is_plain`` and the Title-Case fold
        (``features.fold_title_line``), are computed over the whole line first, in
        a pass of pieces only, and imposed on every window."""
        cdef Py_ssize_t n_line = len(line), C = self.window_chunks, i = 0, m = 0, k, K, a, b, n, q, x
        cdef Py_ssize_t p0 = 0, p1 = 0, titles = 0, length
        cdef int kind = PyUnicode_KIND(line), flags, step
        cdef const void* data = PyUnicode_DATA(line)
        cdef bint lower = False, plain = True
        cdef const Tables* T = &self.scorer.T
        cdef list cut_a = [], cut_b = []
        if C <= MARGIN_CHUNKS + 1:
            raise ValueError(f"window_chunks must be above {MARGIN_CHUNKS + 1}")
        # window k runs from the end of chunk kC - M - 1 to the end of chunk (k+1)C + M - 1
        while i < n_line:
            if Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, i)):
                i += 1
                continue
            while i < n_line and not Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, i)):
                i += 1
            if m % C == C - MARGIN_CHUNKS - 1:
                cut_a.append(i)
            if m >= C + MARGIN_CHUNKS - 1 and m % C == MARGIN_CHUNKS - 1:
                cut_b.append(i)
            m += 1
        K = (m + C - 1) // C
        if K <= 1:
            return None
        parts = []
        try:
            for step in range(2):
                sc.pieces_only = step == 0
                if step == 1:
                    sc.line_plain = 2 if plain else 1
                    sc.line_fold = 2 if not lower and titles >= T.title_line_min else 1
                for k in range(K):
                    a = 0 if k == 0 else cut_a[k - 1]
                    b = cut_b[k] if k < len(cut_b) else n_line
                    n = self._segment(sc, PyUnicode_Substring(line, a, b), &flags)
                    if n < 0:
                        return None
                    central_pieces(sc.pspace, n, 0 if k == 0 else MARGIN_CHUNKS, min(C, m - k * C), &p0, &p1)
                    if step == 0:
                        for q in range(p0, p1):
                            lower = lower or sc.s[PAD + q] == T.lower_shape
                            titles += sc.s[PAD + q] == T.title_shape
                            if plain:
                                for x in range(sc.pstart[q], sc.pend[q]):
                                    if has_diacritic(sc.text[x]):
                                        plain = False
                                        break
                    else:
                        self.windows_done += 1
                        length = self._render_range(sc, p0, p1, n, flags, sc.out)
                        parts.append(PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, sc.out, length))
        finally:
            sc.pieces_only = False
            sc.line_plain = 0
            sc.line_fold = 0
        return "".join(parts)

    cdef Py_ssize_t _render_range(self, Scratch* sc, Py_ssize_t p0, Py_ssize_t p1, Py_ssize_t n, int flags,
                                  Py_UCS4* out) noexcept nogil:
        """``_render`` of pieces ``[p0, p1)`` of ``n``, then what the gap after piece
        ``p1 - 1`` becomes (when there is one): a window's part of the line's output."""
        cdef const Py_UCS4* src = sc.orig if flags & FLAG_VIA_NFC else sc.text
        cdef bint mapped = flags & FLAG_MAPPED, changed = False
        cdef uint8_t joined = sc.join[p1 - 1]
        cdef Py_ssize_t k, e, s, length = 0, n_words
        sc.join[p1 - 1] = False
        n_words = word_spans(sc.join + p0, sc.pstart + p0, sc.pend + p0, p1 - p0, mapped, sc.map_start,
                             sc.map_end, sc.wstart, sc.wend)
        sc.join[p1 - 1] = joined
        for k in range(n_words):
            if k:
                length = write_gap(out, src, sc.wend[k - 1], sc.wstart[k], length)
            length = write_word(out, src, sc.wstart[k], sc.wend[k], length, &changed)
        if p1 < n:    # the gap to the next window's first piece: whitespace, one "_" when joined
            e = sc.pend[p1 - 1]
            s = sc.pstart[p1]
            if mapped:
                e = sc.map_end[e - 1]
                s = sc.map_start[s]
            if joined:
                length = write_word(out, src, e, s, length, &changed)
            else:
                length = write_gap(out, src, e, s, length)
        return length

    cdef object _with_scratch(self, str line, bint tokens):
        """One line on a scratch of the pool: its tokens, or its segmented form; None
        for the reference path."""
        cdef Scratch* sc = self._acquire()
        cdef int flags
        cdef Py_ssize_t n
        try:
            if not tokens and len(line) >= self.window_chars and self._windowed():
                out = self._segment_windows(sc, line)
                if out is not None:
                    return out
            n = self._segment(sc, line, &flags)
            if n < 0:
                return None
            if tokens:
                return self._tokens(sc, line, n, flags) if n else []
            return self._segment_line(sc, line, n, flags) if n else ""
        finally:
            self._release(sc)

    cdef object _segment_line(self, Scratch* sc, str line, Py_ssize_t n, int flags):
        """The segmented form of a line ``_segment`` ran on (``n`` pieces)."""
        cdef Py_ssize_t length
        if self.normalizer is not None:
            return join_words(line, self._tokens(sc, line, n, flags))
        if len(line) < NOGIL_MIN_CHARS:
            length = self._render(sc, n, flags, sc.out)
        else:
            with nogil:
                length = self._render(sc, n, flags, sc.out)
        return PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, sc.out, length)

    cdef Py_ssize_t _render(self, Scratch* sc, Py_ssize_t n, int flags, Py_UCS4* out) noexcept nogil:
        """Write the words of the ``n`` decided pieces, as ``render.join_words`` does, to ``out``
        (room for 2 characters per character of the line); returns the length written."""
        return write_words(out, sc.orig if flags & FLAG_VIA_NFC else sc.text, sc.wstart, sc.wend, word_spans(
            sc.join, sc.pstart, sc.pend, n, flags & FLAG_MAPPED, sc.map_start, sc.map_end, sc.wstart, sc.wend))

    cdef list _tokens(self, Scratch* sc, str line, Py_ssize_t n, int flags):
        cdef const Py_UCS4* src = sc.orig if flags & FLAG_VIA_NFC else sc.text
        cdef Py_ssize_t k, s, e, length, n_words = word_spans(sc.join, sc.pstart, sc.pend, n, flags & FLAG_MAPPED, sc.map_start, sc.map_end, sc.wstart, sc.wend)
        cdef list tokens = []
        cdef bint changed
        for k in range(n_words):
            s = sc.wstart[k]
            e = sc.wend[k]
            word = PyUnicode_Substring(line, s, e)
            changed = False
            length = write_word(sc.out, src, s, e, 0, &changed)
            if not changed:
                form = word    # no whitespace inside: the same characters
            else:
                form = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, sc.out, length)
            if self.normalizer is not None:
                form = self.normalizer(form)
            tokens.append((word, s, e, form))
        return tokens
