"""Whether `POST /auth/password/forgot` tells, by its timing, if an address is known.

Against a running local stack (local/bench/forgot starts one): makes a user whose address is
verified (through the mail the stack captures), one whose address is not, and picks an address
nobody has; then sends the three kinds of request one at a time, interleaved in a shuffled order
each round (so drift in the machine's speed hits all three alike), and reports per kind the
median, the 10th and 90th percentiles and the interquartile range of the answer time, measured
from outside over HTTP. Every answer must be the same 202 with the same body. Also reports how
many mails the verified address got (the hourly limit keeps it at 3 whatever the requests).
"""

from __future__ import annotations

import argparse
import random
import secrets
import statistics
import sys
import time
from pathlib import Path

import httpx

PASSWORD = "bench passphrase 2026"
KINDS = ("verified", "unverified", "unknown")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--mail-url", required=True, help="the stack's captured mails (…/mail)")
    parser.add_argument("--requests", type=int, default=300, help="requests of each kind")
    parser.add_argument("--warm-up", type=int, default=20, help="unmeasured requests of each kind first")
    parser.add_argument("--out-dir", default="artifacts/bench")
    parser.add_argument("--stack-info", default="")
    return parser.parse_args()


def mails_to(client: httpx.Client, mail_url: str, address: str) -> list[dict]:
    return client.get(mail_url, params={"to": address}).json()["results"]


def wait_for_mail(client: httpx.Client, mail_url: str, address: str, seconds: float) -> list[dict]:
    deadline = time.monotonic() + seconds
    while not (mails := mails_to(client, mail_url, address)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return mails


def verified_user(client: httpx.Client, base: str, mail_url: str, address: str) -> None:
    username = f"bench{secrets.token_hex(4)}"
    response = client.post(f"{base}/auth/register", json={"username": username, "email": address, "password": PASSWORD})
    response.raise_for_status()
    # The gateway follows a table's stream from the moment it first sees it, which on a stack that
    # just started may be after this registration: then the mail is asked for once more.
    mails = wait_for_mail(client, mail_url, address, 15)
    if not mails:
        login = client.post(f"{base}/auth/login", json={"username": username, "password": PASSWORD})
        login.raise_for_status()
        access = login.json()["access"]
        client.post(f"{base}/auth/email/verification", headers={"authorization": f"Bearer {access}"}).raise_for_status()
        mails = wait_for_mail(client, mail_url, address, 60)
    if not mails:
        raise SystemExit(f"no verification mail reached {address} (see the stack's gateway.log and watch.log)")
    link = next(link for link in mails[0]["links"] if "/verify-email?token=" in link)
    token = link.split("token=", 1)[1]
    client.post(f"{base}/auth/email/verify", json={"token": token}).raise_for_status()


def permutation_p(a: list[float], b: list[float], rounds: int = 5000) -> float:
    """How often a random split of the pooled times gives medians at least as far apart as `a` and
    `b`'s: near 1 when the two kinds cannot be told apart, near 0 when they can."""
    observed = abs(statistics.median(a) - statistics.median(b))
    pooled = a + b
    rng = random.Random(1)
    hits = 0
    for _ in range(rounds):
        rng.shuffle(pooled)
        if abs(statistics.median(pooled[:len(a)]) - statistics.median(pooled[len(a):])) >= observed:
            hits += 1
    return hits / rounds


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> int:
    args = parse_args()
    base = args.base_url.rstrip("/")
    run = secrets.token_hex(4)
    addresses = {kind: f"{kind}-{run}@example.com" for kind in KINDS}
    with httpx.Client(timeout=30.0, trust_env=False) as client:
        verified_user(client, base, args.mail_url, addresses["verified"])
        client.post(f"{base}/auth/register", json={"username": f"bench{run}u", "email": addresses["unverified"],
                                                  "password": PASSWORD}).raise_for_status()
        times: dict[str, list[float]] = {kind: [] for kind in KINDS}
        answers: set[tuple[int, bytes]] = set()
        for round_number in range(args.warm_up + args.requests):
            order = list(KINDS)
            random.shuffle(order)
            for kind in order:
                started = time.perf_counter()
                response = client.post(f"{base}/auth/password/forgot", json={"email": addresses[kind]})
                elapsed = (time.perf_counter() - started) * 1000
                answers.add((response.status_code, response.content))
                if round_number >= args.warm_up:
                    times[kind].append(elapsed)
        time.sleep(5)  # let the mailer settle what it was handed
        reset_mails = [m for m in mails_to(client, args.mail_url, addresses["verified"]) if "Reset" in m["subject"]]
        other_mails = sum(len(mails_to(client, args.mail_url, addresses[kind])) for kind in ("unverified", "unknown"))

    lines = [
        "| address | requests | median | p10 | p90 | interquartile range |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    medians = {}
    for kind in KINDS:
        values = times[kind]
        medians[kind] = statistics.median(values)
        iqr = percentile(values, 0.75) - percentile(values, 0.25)
        lines.append(f"| {kind} | {len(values)} | {medians[kind]:.2f} ms | {percentile(values, 0.10):.2f} ms | "
                     f"{percentile(values, 0.90):.2f} ms | {iqr:.2f} ms |")
    spread = max(medians.values()) - min(medians.values())
    pairs = [("verified", "unknown"), ("unverified", "unknown"), ("verified", "unverified")]
    tests = "; ".join(f"{a} vs {b}: {medians[a] - medians[b]:+.2f} ms, p = {permutation_p(times[a], times[b]):.2f}"
                      for a, b in pairs)
    summary = "\n".join([
        f"POST /auth/password/forgot, {args.requests} requests per kind after {args.warm_up} unmeasured, "
        "interleaved in a shuffled order, one at a time, timed over HTTP from outside.",
        args.stack_info,
        "",
        *lines,
        "",
        f"Largest difference between two medians: {spread:.2f} ms. Differences of medians with a permutation "
        f"test (5,000 random splits of the pooled times; p near 1: indistinguishable): {tests}.",
        f"Distinct answers (status and body): {len(answers)}. "
        f"Reset mails the verified address got: {len(reset_mails)} (the hourly limit: 3 mails of any kind, its "
        f"verification mail included); mails to the other two addresses after registration: {other_mails - 1}.",
    ])
    print("\n" + summary)
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "forgot.md").write_text(summary + "\n")
    if len(answers) != 1:
        print(f"FAILED: the answers differ: {answers}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
