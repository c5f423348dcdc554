# Static types for the compiled build of ``segmenter.py`` (Cython reads this
# file when it compiles the module; the .py stays the source and the
# pure-Python fallback).
import cython

from tachtu.profiles.vncorenlp._token cimport TokenInfo as CTokenInfo


@cython.locals(pieces=list, k=Py_ssize_t, info=CTokenInfo)
cdef list _sentence_pieces(list infos, list tags)
