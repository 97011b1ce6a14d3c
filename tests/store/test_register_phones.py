"""Telephone numbers on record (issue 18): an optional `phone` column in the users and signatories files, checked,
kept by a re-import of a file without the column, shown to staff beside the person on record."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from parsers.register_csv import CsvProblems, parse_register_csv
from store.db import make_engine, sessions
from store.models import Signatory, User
from tests.support.cli import ROOT, mailbot, write_config

SAMPLE = ROOT / "mailbot" / "demo" / "sample"


def test_the_phone_column_is_optional_and_checked() -> None:
    with_phone = parse_register_csv("signatories", b"org_code,full_name,email,role,phone\n"
                                    b"A81001,Dr X,x@nhs.net,gp_partner,+44 (0)1632 960 999 ext 12\n"
                                    b"A81001,Dr Y,,lead_gp,\n", "s.csv")
    assert [r.phone for r in with_phone] == ["+44 (0)1632 960 999 ext 12", ""]
    without = parse_register_csv("signatories", b"org_code,full_name,email,role\nA81001,Dr X,x@nhs.net,lead_gp\n",
                                 "s.csv")
    assert without[0].phone is None  # no column: the register keeps what it has
    with pytest.raises(CsvProblems) as bad:
        parse_register_csv("users", b"org_code,username,full_name,email,status,primary,applications,phone\n"
                           b"A81001,U1,Ann,ann@nhs.net,active,yes,,call me maybe\n", "u.csv")
    assert bad.value.problems == ["u.csv:2: phone 'call me maybe' is not a telephone number (digits, spaces, + ( ) -)"]
    with pytest.raises(CsvProblems) as extra:
        parse_register_csv("signatories", b"org_code,full_name,email,role,mobile\n", "s.csv")
    assert "unexpected column mobile" in extra.value.problems[0] and "(and optionally phone)" in extra.value.problems[0]


def test_imported_phones_are_kept_by_a_file_without_the_column(tmp_path: Path, store_url: str) -> None:
    config = write_config(tmp_path, store_url)
    for kind in ("organisations", "applications", "users", "signatories"):
        result = mailbot("--config", config, "import", kind, SAMPLE / f"{kind}.csv")
        assert result.status == 0, result.err
    older = tmp_path / "signatories-without-phones.csv"
    older.write_text("org_code,full_name,email,role\nA81001,Dr Priya Shah,priya.shah@nhs.net,gp_partner\n")
    result = mailbot("--config", config, "import", "signatories", older)
    assert result.status == 0, result.err
    changed = tmp_path / "users-new-phone.csv"
    changed.write_text("org_code,username,full_name,email,status,primary,applications,phone\n"
                       "A81001,JSMITH1,Jane Smith,jane.smith@nhs.net,active,yes,"
                       "Organisation Maintenance;Prior Notification List,01632 960999\n")
    result = mailbot("--config", config, "import", "users", changed)
    assert result.status == 0, result.err
    engine = make_engine(store_url)
    try:
        with sessions(engine)() as session:
            priya = session.scalars(select(Signatory).where(Signatory.email == "priya.shah@nhs.net")).one()
            jane = session.scalars(select(User).where(User.username == "JSMITH1")).one()
            assert (priya.phone, jane.phone) == ("01632 960102", "01632 960999")
    finally:
        engine.dispose()
