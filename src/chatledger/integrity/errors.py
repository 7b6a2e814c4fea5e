"""Errors of the integrity layer, under the project's one tree (``chatledger.errors``).

ChatledgerError
├── VerificationError            a proof, signature or timestamp does not check out
│   └── ProofError               a Merkle inclusion or consistency proof fails ("got N, want M")
├── KeyFileError                 a signing key file cannot be written or read safely
└── TimestampError               a timestamp authority could not be reached or refused the request
"""

from __future__ import annotations

from chatledger.errors import ChatledgerError


class VerificationError(ChatledgerError):
    """Evidence does not verify; the message names what was checked, what was found and what was wanted."""


class ProofError(VerificationError):
    """A Merkle inclusion or consistency proof does not verify."""


class KeyFileError(ChatledgerError):
    """A signing key file is missing, unreadable, of the wrong type, or readable by others."""


class TimestampError(ChatledgerError):
    """The timestamp authority could not be reached, answered badly, or refused to stamp."""
