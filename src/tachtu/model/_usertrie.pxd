# cython: language_level=3
"""C declarations of the user-dictionary tries (``_usertrie.pyx``), for the
compiled line path (``_line.pyx``)."""

from libc.stdint cimport uint64_t, uint32_t, uint8_t

from ._keys cimport WTable

cdef struct PieceMatch:     # how a piece can take part in one user dictionary table's entries
    uint32_t start           # trie node after it as an entry's first syllable (0: starts none)
    uint32_t next            # its syllable id, if some entry has it after the first (0: none)

cdef struct SylSlot:
    uint64_t hash            # chunk_hash of the syllable; 0: empty slot
    uint32_t off             # into UserTrie.chars
    uint32_t n
    uint32_t id

cdef struct UserTrie:
    Py_UCS4* chars           # the table's entries, as ``UserDict.compiled_tables`` gives them
    SylSlot* syl             # syllable text -> id (from 1), open addressing
    uint64_t syl_mask
    uint32_t* first          # [syllable id] -> node of the entries starting with it (0: none)
    uint8_t* follows         # [syllable id] -> 1 if some entry has it after its first syllable
    WTable edges             # edge_key(node, syllable id) -> child node << 3 | USER_INNER? | USER_JOIN/SPLIT?
    Py_ssize_t n_nodes       # nodes from 1; the root has none

cdef int utrie_build(UserTrie* t, str text, const uint8_t[::1] splits) except -1
cdef void utrie_free(UserTrie* t) noexcept
cdef PieceMatch utrie_piece(const UserTrie* t, const Py_UCS4* text, Py_ssize_t n) noexcept nogil
cdef void user_dict_prefetch(const UserTrie* folded, const UserTrie* exact, const PieceMatch* fm,
                             const PieceMatch* xm, const uint8_t* active, uint64_t* keys,
                             Py_ssize_t n) noexcept nogil
cdef void user_dict_apply(const UserTrie* folded, const UserTrie* exact, const PieceMatch* fm,
                          const PieceMatch* xm, const uint8_t* active, const uint64_t* keys,
                          Py_ssize_t n, uint8_t* join) noexcept nogil
