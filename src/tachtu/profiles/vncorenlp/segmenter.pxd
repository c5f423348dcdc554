# Static types for the compiled build of ``segmenter.py`` (Cython reads this
# file when it compiles the module; the .py stays the source and the
# pure-Python fallback).
import cython

from tachtu.profiles.vncorenlp._token cimport TokenInfo as CTokenInfo


@cython.locals(parts=list, info=CTokenInfo)
cdef str _joined(list seps, list infos)
