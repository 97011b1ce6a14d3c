"""The command line (SPEC 15): `main.py` parses the arguments and hands each subcommand to its module in
`commands/`; errors a person can put right are printed as one line."""
