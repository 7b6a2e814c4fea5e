"""Search: every message, any substring (Chinese included), with filters, facets and context."""
