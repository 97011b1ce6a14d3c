"""The subcommands of `mailbot`, one module each; the order here is the order `mailbot --help` lists them."""

from mailbot.commands import db, demo, doctor, forms, importing, org

COMMAND_MODULES = (demo, importing, org, forms, db, doctor)
