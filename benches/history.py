#!/usr/bin/env python3
"""What reading each record's history from git (SPEC 14) costs a build.

    python3 benches/history.py [--runs 5] [--exceptions 2000] [--commits 10]

It generates a handbook of 2,000 exceptions (`cargo run --release --example gen-site`),
and a git history in which every exception file is changed by 10 commits, one file per
commit (20,000 commits, written with `git fast-import`): each exception is created, then
edited nine times, a `tags` entry and its summary changing each time. It then builds the
handbook with and without `--history`, in alternation, and prints the median wall time of
each and their ratio. A build with history is measured cold (the kept history emptied
first), warm (kept by the build before) and after one new commit; a warm build must take
at most twice the build without. It does the same, but for the new commit, for this
repository's own example handbook, whose history is this repository's.

Outputs go to a RAM disk (/dev/shm) where there is one. Everything else lives under
target/bench/history/, the kept history too (SECBOOK_CACHE_DIR), never the user's.
"""

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "target" / "bench" / "history"
SECBOOK = ROOT / "target" / "release" / "secbook"
GEN_SITE = ROOT / "target" / "release" / "examples" / "gen-site"
# Every commit gets a fixed time, so the history, and the site, are the same on every run.
START = 1_767_225_600  # 2026-01-01T00:00:00Z


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def version(final, round_, last):
    """The exception file `final` as it was after edit `round_` of `last`."""
    if round_ == last:
        return final
    lines = final.splitlines(keepends=True)
    out = []
    for line in lines:
        if line.startswith("tags:"):
            continue
        out.append(line)
        if line.startswith("summary: |"):
            out.append(f"  Draft {round_ + 1} of the summary.\n")
    out.append(f"tags: [draft-{round_ + 1}]\n")
    return "".join(out)


def make_history(handbook, commits):
    """A git repository at `handbook` whose HEAD holds the handbook as it is, each
    exception file changed by `commits` commits."""
    shutil.rmtree(handbook / ".git", ignore_errors=True)
    run(["git", "init", "-q", "-b", "main", str(handbook)])
    exceptions = sorted((handbook / "data" / "exceptions").glob("*.yaml"))
    others = sorted(
        p
        for p in handbook.rglob("*")
        if p.is_file() and ".git" not in p.parts and p not in set(exceptions)
    )
    stream = []
    mark = 0
    when = START

    def commit(message, files):
        nonlocal mark, when
        mark += 1
        when += 600
        body = message.encode()
        stream.append(b"commit refs/heads/main\nmark :%d\n" % mark)
        stream.append(b"author Ann Author <ann@example.com> %d +0000\n" % when)
        stream.append(b"committer Ann Author <ann@example.com> %d +0000\n" % when)
        stream.append(b"data %d\n%s\n" % (len(body), body))
        if mark > 1:
            stream.append(b"from :%d\n" % (mark - 1))
        for path, text in files:
            data = text.encode()
            stream.append(b"M 100644 inline %s\ndata %d\n%s\n" % (path.encode(), len(data), data))

    commit(
        "Start the handbook",
        [(str(p.relative_to(handbook)), p.read_text()) for p in others],
    )
    finals = [(str(p.relative_to(handbook)), p.read_text()) for p in exceptions]
    for round_ in range(commits):
        for path, final in finals:
            verb = "Add" if round_ == 0 else "Update"
            commit(f"{verb} {Path(path).stem}", [(path, version(final, round_, commits - 1))])
    run(["git", "fast-import", "--quiet"], cwd=handbook, input=b"".join(stream))
    run(["git", "reset", "-q"], cwd=handbook)
    run(["git", "gc", "-q"], cwd=handbook)
    return mark


def seconds(cmd):
    """Wall and CPU (user + system) seconds of one run of `cmd`: on a shared machine the
    CPU time says more about the work than the wall time."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu


def new_commit(handbook, round_):
    """One more commit, which changes one exception file: what a build after a `git pull`
    or an edit has to read beyond the history it kept."""
    record = sorted((handbook / "data" / "exceptions").glob("*.yaml"))[round_ % 7]
    with record.open("a") as f:
        f.write(f"# reviewed in round {round_}\n")
    when = f"{START + 600 * (100_000 + round_)} +0000"
    env = dict(os.environ, GIT_AUTHOR_DATE=when, GIT_COMMITTER_DATE=when)
    ident = ["-c", "user.name=Ann Author", "-c", "user.email=ann@example.com"]
    run(["git", *ident, "commit", "-q", "-m", f"Review round {round_}", str(record)], cwd=handbook, env=env)


def compare(name, handbook, runs, out_base, commits):
    """Median wall and CPU seconds of a build of `handbook` without history, and with it:
    cold (nothing kept), warm (kept by the build before), and after one new commit.
    `commits` says whether the handbook's repository may be committed to."""
    out = Path(tempfile.mkdtemp(prefix="history-", dir=out_base))
    # Beside the output, outside the handbook: a cache folder in the handbook is not used.
    cache = out / "cache"
    os.environ["SECBOOK_CACHE_DIR"] = str(cache)
    build = [str(SECBOOK), "build", str(handbook), "-o", str(out / "site"), "--force"]
    kinds = ["without", "cold", "warm"] + (["new commit"] if commits else [])
    figures = {kind: [] for kind in kinds}
    # One warm-up of each, then alternation, so all see the same page cache.
    seconds(build)
    seconds(build + ["--history"])
    for round_ in range(runs):
        figures["without"].append(seconds(build))
        shutil.rmtree(cache, ignore_errors=True)
        figures["cold"].append(seconds(build + ["--history"]))
        figures["warm"].append(seconds(build + ["--history"]))
        if commits:
            new_commit(handbook, round_)
            figures["new commit"].append(seconds(build + ["--history"]))
    size = sum(f.stat().st_size for f in cache.iterdir())
    shutil.rmtree(out)
    median = lambda key, i: statistics.median(f[i] for f in figures[key])
    base = median("without", 0), median("without", 1)
    print(f"{name}: without history {base[0]:.2f} s (CPU {base[1]:.2f} s); kept history {size / 1e6:.1f} MB")
    for kind in kinds[1:]:
        wall, cpu = median(kind, 0), median(kind, 1)
        print(
            f"  with history, {kind}: {wall:.2f} s (CPU {cpu:.2f} s), "
            f"ratio {wall / base[0]:.2f} wall, {cpu / base[1]:.2f} CPU"
        )
    return median("warm", 0) / base[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--exceptions", type=int, default=2000)
    parser.add_argument("--commits", type=int, default=10)
    args = parser.parse_args()

    run(["cargo", "build", "--release", "--quiet", "--bin", "secbook", "--example", "gen-site"], cwd=ROOT)
    handbook = WORK / "handbook"
    shutil.rmtree(handbook, ignore_errors=True)
    WORK.mkdir(parents=True, exist_ok=True)
    run(
        [str(GEN_SITE), str(handbook), "--pages", "20", "--exceptions", str(args.exceptions), "--incidents", "0"],
        stdout=subprocess.DEVNULL,
    )
    made = make_history(handbook, args.commits)
    print(f"{args.exceptions} exceptions, {args.commits} commits each ({made} commits in all)")

    out_base = "/dev/shm" if os.path.isdir("/dev/shm") else None
    print(f"load average {os.getloadavg()[0]:.2f}")
    ratios = [
        compare("generated handbook", handbook, args.runs, out_base, commits=True),
        compare("example handbook", ROOT, args.runs, out_base, commits=False),
    ]
    print(f"load average {os.getloadavg()[0]:.2f}")
    if max(ratios) > 2:
        raise SystemExit("a warm build with history took more than twice the build without (the goal)")


if __name__ == "__main__":
    main()
