"""Build script for the compiled modules only; all metadata is in pyproject.toml.

``pip install .`` / ``pip install -e .`` compile ``tachtu.model._scorer`` and
the vncorenlp profile's modules with Cython (a build requirement) and the
system C compiler.  The extensions are optional: if they cannot be compiled,
the install still succeeds and tachtu runs on the pure-Python reference
scorer and profile (same output, slower).
"""

import os
import sys

from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

PROFILE = "tachtu.profiles.vncorenlp."
# Linux: strip the libraries' symbol tables (a wheel ships them to users, not to debuggers).
STRIP = ["-s"] if sys.platform.startswith("linux") else []

MODEL = "tachtu.model."
# The compiled core: the positional n-gram tables, the scorer, the user-dictionary
# tries, NFC with its offset map and the line path that uses them (shared C
# declarations in the .pxd files beside them).
extensions = [
    Extension(f"{MODEL}{name}", [f"src/tachtu/model/{name}.pyx"], extra_compile_args=["-O3"], extra_link_args=STRIP)
    for name in ("_ngrams", "_resolve", "_tables", "_scorer", "_usertrie", "_nfc", "_scratch", "_line")
]
# The vncorenlp profile's hot loops are plain Python; Cython compiles the same
# modules, typed by the .pxd files next to them (the .py files stay the
# source and the fallback).
extensions += [
    Extension(f"{PROFILE}{name}", [f"src/tachtu/profiles/vncorenlp/{name}.py"], extra_link_args=STRIP)
    for name in ("_token", "_rdr", "_initial", "_tokenizer", "segmenter")
]


class BuildExt(build_ext):
    """Keeps each group of compiled modules only if all of it compiled.

    The model's modules call each other through their .pxd declarations; the
    profile's ``_rdr``, ``_initial`` and ``segmenter`` read ``_token.TokenInfo``
    as a C struct, and next to a pure-Python ``_token`` they would misread it.
    """

    def build_extensions(self) -> None:
        super().build_extensions()
        for prefix, what in ((MODEL, "the compiled core"), (PROFILE, "the vncorenlp profile")):
            paths = [self.get_ext_fullpath(ext.name) for ext in self.extensions if ext.name.startswith(prefix)]
            built = [path for path in paths if os.path.exists(path)]
            if built and len(built) < len(paths):
                self.warn(f"{what} did not compile entirely: it runs as pure Python")
                for path in built:
                    os.remove(path)


ext_modules = cythonize(extensions, compiler_directives={"language_level": "3", "annotation_typing": False})
# All extensions are optional; set here because cythonize returns new Extension
# objects without the flag (a compile failure would then fail the whole install).
for ext in ext_modules:
    ext.optional = True

setup(cmdclass={"build_ext": BuildExt}, ext_modules=ext_modules)
