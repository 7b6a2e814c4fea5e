"""Module names of the importers shipped with chatledger, loaded through the same path as plug-ins."""

BUILTIN_IMPORTERS: tuple[str, ...] = (
    # one module per line, sorted
)
