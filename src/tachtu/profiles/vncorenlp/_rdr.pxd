# Static types for the compiled build of ``_rdr.py`` (Cython reads this file
# when it compiles the module; the .py stays the source and the pure-Python
# fallback).
import cython


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

    @cython.locals(
        n=Py_ssize_t, k=Py_ssize_t, j=Py_ssize_t, out=list, seq=list, group=dict, leaf=_Leaf, other=_Leaf,
    )
    cpdef list retag(self, list words, list tags, list codes)

# The code bits are C constants in the compiled build (not module attributes).
cdef long PREV_WORD, NEXT_WORD, HAS_GROUP
cdef Py_ssize_t SEQ_PAD
