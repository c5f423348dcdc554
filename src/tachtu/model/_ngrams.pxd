# cython: language_level=3
"""C declarations of the positional n-gram weights (``_ngrams.pyx``), for the
gap scorer (``_scorer.pyx``) that builds and reads them."""

from libc.stdint cimport uint64_t, int64_t, int32_t, uint32_t, int16_t, uint8_t

from ._keys cimport WTable, mix64

cdef enum:
    NG_MAX_IDS = 3          # spec.MAX_NGRAM
    NG_MAX_MEMBERS = 8      # spec.MAX_MEMBERS
    NG_ID_BITS = 16         # a packed n-gram holds id + 1 in 16 bits per id
    CHAINS_PER_NAMESPACE = 1024     # a code's top 16 bits: 1 + namespace * this + template index
    NG_MAX_GROUPS = 64      # n-gram groups per namespace (``ngrams_score`` keeps a count for each)

cdef struct NGroup:         # one spec.NgramGroup in one namespace
    int n_ids               # ids in the n-gram
    int pat[NG_MAX_IDS]     # their offsets from piece p, in slot order
    bint plain              # read the plain (diacritic-free) ids
    int64_t id_range        # ids below it are packed; others use the hashed fallback
    int n_members
    int shift[NG_MAX_MEMBERS]       # member j scores gap p - shift[j]
    uint64_t start[NG_MAX_MEMBERS]  # key_start of member j (the fallback's keys)
    int min_shift, max_shift
    bint wide_key           # the packed n-gram is a uint64 (3 ids), else a uint32
    int slot_bytes          # per slot: the packed n-gram, then an int16 weight per member
    uint8_t* slots          # the n-grams' keys (``ng_key``; 0: empty) in ascending order, each at
    uint64_t size           # or after its home among ``size`` (``ng_home``: a third full) ...
    uint64_t n_slots        # ... in ``n_slots`` (at least ``size``) slots, then an empty one (no wrap-around)

cdef void ngrams_score(const NGroup* groups, int n_groups, const int64_t* w, const int64_t* w2,
                       Py_ssize_t first, Py_ssize_t last, const uint32_t* live, int64_t* scores,
                       const WTable* fallback, uint64_t* keybuf, uint32_t* where) noexcept nogil
cdef int ngrams_build(NGroup* out, list groups, tuple templates, int n_namespaces, int namespace_step,
                      const uint64_t[::1] codes, const int32_t[::1] weights, int64_t n_ids,
                      int64_t n_plain, uint8_t* hashed) except -1
cdef void ngrams_free(NGroup* groups, int n) noexcept

cdef inline uint64_t ng_key(const NGroup* g, uint64_t packed) noexcept nogil:
    """The stored key of a packed n-gram: a bijective mix (of 64 bits for 3 ids,
    else of 32), so keys are as distinct as n-grams and never 0."""
    if g.wide_key:
        return mix64(packed)
    return ng_key32(<uint32_t>packed)

cdef inline uint64_t ng_key32(uint32_t x) noexcept nogil:
    """``ng_key`` of an n-gram of at most 2 ids."""
    x ^= x >> 16
    x *= <uint32_t>0x7FEB352D
    x ^= x >> 15
    x *= <uint32_t>0x846CA68B
    return x ^ (x >> 16)

cdef inline uint64_t ng_home(const NGroup* g, uint64_t key) noexcept nogil:
    """Home slot of a key: its top 32 bits scaled to ``size`` (any size, not a
    power of two: the tables hold a third of a model), so homes rise with keys."""
    return (((key >> 32) if g.wide_key else key) * g.size) >> 32

cdef inline Py_ssize_t chain_code(int ns, int index) noexcept nogil:
    """The top 16 bits of a code: template ``index`` of namespace ``ns``."""
    return 1 + ns * CHAINS_PER_NAMESPACE + index
