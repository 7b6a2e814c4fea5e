"""Numbered, named schema migrations per backend (``<backend>/NNNN_name.sql``)."""
