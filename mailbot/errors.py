"""Errors a person can put right: the command line prints them as one line and exits with status 2."""


class UsageError(Exception):
    """Bad input to a command (a file, an argument): the message names the file, line and problem."""
