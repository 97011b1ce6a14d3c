"""The checks, one module per subject; rules/chains.py declares which run for each kind of message."""
