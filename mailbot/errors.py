"""Errors a person can put right: the command line prints them as one line and exits with status 2."""


class UsageError(Exception):
    """Bad input to a command (a file, an argument): the message names the file, line and problem."""


class StartupProblem(Exception):
    """`mailbot run` cannot start (a port in use, the store or the mailbox refusing): the message names the setting
    and the cause, in one line."""
