"""The subcommands of `mailbot`, one module each; the order here is the order `mailbot --help` lists them."""

from mailbot.commands import db, forms

COMMAND_MODULES = (forms, db)
