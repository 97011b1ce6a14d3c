"""Primary User forms attached as real mail programs attach them, through `mailbot process --json`."""

from __future__ import annotations

from tests.pipeline.conftest import Bot
from tests.pipeline.messages import GOOD_GP_FORM
from tests.realworld.client_mail import base64_lines, head, signed, winmail_dat, wire
from tests.support.forms_fixtures import filled_form

ALAN = "Dr Alan Hughes <alan.hughes@nhs.net>"
APPROVED = ["created user SNEW1 (sam.new@nhs.net) as an active Primary User of A81001",
            "SNEW1: granted Organisation Maintenance"]


def form_pdf() -> bytes:
    values = {**GOOD_GP_FORM, "sig_full_name": "Dr Alan Hughes", "sig_email": "alan.hughes@nhs.net"}
    return filled_form("gp_practice", values, signature="ink")


def outlook_with_winmail(dat: bytes) -> bytes:
    """Outlook set to Rich Text: a plain text body and the attachments inside winmail.dat."""
    body = f"""--_000_TNEF_
Content-Type: text/plain; charset="us-ascii"

Please find attached our signed Primary User request form.

Kind regards
Alan

--_000_TNEF_
Content-Type: application/ms-tnef; name="winmail.dat"
Content-Disposition: attachment; filename="winmail.dat"
Content-Transfer-Encoding: base64

{base64_lines(dat)}
--_000_TNEF_--
"""
    return wire(head(sender=ALAN, subject="Primary User request form",
                     content_type='multipart/mixed; boundary="_000_TNEF_"',
                     extra="X-MS-Has-Attach: yes\nX-MS-TNEF-Correlator: <TNEF.1@nhs.net>") + body)


def test_a_form_inside_outlooks_winmail_dat_is_read(bot: Bot) -> None:
    raw = outlook_with_winmail(winmail_dat((("Primary User Request.pdf", form_pdf()),)))
    line = bot.one(signed(bot, raw))
    assert (line["kind"], line["outcome"], line["reasons"]) == ("primary_user_request", "approved", [])
    assert line["changes"] == APPROVED


def test_a_winmail_dat_with_no_form_in_it_is_answered_as_no_form(bot: Bot) -> None:
    raw = outlook_with_winmail(winmail_dat((("logo.txt", b"not a form"),)))
    line = bot.one(signed(bot, raw))
    assert (line["kind"], line["outcome"], line["reasons"]) == ("primary_user_request", "rejected", ["form.missing"])


def test_a_nominee_address_that_is_not_one_plain_address_is_never_mailed_a_password(bot: Bot) -> None:
    """A form field can hold anything: 'evil,sam.new@nhs.net' ends in @nhs.net but is two recipients to a mail
    program (and the first would be delivered inside the relay's own domain), 'mailto:...' is a link."""
    for n, address in enumerate(("evil,sam.new@nhs.net", "mailto:sam.new@nhs.net")):
        values = {**GOOD_GP_FORM, "sig_full_name": "Dr Alan Hughes", "sig_email": "alan.hughes@nhs.net",
                  "pu_email": address}
        pdf = filled_form("gp_practice", values, signature="ink")
        body = f"""--b
Content-Type: text/plain; charset="us-ascii"

Form attached.

--b
Content-Type: application/pdf; name="form.pdf"
Content-Disposition: attachment; filename="form.pdf"
Content-Transfer-Encoding: base64

{base64_lines(pdf)}
--b--
"""
        raw = wire(head(sender=ALAN, subject=f"Primary User request form {n}",
                        content_type='multipart/mixed; boundary="b"') + body)
        line = bot.one(signed(bot, raw))
        assert (line["outcome"], line["reasons"], line["changes"]) == ("rejected", ["user.email_not_nhs"], [])
        assert [r["to"] for r in line["replies"]] == ["alan.hughes@nhs.net"]
