// Time from navigation to DOMContentLoaded of built pages opened from file:// in headless
// Chromium, as a reader opening the site from disk sees it: each page loaded in a fresh
// browser context (nothing cached), several times, the median and the worst reported.
//
//     node benches/dom_ready.mjs SITE PAGE... [--runs N]
//
// PAGE is a path below SITE, such as exceptions/index.html. Prints one line per page:
// `PAGE median_ms worst_ms bytes`. benches/bench.py runs it on the large register;
// playwright-core comes from tests/browser (npm ci there first), Chromium from
// /usr/bin/chromium. No request leaves the machine: the pages load only files.

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.dirname(HERE);
const { chromium } = await import(
  path.join(ROOT, "tests/browser/node_modules/playwright-core/index.mjs")
);
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";

const args = process.argv.slice(2);
const runsAt = args.indexOf("--runs");
const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 5;
const rest = args.filter((a, i) => !a.startsWith("--") && i !== runsAt + 1);
const [site, ...pages] = rest;
if (!site || pages.length === 0) {
  console.error("usage: node benches/dom_ready.mjs SITE PAGE... [--runs N]");
  process.exit(2);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
});
try {
  for (const rel of pages) {
    const file = path.join(site, rel);
    const url = pathToFileURL(file).href;
    const times = [];
    for (let i = 0; i < runs; i++) {
      const context = await browser.newContext();
      await context.route(/^(?!file:)/, (route) => route.abort());
      const page = await context.newPage();
      await page.goto(url, { waitUntil: "domcontentloaded", timeout: 120000 });
      times.push(
        await page.evaluate(() => performance.getEntriesByType("navigation")[0].domContentLoadedEventEnd),
      );
      await context.close();
    }
    console.log(`${rel} ${median(times).toFixed(0)} ${Math.max(...times).toFixed(0)} ${fs.statSync(file).size}`);
  }
} finally {
  await browser.close();
}
