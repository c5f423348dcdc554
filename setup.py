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

setup(
    ext_modules=cythonize(
        extensions,
        compiler_directives={"language_level": "3"},
    ),
)
