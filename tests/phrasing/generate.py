"""Write tests/phrasing/corpus/generated.txt: `python -m tests.phrasing.generate`.

Seeded templates mixing the ways requests and questions really arrive: greetings or none, the request said a dozen
ways, applications as prose lists ("and", "&", commas), bullets or lines, slips and acronyms, the user by address,
username or name, the organisation by code or name (or only in the signature block), sign-offs, the role in the
signature block, mobile footers and NHSmail disclaimers, replies and forwards quoted the Outlook or Gmail way
(the quoted part naming other applications), and Outlook HTML. Deterministic: the same seed gives the same file,
and the suite checks that the committed file is what this writes.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

OUT = Path(__file__).parent / "corpus" / "generated.txt"
SEED = 20


@dataclass(frozen=True)
class Person:
    name: str
    email: str
    username: str
    org: str


@dataclass(frozen=True)
class Signer:
    name: str
    email: str
    role_label: str
    role_written: tuple[str, ...]
    org: str


ORGS = {"A81001": ("The Oakwood Surgery", ("Oakwood Surgery", "the Oakwood Surgery", "The Oakwood Surgery")),
        "A81002": ("Riverside Medical Centre", ("Riverside Medical Centre", "Riverside Medical Centre")),
        "B82010": ("Harbour Lane Practice", ("Harbour Lane Practice", "Harbour Lane")),
        "RX1": ("Northshire Hospitals NHS Trust", ("Northshire Hospitals NHS Trust", "Northshire Hospitals")),
        "Y01234": ("Westvale Sexual Health Service", ("Westvale Sexual Health Service", "Westvale"))}
USERS = (Person("Paul Brown", "paul.brown2@nhs.net", "PBROWN2", "A81001"),
         Person("Kiran Patel", "kiran.patel3@nhs.net", "KPATEL3", "A81001"),
         Person("Sean O'Connor", "sean.oconnor1@nhs.net", "SOCONNOR1", "A81001"),
         Person("Mary Jones", "mary.jones4@nhs.net", "MJONES4", "A81002"),
         Person("Ben Smith", "ben.smith5@nhs.net", "BSMITH5", "A81002"),
         Person("Tom White", "tom.white1@nhs.net", "TWHITE1", "B82010"),
         Person("Holly Lewis", "holly.lewis1@nhs.net", "HLEWIS1", "B82010"),
         Person("Rob Black", "rob.black2@nhs.net", "RBLACK2", "RX1"),
         Person("Femi Adeyemi", "femi.adeyemi1@nhs.net", "FADEYEMI1", "RX1"),
         Person("Chloe Ng", "chloe.ng1@nhs.net", "CNG1", "Y01234"),
         Person("Mark Wood", "mark.wood2@nhs.net", "MWOOD2", "Y01234"))
SIGNERS = (Signer("Dr Priya Shah", "priya.shah@nhs.net", "GP Partner", ("GP Partner", "Partner", "GP partner"),
                  "A81001"),
           Signer("Dr Alan Hughes", "alan.hughes@nhs.net", "Lead GP", ("Lead GP", "Lead GP, The Oakwood Surgery"),
                  "A81001"),
           Signer("Helen Ward", "helen.ward@nhs.net", "Caldicott Guardian", ("Caldicott Guardian",), "A81001"),
           Signer("Dr Omar Said", "omar.said@nhs.net", "Lead GP", ("Lead GP", "Lead GP"), "A81002"),
           Signer("Dr Ruth Evans", "ruth.evans@nhs.net", "GP Partner", ("GP Partner", "Partner"), "B82010"),
           Signer("Grace Lee", "grace.lee@nhs.net", "Caldicott Guardian", ("Caldicott Guardian",), "RX1"),
           Signer("Ian Ford", "ian.ford@nhs.net", "Member of the Board of Directors", ("Board Member",
                                                                                     "Member of the Board"), "RX1"),
           Signer("Nina Rossi", "nina.rossi@nhs.net", "Caldicott Guardian", ("Caldicott Guardian",), "Y01234"))
# (catalogue name, ways it is written: exact in other cases, acronyms, "&", and one slip each)
APPS = (("Prior Notification List", ("Prior Notification List", "prior notification list", "PNL",
                                     "Prior Notifcation List", "Prior notification list")),
        ("Cervical Screening Results", ("Cervical Screening Results", "cervical screening results", "CSR",
                                        "Cervical Screning Results")),
        ("Screening History", ("Screening History", "screening history", "Screening Histroy")),
        ("Sender Reports", ("Sender Reports", "sender reports", "Sender Reprots")),
        ("Call and Recall", ("Call and Recall", "Call & Recall", "call and recall", "Call and Recal")))
# The slips above: a request naming one carries it as written ("as written ~ catalogue name" in `expect`), is
# rejected as not in the catalogue, and the reply suggests the catalogue name (SPEC 10: suggested, not assumed).
SLIPS = frozenset({"Prior Notifcation List", "Cervical Screning Results", "Screening Histroy", "Sender Reprots",
                   "Call and Recal"})
GREETINGS = ("Hi,", "Hello,", "Dear PCSE,", "Good morning,", "Hi team,", "", "Dear Sir/Madam,", "Hiya", "Morning,",
             "Dear Open Exeter team,", "Good afternoon")
SIGN_OFFS = ("Thanks", "Many thanks", "Kind regards", "Best wishes", "Regards", "Thank you", "Thanks in advance",
             "Kind Regards,", "Best,", "Many thanks,")
FOOTERS = ("", "", "Sent from my NHSmail mobile", "Sent from Outlook for iOS", "Get Outlook for Android",
           "Sent from my iPhone",
           "********************************************************************\nThis message may contain "
           "confidential information. If you are not the intended recipient please inform the\nsender that you "
           "have received the message in error before deleting it.\n******************************************"
           "**************************")


def app_list(rng: random.Random, written: list[str]) -> str:
    if len(written) == 1:
        return written[0]
    style = rng.choice(("and", "comma", "amp", "comma-and", "semicolon"))
    if style == "and":
        return " and ".join(written)
    if style == "amp":
        return " & ".join(written)
    if style == "semicolon":
        return "; ".join(written)
    if style == "comma":
        return ", ".join(written)
    return ", ".join(written[:-1]) + " and " + written[-1]


def user_ref(rng: random.Random, user: Person) -> str:
    return rng.choice((user.email, user.username, user.username.lower(), user.name, f"{user.name} ({user.email})",
                       f"{user.name}, username {user.username}", user.email.upper() if rng.random() < 0.1
                       else user.email))


def org_ref(rng: random.Random, code: str) -> tuple[str, str]:
    """(words in the text, or "" when the organisation is only in the signature block)."""
    name = rng.choice(ORGS[code][1])
    return rng.choice(((f"(org {code})", "code"), (f"at {code}", "code"), (f"- ODS code {code}", "code"),
                       (f"at {name}", "name"), (f"({code})", "code"), (f"at {name} ({code})", "both"),
                       ("", "signature")))


def request_sentence(rng: random.Random, apps: str, user: str, org: str, bulleted: list[str]) -> str:
    if bulleted:
        lines = "\n".join(f"{rng.choice(('-', '*', '•'))} {a}" for a in bulleted)
        return rng.choice((f"Please could you add the following for {user} {org}:\n{lines}",
                           f"Could {user} {org} be given access to:\n{lines}",
                           f"Please add these applications for {user} {org}:\n\n{lines}"))
    return rng.choice((
        f"please add {apps} for {user} {org}",
        f"Could you please give {user} {org} access to {apps}?",
        f"Can {user} {org} have {apps} added to their account please.",
        f"I'd like to request {apps} for {user} {org}.",
        f"Please can {user} {org} be given {apps}.",
        f"{user} {org} needs access to {apps} - could you add this please?",
        f"Please could you grant {apps} to {user} {org}. Thank you.",
        f"Please add {apps} to {user}'s account {org}.",
        f"Would it be possible to add {apps} for {user} {org}?",
        f"We need {apps} enabled for {user} {org}, please.",
        f"Request for {apps} for {user} {org}.",
        f"Can you give {user} {org} {apps} please",
    ))


def signature(rng: random.Random, signer: Signer, org_in_signature: bool) -> tuple[str, str]:
    """(signature block, the role label expected from it or "-")."""
    lines = [signer.name]
    role = "-"
    if rng.random() < 0.85 or org_in_signature:
        lines.append(rng.choice(signer.role_written))
        role = signer.role_label
    if org_in_signature or rng.random() < 0.5:
        lines.append(ORGS[signer.org][0])
    if rng.random() < 0.3:
        lines.append("Tel: 01392 " + str(rng.randint(100000, 999999)))
    return "\n".join(lines), role


def quoted_earlier(rng: random.Random, signer: Signer, user: Person, other_app: str) -> str:
    kind = rng.choice(("outlook", "gmail", "forward"))
    if kind == "outlook":
        return (f"\n\n________________________________\nFrom: {user.name} <{user.email}>\nSent: 12 November 2026 "
                f"14:02\nTo: {signer.name} <{signer.email}>\nSubject: Open Exeter\n\nHi, could you ask PCSE to "
                f"sort out my Open Exeter access? I also use {other_app} sometimes.\nThanks\n{user.name}\n")
    if kind == "gmail":
        return (f"\n\nOn Thu, 12 Nov 2026 at 14:02, {user.name} <{user.email}> wrote:\n> Hi, can you ask for "
                f"{other_app} for me too?\n> Thanks\n")
    return (f"\n\n---------- Forwarded message ---------\nFrom: {user.name} <{user.email}>\nDate: Thu, 12 Nov 2026 "
            f"at 14:02\nSubject: access\nTo: {signer.email}\n\nI would like {other_app} as well at some point.\n")


def outlook_html(text: str) -> str:
    paras = "".join(f'<p class="MsoNormal">{line or "&nbsp;"}<o:p></o:p></p>' for line in text.split("\n"))
    return ('<html xmlns:o="urn:schemas-microsoft-com:office:office"><head><meta http-equiv="Content-Type" '
            'content="text/html; charset=utf-8"><style><!-- p.MsoNormal {margin:0cm;font-size:11.0pt;} --></style>'
            f'</head><body lang="EN-GB"><div class="WordSection1">{paras}</div></body></html>')


def permission_cases(rng: random.Random, count: int) -> list[str]:
    blocks = []
    for n in range(1, count + 1):
        signer = rng.choice(SIGNERS)
        user = rng.choice([u for u in USERS if u.org == signer.org])
        chosen = rng.sample(APPS, rng.choice((1, 1, 2, 2, 2, 3)))
        written = [rng.choice(w) for _, w in chosen]
        names = "|".join(name for name, _ in chosen)
        expected_apps = "|".join(f"{w} ~ {name}" if w in SLIPS else name
                                 for (name, _), w in zip(chosen, written, strict=True))
        org_words, org_how = org_ref(rng, signer.org)
        uref = user_ref(rng, user)
        bulleted = written if rng.random() < 0.15 else []
        sentence = request_sentence(rng, app_list(rng, written), uref, org_words, bulleted)
        sentence = " ".join(sentence.split(" ")) if not bulleted else sentence
        sentence = sentence.replace("  ", " ").replace(" .", ".").replace(" ?", "?").replace(" ,", ",")
        sig, role = signature(rng, signer, org_how == "signature")
        greeting = rng.choice(GREETINGS)
        sign_off = rng.choice(SIGN_OFFS)
        footer = rng.choice(FOOTERS)
        body = (f"{greeting}\n\n" if greeting else "") + sentence + f"\n\n{sign_off}\n{sig}\n"
        if footer:
            body += f"\n{footer}\n"
        family = "prose"
        fmt = "plain"
        wrapper = rng.random()
        if wrapper < 0.2:
            other = rng.choice([a for a, _ in APPS if a not in names.split("|")])
            body += quoted_earlier(rng, signer, user, other)
            family = "reply-or-forward"
        elif wrapper < 0.35:
            body = outlook_html(body.rstrip("\n"))
            fmt = rng.choice(("html", "outlook"))
            family = "outlook-html"
        if bulleted:
            family = "bullets"
        subject = rng.choice(("Open Exeter", "Open Exeter access", "Access request", "Open Exeter - access for "
                              "staff", "Additional permissions", "Re: Open Exeter" if family == "reply-or-forward"
                              else "Open Exeter permissions", "FW: access" if family == "reply-or-forward" else
                              "request", "Open Exeter permission request"))
        expect = f"permission; org={signer.org}; user={user.email}; apps={expected_apps}; role={role}"
        blocks.append(f"### id: gen-perm-{n:03d}\nfamily: {family}\nfrom: {signer.name} <{signer.email}>\n"
                      f"subject: {subject}\nformat: {fmt}\nexpect: {expect}\n---\n{body}")
    return blocks


QUESTIONS = {
    "password_reset": ("I am locked out of Open Exeter after too many attempts",
                       "I've forgotten my Open Exeter password, how do I reset it?",
                       "My password has expired and I can't log in.",
                       "I can't log in to Open Exeter any more - it says my account is locked.",
                       "How do I reset my password for Open Exeter?",
                       "I keep getting told my password is wrong. Could you reset it?",
                       "Locked out again! Too many failed attempts. What do I do?",
                       "Unable to log in to Open Exeter this morning, I think I mistyped my password too many times."),
    "change_email": ("I have a new email address. How do I change it on my Open Exeter account?",
                     "My email address has changed since I moved practice, how do I update it?",
                     "How can I update the email address on Open Exeter?",
                     "We have moved to nhs.net; how do we change our staff email addresses on Open Exeter?",
                     "Could you tell me how to amend my email address in Open Exeter?"),
    "who_is_primary": ("how do I check whether I am the Primary User for our practice?",
                       "Who is our Primary User?",
                       "Can you tell me who the Primary User is for our practice?",
                       "Am I a Primary User for the surgery?",
                       "How can I find out who our Primary Users are?",
                       "Do we have a Primary User at the moment? I am new in post.",
                       "I'm not sure if I'm the Primary User - how do I know?"),
    "add_user": ("How do I add a new user to Open Exeter?",
                 "We have a new starter next week, how do I set up an Open Exeter account for her?",
                 "How can I create an account for a new member of staff?",
                 "What do I need to do to register a new user?",
                 "We've got a new colleague starting - how do we add them to Open Exeter?"),
    "request_applications": ("How do I request extra applications for one of our users?",
                             "What is the process for getting additional permissions for a member of staff?",
                             "How can a colleague get access to more applications on Open Exeter?",
                             "How do we ask for additional access for an existing user?"),
    "no_signatory": ("We have no signatory available to sign the form. What can we do?",
                     "Our lead GP has left and we do not have a partner who can sign. Who can sign instead?",
                     "Our only partner is on long term sick leave, who else can authorise the form?",
                     "Nobody at the practice can sign the Primary User form at the moment, what are our options?"),
    "forms": ("Where can I find the Primary User request form?",
              "Could you send me a link to the forms please?",
              "Where do I download the form to register a Primary User?",
              "Which form do we need to use for a Primary User at a sexual health clinic?",
              "I can't find the form on your website, where is it?"),
}


def question_cases(rng: random.Random, rounds: int) -> list[str]:
    blocks = []
    n = 0
    for _ in range(rounds):
        for topic, phrasings in QUESTIONS.items():
            for phrasing in phrasings:
                if rng.random() < 0.5:
                    continue
                n += 1
                signer = rng.choice(SIGNERS + tuple(Signer(u.name, u.email, "", ("",), u.org) for u in USERS))
                greeting = rng.choice(GREETINGS)
                text = phrasing if rng.random() < 0.7 else phrasing[0].lower() + phrasing[1:]
                body = (f"{greeting}\n\n" if greeting else "") + text + f"\n\n{rng.choice(SIGN_OFFS)}\n{signer.name}\n"
                footer = rng.choice(FOOTERS)
                if footer:
                    body += f"\n{footer}\n"
                fmt = "plain"
                if rng.random() < 0.2:
                    body, fmt = outlook_html(body.rstrip("\n")), rng.choice(("html", "outlook"))
                subject = rng.choice(("Open Exeter", "Question", "Help please", "Open Exeter query", "Quick question",
                                      "Access"))
                blocks.append(f"### id: gen-q-{n:03d}\nfamily: question-{topic}\nfrom: {signer.name} "
                              f"<{signer.email}>\nsubject: {subject}\nformat: {fmt}\n"
                              f"expect: guidance; topic={topic}\n---\n{body}")
    return blocks


def generate() -> str:
    rng = random.Random(SEED)
    blocks = permission_cases(rng, 200) + question_cases(rng, 3)
    header = ("# Generated by `python -m tests.phrasing.generate` (seed "
              f"{SEED}); do not edit by hand: change the generator.\n\n")
    return header + "\n".join(blocks)


def main() -> None:
    OUT.write_text(generate(), encoding="utf-8")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
