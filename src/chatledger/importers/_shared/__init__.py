"""Helpers shared by importers: encodings, timestamps."""
