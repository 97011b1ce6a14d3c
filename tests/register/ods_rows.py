"""ODS extract rows written the way the real files are: 27 quoted fields, no header, CRLF, Windows-1252."""

from __future__ import annotations

import random

COLUMNS = 27


def ods_row(code: str, name: str, status: str = "A", setting: str = "4", *, close_date: str = "",
            address: tuple[str, ...] = ("THE HEALTH CENTRE", "LAWSON STREET", "STOCKTON-ON-TEES", "CLEVELAND", ""),
            postcode: str = "TS18 1HU") -> list[str]:
    """One row in the column order of epraccur.csv (etr.csv leaves 13-17, 24 and 26 empty)."""
    return [code, name, "Y63", "QHM", *address, postcode, "19740401", close_date, status,
            "B" if setting else "", "00K" if setting else "", "20130401" if setting else "", "",
            "01642 672351", "", "", "", "0", "", "1" if setting else "", "", setting, ""]


def ods_line(row: list[str]) -> str:
    return ",".join('"' + cell.replace('"', '""') + '"' for cell in row) + "\r\n"


def ods_file(rows: list[list[str]], encoding: str = "cp1252") -> bytes:
    return "".join(ods_line(r) for r in rows).encode(encoding)


def national_practices(count: int, seed: int = 16) -> list[list[str]]:
    """COUNT practice rows like the national epraccur file: mostly GP practices (setting 4), some other
    prescribing settings, about a third closed and a few dormant or proposed."""
    rng = random.Random(seed)
    towns = ["EXETER", "TRURO", "PLYMOUTH", "TORQUAY", "BARNSTAPLE", "TIVERTON", "ST. AUSTELL", "NEWQUAY"]
    rows = []
    for n in range(count):
        code = f"{chr(65 + n // 100000 % 26)}{n % 100000:05d}"
        status = rng.choices("ACDP", weights=(62, 35, 2, 1))[0]
        setting = rng.choices(["4", "0", "1", "2", "8", "9", "10", "25"], weights=(80, 6, 2, 3, 2, 3, 2, 2))[0]
        town = rng.choice(towns)
        kind = rng.choice(["SURGERY", "MEDICAL CENTRE", "PRACTICE"])
        name = f"{rng.choice(['THE', 'ST. MARY’S', 'PARK'])} {town} {kind}"
        rows.append(ods_row(code, name, status, setting, close_date="20190331" if status == "C" else "",
                            address=(f"{rng.randint(1, 200)} HIGH STREET", "", town, "DEVON", ""),
                            postcode=f"EX{rng.randint(1, 39)} {rng.randint(1, 9)}AB"))
    return rows
