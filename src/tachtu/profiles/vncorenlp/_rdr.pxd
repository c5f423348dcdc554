# Static types for the compiled build of ``_rdr.py`` (Cython reads this file
# when it compiles the module; the .py stays the source and the pure-Python
# fallback).
import cython

from tachtu.profiles.vncorenlp._token cimport TokenInfo as CTokenInfo


cdef class _Node:
    cdef readonly Py_ssize_t delta
    cdef readonly dict branches
    cdef readonly object default


cdef class _Leaf:
    cdef readonly long order
    cdef readonly str conclusion
    cdef readonly tuple children


@cython.locals(branch=_Node)
cdef _Leaf _walk(object node, list seq, Py_ssize_t j)


cdef class RuleTree:
    cdef dict _groups
    cdef object _others
    cdef readonly dict code_bits

    cpdef dict group(self, str word)

    @cython.locals(
        n=Py_ssize_t, k=Py_ssize_t, j=Py_ssize_t, out=list, seq=list,
        token=CTokenInfo, previous=CTokenInfo, following=CTokenInfo, leaf=_Leaf, other=_Leaf,
    )
    cpdef list retag(self, list tokens, list tags)

# The code bits and SEQ_PAD are C constants in the compiled build (not module
# attributes).
cdef long PREV_WORD, NEXT_WORD
cdef Py_ssize_t SEQ_PAD
