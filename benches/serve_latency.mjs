// Save-to-screen latency of `secbook serve`: saves an edit to one page, then to one
// record, several times each, and reports the median and worst time from the save to the
// moment the open page's document holds the edit in headless Chromium: the
// DOMContentLoaded of the page reloaded, or the change that put its new HTML in place
// (serve_live.js), and how many edits showed in place. Every edit is undone at the end.
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

/// Saves `edit(i)` into `file` `runs` times and measures each save until `page` shows
/// `marker(i)`. Returns the times and how many edits showed without a reload.
async function measure(page, url, file, edit, marker) {
  const original = fs.readFileSync(file, "utf8");
  const times = [];
  let inPlace = 0;
  try {
    await page.goto(url, { timeout: 120000 });
    // Let the build of any earlier save land before the first measured one.
    await sleep(1000);
    for (let i = 0; i < runs; i++) {
      const loads = await page.evaluate((m) => {
        sessionStorage.setItem("bench-marker", m);
        sessionStorage.removeItem("bench-shown");
        return sessionStorage.getItem("bench-loads");
      }, marker(i));
      const saved = Date.now();
      fs.writeFileSync(file, edit(original, i));
      const shown = await shownAt(page);
      times.push(shown.at - saved);
      if (shown.loads === loads) inPlace++;
      await sleep(300);
    }
  } finally {
    fs.writeFileSync(file, original);
  }
  return { times, inPlace };
}

/// When the open page's document first held the marker, and how many documents the tab
/// had loaded by then. Asked until it is known: a reload may be under way.
async function shownAt(page) {
  // A large register rebuilds for seconds: a minute before giving up.
  const until = Date.now() + 60000;
  while (Date.now() < until) {
    const shown = await page
      .evaluate(() => ({ at: sessionStorage.getItem("bench-shown"), loads: sessionStorage.getItem("bench-loads") }))
      .catch(() => null);
    if (shown && shown.at) return { at: Number(shown.at), loads: shown.loads };
    await sleep(10);
  }
  throw new Error("the edit did not show within a minute");
}

/// In every document the tab loads: counts the loads, and notes the time the document
/// first holds the marker, at DOMContentLoaded or at the change that brought it.
function noteShown() {
  sessionStorage.setItem("bench-loads", String(Number(sessionStorage.getItem("bench-loads")) + 1));
  const note = () => {
    const marker = sessionStorage.getItem("bench-marker");
    if (marker && !sessionStorage.getItem("bench-shown") && document.body?.textContent.includes(marker)) {
      sessionStorage.setItem("bench-shown", String(performance.timeOrigin + performance.now()));
    }
  };
  document.addEventListener("DOMContentLoaded", () => {
    note();
    new MutationObserver(note).observe(document.documentElement, { childList: true, subtree: true });
  });
}

const { server, port } = await startServer();
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--no-first-run"],
});
try {
  const page = await browser.newPage();
  await page.addInitScript(noteShown);
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

  const row = (what, { times, inPlace }) =>
    `| ${what} | ${median(times).toFixed(0)} ms | ${Math.max(...times).toFixed(0)} ms | ${times.length} | ${inPlace} |`;
  console.log("| serve: save to the page showing it | median | worst | edits | shown in place |");
  console.log("|---|---|---|---|---|");
  console.log(row(`one page (${section}/${pageFile})`, pageTimes));
  console.log(row(`one record (${id})`, recordTimes));
} finally {
  await browser.close();
  server.kill();
}
