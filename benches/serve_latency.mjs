// Save-to-screen latency of `secbook serve`: saves an edit to one page, then to one
// record, several times each, and reports the median and worst time from the save to the
// reloaded page's DOMContentLoaded in headless Chromium. Every edit is undone at the end.
//
//     node benches/serve_latency.mjs HANDBOOK [--runs N]
//
// benches/bench.py runs it on the 5,000-page handbook; playwright-core comes from
// tests/browser (npm ci there first), Chromium from /usr/bin/chromium.

import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.dirname(HERE);
const { chromium } = await import(
  path.join(ROOT, "tests/browser/node_modules/playwright-core/index.mjs")
);
const SECBOOK = process.env.SECBOOK_BIN || path.join(ROOT, "target/release/secbook");
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";

const args = process.argv.slice(2);
const handbook = args.find((a) => !a.startsWith("--"));
const runsAt = args.indexOf("--runs");
const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 10;
if (!handbook) {
  console.error("usage: node benches/serve_latency.mjs HANDBOOK [--runs N]");
  process.exit(2);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function startServer() {
  const server = spawn(SECBOOK, ["serve", handbook, "--port", "0"], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  return new Promise((resolve, reject) => {
    let text = "";
    server.stderr.on("data", (chunk) => {
      text += chunk;
      const m = text.match(/http:\/\/127\.0\.0\.1:(\d+)\//);
      if (m) resolve({ server, port: Number(m[1]) });
    });
    server.on("exit", () => reject(new Error(`secbook serve exited:\n${text}`)));
  });
}

/// Saves `edit(i)` into `file` `runs` times and measures each save until `page` has
/// reloaded with `marker(i)` in it.
async function measure(page, url, file, edit, marker) {
  const original = fs.readFileSync(file, "utf8");
  const times = [];
  try {
    await page.goto(url, { timeout: 120000 });
    // Let the build of any earlier save land before the first measured one.
    await sleep(1000);
    for (let i = 0; i < runs; i++) {
      const saved = Date.now();
      fs.writeFileSync(file, edit(original, i));
      const shown = await reloadedWith(page, marker(i));
      times.push(shown - saved);
      await sleep(300);
    }
  } finally {
    fs.writeFileSync(file, original);
  }
  return times;
}

/// When `page` has reloaded with `marker` in it: the time its DOMContentLoaded ended.
async function reloadedWith(page, marker) {
  for (;;) {
    // A large register rebuilds for seconds: a minute before giving up.
    await page.waitForEvent("domcontentloaded", { timeout: 60000 });
    if ((await page.content()).includes(marker)) {
      return page.evaluate(
        () => performance.timeOrigin + performance.getEntriesByType("navigation")[0].domContentLoadedEventEnd,
      );
    }
  }
}

const { server, port } = await startServer();
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--no-first-run"],
});
try {
  const page = await browser.newPage();
  const base = `http://127.0.0.1:${port}/`;

  const contentDir = path.join(handbook, "content");
  const section = fs
    .readdirSync(contentDir, { withFileTypes: true })
    .find((e) => e.isDirectory()).name;
  const pageFile = fs
    .readdirSync(path.join(contentDir, section))
    .filter((f) => f.endsWith(".md") && f !== "_index.md")
    .sort()[0];
  const pageUrl = `${base}${section}/${pageFile.replace(/\.md$/, "")}/index.html`;
  const pageTimes = await measure(
    page,
    pageUrl,
    path.join(contentDir, section, pageFile),
    (text, i) => `${text}\nEdit number ${i} of the benchmark.\n`,
    (i) => `Edit number ${i} of the benchmark.`,
  );

  const recordDir = path.join(handbook, "data", "exceptions");
  const recordFile = fs.readdirSync(recordDir).filter((f) => f.endsWith(".yaml")).sort()[0];
  const id = recordFile.replace(/\.yaml$/, "");
  const recordTimes = await measure(
    page,
    `${base}exceptions/${id}/index.html`,
    path.join(recordDir, recordFile),
    (text, i) => text.replace(/^title: .*$/m, `title: Benchmark edit ${i}`),
    (i) => `Benchmark edit ${i}`,
  );

  const row = (what, times) =>
    `| ${what} | ${median(times).toFixed(0)} ms | ${Math.max(...times).toFixed(0)} ms | ${times.length} |`;
  console.log("| serve: save to reloaded page | median | worst | edits |");
  console.log("|---|---|---|---|");
  console.log(row(`one page (${section}/${pageFile})`, pageTimes));
  console.log(row(`one record (${id})`, recordTimes));
} finally {
  await browser.close();
  server.kill();
}
