"""Build script for the compiled scorer only; all metadata is in pyproject.toml.

``pip install .`` / ``pip install -e .`` compile ``tachtu.model._scorer`` with
Cython (a build requirement) and the system C compiler.  The extension is
optional: if it cannot be compiled, the install still succeeds and tachtu
runs on the pure-Python reference scorer (same output, much slower).
"""

from Cython.Build import cythonize
from setuptools import Extension, setup

extensions = [
    Extension(
        "tachtu.model._scorer",
        ["src/tachtu/model/_scorer.pyx"],
        extra_compile_args=["-O3"],
        optional=True,
    ),
]
# The vncorenlp profile's hot loops are plain Python; Cython compiles the same
# modules unchanged (the .py files stay the source and the fallback).
extensions += [
    Extension(f"tachtu.profiles.vncorenlp.{name}", [f"src/tachtu/profiles/vncorenlp/{name}.py"], optional=True)
    for name in ("_token", "_rdr", "_initial", "_tokenizer", "segmenter")
]

setup(
    ext_modules=cythonize(
        extensions,
        compiler_directives={"language_level": "3", "annotation_typing": False},
    ),
)
