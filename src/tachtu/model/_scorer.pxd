# cython: language_level=3
"""C declarations of the compiled gap scorer (``_scorer.pyx``), for the
compiled line path (``_line.pyx``) that calls it once per line."""

from libc.stdint cimport uint64_t, int64_t, int32_t, uint32_t, int16_t, uint8_t

from ._tables cimport MAX_SLOTS, PAD, Tables, TSpec

cdef enum:
    N_KINDS_MAX = 16        # piece kinds the joinable table holds

cdef struct ScoreBuf:       # per-line scratch of ``score_line``, reusable across lines
    Py_ssize_t cap          # pieces it has room for
    uint8_t* rows           # n_rows rows of cap + 2 * PAD bytes
    uint64_t* keybuf        # hashed keys of the line, with their gap in keygap
    uint32_t* keygap
    uint32_t* live          # per block of gaps: active gaps before each (``score_block``)
    uint32_t* runs          # per block of gaps: the runs of active gaps, as (first, end) pairs
    bint title_folded       # the caller folded the line's Title Case itself (score_line leaves the shapes)
    uint64_t max_id         # the line's largest id and plain id, padding included, as unsigned: per-id
    uint64_t max_plain      # tables look for ids out of their range only when there are some
    bint separated          # the caller put lines one after another with separator cells
                            # (EOS EOS BOS BOS): no dictionary match starts at or spans one

cdef int scorebuf_reserve(ScoreBuf* buf, const Tables* T, Py_ssize_t n) except -1
cdef void scorebuf_free(ScoreBuf* buf) noexcept
cdef void fold_title_line(const Tables* T, uint8_t* s, Py_ssize_t n) noexcept nogil
cdef void score_line(const Tables* T, int64_t* w, int64_t* w2, uint8_t* s, const int32_t* sid0,
                     const int32_t* sid1, Py_ssize_t n, bint plain_line, const uint8_t* active,
                     int64_t* scores, ScoreBuf* buf) noexcept nogil

cdef class CompiledScorer:
    cdef Tables T
    cdef uint8_t joinable_table[N_KINDS_MAX * N_KINDS_MAX * 2]
    cdef object model
    cdef list _run(self, ids, shapes, plain_ids, stat_ids, bint plain_line, kinds, spaces, bint want_scores)
    cdef inline bint joinable(self, int left, int right, bint space) noexcept nogil:
        if left < 0 or right < 0 or left >= N_KINDS_MAX or right >= N_KINDS_MAX:
            return False
        return self.joinable_table[(left * N_KINDS_MAX + right) * 2 + space]
