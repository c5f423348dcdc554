# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""``normalize.to_nfc`` in C: a line's NFC text and its offset map, written into
the caller's buffers.

Why: on text that is not NFC (decomposed Vietnamese, as some keyboards and
macOS file names produce) ``to_nfc`` spends more time in Python (the per-character
cluster list, the map arrays, copying them into the C scratch) than the rest of
the line path, and ``unicodedata.is_normalized`` composes such a line once
just to say it is not NFC.  ``nfc_text`` tells exactly whether the line is NFC
(NFC's quick check, else composing and comparing) and otherwise gives the same
text and the same ``starts``/``ends`` as ``to_nfc``: it takes the same decisions
(the whole line at once when every cluster gives one character, else run by
run: a run already NFC maps one to one, a run whose clusters each give one
character maps cluster by cluster, anything else goes cluster by cluster), and
composes with the Unicode algorithm (full canonical decomposition, stable
ordering of marks by combining class, canonical composition) on tables taken
from this Python's ``unicodedata``.

What it covers: ``normalize.CLUSTER_SAFE_RANGES`` (Latin, Vietnamese, Greek,
Cyrillic, combining marks, punctuation, symbols, emoji ...) and, as characters
that neither decompose nor compose with anything covered, CJK ideographs and
Hangul syllables (a Hangul syllable only composes with a trailing conjoining
jamo, which is not covered).  For a line with any other character, a cluster
of more than ``SEG_MAX`` decomposed characters, or an NFC text longer than the
buffers, it returns None: the caller then asks ``unicodedata.is_normalized``
and ``normalize.to_nfc``.  The tables are built on the first call (about 10 ms),
so importing costs nothing.
"""

from libc.stdint cimport uint8_t, uint16_t, uint32_t, uint64_t
from libc.stdlib cimport calloc, free, malloc
from libc.string cimport memcmp, memcpy

cdef extern from "Python.h":
    bint Py_UNICODE_ISSPACE(Py_UCS4 ch) nogil
    Py_UCS4 PyUnicode_READ(int kind, const void* data, Py_ssize_t index) nogil
    Py_UCS4* PyUnicode_AsUCS4(object u, Py_UCS4* buffer, Py_ssize_t buflen, int copy_null) except NULL
    object PyUnicode_FromKindAndData(int kind, const void* buffer, Py_ssize_t size)
    int PyUnicode_4BYTE_KIND

# Characters that neither decompose (as far as covered text can tell) nor
# compose with any covered character: CJK Extension A, CJK Unified Ideographs,
# Hangul syllables.  ``_build`` checks each against ``unicodedata``.
INERT_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xAC00, 0xD7A3))

cdef enum:
    COVERED = 1
    SAFE = 2                 # in CLUSTER_SAFE_RANGES: to_nfc may compose it at once
    QUICK = 4                # a starter that is NFC and composes with nothing before it
    IS_NFC = -3              # nfc_line: the line is NFC already
    N_PAGES = 0x200          # pages of 256 code points below U+20000
    PAIR_BITS = 12
    SEG_MAX = 128            # decomposed characters from one starter to the next

cdef struct Rec:
    uint8_t ccc              # canonical combining class
    uint8_t flags            # COVERED | SAFE | QUICK
    uint8_t dlen             # length of the full decomposition; 0: the character itself
    uint16_t dpos            # into pool / pool_ccc

cdef int state = 0           # 0: tables not built; 1: ready; -1: off (every line to Python)
cdef uint16_t page_of[N_PAGES]   # 0: not covered; k: records (k - 1) * 256 ...
cdef Rec* recs = NULL
cdef Py_UCS4* pool = NULL
cdef uint8_t* pool_ccc = NULL
cdef uint64_t pair_key[1 << PAIR_BITS]  # (first << 32 | second) + 1; 0: empty
cdef Py_UCS4 pair_val[1 << PAIR_BITS]
cdef Py_ssize_t long_cluster = 32       # normalize.LONG_CLUSTER


cdef inline const Rec* rec_of(Py_UCS4 ch) noexcept nogil:
    cdef uint32_t c = ch            # arithmetic on a Py_UCS4 would go through Python
    cdef uint16_t page
    cdef const Rec* r
    if c >= (N_PAGES << 8):
        return NULL
    page = page_of[c >> 8]
    if page == 0:
        return NULL
    r = &recs[(page - 1) * 256 + (c & 255)]
    return r if r.flags & COVERED else NULL


cdef inline uint64_t pair_slot(uint64_t key) noexcept nogil:
    return (key * <uint64_t>0x9E3779B97F4A7C15) >> (64 - PAIR_BITS)


cdef inline Py_UCS4 composite(Py_UCS4 first, Py_UCS4 second) noexcept nogil:
    """The primary composite of two characters, or 0."""
    cdef uint64_t key = ((<uint64_t>first) << 32 | <uint64_t>second) + 1
    cdef uint64_t i = pair_slot(key)
    while pair_key[i] != 0:
        if pair_key[i] == key:
            return pair_val[i]
        i = (i + 1) & ((1 << PAIR_BITS) - 1)
    return 0


cdef inline Py_ssize_t compose_segment(Py_UCS4* seg, uint8_t* cc, Py_ssize_t ns) noexcept nogil:
    """Canonical composition of one starter and its (ordered) marks, in place.

    A mark composes with the starter unless a kept mark before it has a
    combining class at least its own (it is blocked).  No covered starter
    composes with the next starter (checked by ``_build``)."""
    cdef Py_ssize_t k, w = 1
    cdef uint8_t last = 0
    cdef Py_UCS4 s, p
    if ns == 1 or cc[0] != 0:
        return ns
    s = seg[0]
    for k in range(1, ns):
        if w == 1 or last < cc[k]:
            p = composite(s, seg[k])
            if p != 0:
                s = p
                continue
        seg[w] = seg[k]
        cc[w] = cc[k]
        last = cc[k]
        w += 1
    seg[0] = s
    return w


cdef inline Py_ssize_t flush_segment(Py_UCS4* seg, uint8_t* cc, Py_ssize_t ns, Py_UCS4* out, Py_ssize_t o,
                                     Py_ssize_t cap) noexcept nogil:
    """Compose the pending segment and append it to ``out`` at ``o``: the new
    end, or -1 when it does not fit in ``cap``."""
    ns = compose_segment(seg, cc, ns)
    if o + ns > cap:
        return -1
    memcpy(out + o, seg, ns * sizeof(Py_UCS4))
    return o + ns


cdef Py_ssize_t compose_range(const Py_UCS4* src, Py_ssize_t a, Py_ssize_t b, Py_UCS4* out,
                              Py_ssize_t o, Py_ssize_t cap) noexcept nogil:
    """Append NFC(``src[a:b]``) to ``out[o:]``; the new end, or -1 when it does
    not fit in ``cap`` or a segment exceeds SEG_MAX.  Every character is covered."""
    cdef Py_UCS4 seg[SEG_MAX]
    cdef uint8_t cc[SEG_MAX]
    cdef Py_ssize_t ns = 0, i, j, d, dn
    cdef const Rec* r
    cdef Py_UCS4 x
    cdef uint8_t c
    for i in range(a, b):
        r = rec_of(src[i])
        dn = r.dlen if r.dlen else 1
        for d in range(dn):
            if r.dlen:
                x = pool[r.dpos + d]
                c = pool_ccc[r.dpos + d]
            else:
                x = src[i]
                c = r.ccc
            if c == 0:
                if ns:
                    o = flush_segment(seg, cc, ns, out, o, cap)
                    if o < 0:
                        return -1
                seg[0] = x
                cc[0] = 0
                ns = 1
            else:       # stable insertion by combining class, never past a starter
                if ns == SEG_MAX:
                    return -1
                j = ns
                while j > 0 and cc[j - 1] > c:
                    seg[j] = seg[j - 1]
                    cc[j] = cc[j - 1]
                    j -= 1
                seg[j] = x
                cc[j] = c
                ns += 1
    if ns:
        o = flush_segment(seg, cc, ns, out, o, cap)
    return o


cdef bint one_per_cluster(const Py_UCS4* src, Py_ssize_t a, Py_ssize_t b, Py_ssize_t n_out) noexcept nogil:
    """``to_nfc``'s condition for composing ``src[a:b]`` at once: every character
    in CLUSTER_SAFE_RANGES, no run of ``long_cluster`` marks, and as many
    characters out (``n_out``) as clusters in."""
    cdef Py_ssize_t i, marks = 0, clusters = 0
    cdef const Rec* r
    for i in range(a, b):
        r = rec_of(src[i])
        if not r.flags & SAFE:
            return False
        if r.ccc:
            marks += 1
            if marks >= long_cluster:
                return False
        else:
            marks = 0
        if i == a or r.ccc == 0:
            clusters += 1
    return clusters == n_out


cdef void map_clusters(const Py_UCS4* src, Py_ssize_t a, Py_ssize_t b, Py_ssize_t o,
                       Py_ssize_t* starts, Py_ssize_t* ends) noexcept nogil:
    """Output character ``o + k`` comes from cluster ``k`` of ``src[a:b]``."""
    cdef Py_ssize_t i, k = o
    for i in range(a, b):
        if i == a or rec_of(src[i]).ccc == 0:
            starts[k] = i
            if k > o:
                ends[k - 1] = i
            k += 1
    ends[k - 1] = b


cdef Py_ssize_t nfc_runs(const Py_UCS4* src, Py_ssize_t n, Py_UCS4* out, Py_ssize_t* starts,
                         Py_ssize_t* ends, Py_ssize_t cap) noexcept nogil:
    """``to_nfc``'s route when the whole line is not composed at once."""
    cdef Py_ssize_t a = 0, b, i, j, k, o = 0, o2
    cdef bint space
    while a < n:
        space = Py_UNICODE_ISSPACE(src[a]) != 0     # runs of \S+ or \s+, as to_nfc's regex
        b = a + 1
        while b < n and (Py_UNICODE_ISSPACE(src[b]) != 0) == space:
            b += 1
        o2 = compose_range(src, a, b, out, o, cap)
        if o2 < 0:
            return -1
        if o2 - o == b - a and memcmp(out + o, src + a, (b - a) * sizeof(Py_UCS4)) == 0:
            for k in range(b - a):      # already NFC: one to one
                starts[o + k] = a + k
                ends[o + k] = a + k + 1
        elif one_per_cluster(src, a, b, o2 - o):
            map_clusters(src, a, b, o, starts, ends)
        else:                           # cluster by cluster
            i = a
            while i < b:
                j = i + 1
                while j < b and rec_of(src[j]).ccc != 0:
                    j += 1
                o2 = compose_range(src, i, j, out, o, cap)
                if o2 < 0:
                    return -1
                for k in range(o, o2):
                    starts[k] = i
                    ends[k] = j
                o = o2
                i = j
        o = o2
        a = b
    return o


cdef int quick_check(int kind, const void* data, Py_ssize_t start, Py_ssize_t end) noexcept nogil:
    """Of ``str`` data (``kind``: its width) ``[start, end)``: 1 when every
    character is covered and passes NFC's quick check (all of NFC Vietnamese;
    the text is then NFC), 0 when they are covered but composing must tell, -1
    when one is not covered.  Needs the tables (``nfc_ready``)."""
    cdef Py_ssize_t i
    cdef const Rec* r
    cdef int quick = 1
    for i in range(start, end):
        r = rec_of(PyUnicode_READ(kind, data, i))
        if r == NULL:
            return -1
        if not r.flags & QUICK:
            quick = 0
    return quick


cdef Py_ssize_t nfc_line(const Py_UCS4* src, Py_ssize_t n, Py_UCS4* out, Py_ssize_t* starts,
                         Py_ssize_t* ends, Py_ssize_t cap) noexcept nogil:
    """``normalize.to_nfc`` of the covered line ``src[:n]``: its text in
    ``out[:result]``, the original span of output character ``k`` in
    ``starts[k]``/``ends[k]`` (``out``, ``starts`` and ``ends`` hold ``cap``
    items); IS_NFC when the line is NFC; -1 when the buffers are too small or a
    segment too long (``normalize.to_nfc`` then decides)."""
    cdef Py_ssize_t o = compose_range(src, 0, n, out, 0, cap)
    if o < 0:
        return -1
    if o == n and memcmp(out, src, n * sizeof(Py_UCS4)) == 0:
        return IS_NFC
    if one_per_cluster(src, 0, n, o):
        map_clusters(src, 0, n, 0, starts, ends)
        return o
    return nfc_runs(src, n, out, starts, ends, cap)


cdef bint nfc_ready():
    """Whether ``quick_check`` can answer: the tables built (on the first call), and on."""
    if state == 0:
        _build()
    return state > 0


cdef str nfc_text(str line, Py_UCS4* orig, Py_UCS4* out, Py_ssize_t* starts, Py_ssize_t* ends,
                  Py_ssize_t cap):
    """The line path's call: ``line`` itself when it is NFC (also copied to
    ``out``); else ``normalize.to_nfc(line)``'s text, returned and in ``out``,
    with its maps in ``starts`` and ``ends``, and ``line`` copied to ``orig``
    (each holds ``cap`` >= ``len(line)`` items); None where this module does not
    cover the line.  The exact NFC check spares ``unicodedata.is_normalized``,
    which composes a decomposed line once more just to say no."""
    cdef Py_ssize_t n = len(line), got
    cdef int quick
    PyUnicode_AsUCS4(line, out, cap, 0)
    if state == 0:
        _build()
    if state < 0:
        return None
    quick = quick_check(PyUnicode_4BYTE_KIND, out, 0, n)
    if quick:
        return line if quick > 0 else None
    memcpy(orig, out, n * sizeof(Py_UCS4))
    got = nfc_line(orig, n, out, starts, ends, cap)
    if got == IS_NFC:
        return line
    if got < 0:
        return None
    return PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, out, got)


def _build() -> None:
    """Fill the tables from ``unicodedata``; leave the C path off (state -1) if
    a property the algorithm above relies on does not hold in this Unicode version."""
    global state, recs, pool, pool_ccc, long_cluster
    cdef const uint32_t[::1] inert
    cdef Py_ssize_t q
    state = -1      # first: a thread calling meanwhile takes to_nfc
    import unicodedata
    from array import array

    from ..normalize import CLUSTER_SAFE_RANGES, LONG_CLUSTER

    combining, normalize, decomposition = unicodedata.combining, unicodedata.normalize, unicodedata.decomposition
    is_normalized = unicodedata.is_normalized
    long_cluster = LONG_CLUSTER
    safe = {c for lo, hi in CLUSTER_SAFE_RANGES for c in range(lo, hi + 1)}
    pairs: dict[tuple[int, int], int] = {}
    for c in sorted(safe):
        fields = decomposition(chr(c)).split()
        if len(fields) == 2 and not fields[0].startswith("<") and is_normalized("NFC", chr(c)):
            first, second = int(fields[0], 16), int(fields[1], 16)
            if combining(chr(first)) or not combining(chr(second)) or combining(chr(c)):
                return      # a composition compose_segment does not handle
            pairs[first, second] = c
    in_pairs = {c for pair in pairs for c in pair}
    seconds = {second for _, second in pairs}
    info: dict[int, tuple[int, int, str]] = {}     # code -> (ccc, flags, full decomposition)
    for c in safe:
        full = normalize("NFD", chr(c))
        if all(ord(x) in safe for x in full):
            quick = not combining(chr(c)) and is_normalized("NFC", chr(c)) and c not in seconds
            info[c] = (combining(chr(c)), COVERED | SAFE | (QUICK if quick else 0), full if full != chr(c) else "")
    # the inert characters (most of the covered ones) skip ``info``: a list of code
    # points (ascending: the last is the largest; this module does not wrap negative
    # indices), filled into the records in one typed loop after ``info``'s
    inert_list = [c for lo, hi in INERT_RANGES for c in range(lo, hi + 1)
                  if not combining(chr(c)) and is_normalized("NFC", chr(c)) and c not in in_pairs]
    highest = max(max(info), inert_list[len(inert_list) - 1] if inert_list else 0)
    if highest >= N_PAGES << 8 or len(pairs) > (1 << PAIR_BITS) // 2:
        return
    pages = sorted({c >> 8 for c in info} | {c >> 8 for c in inert_list})
    inert = array("I", inert_list)
    n_pool = sum(len(v[2]) for v in info.values())
    recs = <Rec*>calloc(len(pages) * 256, sizeof(Rec))
    pool = <Py_UCS4*>malloc(max(n_pool, 1) * sizeof(Py_UCS4))
    pool_ccc = <uint8_t*>malloc(max(n_pool, 1))
    if recs == NULL or pool == NULL or pool_ccc == NULL:
        free(recs); free(pool); free(pool_ccc)
        recs = NULL; pool = NULL; pool_ccc = NULL
        raise MemoryError()
    for k in range(N_PAGES):
        page_of[k] = 0
    for k, page in enumerate(pages):
        page_of[page] = k + 1
    cdef Py_ssize_t at = 0
    cdef Rec* r
    for c, (ccc, flags, full) in info.items():
        r = &recs[(page_of[c >> 8] - 1) * 256 + (c & 255)]
        r.ccc = ccc
        r.flags = flags
        r.dlen = len(full)
        r.dpos = at
        for x in full:
            pool[at] = ord(x)
            pool_ccc[at] = combining(x)
            at += 1
    for q in range(inert.shape[0]):
        r = &recs[(page_of[inert[q] >> 8] - 1) * 256 + (inert[q] & 255)]
        r.ccc = 0
        r.flags = COVERED | QUICK
        r.dlen = 0
        r.dpos = at
    if at >= 1 << 16:
        return
    cdef uint64_t key, i
    for k in range(1 << PAIR_BITS):
        pair_key[k] = 0
    for (first, second), c in pairs.items():
        key = ((<uint64_t>first) << 32 | <uint64_t>second) + 1
        i = pair_slot(key)
        while pair_key[i] != 0:
            i = (i + 1) & ((1 << PAIR_BITS) - 1)
        pair_key[i] = key
        pair_val[i] = c
    state = 1


def compose(str text, cap=None):
    """What the line path gets from ``nfc_text`` (for the tests): ``(text, None,
    None)`` for an NFC line, ``(NFC text, starts, ends)`` for another, None where
    it asks ``normalize.to_nfc`` instead.  ``cap``: the room in the output
    buffers (default: never too small)."""
    cdef Py_ssize_t n = len(text), room = 4 * n + 4 if cap is None else max(cap, n), k
    cdef Py_UCS4* orig = <Py_UCS4*>malloc((n + 1) * sizeof(Py_UCS4))
    cdef Py_UCS4* out = <Py_UCS4*>malloc((room + 1) * sizeof(Py_UCS4))
    cdef Py_ssize_t* starts = <Py_ssize_t*>malloc((room + 1) * sizeof(Py_ssize_t))
    cdef Py_ssize_t* ends = <Py_ssize_t*>malloc((room + 1) * sizeof(Py_ssize_t))
    try:
        if orig == NULL or out == NULL or starts == NULL or ends == NULL:
            raise MemoryError()
        composed = nfc_text(text, orig, out, starts, ends, room)
        if composed is None or composed is text:
            return None if composed is None else (text, None, None)
        return composed, [starts[k] for k in range(len(composed))], [ends[k] for k in range(len(composed))]
    finally:
        free(orig); free(out); free(starts); free(ends)
