"""The subcommands of `mailbot`, one module each; the order here is the order `mailbot --help` lists them."""

from mailbot.commands import db, demo, doctor, forms, importing, org, process, review, run, signatory, staff, web

COMMAND_MODULES = (demo, importing, org, process, review, signatory, staff, web, forms, run, db, doctor)
