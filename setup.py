"""The C extension; everything else about the package is in pyproject.toml."""

from setuptools import Extension, setup

setup(ext_modules=[Extension("chatledger.search._tokenize", ["src/chatledger/search/_tokenize.c"])])
