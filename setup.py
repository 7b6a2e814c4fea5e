"""The C extension; everything else about the package is in pyproject.toml."""

from setuptools import Extension, setup

# optional: without a C compiler the package installs and tokenises with the same rules in Python.
setup(
    ext_modules=[
        Extension("chatledger.search._tokenize", ["src/chatledger/search/_tokenize.c"], optional=True)
    ]
)
