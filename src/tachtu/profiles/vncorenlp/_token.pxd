# Static types for the compiled build of ``_token.py`` (Cython reads this file
# when it compiles the module, and the modules that type their locals with
# ``TokenInfo`` cimport it; the .py stays the source and the pure-Python
# fallback).

cdef class TokenInfo:
    cdef readonly str text, spaced, glued
    cdef readonly str lower
    cdef readonly long code
    cdef readonly dict seconds
    cdef readonly dict group
