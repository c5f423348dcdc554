# cython: language_level=3
"""C declarations of NFC with an offset map (``_nfc.pyx``), for the compiled
line path (``_line.pyx``)."""

cdef str nfc_text(str line, Py_UCS4* orig, Py_UCS4* out, Py_ssize_t* starts, Py_ssize_t* ends,
                  Py_ssize_t cap)
cdef bint nfc_ready()
cdef int quick_check(int kind, const void* data, Py_ssize_t start, Py_ssize_t end) noexcept nogil
