#!/usr/bin/env python3
"""CPU time of `secbook serve`'s rebuild after a record or page edit, for two binaries.

    python3 benches/serve_cpu.py OLD NEW ROUNDS EDITS HANDBOOK [--page] [--rename]

Starts `serve` with each binary in turn (the order alternates by round), saves a new title
into HANDBOOK's data/exceptions/EXC-00000.yaml (with --page, a line at the end of
content/section-000/page-00000.md, as serve_latency.mjs does) EDITS times (with --rename,
into a temporary file renamed over it, as vim and sed -i save), waits for each "built in" line,
and reads the server's user and system time from /proc/PID/stat around each rebuild. CPU
time moves much less with the machine's load than wall time, so two revisions compare on it
even while other jobs run. Prints the median CPU time and save-to-built wall time of each.
The edited file is restored after each server stops. Use a copy of a generated handbook
(`gen-site DIR --pages 200 --exceptions 20000 --incidents 5000`).
"""
import os
import re
import statistics
import subprocess
import sys
import time

old, new, rounds, edits, handbook = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
page = "--page" in sys.argv[6:]
rename = "--rename" in sys.argv[6:]
record = os.path.join(handbook, "content/section-000/page-00000.md" if page else "data/exceptions/EXC-00000.yaml")
original = open(record).read()
tick = os.sysconf("SC_CLK_TCK")


def cpu(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / tick


results = {"old": [], "new": []}
for r in range(rounds):
    order = (("old", old), ("new", new)) if r % 2 == 0 else (("new", new), ("old", old))
    for name, binary in order:
        server = subprocess.Popen([binary, "serve", handbook, "--port", "0"], stderr=subprocess.STDOUT, stdout=subprocess.PIPE, text=True)

        def wait_for(pattern):
            while True:
                line = server.stdout.readline()
                if not line:
                    raise SystemExit("serve ended")
                if re.search(pattern, line):
                    return line

        try:
            wait_for("serving")
            time.sleep(1)
            for i in range(edits):
                cpu_before, saved = cpu(server.pid), time.perf_counter()
                if page:
                    edited = f"{original}\nEdit number {r} {i} of the benchmark.\n"
                else:
                    edited = re.sub(r"^title: .*$", f"title: Benchmark edit {r} {i}", original, flags=re.M)
                if rename:
                    temporary = os.path.join(os.path.dirname(record), ".benchmark-save")
                    open(temporary, "w").write(edited)
                    os.rename(temporary, record)
                else:
                    open(record, "w").write(edited)
                wait_for("built in")
                built = time.perf_counter()
                time.sleep(0.3)
                results[name].append((cpu(server.pid) - cpu_before, built - saved))
        finally:
            server.terminate()
            server.wait()
            open(record, "w").write(original)

for name in ("old", "new"):
    runs = results[name]
    print(f"{name}: CPU per rebuild {statistics.median(c for c, _ in runs):.3f} s, save to built {1000 * statistics.median(w for _, w in runs):.0f} ms, {len(runs)} edits")
