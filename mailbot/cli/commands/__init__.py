"""The subcommands of `mailbot`, one module each; the order here is the order `mailbot --help` lists them."""

from mailbot.cli.commands import (
    audit,
    db,
    demo,
    doctor,
    explain,
    forms,
    importing,
    org,
    process,
    replay,
    review,
    run,
    signatory,
    staff,
    stats,
    web,
)

COMMAND_MODULES = (demo, importing, org, process, replay, explain, review, signatory, staff, web, stats, forms,
                   run, db, audit, doctor)
