"""Integrity: canonical serialisation and message identity (the Merkle log builds on these)."""
