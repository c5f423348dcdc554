# Static types for the compiled build of ``_initial.py`` (Cython reads this
# file when it compiles the module; the .py stays the source and the
# pure-Python fallback).
import cython

from tachtu.profiles.vncorenlp._token cimport TokenInfo as CTokenInfo


@cython.locals(
    n=Py_ssize_t, i=Py_ssize_t, end=Py_ssize_t, limit=Py_ssize_t, code=long, pair=long,
    tags=list, long_words=frozenset, token=CTokenInfo, following=CTokenInfo, t=CTokenInfo,
)
cpdef list initial_tags(list tokens, lex)

# The code bits are C constants in the compiled build (not module attributes).
cdef long LETTERS, LOWER, UPPER, ALL_UPPER, BRACKET
