# cython: language_level=3
"""Rendering in C: join decisions to word spans of the original line, and a
word's output form (``api.Segmenter`` renders the same way in Python).

Inline, so the line path (``_line.pyx``) compiles them into its own loops.
"""

from libc.stdint cimport uint32_t, uint8_t

cdef extern from "Python.h":
    bint Py_UNICODE_ISSPACE(Py_UCS4 ch) nogil


cdef inline Py_ssize_t write_word(Py_UCS4* out, const Py_UCS4* src, Py_ssize_t s, Py_ssize_t e,
                                  Py_ssize_t pos, bint* changed) noexcept nogil:
    """Copy ``src[s:e]`` to ``out[pos:]`` with each whitespace run as one ``_``;
    ``changed`` is set when there was whitespace.  Returns the new end."""
    cdef Py_ssize_t x
    cdef bint in_space = False
    cdef Py_UCS4 c
    for x in range(s, e):
        c = src[x]
        if Py_UNICODE_ISSPACE(c):
            changed[0] = True
            if not in_space:
                out[pos] = 95   # "_"
                pos += 1
                in_space = True
        else:
            out[pos] = c
            pos += 1
            in_space = False
    return pos


cdef inline bint hard_break(Py_UCS4 c) noexcept nogil:
    """``pretokenize.HARD_BREAKS``: CR, VT, FF, U+001C-U+001E, NEL, U+2028, U+2029
    (``tests/test_compiled.py`` checks the two agree)."""
    return c == 0x0D or c == 0x0B or c == 0x0C or 0x1C <= c <= 0x1E or c == 0x85 or c == 0x2028 or c == 0x2029


cdef inline Py_ssize_t write_gap(Py_UCS4* out, const Py_UCS4* src, Py_ssize_t s, Py_ssize_t e,
                                 Py_ssize_t pos) noexcept nogil:
    """What separates two words whose gap is ``src[s:e]`` (whitespace): its hard
    breaks, in order, or else one space (``render.join_words``).  Returns the new end."""
    cdef Py_ssize_t x, start = pos
    for x in range(s, e):
        if hard_break(src[x]):
            out[pos] = src[x]
            pos += 1
    if pos == start:
        out[pos] = 32
        pos += 1
    return pos


cdef inline Py_ssize_t word_spans(const uint8_t* join, const uint32_t* pstart, const uint32_t* pend,
                                  Py_ssize_t n, bint mapped, const Py_ssize_t* map_start,
                                  const Py_ssize_t* map_end, Py_ssize_t* wstart,
                                  Py_ssize_t* wend) noexcept nogil:
    """Spans of the words of ``n`` pieces into ``wstart``/``wend``; returns their number.

    A word is a run of joined pieces (``join[i]``: piece i joins piece i + 1).
    When ``mapped``, piece spans index the NFC copy and ``map_start``/``map_end``
    give original spans; when NFC split one original cluster into two words,
    both map to the cluster, and the overlapping words become one.
    """
    cdef Py_ssize_t first = 0, i, s, e, k = 0
    for i in range(n):
        if join[i]:
            continue
        s = pstart[first]
        e = pend[i]
        if mapped:
            s = map_start[s]
            e = map_end[e - 1]
            if k and s < wend[k - 1]:
                k -= 1
                s = wstart[k]
        wstart[k] = s
        wend[k] = e
        k += 1
        first = i + 1
    return k
