#!/usr/bin/env python3
"""Times `secbook check` and `secbook build` on one 10 MB input of each shape that was once
slow (issue 12: no input of up to 10 MB may take more than 2 seconds to build or check).

    cargo build --release && python3 benches/large_inputs.py [--runs N] [CASE ...]

Each case is a small handbook in a temporary folder with one large file; prints the median
of N runs (3 by default) of wall, user and system seconds and of peak memory per case and
command, from /usr/bin/time. SECBOOK=path/to/secbook times another build of secbook, to
compare two revisions on the same machine at the same time.
"""
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("SECBOOK") or os.path.join(ROOT, "target", "release", "secbook")
SIZE = 10_000_000
RUNS = 3
RECORD = """id: EXC-001
title: Big
type: acceptance
severity: high
status: approved
requested_by: Ann Lee <ann@example.com>
risk_owner: Bob Ray <bob@example.com>
created: 2026-01-01
decided: 2026-01-02
expires: 2026-12-01
justification: j
"""


def repeat(unit, total=SIZE):
    """About `total` bytes of `unit` formatted with i = 0, 1, 2, ... and j = i + 1."""
    parts, size, i = [], 0, 0
    while size < total:
        part = unit.format(i=i, j=i + 1)
        parts.append(part)
        size += len(part)
        i += 1
    return "".join(parts)


INCIDENT = """id: INC-001
title: Big
severity: sev2
status: resolved
commander: Ann Lee <ann@example.com>
source: employee
detected: 2026-01-14T09:55:00Z
reported: 2026-01-14T10:22:00Z
responded: 2026-01-14T10:31:00Z
resolved: 2026-01-15T16:00:00Z
summary: s
"""
PAGE = "---\ntitle: P\n---\n"
CASES = {
    "equal-headings": ("page", lambda: PAGE + repeat("## Notes\n\n")),
    "broken-links": ("page", lambda: PAGE + repeat("[x](m{i}.md)\n")),
    "anchor-links": ("page", lambda: PAGE + "## a\n" + repeat("[x](#a) ")),
    "list-items": ("page", lambda: PAGE + repeat("- item {i}\n")),
    "front-matter-tags": ("page", lambda: "---\ntitle: P\ntags:\n" + repeat("  - t{i}\n") + "---\nbody\n"),
    "missing-related-records": ("record", lambda: RECORD + "summary: s\nrelated:\n  exceptions:\n" + repeat("    - EXC-{i}\n")),
    "missing-related-pages": ("record", lambda: RECORD + "summary: s\nrelated:\n  pages:\n" + repeat("    - p{i}.md\n")),
    "tickets": ("record", lambda: RECORD + "summary: s\ntickets:\n" + repeat("  - T-{i}\n")),
    "approvals": ("record", lambda: RECORD + "summary: s\napprovals:\n" + repeat("  - {{name: A{i}, role: r, side: security, level: vp, decision: approved, date: 2026-01-02}}\n")),
    "record-links": ("record", lambda: RECORD + "summary: |\n" + repeat("  [e](exception:EXC-{i})\n")),
    "people": ("people", lambda: repeat("- {{name: P{i}, email: p{i}@x.org}}\n")),
    # Half the size each: a record's approvers, each named without a side or level, which
    # their entries in a long data/people.yaml give.
    "approvals-and-people": ("people+record", lambda: (
        repeat("- {{name: P{i}, email: p{i}@x.org, side: security, level: vp}}\n", SIZE // 2),
        RECORD + "summary: s\napprovals:\n" + repeat("  - {{name: P{i}, email: p{i}@x.org, role: r, decision: approved, date: 2026-01-02}}\n", SIZE // 2),
    )),
    # Everyone left, each managed by the next: the owner's items go down the whole chain.
    "manager-chain": ("people+record", lambda: (
        repeat("- {{name: P{i}, email: p{i}@x.org, manager: \"P{j} <p{j}@x.org>\", departed: 2026-01-01}}\n"),
        RECORD.replace("Bob Ray <bob@example.com>", "P0 <p0@x.org>") + "summary: s\n",
    )),
    # One missing target named again and again: one report, with the count of its places.
    "repeated-missing-record": ("record", lambda: RECORD + "summary: s\nrelated: {exceptions: [" + repeat("x,") + "x]}\n"),
    "repeated-broken-link": ("page", lambda: PAGE + repeat("[](m)") + "\n"),
    # A million distinct missing targets on one line: a million reports.
    "flow-missing-records": ("record", lambda: RECORD + "summary: s\nrelated: {exceptions: [" + repeat("a{i},") + "x]}\n"),
    "unknown-settings": ("config", lambda: "title: T\n" + repeat("k{i}: 1\n")),
    "unknown-settings-in-a-section": ("config", lambda: "title: T\nnotify:\n" + repeat("  k{i}: 1\n")),
    # One line of 10 MB, in a field the calendar writes and folds.
    "long-title": ("record", lambda: RECORD.replace("title: Big", "title: " + "x" * SIZE) + "summary: s\n"),
    # A report about each item of one file, placed at its line and column.
    "overdue-action-items": ("incident", lambda: INCIDENT + "action_items:\n" + repeat("  - {{title: T{i}, owner: Bo, priority: P2, status: planned, due: 2026-02-01}}\n")),
    "approvers-unknown": ("record", lambda: RECORD + "summary: s\napprovals:\n" + repeat("  - {{name: A{i}, role: r, decision: approved, date: 2026-01-02}}\n")),
    # Counted in characters: the `é` is two bytes of the 10 MB.
    "flow-missing-records-not-ascii": ("record", lambda: RECORD + "summary: s\nrelated: {exceptions: [" + repeat("é{i},", SIZE * 7 // 8) + "x]}\n"),
    # Openers of foreign syntax no closer follows: each looked for one to the end.
    "unclosed-wiki-links": ("page", lambda: PAGE + repeat("[[a ") + "\n"),
    "unclosed-shortcodes": ("page", lambda: PAGE + repeat("{{< ") + "\n"),
    "unclosed-shortcodes-in-a-record": ("record", lambda: RECORD + "summary: |\n  " + repeat("{{% ") + "\n"),
    "levels-listed-twice": ("config", lambda: "title: T\nclassification: {default: a, levels: [a, " + repeat("l{i}, ", SIZE // 2) + repeat("l{i}, ", SIZE // 2) + "z]}\n"),
}


def run(name):
    kind, make = CASES[name]
    text = make()
    with tempfile.TemporaryDirectory() as hb:
        os.makedirs(os.path.join(hb, "content"))
        os.makedirs(os.path.join(hb, "data", "exceptions"))
        os.makedirs(os.path.join(hb, "data", "incidents"))
        config = text if kind == "config" else "title: T\nas_of: 2026-06-30\n"
        files = {"handbook.yaml": config}
        if kind == "page":
            files["content/big.md"] = text
        elif kind == "record":
            files["data/exceptions/EXC-001.yaml"] = text
        elif kind == "incident":
            files["data/incidents/INC-001.yaml"] = text
        elif kind == "people":
            files["data/people.yaml"] = text
        elif kind == "people+record":
            files["data/people.yaml"], files["data/exceptions/EXC-001.yaml"] = text
        for rel, body in files.items():
            with open(os.path.join(hb, rel), "w") as f:
                f.write(body)
        for command in ("check", "build"):
            args = [command, hb] + (["-o", os.path.join(hb, "public")] if command == "build" else [])
            runs = [time(args) for _ in range(RUNS)]
            wall, user, system, mb = (statistics.median(r[i] for r in runs) for i in range(4))
            print(f"{name:24} {command:5} {wall:6.2f} s wall {user:6.2f} s user {system:5.2f} s sys {mb:6.0f} MB", flush=True)


def time(args):
    """Wall, user and system seconds and peak megabytes of one run of secbook."""
    out = subprocess.run(
        ["/usr/bin/time", "-f", "%e %U %S %M", BIN, *args],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=600,
    )
    wall, user, system, kb = out.stderr.strip().splitlines()[-1].split()
    return float(wall), float(user), float(system), int(kb) / 1024


if __name__ == "__main__":
    if not shutil.which("/usr/bin/time") or not os.path.exists(BIN):
        sys.exit("needs /usr/bin/time and a release build (cargo build --release)")
    names = sys.argv[1:]
    if names[:1] == ["--runs"]:
        RUNS, names = int(names[1]), names[2:]
    print(f"{BIN}, load average {os.getloadavg()[0]:.1f}")
    for name in names or CASES:
        run(name)
