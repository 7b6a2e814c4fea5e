"""``python -m chatledger``."""

from chatledger.cli import main

main()
