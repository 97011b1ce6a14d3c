"""`mailbot review list|show|approve|reject|close|reopen|resend|retry|note`: the review queue from the command line
(SPEC 13),
and the cases waiting for a signatory's confirmation (SPEC 17)."""

from __future__ import annotations

import argparse
import json
from datetime import timedelta
from typing import Any

from mailbot.app import App
from mailbot.clock import utcnow
from mailbot.processing.settings import settings_from
from mailbot.review import actions as review
from mailbot.review import closing
from mailbot.review import resend as review_resend
from mailbot.review.case_view import case_document, confirmation_summary, render_case
from mailbot.review.labels import coded, kind_label, outcome_label, reason_label
from parsers.vocabulary.kinds import Kind
from rules.reasons import CODES
from store.confirmations import count_waiting_for_signatories, waiting_for_signatories
from store.db import transaction
from store.review import QueueFilter, counts_by_reason, queue, queue_size


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("review", help="the cases waiting for PCSE staff")
    actions = parser.add_subparsers(dest="review_action", metavar="ACTION", required=True)

    listing = actions.add_parser("list", help="cases waiting for review, oldest first")
    listing.add_argument("--reason", choices=sorted(CODES), metavar="CODE", help="only cases with this reason")
    listing.add_argument("--kind", choices=[k.value for k in Kind], help="only cases of this kind")
    listing.add_argument("--org", metavar="CODE", help="only this organisation's cases")
    listing.add_argument("--older-than", type=float, metavar="DAYS", help="only cases waiting longer than DAYS")
    listing.add_argument("--limit", type=int, default=100)
    listing.add_argument("--json", action="store_true", help="one JSON object a line")
    listing.set_defaults(handler=run_list)

    show = actions.add_parser("show", help="everything about one case")
    show.add_argument("reference", metavar="REF")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=run_show)

    approve = actions.add_parser("approve", help="approve a case, correcting fields if needed")
    approve.add_argument("reference", metavar="REF")
    approve.add_argument("--set", dest="corrections", action="append", default=[], metavar="FIELD=VALUE",
                         help="correct an extracted field (repeatable); the checks re-run")
    approve.add_argument("--preview", action="store_true", help="show what approving would do; change nothing")
    approve.add_argument("--verified", choices=sorted(review.VERIFICATION_METHODS), metavar="HOW",
                         help="record the unverified signatory as verified, saying how: "
                              + ", ".join(sorted(review.VERIFICATION_METHODS)))
    approve.add_argument("--signatory-name", default="", metavar="NAME",
                         help="the signatory's full name, when the case gives none")
    approve.add_argument("--by", required=True, metavar="NAME", help="the member of staff deciding")
    approve.set_defaults(handler=run_approve)

    reject = actions.add_parser("reject", help="reject a case; the reason becomes the reply")
    reject.add_argument("reference", metavar="REF")
    reject.add_argument("--reason", required=True, metavar="TEXT")
    reject.add_argument("--by", required=True, metavar="NAME")
    reject.set_defaults(handler=run_reject)

    close = actions.add_parser("close", help="take a case out of the queue without a reply")
    close.add_argument("reference", metavar="REF")
    close.add_argument("--reason", default="", metavar="TEXT", help="why it is closed (shown on the case)")
    close.add_argument("--by", required=True, metavar="NAME")
    close.set_defaults(handler=run_close)

    reopen = actions.add_parser("reopen", help="undo a close: put the case back in the queue")
    reopen.add_argument("reference", metavar="REF")
    reopen.add_argument("--reason", default="", metavar="TEXT")
    reopen.add_argument("--by", required=True, metavar="NAME")
    reopen.set_defaults(handler=run_reopen)

    resend = actions.add_parser("resend", help="send the signatory's confirmation request again (their wait restarts)")
    resend.add_argument("reference", metavar="REF")
    resend.add_argument("--by", required=True, metavar="NAME")
    resend.set_defaults(handler=run_resend)

    retry = actions.add_parser("retry", help="send a message the mailbot failed on (message.unprocessable) through "
                                             "again, once the fault is mended")
    retry.add_argument("reference", metavar="REF")
    retry.add_argument("--by", required=True, metavar="NAME")
    retry.add_argument("--json", action="store_true", help="one JSON object a line per new case, as `process`")
    retry.set_defaults(handler=run_retry)

    note = actions.add_parser("note", help="add a note to a case")
    note.add_argument("reference", metavar="REF")
    note.add_argument("text", metavar="TEXT")
    note.add_argument("--by", required=True, metavar="NAME")
    note.set_defaults(handler=run_note)


def run_list(args: argparse.Namespace) -> int:
    app = App.from_args(args)
    now = utcnow()
    f = QueueFilter(reason=args.reason, kind=args.kind, org_code=args.org,
                    older_than=now - timedelta(days=args.older_than) if args.older_than else None)
    with app.read_sessions() as session:
        cases = queue(session, f, limit=args.limit)
        total, counts = queue_size(session, f), counts_by_reason(session, f)
        rows: list[dict[str, Any]] = [{"reference": c.reference, "created_at": c.created_at.isoformat(), "kind": c.kind,
                 "outcome": c.outcome, "org_code": c.org_code, "reasons": c.reasons, "sender": c.sender,
                 "subject": c.subject} for c in cases]
        waiting: list[dict[str, Any]] = [
            {"reference": c.reference, "created_at": c.created_at.isoformat(), "kind": c.kind,
                    "outcome": c.outcome, "org_code": c.org_code, "reasons": c.reasons, "sender": c.sender,
                    "subject": c.subject, "confirmation": confirmation_summary(row)}
                   for c, row in waiting_for_signatories(session, f, limit=args.limit)]
        waiting_total = count_waiting_for_signatories(session, f)
    if args.json:
        for row in rows + waiting:
            print(json.dumps(row, ensure_ascii=False))
        return 0
    print(f"{total} case(s) waiting" + (f"; showing {len(rows)}" if len(rows) < total else ""))
    if counts:
        print("by reason: " + ", ".join(f"{coded(reason_label, code)}: {n}" for code, n in counts.items()))
    for case, row in zip(cases, rows, strict=True):
        age = now - case.created_at
        reasons = "; ".join(coded(reason_label, code) for code in row["reasons"]) or "-"
        print(f"{row['reference']}  {age.days:>3}d  {kind_label(row['kind']):<34} {row['org_code'] or '-':<8} "
              f"{reasons:<40} {row['sender']}  {row['subject'][:60]!r}")
    if waiting_total:
        print(f"\n{waiting_total} case(s) waiting for the signatory" +
              (f"; showing {len(waiting)}" if len(waiting) < waiting_total else ""))
    for row in waiting:
        c = row["confirmation"]
        reminder = f"reminder sent {c['reminder_sent_at'][:16]}" if c["reminder_sent_at"] else "no reminder yet"
        print(f"{row['reference']}  {row['org_code'] or '-':<8} waiting for the signatory since "
              f"{c['waiting_since'][:16]} ({c['full_name']} at {c['address']}); {reminder}; "
              f"runs out {c['expires_at'][:16]}  from {row['sender']}")
    return 0


def _read_unread_form(app: App, reference: str, by: str) -> None:
    """A form left unread at intake (a stranger's) is read now that a person opens the case."""
    from mailbot.review.deferred_forms import read_unread_form  # loads the sandbox only when a command needs it

    read_unread_form(app.sessions, reference, app.config, by=by, now=utcnow(), settings=settings_from(app.config))


def run_show(args: argparse.Namespace) -> int:
    app = App.from_args(args)
    _read_unread_form(app, args.reference, "review show")
    with app.read_sessions() as session:
        document = case_document(session, review.load_case(session, args.reference))
    print(json.dumps(document, ensure_ascii=False, indent=2) if args.json else render_case(document))
    return 0


def run_approve(args: argparse.Namespace) -> int:
    app = App.from_args(args)
    corrections = _corrections(args.corrections)
    settings = settings_from(app.config)
    _read_unread_form(app, args.reference, args.by)
    if args.preview:
        with app.sessions() as session:  # closed without a commit: nothing changes
            preview = review.preview_approval(session, args.reference, corrections, by=args.by, now=utcnow(),
                                              settings=settings, verify=args.verified,
                                              signatory_name=args.signatory_name)
    else:
        with transaction(app.sessions) as session:
            preview = review.approve(session, args.reference, corrections, by=args.by, now=utcnow(),
                                     settings=settings, verify=args.verified, signatory_name=args.signatory_name,
                                     second_person=app.config.review.second_person)
    verb = "would be" if args.preview else "was"
    if preview.blockers:
        print(f"{args.reference} cannot be approved as it stands:")
        for b in preview.blockers:
            print(f"  {b.reason}: {b.explanation}")
        return 1
    if preview.awaiting is not None and not args.preview:
        print(f"{args.reference}: your approval is recorded; a second member of staff must approve it too:")
        for why in preview.awaiting["why"]:
            print(f"  {why}")
        return 0
    print(f"{args.reference} {verb} approved by {args.by}.")
    if preview.own_account:
        print(f"  note: {preview.own_account}")
    for c in preview.corrected:
        print(f"  corrected {c.name}: the form said {c.form_said!r}, now {c.corrected!r}")
    if preview.signatory_to_add and not preview.verify:
        print(f"  not recorded as a verified signatory: {preview.signatory_to_add.email} (use --verified HOW)")
    if args.preview and preview.second_person_why and app.config.review.second_person:
        print("  a second member of staff must approve it too: " + " ".join(preview.second_person_why))
    if preview.overridden:
        print("  your decision stands in for: " + ", ".join(preview.overridden))
    for change in preview.changes:
        print(f"  change: {change}")
    for mail in preview.mails:
        print(f"  mail to {mail.to}: {mail.subject}")
    for mail in preview.withheld:
        print(f"  not sent to {mail.to or '(no address)'}: {mail.subject} (the sender could not be authenticated)")
    return 0


def run_reject(args: argparse.Namespace) -> int:
    app = App.from_args(args)
    with transaction(app.sessions) as session:
        recipients = review.reject(session, args.reference, args.reason, by=args.by, now=utcnow(),
                                   settings=settings_from(app.config))
    print(f"{args.reference} rejected by {args.by}; " +
          (f"reply to {', '.join(recipients)}" if recipients else "no reply (the sender is not authenticated)"))
    return 0


def run_close(args: argparse.Namespace) -> int:
    app = App.from_args(args)
    with transaction(app.sessions) as session:
        closing.close(session, args.reference, by=args.by, now=utcnow(), reason=args.reason)
    print(f"{args.reference} closed by {args.by}, without a reply.")
    return 0


def run_reopen(args: argparse.Namespace) -> int:
    app = App.from_args(args)
    with transaction(app.sessions) as session:
        closing.reopen(session, args.reference, by=args.by, now=utcnow(), reason=args.reason)
    print(f"{args.reference} reopened by {args.by}: it is back in the queue.")
    return 0


def run_resend(args: argparse.Namespace) -> int:
    app = App.from_args(args)
    with transaction(app.sessions) as session:
        address = review_resend.resend_confirmation(session, args.reference, by=args.by, now=utcnow(),
                                             settings=settings_from(app.config))
    print(f"{args.reference}: confirmation request sent again to {address} by {args.by}; the wait starts again.")
    return 0


def run_retry(args: argparse.Namespace) -> int:
    from mailbot.config import secret_values
    from mailbot.processing.services import understander
    from mailbot.review.send_again import retry

    app = App.from_args(args)
    with understander(app.config, app.read_sessions) as understand:
        cases = retry(app.sessions, understand, args.reference, by=args.by, now=utcnow(),
                      settings=settings_from(app.config), secrets=secret_values(app.config))
    for case in cases:
        line = {"reference": case.reference, "kind": case.kind, "outcome": case.outcome, "reasons": case.reasons,
                "changes": case.changes, "replies": case.replies, "sent_through_from": args.reference.upper()}
        if args.json:
            print(json.dumps(line, ensure_ascii=False))
        else:
            reasons = "; ".join(coded(reason_label, code) for code in case.reasons) or "-"
            print(f"{args.reference.upper()} sent through again by {args.by}: {case.reference} "
                  f"{coded(kind_label, case.kind)}, {coded(outcome_label, case.outcome)}: {reasons}")
    return 0


def run_note(args: argparse.Namespace) -> int:
    app = App.from_args(args)
    with transaction(app.sessions) as session:
        closing.note(session, args.reference, args.text, by=args.by, now=utcnow())
    print(f"note added to {args.reference}.")
    return 0


def _corrections(pairs: list[str]) -> dict[str, Any]:
    """--set FIELD=VALUE pairs to a dict; a pair without '=' is a usage error."""
    out: dict[str, Any] = {}
    for pair in pairs:
        if "=" not in pair:
            raise review.ReviewError(f"mailbot: review: --set needs FIELD=VALUE, got {pair!r}")
        key, value = pair.split("=", 1)
        out[key.strip()] = value
    return out
