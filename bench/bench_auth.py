"""How long authenticate_sender takes on signed messages: median and p95 per message kind.

    .venv/bin/python bench/bench_auth.py [--runs 2000]

Keys come from memory (no DNS), so this measures parsing, our rules and the signature cryptography only.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rules.sender import AuthPolicy, authenticate_sender  # noqa: E402
from tests.support.dkim_signing import KeyRing, ed25519_key, message, rsa_key, sign  # noqa: E402


def cases() -> dict[str, tuple[bytes, KeyRing]]:
    rsa2048, rsa1024, ed = rsa_key(2048), rsa_key(1024, 1), ed25519_key()
    ring = KeyRing().publish(rsa2048, "nhs.net", "s1").publish(ed, "nhs.net", "ed").publish(rsa1024, "example.com")
    body = "Please add Open Exeter access.\r\n" + "A line of a longer message body, as forms come with.\r\n" * 2000
    return {
        "rsa-2048, short body": (sign(message(), rsa2048), ring),
        "ed25519, short body": (sign(message(), ed, selector="ed"), ring),
        "rsa-2048, 100 KB body": (sign(message(body=body), rsa2048), ring),
        "misaligned + good (2 signatures)": (sign(sign(message(), rsa2048), rsa1024, domain="example.com"), ring),
        "forged body (fails)": (sign(message(), rsa2048).replace(b"practice", b"pRactice"), ring),
        "ambiguous From": (sign(message("a@nhs.net, b@nhs.net"), rsa2048), ring),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2000)
    args = parser.parse_args()
    policy = AuthPolicy(nhs_domains=("nhs.net",))
    print(f"{'case':36} {'median ms':>10} {'p95 ms':>8}  verdict")
    now = datetime.now(UTC)  # the messages are signed now: judged as at now
    for name, (raw, ring) in cases().items():
        msg = SimpleNamespace(raw=raw)
        verdict = authenticate_sender(msg, policy, ring, now=now)  # warm-up (loads the public suffix list)
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            authenticate_sender(msg, policy, ring, now=now)
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        p95 = times[int(len(times) * 0.95) - 1]
        state = ("ambiguous" if verdict.ambiguous
                 else "authenticated" if verdict.authenticated else "not authenticated")
        print(f"{name:36} {statistics.median(times):10.3f} {p95:8.3f}  {state}")


if __name__ == "__main__":
    main()
