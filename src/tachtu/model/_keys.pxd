# cython: language_level=3
"""C declarations shared by the compiled modules: feature-key hashing (the C
twin of ``features.feature_key``), the open-addressing ``uint64 -> int32``
table (``WTable``) and the FNV hash of text runs.

Everything here is ``inline`` so each module gets its own copy and no call
crosses a module boundary in the hot loops.
"""

from libc.stdint cimport uint64_t, int32_t, uint32_t
from libc.stdlib cimport calloc, free, malloc

cdef extern from *:
    """
    #define TACHTU_SEED 0x9E3779B97F4A7C15ULL
    #define TACHTU_MULT 0xBF58476D1CE4E5B9ULL
    #define TACHTU_MULT_INV 0x96DE1B173F119089ULL  /* TACHTU_MULT * TACHTU_MULT_INV == 1 mod 2**64 */
    #define TACHTU_FNV_OFFSET 0xCBF29CE484222325ULL
    #define TACHTU_FNV_PRIME 0x100000001B3ULL
    #include <stdlib.h>
    #include <string.h>
    #if defined(__linux__)
    #include <sys/mman.h>
    #endif
    /* Zeroed memory for the big read-only tables; on Linux in 2 MiB-aligned
       blocks marked for transparent huge pages (fewer TLB misses on random
       lookups).  Free with tachtu_big_free. */
    static void* tachtu_big_alloc(size_t size) {
    #if defined(__linux__) && defined(MADV_HUGEPAGE)
        const size_t huge = (size_t)2 << 20;
        if (size >= huge) {
            void* p = NULL;
            size_t rounded = (size + huge - 1) & ~(huge - 1);
            if (posix_memalign(&p, huge, rounded) == 0) {
                madvise(p, rounded, MADV_HUGEPAGE);
                memset(p, 0, rounded);
                return p;
            }
            return NULL;
        }
    #endif
        return calloc(size, 1);
    }
    static void tachtu_big_free(void* p) { free(p); }
    #if defined(__GNUC__) || defined(__clang__)
    #define TACHTU_PREFETCH(p) __builtin_prefetch((const void*)(p))
    #else
    #define TACHTU_PREFETCH(p) ((void)0)
    #endif
    """
    uint64_t TACHTU_SEED
    uint64_t TACHTU_MULT
    uint64_t TACHTU_MULT_INV
    uint64_t TACHTU_FNV_OFFSET
    uint64_t TACHTU_FNV_PRIME
    void TACHTU_PREFETCH(const void* p) nogil
    void* tachtu_big_alloc(size_t size) nogil
    void tachtu_big_free(void* p) nogil


# -- feature keys: feature_key(template, v1, v2, ...) --------------------------
cdef inline uint64_t key_start(uint64_t template) noexcept nogil:
    return (template + 1) * TACHTU_SEED

cdef inline uint64_t key_add(uint64_t h, uint64_t value) noexcept nogil:
    return (h ^ value) * TACHTU_MULT

cdef inline uint64_t key_end(uint64_t h) noexcept nogil:
    return h ^ (h >> 31)

# Each step is invertible (an xor-shift, a multiplication by an odd number), so a
# key gives back the state before its last value: ``_ngrams`` resolves n-gram keys.
cdef inline uint64_t key_unend(uint64_t key) noexcept nogil:
    """The state ``h`` with ``key_end(h) == key``."""
    return key ^ (key >> 31) ^ (key >> 62)

cdef inline uint64_t key_unadd(uint64_t h) noexcept nogil:
    """``state ^ value`` for ``h == key_add(state, value)``."""
    return h * TACHTU_MULT_INV


cdef inline uint64_t mix64(uint64_t x) noexcept nogil:
    """A full-avalanche mix of a structured key (packed ids): its top bits pick
    a home slot.  A multiplication alone clusters such keys under linear probing."""
    x ^= x >> 32
    x *= <uint64_t>0xD6E8FEB86659FD93
    x ^= x >> 32
    x *= <uint64_t>0xD6E8FEB86659FD93
    return x ^ (x >> 32)


# -- KeyFilter: one bit per well-mixed key (its top bits) --------------------------
# A key whose bit is clear is surely absent: the dictionary entries before their
# table, the weight table's keys while tables are filled, _resolve's tag maps.
cdef struct KeyFilter:
    uint64_t* bits
    int shift

cdef inline int filter_init(KeyFilter* f, Py_ssize_t n) except -1:
    """Room for ``n`` keys, 16 bits each (about 1 false positive in 16)."""
    cdef int b = 12
    while (<Py_ssize_t>1 << b) < 16 * n:
        b += 1
    f.shift = 64 - b
    f.bits = <uint64_t*>calloc((<size_t>1 << b) // 64, sizeof(uint64_t))
    if f.bits == NULL:
        raise MemoryError()
    return 0

cdef inline void filter_free(KeyFilter* f) noexcept:
    free(f.bits)
    f.bits = NULL

cdef inline void filter_add(KeyFilter* f, uint64_t key) noexcept nogil:
    cdef uint64_t bit = key >> f.shift
    f.bits[bit >> 6] |= (<uint64_t>1) << (bit & 63)

cdef inline bint filter_has(const KeyFilter* f, uint64_t key) noexcept nogil:
    cdef uint64_t bit = key >> f.shift
    return (f.bits[bit >> 6] >> (bit & 63)) & 1


# -- WTable: uint64 key -> int32 value -----------------------------------------
# 12-byte slots, load <= 0.5, linear probing; the slot is the key's top bits,
# which ``key_end``'s final xor-shift leaves well mixed.  Key 0 is kept aside
# (``zero``) since 0 marks an empty slot.
cdef packed struct WSlot:
    uint64_t key
    int32_t value

cdef struct WTable:
    WSlot* slots
    uint64_t mask
    int shift
    int32_t zero
    bint has_zero


cdef inline int wt_init(WTable* t, Py_ssize_t n) except -1:
    cdef int bits = 4
    while (<Py_ssize_t>1 << bits) < 2 * n:
        bits += 1
    t.slots = <WSlot*>tachtu_big_alloc((<size_t>1 << bits) * sizeof(WSlot))
    if t.slots == NULL:
        raise MemoryError()
    t.mask = (<uint64_t>1 << bits) - 1
    t.shift = 64 - bits
    t.zero = 0
    t.has_zero = False
    return 0


cdef inline void wt_free(WTable* t) noexcept:
    tachtu_big_free(t.slots)
    t.slots = NULL


cdef inline void wt_put(WTable* t, uint64_t key, int32_t value) noexcept nogil:
    """Insert or overwrite (the last duplicate wins, like ``dict(zip(...))``)."""
    if key == 0:
        t.zero = value
        t.has_zero = True
        return
    cdef uint64_t i = key >> t.shift
    while t.slots[i].key != 0 and t.slots[i].key != key:
        i = (i + 1) & t.mask
    t.slots[i].key = key
    t.slots[i].value = value


cdef inline int32_t wt_get(const WTable* t, uint64_t key) noexcept nogil:
    if key == 0:
        return t.zero
    cdef uint64_t i = key >> t.shift
    cdef uint64_t k
    while True:
        k = t.slots[i].key
        if k == key:
            return t.slots[i].value
        if k == 0:
            return 0
        i = (i + 1) & t.mask


cdef inline Py_ssize_t wt_slot(const WTable* t, uint64_t key) noexcept nogil:
    """Index of ``key``'s slot, or -1 (key 0 has none)."""
    if key == 0:
        return -1
    cdef uint64_t i = key >> t.shift
    while t.slots[i].key != 0:
        if t.slots[i].key == key:
            return <Py_ssize_t>i
        i = (i + 1) & t.mask
    return -1


cdef inline void wt_prefetch(const WTable* t, uint64_t key) noexcept nogil:
    TACHTU_PREFETCH(&t.slots[key >> t.shift])


# -- text runs -------------------------------------------------------------------
cdef inline uint64_t chunk_hash(const Py_UCS4* text, Py_ssize_t n, int ctx) noexcept nogil:
    """FNV-1a of ``n`` characters and a context class; never 0 (0 marks empty slots)."""
    cdef uint64_t h = TACHTU_FNV_OFFSET
    cdef Py_ssize_t i
    for i in range(n):
        h = (h ^ <uint64_t>text[i]) * TACHTU_FNV_PRIME
    h = (h ^ (h >> 29) ^ <uint64_t>(ctx + 1)) * TACHTU_MULT
    h ^= h >> 32
    return h if h != 0 else 1
