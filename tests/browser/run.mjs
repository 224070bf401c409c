// Real-browser end-to-end test of the example handbook (this repository's root), in
// Debian's headless Chromium driven by playwright-core. Run by .ci/run after `cargo test`:
//
//   cargo build && (cd tests/browser && npm ci && node run.mjs)
//
// It builds the handbook with the debug binary (or $SECBOOK_BIN), then runs the same checks
// twice: over the built site opened from file://, and over `secbook serve` on a free
// loopback port. Checks: sidebar and breadcrumb navigation, search by record id, registry
// sorting and filtering, no console errors or page errors, no request leaving the machine,
// and every href/src/action of every page resolving (on disk for file://, HTTP 200 for
// serve), and axe-core finding no accessibility violation on any kind of page in the light
// and the dark colour scheme and at a phone's width. At 390 px, with and without JavaScript:
// content first, the pages behind a menu button, wide tables scrolling in their own box.
// Finding codes on one line; metrics tables newest first and uncut; under serve, a missing
// path at any depth gets the styled 404 page. The audit report and two record pages are
// printed to PDF on A4 and Letter and laid out as printed, to find tables cut at the edge
// and headings left at a page's foot. Screenshots and PDFs go to $SECBOOK_SCREENSHOTS or a
// fresh temp folder.
// SECBOOK_AUDIENCE=NAME tests that audience's site (build and serve with --audience NAME);
// without it, the site of the handbook's default audience.
// The last line is "browser: N passed, M failed"; the exit status is 1 when any check failed.

import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { chromium } from "playwright-core";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "../..");
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const AUDIENCE = process.env.SECBOOK_AUDIENCE ? ["--audience", process.env.SECBOOK_AUDIENCE] : [];
const STARTED = Date.now();
// The whole run stays well under CI's patience; a hang fails instead of blocking CI.
const DEADLINE_MS = Number(process.env.SECBOOK_BROWSER_DEADLINE_MS || 300_000);
const ACTION_TIMEOUT_MS = 10_000;
// The flags this machine needs: without the background-networking ones Chromium tries to
// reach Google's hosts at start. The host resolver rule makes every name but loopback fail
// to resolve, so even a request the guard below missed could not leave the machine.
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
  "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
];

// axe-core, put into each page it checks, with every rule of WCAG 2.0, 2.1 and 2.2 at
// levels A and AA, and Deque's best practices.
const AXE = path.join(HERE, "node_modules", "axe-core", "axe.min.js");
const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa", "best-practice"];
/** Each kind of page is checked in each colour scheme at a desktop's width, and at a
 * phone's (390 px), where tables scroll in boxes of their own. */
const AXE_VIEWS = [
  { colorScheme: "light", width: 1280 },
  { colorScheme: "dark", width: 1280 },
  { colorScheme: "light", width: 390 },
];

/** Every kind of page the site has, one of each. `shows` must be on the page, so the page
 * still has what it stands for here; `prepare` brings it to the state a reader sees. */
const KINDS_OF_PAGE = [
  { kind: "home page", rel: "index.html", shows: [".status-summary a"] },
  { kind: "content section", rel: "incident-response/index.html", shows: ["section.children a", "nav.toc a"] },
  {
    kind: "content page with a task list and a table of contents",
    rel: "exceptions/preparation-checklist/index.html",
    shows: ["nav.toc a", "main li input[type=checkbox]"],
  },
  { kind: "content page with a table", rel: "incident-response/workflow/index.html", shows: [".prose table thead"] },
  {
    kind: "content page with an alert",
    rel: "incident-response/playbooks/leaked-secret/index.html",
    shows: ["blockquote.alert-warning .alert-title"],
  },
  { kind: "policy page", rel: "exceptions/approval-policy/index.html", shows: ["section.policy table"] },
  { kind: "exception registry", rel: "exceptions/index.html", shows: ["table[data-registry] th button.sort-button", ".registry-filters select"] },
  { kind: "incident registry", rel: "incidents/index.html", shows: ["table[data-registry] th button.sort-button", ".registry-filters select"] },
  { kind: "registry view", rel: "exceptions/by-expiry/index.html", shows: ["table[data-registry]"] },
  { kind: "exception page", rel: "exceptions/EXC-012/index.html", shows: ["dl.fields"] },
  { kind: "incident page", rel: "incidents/INC-004/index.html", shows: ["dl.fields", ".timeline li"] },
  { kind: "action items", rel: "action-items/index.html", shows: ["main table tbody tr"] },
  { kind: "owners index", rel: "owners/index.html", shows: ["main table a[href*='@example.com/']"] },
  { kind: "owner page", rel: "owners/carlos.mendes@example.com/index.html", shows: ["main table tbody tr"] },
  { kind: "metrics", rel: "metrics/index.html", shows: ["nav.toc a", ".chart svg", ".chart-data table"] },
  { kind: "status", rel: "status/index.html", shows: ["main h2"] },
  { kind: "audit", rel: "audit/index.html", shows: ["main table"] },
  {
    kind: "search with a query typed",
    rel: "search/index.html",
    shows: ["#search-results a", "header form[role=search]"],
    prepare: async (page) => {
      await page.locator("#search-input").pressSequentially("EXC-012", { delay: 15 });
      await page.locator("#search-results a").first().waitFor({ state: "visible" });
    },
  },
  { kind: "404 page", rel: "404.html", shows: ["main h1"] },
];

/** The pages printed to PDF: the auditors' report and a record of each kind. */
const PRINTED = ["audit/index.html", "exceptions/EXC-012/index.html", "incidents/INC-004/index.html", "exceptions/index.html", "action-items/index.html", "metrics/index.html"];
/** The printed pages whose sheets lie across: registers of many columns. */
const ACROSS = new Set(["exceptions/index.html", "action-items/index.html"]);

const results = [];
const cleanups = [];
// Failures with a known common cause say so, so one bug does not read as many.
const hints = [];
let screenshotDir = null;

function elapsed(since) {
  return `${((Date.now() - since) / 1000).toFixed(1)}s`;
}

class Failure extends Error {}

function assert(condition, message) {
  if (!condition) throw new Failure(message);
}

/** Runs one named check, records it, prints `ok` or `FAIL` with the reason. */
async function check(name, fn) {
  const t = Date.now();
  try {
    const note = await fn();
    results.push({ name, ok: true });
    console.log(`ok    ${name} (${elapsed(t)})${note ? ` — ${note}` : ""}`);
  } catch (e) {
    results.push({ name, ok: false });
    let why = e instanceof Failure ? e.message : (e && e.stack) || String(e);
    // Playwright's call logs can run to hundreds of lines (a page reloading in a loop).
    const lines = why.split("\n");
    if (lines.length > 40) why = [...lines.slice(0, 40), `… ${lines.length - 40} more lines`].join("\n");
    const hint = hints.find((h) => name.startsWith(h.prefix) && name !== h.from);
    if (hint) why += `\n(${hint.text})`;
    console.log(`FAIL  ${name} (${elapsed(t)})\n      ${why.split("\n").join("\n      ")}`);
  }
}

function listFailures(items, limit = 25) {
  const shown = items.slice(0, limit).map((s) => `  - ${s}`);
  if (items.length > limit) shown.push(`  … and ${items.length - limit} more`);
  return shown.join("\n");
}

// ---------------------------------------------------------------------------------------
// Building and serving

function secbookBinary() {
  if (process.env.SECBOOK_BIN) return path.resolve(process.env.SECBOOK_BIN);
  const built = spawnSync("cargo", ["build", "--quiet", "--bin", "secbook"], {
    cwd: ROOT,
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (built.status !== 0) throw new Error("cargo build --bin secbook failed");
  const target = process.env.CARGO_TARGET_DIR
    ? path.resolve(ROOT, process.env.CARGO_TARGET_DIR)
    : path.join(ROOT, "target");
  return path.join(target, "debug", "secbook");
}

/** A copy of the example handbook, so edits to the work tree during a run (or live
 * reloads they would cause under `serve`) cannot change what is being tested. */
function copyHandbook(into) {
  for (const name of ["handbook.yaml", "content", "data", "themes", "static"]) {
    const from = path.join(ROOT, name);
    if (fs.existsSync(from)) fs.cpSync(from, path.join(into, name), { recursive: true });
  }
  return into;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function startServe(bin, handbook) {
  let lastError = "";
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const child = spawn(bin, ["serve", handbook, "--port", String(port), "--bind", "127.0.0.1", ...AUDIENCE], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let log = "";
    child.stdout.on("data", (d) => (log += d));
    child.stderr.on("data", (d) => (log += d));
    let exited = null;
    child.on("exit", (code, signal) => (exited = { code, signal }));
    const stop = () => stopChild(child);
    cleanups.push(stop);
    const base = `http://127.0.0.1:${port}/`;
    const until = Date.now() + 60_000;
    while (Date.now() < until && !exited) {
      const r = await httpGet(base, 2000);
      if (r.status === 200) return { base, port, stop, log: () => log };
      await new Promise((r) => setTimeout(r, 100));
    }
    await stop();
    lastError = exited
      ? `secbook serve exited (${exited.code ?? exited.signal}):\n${log}`
      : `secbook serve did not answer on ${base} within 60s:\n${log}`;
  }
  throw new Failure(lastError);
}

function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill("SIGKILL"), 5000);
    child.once("exit", () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

/** A GET on a fresh connection, like curl: `{ status, body }`, or `{ error }` when there was
 * no complete answer within the time. No keep-alive, so a connection left open by one
 * request cannot hold up the next. */
function httpGet(url, timeoutMs = 10_000) {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false, timeout: timeoutMs }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", (e) => resolve({ error: `no complete answer (${e.message})` }));
    });
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
    req.on("error", (e) => resolve({ error: e.message }));
  });
}

function htmlFiles(dir) {
  const out = [];
  const walk = (d) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.name.endsWith(".html")) out.push(path.relative(dir, p).split(path.sep).join("/"));
    }
  };
  walk(dir);
  return out.sort();
}

// ---------------------------------------------------------------------------------------
// One run of every check over one way of opening the site

class Mode {
  /**
   * @param name  "file" or "serve"
   * @param base  the site's root URL, ending in "/"
   * @param site  the built site on disk (its list of pages is the crawl's list)
   */
  constructor(browser, name, base, site) {
    this.browser = browser;
    this.name = name;
    this.base = base;
    this.site = site;
    this.port = name === "serve" ? new URL(base).port : null;
    this.consoleErrors = [];
    this.consoleWarnings = [];
    this.offMachine = [];
    this.failedRequests = [];
    this.badResponses = [];
    this.requests = 0;
    // Whether the live reload check is editing the handbook (see `liveReload`).
    this.editing = false;
  }

  url(rel) {
    return new URL(rel, this.base).href;
  }

  /** Only file:// and this run's loopback server may be asked for anything. */
  allowed(u) {
    let url;
    try {
      url = new URL(u);
    } catch {
      return false;
    }
    if (url.protocol === "file:") return true;
    if (url.protocol === "data:" || url.protocol === "blob:" || url.href === "about:blank") return true;
    return (
      this.port !== null &&
      url.protocol === "http:" &&
      url.hostname === "127.0.0.1" &&
      url.port === this.port
    );
  }

  async open() {
    this.context = await this.browser.newContext({ viewport: { width: 1280, height: 900 } });
    this.context.setDefaultTimeout(ACTION_TIMEOUT_MS);
    // Intercept every request: anything not local is refused before it is sent, and noted.
    await this.context.route("**/*", (route) => {
      const u = route.request().url();
      if (this.allowed(u)) return route.continue();
      this.offMachine.push(`${u} (asked by ${route.request().frame()?.url() ?? "?"})`);
      return route.abort("blockedbyclient");
    });
    // And observe every request too, in case a scheme is not routed (file://, websockets).
    this.pending = new Map();
    const settle = (req) => this.pending.delete(req);
    this.context.on("requestfinished", settle);
    this.context.on("requestfailed", settle);
    this.context.on("request", (req) => {
      this.requests++;
      this.pending.set(req, Date.now());
      if (!this.allowed(req.url())) this.offMachine.push(`${req.url()} (observed)`);
    });
    this.context.on("requestfailed", (req) => {
      const err = req.failure()?.errorText ?? "";
      const u = new URL(req.url());
      // The live-reload long poll is cut short by every navigation; that is expected.
      if (err.includes("ERR_ABORTED") && u.pathname.startsWith("/__secbook/")) return;
      // So is a load the server's next reload cuts short, while the live reload check edits.
      if (err.includes("ERR_ABORTED") && this.editing) return;
      if (err.includes("ERR_BLOCKED_BY_CLIENT") && !this.allowed(req.url())) return;
      this.failedRequests.push(`${req.url()}: ${err} (from ${req.frame()?.url() ?? "?"})`);
    });
    this.context.on("response", (res) => {
      if (res.status() >= 400) {
        this.badResponses.push(`${res.url()}: HTTP ${res.status()} (from ${res.frame()?.url() ?? "?"})`);
      }
    });
    this.context.on("console", (msg) => {
      const where = msg.page()?.url() ?? "?";
      const loc = msg.location();
      const line = `${where}: ${msg.text()}${loc?.url ? ` [${loc.url}:${loc.lineNumber}]` : ""}`;
      if (msg.type() === "error") this.consoleErrors.push(`console.error ${line}`);
      else if (msg.type() === "warning") this.consoleWarnings.push(line);
    });
    this.context.on("weberror", (err) => {
      this.consoleErrors.push(`page error ${err.page()?.url() ?? "?"}: ${err.error()?.stack ?? err.error()}`);
    });
    this.context.on("page", (page) => {
      page.on("websocket", (ws) => {
        if (!this.allowed(ws.url().replace(/^ws/, "http"))) this.offMachine.push(`${ws.url()} (websocket)`);
      });
    });
    this.page = await this.context.newPage();
  }

  async close() {
    await this.context?.close();
  }

  async goto(rel) {
    const target = this.url(rel);
    try {
      await this.page.goto(target, { waitUntil: "load" });
    } catch (e) {
      throw new Failure(`${e.message.split("\n")[0]}\n${this.stuck()}`);
    }
    return target;
  }

  /** What the browser is still waiting for, to explain a timeout. */
  stuck() {
    const now = Date.now();
    const waiting = [...this.pending.entries()].map(([req, since]) => `${req.method()} ${req.url()} (${now - since} ms)`);
    return waiting.length ? `requests still pending:\n${listFailures(waiting)}` : "no request pending";
  }

  /** The URL of the current page without query, for comparing with expected pages. */
  here() {
    const u = new URL(this.page.url());
    u.search = "";
    u.hash = "";
    return u.href;
  }

  async h1() {
    return (await this.page.locator("main h1").first().innerText()).trim();
  }

  // -- navigation ------------------------------------------------------------------------

  async navigation() {
    const p = this.page;
    await check(`[${this.name}] navigation: sidebar link, then a nested sidebar link`, async () => {
      await this.goto("index.html");
      // A top-level section in the sidebar that is not the current page.
      const top = p.locator("aside.sidebar nav a:not([aria-current])").last();
      const topText = (await top.innerText()).trim();
      const topHref = await top.evaluate((a) => a.href);
      await top.click();
      await p.waitForURL(topHref);
      assert(this.here() === topHref, `clicked "${topText}" and landed on ${p.url()}, not ${topHref}`);
      assert((await this.h1()) === topText, `"${topText}" page has h1 "${await this.h1()}"`);
      const current = p.locator('aside.sidebar a[aria-current="page"]');
      assert((await current.count()) === 1, "the sidebar does not mark the current page");
      // Then a child of that section, now expanded in the sidebar.
      const child = p.locator('aside.sidebar li.current > ul a:not([aria-current])').first();
      assert((await child.count()) === 1, `the sidebar does not expand "${topText}" to its pages`);
      const childText = (await child.innerText()).trim();
      const childHref = await child.evaluate((a) => a.href);
      await child.click();
      await p.waitForURL(childHref);
      assert((await this.h1()) === childText, `"${childText}" page has h1 "${await this.h1()}"`);
      this.nested = { url: childHref, title: childText, parentUrl: topHref, parentTitle: topText };
      return `${topText} → ${childText}`;
    });

    await check(`[${this.name}] navigation: breadcrumbs lead back up`, async () => {
      assert(this.nested, "no nested page to start from (the sidebar check failed)");
      await p.goto(this.nested.url);
      const crumbs = p.locator("nav.breadcrumbs a");
      const n = await crumbs.count();
      assert(n >= 2, `a page two levels deep has ${n} breadcrumb links`);
      const parent = crumbs.nth(n - 1);
      assert(
        (await parent.innerText()).trim() === this.nested.parentTitle,
        `the last breadcrumb is "${(await parent.innerText()).trim()}", not "${this.nested.parentTitle}"`,
      );
      await parent.click();
      await p.waitForURL(this.nested.parentUrl);
      assert((await this.h1()) === this.nested.parentTitle, `breadcrumb landed on h1 "${await this.h1()}"`);
      const home = p.locator("nav.breadcrumbs a").first();
      const homeHref = await home.evaluate((a) => a.href);
      await home.click();
      await p.waitForURL(homeHref);
      assert(this.here() === this.url("index.html"), `the first breadcrumb leads to ${p.url()}, not the home page`);
      return `${this.nested.title} → ${this.nested.parentTitle} → home`;
    });
  }

  // -- search ----------------------------------------------------------------------------

  async search() {
    const p = this.page;
    const want = this.url("exceptions/EXC-012/index.html");
    await check(`[${this.name}] search: typing EXC-012 finds exceptions/EXC-012/index.html`, async () => {
      await this.goto("search/index.html");
      const input = p.locator("#search-input");
      await input.click();
      await input.pressSequentially("EXC-012", { delay: 15 });
      const hit = p.locator(`#search-results a[href$="exceptions/EXC-012/index.html"]`);
      await hit.first().waitFor({ state: "visible" });
      const first = p.locator("#search-results a").first();
      const firstHref = await first.evaluate((a) => a.href);
      assert(firstHref === want, `the first result is ${firstHref}, not ${want}`);
      const status = (await p.locator("#search-status").innerText()).trim();
      // Below it, only what says EXC-012: no record whose id is a character away.
      const rest = await p.$$eval("#search-results li", (lis) =>
        lis.slice(1).map((li) => ({
          href: li.querySelector("a").getAttribute("href"),
          marks: [...li.querySelectorAll(".search-snippet mark")].map((m) => m.textContent.toLowerCase()),
        })),
      );
      const neighbours = rest.filter((r) => /(exceptions|incidents)\/[A-Z]+-\d+\//.test(r.href) && !r.marks.includes("exc-012"));
      assert(!neighbours.length, `results that do not say EXC-012: ${neighbours.map((r) => r.href).join(", ")}`);
      await first.click();
      await p.waitForURL(want);
      const h1 = await this.h1();
      assert(h1.includes("EXC-012") || (await p.title()).includes("EXC-012"), `result led to a page titled "${h1}"`);
      return `"${status}", first result opens "${h1}"`;
    });

    // A word past the first 1,500 characters of a long runbook, which the index once cut.
    const word = "heightened";
    const runbook = "incident-response/runbook/index.html";
    await check(`[${this.name}] search: "${word}", from the end of the runbook, finds it with the word marked`, async () => {
      await this.goto(runbook);
      const text = (await p.locator("main .prose").innerText()).replace(/\s+/g, " ");
      const at = text.indexOf(word);
      assert(at > 1500 && at > text.length / 2, `"${word}" is at ${at} of the runbook's ${text.length} characters, not in its second half`);
      await this.goto(`search/index.html?q=${word}`);
      const hit = p.locator(`#search-results li:has(a[href$="${runbook}"])`);
      await hit.first().waitFor({ state: "visible" });
      const marks = await hit.first().locator(".search-snippet mark").allInnerTexts();
      assert(marks.length && marks.every((m) => m.toLowerCase() === word), `the snippet marks ${JSON.stringify(marks)}`);
      const snippet = (await hit.first().locator(".search-snippet").innerText()).trim();
      assert(snippet.length < 300, `the snippet is ${snippet.length} characters`);
      return snippet;
    });

    // Letters are found however they are composed: accented, full-width.
    const typed = "ｈéｉｇｈｔｅｎｅｄ";
    await check(`[${this.name}] search: "${typed}" finds what "${word}" finds`, async () => {
      await this.goto(`search/index.html?q=${encodeURIComponent(typed)}`);
      const hit = p.locator(`#search-results li:has(a[href$="${runbook}"])`);
      await hit.first().waitFor({ state: "visible", timeout: 5000 });
      return `${await p.locator("#search-results li").count()} results`;
    });

    await check(`[${this.name}] search: the header search box submits to the search page`, async () => {
      await this.goto("exceptions/index.html");
      const box = p.locator('header form.search-box input[name="q"]');
      await box.fill("EXC-012");
      await box.press("Enter");
      await p.waitForURL((u) => u.href.includes("search/index.html") && u.search.includes("q=EXC-012"));
      assert((await p.locator("#search-input").inputValue()) === "EXC-012", "the search page did not take the query");
      await p.locator(`#search-results a[href$="exceptions/EXC-012/index.html"]`).first().waitFor();
    });
  }

  // -- registries ------------------------------------------------------------------------

  async rows() {
    return this.page.$$eval("table[data-registry] tbody tr", (trs) =>
      trs.map((tr) => ({
        id: tr.cells[0].textContent.trim(),
        hidden: tr.hidden || getComputedStyle(tr).display === "none",
        data: Object.fromEntries([...tr.attributes].filter((a) => a.name.startsWith("data-")).map((a) => [a.name.slice(5), a.value])),
        cells: [...tr.cells].map((td) => ({
          text: td.textContent.trim(),
          key: td.hasAttribute("data-sort") ? td.getAttribute("data-sort").trim() : td.textContent.trim(),
        })),
      })),
    );
  }

  async headers() {
    return this.page.$$eval("table[data-registry] thead th", (ths) =>
      ths.map((th) => ({ text: th.textContent.trim(), type: th.getAttribute("data-sort-type"), sort: th.getAttribute("aria-sort") })),
    );
  }

  async clickSort(label) {
    const button = this.page.locator("table[data-registry] thead th button", { hasText: new RegExp(`^${label}$`, "i") });
    assert((await button.count()) === 1, `no sort button "${label}" in the registry header (is registry.js loaded?)`);
    const before = this.page.url();
    await button.click();
    assert(this.page.url() === before, `sorting by ${label} navigated to ${this.page.url()}`);
    const headers = await this.headers();
    const column = headers.findIndex((h) => h.text.toLowerCase() === label.toLowerCase());
    return { column, header: headers[column] };
  }

  /** Rows are in order by the column: keys never go backwards, empty keys last. */
  assertSorted(rows, column, type, direction, label) {
    const keys = rows.map((r) => r.cells[column].key);
    const firstEmpty = keys.findIndex((k) => k === "");
    if (firstEmpty >= 0) {
      const late = keys.slice(firstEmpty).findIndex((k) => k !== "");
      assert(late < 0, `${label}: an empty value sorts before "${keys[firstEmpty + late]}" (rows ${rows.map((r) => r.id).join(" ")})`);
    }
    const filled = keys.filter((k) => k !== "");
    for (let i = 1; i < filled.length; i++) {
      const a = filled[i - 1];
      const b = filled[i];
      let c =
        type === "number" ? parseFloat(a) - parseFloat(b) : a.toLowerCase().localeCompare(b.toLowerCase(), undefined, { numeric: true });
      if (direction === "descending") c = -c;
      assert(c <= 0, `${label} ${direction}: "${a}" comes before "${b}" (keys ${filled.join(", ")})`);
    }
  }

  async registrySort(rel, plan) {
    const p = this.page;
    await check(`[${this.name}] registry sorts by column headers (${rel})`, async () => {
      await this.goto(rel);
      await p.locator("table[data-registry] thead th button.sort-button").first().waitFor({ state: "attached" }).catch(() => {
        throw new Failure(`${rel}: no sort buttons in the registry header after load; registry.js did not enhance table[data-registry]`);
      });
      const initial = await this.rows();
      assert(initial.length >= 3, `${rel}: only ${initial.length} rows`);
      const ids = initial.map((r) => r.id);
      const byId = [...ids].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
      assert(ids.join() === byId.join(), `${rel}: the page is not sorted by id as served: ${ids.join(" ")}`);

      // ID is marked ascending already, so the first click reverses it.
      await this.clickSort("ID");
      let rows = await this.rows();
      assert(rows.map((r) => r.id).join() === [...byId].reverse().join(), `ID descending gave ${rows.map((r) => r.id).join(" ")}`);
      assert((await this.headers())[0].sort === "descending", "the ID header is not aria-sort=descending");

      const notes = [];
      for (const { label, rank } of plan) {
        for (const direction of ["ascending", "descending"]) {
          const before = rows.map((r) => r.id).join();
          const { column, header } = await this.clickSort(label);
          rows = await this.rows();
          assert(header.sort === direction, `after clicking ${label}, aria-sort is "${header.sort}", not "${direction}"`);
          assert(rows.map((r) => r.id).join() !== before, `clicking ${label} (${direction}) did not change the row order`);
          this.assertSorted(rows, column, header.type, direction, label);
          if (rank) {
            // What a reader sees: the visible labels follow the documented rank order.
            const seen = rows.map((r) => r.cells[column].text).filter((t) => rank.includes(t));
            assert(seen.length === rows.length, `${label}: some cells show none of ${rank.join(", ")}: ${rows.map((r) => r.cells[column].text).join(", ")}`);
            const order = direction === "ascending" ? rank : [...rank].reverse();
            const idx = seen.map((t) => order.indexOf(t));
            assert(
              idx.every((v, i) => i === 0 || idx[i - 1] <= v),
              `${label} ${direction}: visible order ${seen.join(", ")} does not follow ${order.join(" > ")}`,
            );
          }
          assert(new Set(rows.map((r) => r.id)).size === initial.length, `sorting by ${label} lost or duplicated rows`);
        }
        notes.push(label);
      }
      return `${initial.length} rows; ID, ${notes.join(", ")} both ways`;
    });
  }

  async registryFilter(rel, filters) {
    const p = this.page;
    await check(`[${this.name}] registry filters (${rel})`, async () => {
      await this.goto(rel);
      const group = p.locator(".registry-filters");
      await group.waitFor({ state: "attached" }).catch(() => {
        throw new Failure(`${rel}: no .registry-filters after load`);
      });
      const total = (await this.rows()).length;
      const chosen = [];
      for (const name of filters) {
        const select = p.locator(`.registry-filters select[data-filter-name="${name}"]`);
        assert((await select.count()) === 1, `${rel}: no filter for ${name}`);
        const options = await select.locator("option").evaluateAll((os) => os.map((o) => o.value).filter(Boolean));
        const all = await this.rows();
        // The most common value after the ones already chosen, so the filter keeps rows.
        const visible = all.filter((r) => !r.hidden);
        const counts = options.map((v) => [v, visible.filter((r) => r.data[name] === v).length]).sort((a, b) => b[1] - a[1]);
        assert(counts.length && counts[0][1] > 0, `${rel}: the ${name} filter offers nothing among the shown rows`);
        const value = counts[0][0];
        await select.selectOption(value);
        chosen.push([name, value]);
        const rows = await this.rows();
        const expected = rows.filter((r) => chosen.every(([n, v]) => r.data[n] === v)).map((r) => r.id);
        const shown = rows.filter((r) => !r.hidden).map((r) => r.id);
        assert(shown.join() === expected.join(), `${chosen.map((c) => c.join("=")).join(" & ")} shows ${shown.join(" ")}, expected ${expected.join(" ")}`);
        const countText = (await p.locator(".registry-count").innerText()).trim();
        assert(countText.includes(String(shown.length)), `the row count says "${countText}" with ${shown.length} rows shown`);
      }
      const filtered = (await this.rows()).filter((r) => !r.hidden).length;
      // Sorting keeps the filter.
      await this.clickSort("ID");
      const afterSort = (await this.rows()).filter((r) => !r.hidden).length;
      assert(afterSort === filtered, `sorting while filtered shows ${afterSort} rows instead of ${filtered}`);
      await p.locator(".registry-filters button.clear-filters").click();
      const cleared = (await this.rows()).filter((r) => !r.hidden).length;
      assert(cleared === total, `after "Clear filters" ${cleared} of ${total} rows show`);
      return `${chosen.map((c) => c.join("=")).join(" & ")} → ${filtered} of ${total} rows; cleared → ${total}`;
    });
  }

  // -- crawl -----------------------------------------------------------------------------

  /** Raw HTML of a page as served or stored: links in it count even if a script replaces
   * them (registry.js turns header links into sort buttons). */
  async source(rel) {
    if (this.name === "file") return fs.readFileSync(path.join(this.site, rel), "utf8");
    const r = await httpGet(this.url(rel));
    if (r.status !== 200) throw new Failure(`${rel}: ${r.error ?? `HTTP ${r.status}`} when reading its source`);
    return r.body;
  }

  async crawl() {
    const pages = htmlFiles(this.site);
    const seen = new Map(); // page URL -> { ids:Set }
    const links = []; // { from, attr, raw, abs }
    let loadFailures = [];
    await check(`[${this.name}] crawl: every HTML page loads`, async () => {
      for (const rel of pages) {
        const url = this.url(rel);
        let response;
        try {
          response = await this.page.goto(url, { waitUntil: "load" });
        } catch (e) {
          loadFailures.push(`${rel}: ${e.message.split("\n")[0]}; ${this.stuck().replace(/\n\s*/g, " ")}`);
          continue;
        }
        if (this.name === "serve" && response && response.status() !== 200) {
          loadFailures.push(`${rel}: HTTP ${response.status()}`);
        }
        let raw;
        try {
          raw = await this.source(rel);
        } catch (e) {
          loadFailures.push(e.message);
          continue;
        }
        let found;
        try {
          found = await this.page.evaluate((html) => {
            const attrs = ["href", "src", "action", "poster", "data"];
            const collect = (doc, from) => {
              const out = [];
              for (const el of doc.querySelectorAll("[href],[src],[action],[poster],object[data],[srcset]")) {
                for (const attr of attrs) {
                  if (attr === "data" && el.tagName !== "OBJECT") continue;
                  const v = el.getAttribute(attr);
                  if (v !== null) out.push({ tag: el.tagName.toLowerCase(), attr, raw: v, from });
                }
                const srcset = el.getAttribute("srcset");
                if (srcset) for (const part of srcset.split(",")) out.push({ tag: el.tagName.toLowerCase(), attr: "srcset", raw: part.trim().split(/\s+/)[0], from });
              }
              return out;
            };
            const parsed = new DOMParser().parseFromString(html, "text/html");
            // 404.html's fallback without JavaScript points at the host's path of the site
            // (base_url), which a copy on disk does not have; the 404 check follows it.
            if (location.protocol === "file:" && /\/404\.html$/.test(location.pathname)) {
              for (const n of parsed.querySelectorAll("noscript")) n.remove();
            }
            const all = [...collect(parsed, "source"), ...collect(document, "dom")];
            const ids = new Set();
            for (const doc of [parsed, document]) {
              for (const el of doc.querySelectorAll("[id]")) ids.add(el.id);
              for (const el of doc.querySelectorAll("a[name]")) ids.add(el.getAttribute("name"));
            }
            return {
              ids: [...ids],
              links: all.map((l) => {
                let abs = null;
                try {
                  abs = new URL(l.raw, location.href).href;
                } catch {
                  /* reported as unresolvable */
                }
                return { ...l, abs };
              }),
            };
          }, raw);
        } catch (e) {
          loadFailures.push(`${rel}: ${e.message.split("\n")[0]}`);
          continue;
        }
        seen.set(this.here(), { ids: new Set(found.ids) });
        for (const l of found.links) links.push({ page: rel, ...l });
      }
      assert(loadFailures.length === 0, `${loadFailures.length} of ${pages.length} pages did not load:\n${listFailures(loadFailures)}`);
      return `${pages.length} pages`;
    });

    await check(`[${this.name}] links: every href/src/action on every page resolves`, async () => {
      const broken = [];
      const targets = new Map(); // URL without fragment -> [link]
      let skipped = 0;
      for (const l of links) {
        if (/^(mailto|tel):/i.test(l.raw)) {
          skipped++;
          continue;
        }
        if (l.raw.trim() === "") {
          broken.push({ page: l.page, what: `empty ${l.attr} on <${l.tag}>` });
          continue;
        }
        if (!l.abs) {
          broken.push({ page: l.page, what: `${l.attr}="${l.raw}" is not a URL` });
          continue;
        }
        const u = new URL(l.abs);
        if (!this.allowed(u.href) || u.protocol === "data:" || u.protocol === "blob:") {
          if (u.protocol !== "data:") broken.push({ page: l.page, what: `${l.attr}="${l.raw}" leaves the site (${u.protocol})` });
          continue;
        }
        const hash = u.hash;
        u.hash = "";
        u.search = "";
        const key = u.href;
        if (!targets.has(key)) targets.set(key, []);
        targets.get(key).push({ ...l, hash });
      }
      const siteRoot = path.resolve(this.site) + path.sep;
      const checkTarget = async ([target, uses]) => {
        let ok = true;
        let why = "";
        if (this.name === "file") {
          const file = fileURLToPath(target);
          if (!file.startsWith(siteRoot)) {
            ok = false;
            why = "points outside the built site";
          } else if (!fs.existsSync(file)) {
            ok = false;
            why = "no such file";
          } else if (!fs.statSync(file).isFile()) {
            ok = false;
            why = "is a folder (from file:// a browser shows a listing, not the page)";
          }
        } else {
          const r = await httpGet(target);
          if (r.status !== 200) {
            ok = false;
            why = r.error ?? `HTTP ${r.status}`;
          }
        }
        if (!ok) {
          const from = [...new Set(uses.map((u) => u.page))];
          for (const page of from) broken.push({ page, what: `${target.replace(this.base, "")}: ${why} (linked as "${uses[0].raw}")` });
          return;
        }
        // A fragment must name an element of the page it points to.
        for (const use of uses) {
          if (!use.hash || use.hash === "#") continue;
          const page = seen.get(target);
          if (!page) continue; // not an HTML page of the site (an SVG, a feed)
          const id = decodeURIComponent(use.hash.slice(1));
          if (!page.ids.has(id)) broken.push({ page: use.page, what: `${use.attr}="${use.raw}": no element with id "${id}" on ${target.replace(this.base, "")}` });
        }
      };
      const queue = [...targets.entries()];
      await Promise.all(Array.from({ length: 8 }, async () => {
        while (queue.length) await checkTarget(queue.shift());
      }));
      // One line per problem, with the pages it is on.
      const byProblem = new Map();
      for (const b of broken) {
        if (!byProblem.has(b.what)) byProblem.set(b.what, new Set());
        byProblem.get(b.what).add(b.page);
      }
      const lines = [...byProblem.entries()].map(([what, pages]) => {
        const list = [...pages];
        return `${what} — on ${list.slice(0, 3).join(", ")}${list.length > 3 ? ` and ${list.length - 3} more pages` : ""}`;
      });
      assert(lines.length === 0, `${lines.length} broken links:\n${listFailures(lines)}`);
      return `${links.length} links (${targets.size} distinct targets) on ${seen.size} pages; ${skipped} mailto/tel not followed`;
    });
  }

  // -- accessibility ---------------------------------------------------------------------

  /** axe-core's findings on the open page: its violations, `{ id, impact, help, targets }`
   * each, and how many elements it could not decide on, by rule. */
  async axe() {
    await this.page.addScriptTag({ path: AXE });
    // axe-core fetches the style sheets to read rules a page cannot read itself; a page
    // from file:// may not fetch, and Chromium logs each refusal as an error.
    const preload = this.name !== "file";
    return this.page.evaluate(async ({ tags, preload }) => {
      const found = await window.axe.run(document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations", "incomplete"], preload });
      return {
        violations: found.violations.map((v) => ({
          id: v.id,
          impact: v.impact,
          help: v.help,
          targets: v.nodes.map((n) => n.target.join(" ")),
        })),
        undecided: found.incomplete.map((v) => [v.id, v.nodes.length]),
      };
    }, { tags: AXE_TAGS, preload });
  }

  /** Each kind of page in each colour scheme, as loaded and enhanced by its scripts. */
  async accessibility() {
    for (const { kind, rel, shows, prepare } of KINDS_OF_PAGE) {
      await check(`[${this.name}] axe-core: no violations on the ${kind} (${rel})`, async () => {
        const found = [];
        const undecided = new Map();
        let nodes = 0;
        try {
          for (const { colorScheme, width } of AXE_VIEWS) {
            await this.page.setViewportSize({ width, height: 900 });
            await this.page.emulateMedia({ media: "screen", colorScheme });
            await this.goto(rel);
            if (prepare) await prepare(this.page);
            for (const selector of shows) {
              const n = await this.page.locator(selector).count();
              assert(n > 0, `${rel} has no ${selector}: it no longer shows what it is checked for as the ${kind}`);
            }
            const { violations, undecided: unsure } = await this.axe();
            for (const [id, n] of unsure) undecided.set(id, (undecided.get(id) ?? 0) + n);
            for (const v of violations) {
              nodes += v.targets.length;
              const targets = v.targets.length > 10 ? [...v.targets.slice(0, 10), `… and ${v.targets.length - 10} more`] : v.targets;
              found.push(`${v.id} (${v.impact}) on ${rel}, ${colorScheme}, ${width} px: ${v.help}\n    ${targets.join("\n    ")}`);
            }
          }
        } finally {
          await this.page.setViewportSize({ width: 1280, height: 900 });
          await this.page.emulateMedia({ media: "screen", colorScheme: "light" });
        }
        assert(found.length === 0, `${found.length} rule violations on ${nodes} elements:\n${listFailures(found)}`);
        // Not failures: what axe-core leaves to a person, such as the contrast of text in an SVG.
        const unsure = [...undecided].map(([id, n]) => `${id} on ${n}`).join(", ");
        return `${AXE_VIEWS.map((v) => `${v.colorScheme} at ${v.width} px`).join(", ")}${unsure ? `; undecided by axe-core: ${unsure}` : ""}`;
      });
    }
  }

  // -- what the whole run saw ------------------------------------------------------------

  async hygiene() {
    await check(`[${this.name}] no console errors, page errors or failed requests`, async () => {
      const all = [...new Set([...this.consoleErrors, ...this.failedRequests, ...this.badResponses])];
      assert(all.length === 0, `${all.length} problems:\n${listFailures(all)}`);
      const warnings = [...new Set(this.consoleWarnings)];
      return warnings.length ? `${warnings.length} console warnings (not failing):\n${listFailures(warnings, 5)}` : "";
    });
    await check(`[${this.name}] no request leaves the machine`, async () => {
      const off = [...new Set(this.offMachine)];
      assert(off.length === 0, `${off.length} requests to other hosts:\n${listFailures(off)}`);
      assert(this.requests > 0, "no request was observed at all: the observer is not working");
      return `${this.requests} requests, all to ${this.name === "file" ? "file://" : `127.0.0.1:${this.port}`}`;
    });
  }

  // -- serve only ------------------------------------------------------------------------

  async status() {
    const r = await httpGet(this.url("__secbook/status"));
    if (r.status !== 200) throw new Failure(`/__secbook/status: ${r.error ?? `HTTP ${r.status}`}`);
    return JSON.parse(r.body);
  }

  /** Nothing changes, so nothing is rebuilt and no open page reloads. */
  async idle() {
    await check(`[${this.name}] an idle server does not rebuild (open pages are not reloaded)`, async () => {
      await new Promise((r) => setTimeout(r, 500));
      const before = (await this.status()).version;
      await new Promise((r) => setTimeout(r, 2000));
      const after = (await this.status()).version;
      if (after !== before) {
        hints.push({
          prefix: `[${this.name}]`,
          from: `[${this.name}] an idle server does not rebuild (open pages are not reloaded)`,
          text: "may be a consequence of the rebuild loop: see the idle-server check",
        });
      }
      assert(
        after === before,
        `secbook serve rebuilt ${after - before} times in 2 s with no change to the handbook ` +
          `(/__secbook/status version ${before} → ${after}), so every open page reloads over and over`,
      );
    });
  }

  /** An edit to the open page shows in it in place (the page is not reloaded and keeps
   * its scroll position); an edit to another page's text leaves it alone; an edit to the
   * style sheet reloads it, as does any edit a page that runs a script of its own shows; a
   * broken edit shows the build error over the page, and fixing it takes the overlay away.
   * Restores the files in any case. */
  async liveReload(handbook) {
    const p = this.page;
    await check(`[${this.name}] live reload: an edit shows in place, another page's edit leaves the page alone, a style sheet edit or a scripted page reloads, a broken edit shows the error overlay`, async () => {
      const file = path.join(handbook, "content", "_index.md");
      const other = path.join(handbook, "content", "incident-response", "privilege.md");
      const record = path.join(handbook, "data", "exceptions", "EXC-001.yaml");
      const css = path.join(handbook, "themes", "default", "static", "style.css");
      const originals = new Map([file, other, record, css].map((f) => [f, fs.readFileSync(f, "utf8")]));
      const original = originals.get(file);
      const title = /^title: (.*)$/m.exec(original)?.[1];
      assert(title, `no title: line in ${file}`);
      // A mark on the document: a reload makes a new one, without it.
      const mark = () => p.evaluate(() => { window.secbookTestMark = true; });
      const marked = () => p.evaluate(() => window.secbookTestMark === true);
      // Asks `done` until it holds, for 15 s at most.
      const until = async (done, failure) => {
        const end = Date.now() + 15_000;
        while (!(await done())) {
          assert(Date.now() < end, failure);
          await new Promise((r) => setTimeout(r, 50));
        }
      };
      // Each save is a build; a build that lands while the page still loads after the
      // last one reloads it again, cutting that load short.
      this.editing = true;
      try {
        try {
          await p.setViewportSize({ width: 390, height: 500 });
          await this.goto("index.html");
          await p.evaluate(() => window.scrollTo(0, 150));
          const scrolled = await p.evaluate(() => window.scrollY);
          assert(scrolled > 0, "the home page does not scroll at 390 × 500, so keeping its place is not tested");
          await mark();
          const edited = `${title} (edited in the browser test)`;
          fs.writeFileSync(file, original.replace(/^title: .*$/m, `title: ${edited}`));
          await p.waitForFunction((t) => document.querySelector("main h1")?.textContent.trim() === t, edited, { timeout: 15_000 });
          assert(await marked(), "the page reloaded for an edit to its own HTML, which it takes in place");
          // So is the print style sheet that names it on each printed sheet.
          const margins = await p.evaluate(() => document.querySelector('style[media="print"]')?.textContent ?? "");
          assert(margins.includes(edited), `the page's print margins were not taken in place: ${margins}`);
          const kept = await p.evaluate(() => window.scrollY);
          assert(kept === scrolled, `the page did not keep its place: scrolled to ${scrolled}, then at ${kept}`);

          const before = (await this.status()).version;
          fs.writeFileSync(other, `${originals.get(other)}\nA paragraph added by the browser test.\n`);
          await until(async () => (await this.status()).version > before, "no build within 15 s of the edit");
          await p.waitForTimeout(300);
          assert(await marked(), "an edit to another page's text reloaded this one");

          // A style sheet changed: the page's HTML did not, but it must reload to show it.
          fs.writeFileSync(css, `${originals.get(css)}\n/* edited by the browser test */\n`);
          // While the reload is under way the page cannot be asked: it counts as not yet.
          await until(
            async () => !(await marked().catch(() => true)),
            "the page did not reload within 15 s of an edit to its style sheet",
          );

          await this.goto("exceptions/index.html");
          await mark();
          const renamed = "Renamed by the browser test";
          fs.writeFileSync(record, originals.get(record).replace(/^title: .*$/m, `title: ${renamed}`));
          await p.waitForFunction((t) => document.body.textContent.includes(t), renamed, { timeout: 15_000 });
          assert(!(await marked()), "the registry, which runs a script, took its new HTML in place rather than reload");

          await this.goto("index.html");
          // A front matter that cannot be parsed: the page stays, the error shows over it.
          fs.writeFileSync(file, original.replace(/^title: .*$/m, "title: [unclosed"));
          const overlay = p.locator("#secbook-overlay");
          await overlay.waitFor({ state: "visible", timeout: 15_000 });
          const report = await overlay.innerText();
          assert(report.includes("_index.md"), `the overlay does not name the broken file:\n${report.slice(0, 400)}`);
          assert((await this.h1()) === edited, "the page under the overlay is not the last good build");
        } finally {
          for (const [f, text] of originals) fs.writeFileSync(f, text);
          await p.setViewportSize({ width: 1280, height: 900 });
        }
        await p.waitForFunction((t) => document.querySelector("main h1")?.textContent.trim() === t, title, { timeout: 15_000 });
        await p.locator("#secbook-overlay").waitFor({ state: "detached", timeout: 5_000 });
        // Until no build has landed for half a second and the page has loaded.
        const end = Date.now() + 15_000;
        for (let seen = -1, now = (await this.status()).version; now !== seen && Date.now() < end; ) {
          await p.waitForTimeout(500);
          [seen, now] = [now, (await this.status()).version];
        }
        await p.waitForLoadState("load");
      } finally {
        this.editing = false;
      }
      return "edit → in place, scroll kept; another page's edit → no reload; style sheet → reload; registry → reload; broken edit → overlay naming content/_index.md; fixed → overlay gone";
    });
  }

  /** Request interception changes what Chromium asks for (it skips the automatic
   * /favicon.ico, for one), so a few pages are also opened in a plain context, as a person's
   * browser would, and its console must stay clean too. The host resolver rule still keeps
   * every request on this machine. */
  async plainConsole() {
    await check(`[${this.name}] no console errors in a plain browser context (no interception)`, async () => {
      const context = await this.browser.newContext({ viewport: { width: 1280, height: 900 } });
      const errors = [];
      const off = [];
      context.on("console", (msg) => {
        if (msg.type() === "error") errors.push(`${msg.page()?.url() ?? "?"}: ${msg.text()}${msg.location()?.url ? ` [${msg.location().url}]` : ""}`);
      });
      context.on("weberror", (err) => errors.push(`page error ${err.page()?.url() ?? "?"}: ${err.error()?.message ?? err.error()}`));
      context.on("request", (req) => {
        if (!this.allowed(req.url())) off.push(req.url());
      });
      try {
        const page = await context.newPage();
        for (const rel of ["index.html", "exceptions/index.html", "search/index.html?q=EXC-012", "metrics/index.html"]) {
          await page.goto(this.url(rel), { waitUntil: "load", timeout: ACTION_TIMEOUT_MS });
        }
        // The favicon request is made after load; give it a moment to be answered.
        await page.waitForTimeout(300);
      } finally {
        await context.close();
      }
      assert(off.length === 0, `requests to other hosts:\n${listFailures([...new Set(off)])}`);
      assert(errors.length === 0, `${errors.length} console errors:\n${listFailures([...new Set(errors)])}`);
    });
  }

  // -- readers: print, phone width, the 404 page -----------------------------------------

  /** Prints the audit report and a record of each kind to PDF on A4 and Letter, and lays
   * each out in the browser as it prints: the print style sheet, in columns the size of the
   * paper's printable area (CSS multi-column layout breaks pages as printing does, honouring
   * break-after and break-inside), so element boxes can be compared with page boxes. No
   * table may reach past the right edge of its page, and no heading, field label or caption
   * may end a page that its content does not start. */
  async print(dir) {
    await check(`[${this.name}] print: every sheet names the handbook, its as-of date, the page it is of and its number`, async () => {
      await this.page.emulateMedia({ media: "print", colorScheme: "light" });
      const problems = [];
      const css = await this.source("style.css");
      for (const rel of PRINTED) {
        await this.goto(rel);
        problems.push(...headProblems(rel, await printedHeads(this.page), css));
      }
      assert(problems.length === 0, listFailures(problems));
    });
    const papers = { A4: [210, 297], Letter: [215.9, 279.4] }; // mm
    for (const rel of PRINTED) {
      for (const [paper, [wMm, hMm]] of Object.entries(papers)) {
        await check(`[${this.name}] print on ${paper}: nothing cut at the right edge, no heading or label alone at a page's foot (${rel})`, async () => {
          const p = this.page;
          await p.setViewportSize({ width: 1280, height: 900 });
          await p.emulateMedia({ media: "print", colorScheme: "light" });
          await this.goto(rel);
          const pdf = await p.pdf({ format: paper, printBackground: true });
          const name = `${this.name}-${rel.replace(/\/index\.html$/, "").replace(/\W+/g, "-")}-${paper}.pdf`;
          fs.writeFileSync(path.join(dir, name), pdf);
          const printed = (pdf.toString("latin1").match(/\/Type\s*\/Page\b/g) || []).length;
          assert(printed > 0, `${name} has no page`);
          const sheets = [...pdf.toString("latin1").matchAll(/\/MediaBox\s*\[\s*[\d.]+\s+[\d.]+\s+([\d.]+)\s+([\d.]+)\s*\]/g)];
          const across = ACROSS.has(rel);
          const wrong = sheets.filter(([, w, h]) => (parseFloat(w) > parseFloat(h)) !== across).length;
          assert(wrong === 0, `${wrong} of ${sheets.length} sheets of ${name} lie ${across ? "upright" : "across"}; they should lie ${across ? "across" : "upright"}`);
          // The printable area: the paper less the margins of style.css's @page rule.
          const css = await this.source("style.css");
          const rule = /@page\s*\{\s*margin:\s*([^;}]+)/.exec(css);
          assert(rule, "style.css has no @page rule with the printed margins");
          const mm = rule[1].trim().split(/\s+/).map((v) => {
            assert(v.endsWith("mm"), `@page margin ${v} is not in mm`);
            return parseFloat(v);
          });
          const [top, right = top, bottom = top, left = right] = mm;
          const px = (v) => (v * 96) / 25.4;
          const [sheetW, sheetH] = across ? [hMm, wMm] : [wMm, hMm];
          const width = Math.floor(px(sheetW - left - right));
          const height = Math.floor(px(sheetH - top - bottom));
          await p.setViewportSize({ width, height: 900 });
          await this.goto(rel);
          const found = await p.evaluate(({ width, height }) => {
            const body = document.body;
            const pages = document.createElement("div");
            pages.style.cssText = `column-width:${width}px;column-gap:0;column-fill:auto;height:${height}px;width:${width}px;margin:0;padding:0`;
            while (body.firstChild) pages.appendChild(body.firstChild);
            body.appendChild(pages);
            body.style.margin = "0";
            const origin = pages.getBoundingClientRect().left;
            const pageOf = (x) => Math.floor((x - origin + 0.5) / width);
            const rects = (el) => [...el.getClientRects()].filter((r) => r.width > 0 || r.height > 0);
            const describe = (el) => `<${el.tagName.toLowerCase()}> "${el.textContent.trim().replace(/\s+/g, " ").slice(0, 60)}"`;
            const cut = [];
            for (const el of document.querySelectorAll("table, .table-wrap, pre, svg, img, dl")) {
              if (el.closest("svg") && el.tagName !== "svg") continue;
              for (const r of rects(el)) {
                const right = origin + (pageOf(r.left) + 1) * width;
                if (r.right > right + 1) cut.push(`${describe(el)} reaches ${Math.round(r.right - right)} px past the right edge of page ${pageOf(r.left) + 1}`);
              }
            }
            // What a heading, a label or a caption introduces: the next thing with a box.
            const next = (el) => {
              if (el.tagName === "CAPTION") return el.parentElement.querySelector("tbody tr, tr:not(:first-child)");
              for (let at = el; at && at !== pages; at = at.parentElement) {
                for (let sib = at.nextElementSibling; sib; sib = sib.nextElementSibling) if (rects(sib).length) return sib;
              }
              return null;
            };
            const alone = [];
            for (const el of document.querySelectorAll("main h1, main h2, main h3, main h4, main dt, main caption")) {
              const own = rects(el);
              let after = next(el);
              // A heading's short introduction goes with it: what follows it must be there too.
              if (/^H\d$/.test(el.tagName) && after?.tagName === "P" && after.textContent.length < 300 && next(after)) after = next(after);
              if (!own.length || !after || !rects(after).length) continue;
              const endsOn = pageOf(own[own.length - 1].left);
              const startsOn = pageOf(rects(after)[0].left);
              if (startsOn > endsOn) alone.push(`${describe(el)} ends page ${endsOn + 1}; ${describe(after)} starts page ${startsOn + 1}`);
            }
            // Nor does the footer's line take a page of its own.
            const lastOf = (els) => Math.max(...els.flatMap((el) => rects(el).map((r) => pageOf(r.left))));
            const foot = document.querySelector("footer");
            const footOn = foot && rects(foot).length ? pageOf(rects(foot)[0].left) : -1;
            if (footOn > lastOf([...document.querySelectorAll("main *")])) alone.push(`the footer takes page ${footOn + 1} alone`);
            // A table of a few columns keeps its words whole; one of many breaks them to fit.
            const broken = [];
            for (const table of document.querySelectorAll("main .prose table")) {
              if (table.rows[0].cells.length >= 7) continue;
              const walker = document.createTreeWalker(table, NodeFilter.SHOW_TEXT);
              for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                for (const word of node.data.matchAll(/[^\s\-\/]+/g)) {
                  const range = document.createRange();
                  range.setStart(node, word.index);
                  range.setEnd(node, word.index + word[0].length);
                  const lines = new Set([...range.getClientRects()].map((r) => `${pageOf(r.left)}:${Math.round(r.top)}`));
                  if (lines.size > 1) broken.push(`"${word[0]}" is broken across lines`);
                }
              }
            }
            const last = lastOf([...pages.querySelectorAll("*")]);
            return { cut, alone, broken, pages: last + 1 };
          }, { width, height });
          await p.emulateMedia({ media: "screen", colorScheme: "light" });
          await p.setViewportSize({ width: 1280, height: 900 });
          // The columns stand for the printed pages only if they break where printing does.
          assert(found.pages === printed, `laid out in ${found.pages} pages, but ${printed} printed: the check no longer paginates as Chromium prints`);
          assert(found.cut.length === 0, `cut at the right edge on ${paper}:\n${listFailures(found.cut)}`);
          assert(found.alone.length === 0, `left alone at the foot of a page on ${paper}:\n${listFailures(found.alone)}`);
          assert(found.broken.length === 0, `words broken in a table on ${paper}:\n${listFailures(found.broken)}`);
          return `${found.pages} pages laid out, ${printed} printed to ${name}`;
        });
      }
    }
  }

  /** A phone's width (390 px), with and without JavaScript: the content comes first, the
   * handbook's pages behind a menu button that opens without a script, no page wider than
   * the screen, each wide table scrolling in its own box with its first column in view, and
   * finding codes never broken at their hyphens. */
  async phone() {
    for (const javaScriptEnabled of [true, false]) {
      const how = javaScriptEnabled ? "with JavaScript" : "without JavaScript";
      await check(`[${this.name}] at 390 px ${how}: content first, the menu opens, wide tables scroll in their own box`, async () => {
        const context = await this.browser.newContext({ viewport: { width: 390, height: 844 }, javaScriptEnabled });
        const notes = [];
        try {
          await context.route("**/*", (route) => (this.allowed(route.request().url()) ? route.continue() : route.abort("blockedbyclient")));
          const page = await context.newPage();
          const problems = [];
          let scrolled = 0;
          for (const { rel } of KINDS_OF_PAGE) {
            await page.goto(this.url(rel), { waitUntil: "load" });
            const seen = await page.evaluate(() => {
              const nav = document.querySelector("aside.sidebar nav");
              const out = {
                width: document.documentElement.scrollWidth,
                main: document.querySelector("main").getBoundingClientRect().top,
                navShown: !!nav && nav.checkVisibility(),
                hasMenu: !!document.querySelector("details.nav-menu > summary"),
                boxes: [],
              };
              for (const el of document.querySelectorAll("main *")) {
                const style = getComputedStyle(el);
                if (!/(auto|scroll)/.test(style.overflowX) || el.scrollWidth <= el.clientWidth + 1) continue;
                const first = el.querySelector("tbody tr > :first-child");
                out.boxes.push({
                  what: `${el.tagName.toLowerCase()}.${[...el.classList].join(".")}`,
                  focusable: el.tabIndex >= 0,
                  named: !!(el.getAttribute("aria-label") || el.getAttribute("aria-labelledby")),
                  sticky: !first || getComputedStyle(first).position === "sticky",
                });
              }
              return out;
            });
            if (seen.width > 390) problems.push(`${rel}: the page is ${seen.width} px wide`);
            if (seen.navShown) problems.push(`${rel}: the sidebar's pages are shown before the content`);
            if (!seen.hasMenu) problems.push(`${rel}: no menu button for the handbook's pages`);
            if (seen.main > 844 / 2) problems.push(`${rel}: the content starts ${seen.main} px down`);
            for (const b of seen.boxes) {
              scrolled++;
              if (!b.focusable || !b.named) problems.push(`${rel}: ${b.what} scrolls but cannot take the focus or has no name`);
              if (!b.sticky) problems.push(`${rel}: ${b.what} scrolls its first column away`);
            }
          }
          // The menu opens by itself, scripts or not, and shows the pages.
          await page.goto(this.url("index.html"), { waitUntil: "load" });
          await page.locator("details.nav-menu > summary").click();
          const link = page.locator("aside.sidebar nav a").first();
          if (!(await link.isVisible())) problems.push("the menu button does not show the handbook's pages");
          // A wide table scrolls while its first column stays where it was.
          await page.goto(this.url("exceptions/index.html"), { waitUntil: "load" });
          const kept = await page.evaluate(() => {
            const wrap = document.querySelector(".table-wrap");
            const cell = wrap.querySelector("tbody tr > :first-child");
            const before = cell.getBoundingClientRect().left;
            wrap.scrollLeft = wrap.scrollWidth;
            return { moved: wrap.scrollLeft, drift: Math.abs(cell.getBoundingClientRect().left - before) };
          });
          if (kept.moved === 0) problems.push("exceptions/index.html: the registry does not scroll at 390 px");
          else if (kept.drift > 1) problems.push(`exceptions/index.html: the first column moved ${kept.drift} px when the table scrolled`);
          assert(problems.length === 0, listFailures(problems));
          notes.push(`${KINDS_OF_PAGE.length} pages, ${scrolled} scrolling boxes`);
        } finally {
          await context.close();
        }
        return notes.join("; ");
      });
    }
  }

  /** A finding code is one word: on the pages that list them, at 1280 and at 390 px, each
   * stays on one line. */
  async findingCodes() {
    await check(`[${this.name}] finding codes never wrap at a hyphen (1280 and 390 px)`, async () => {
      const p = this.page;
      const broken = [];
      let codes = 0;
      try {
        for (const width of [1280, 390]) {
          await p.setViewportSize({ width, height: 900 });
          for (const rel of ["status/index.html", "exceptions/EXC-016/index.html", "exceptions/approval-policy/index.html", "audit/index.html", "owners/martin.feld@example.com/index.html"]) {
            await this.goto(rel);
            const found = await p.evaluate(() =>
              [...document.querySelectorAll("main code")]
                .filter((c) => /^(exception|incident|page)\.[a-z-]+$/.test(c.textContent.trim()))
                .map((c) => ({ text: c.textContent.trim(), lines: c.getClientRects().length })),
            );
            codes += found.length;
            for (const f of found) if (f.lines > 1) broken.push(`${rel} at ${width} px: ${f.text} on ${f.lines} lines`);
          }
        }
      } finally {
        await p.setViewportSize({ width: 1280, height: 900 });
      }
      assert(codes > 0, "no finding code found on the pages that list them");
      assert(broken.length === 0, listFailures([...new Set(broken)]));
      return `${codes} codes`;
    });
  }

  /** The metrics tables show the newest period first, and every column, at full width. */
  async metricsTables() {
    await check(`[${this.name}] metrics: tables list the newest month first and no column is cut off`, async () => {
      await this.goto("metrics/index.html");
      const tables = await this.page.evaluate(() =>
        [...document.querySelectorAll(".chart-data")].map((box) => ({
          caption: box.querySelector("caption")?.textContent.trim(),
          cut: box.scrollWidth > box.clientWidth + 1,
          periods: [...box.querySelectorAll("table")]
            .filter((t) => /^(Month|Quarter|Year)/.test(t.querySelector("thead th")?.textContent.trim() ?? ""))
            .map((t) => [...t.querySelectorAll("tbody th")].map((th) => th.textContent.trim())),
        })),
      );
      const problems = [];
      let periodTables = 0;
      for (const t of tables) {
        if (t.cut) problems.push(`${t.caption}: its table is cut off at the right`);
        for (const labels of t.periods) {
          periodTables++;
          const sorted = [...labels].sort().reverse();
          if (labels.join() !== sorted.join()) problems.push(`${t.caption}: not newest first (${labels.slice(0, 3).join(", ")}, …)`);
        }
      }
      assert(periodTables >= 4, `only ${periodTables} tables over months`);
      assert(problems.length === 0, listFailures(problems));
      return `${tables.length} tables, ${periodTables} over months`;
    });
  }

  /** `serve` answers a missing path at any depth with the site's own 404 page, status 404,
   * styled and linking home from there, with JavaScript and (by a plain link) without. */
  async notFound() {
    for (const javaScriptEnabled of [true, false]) {
      const how = javaScriptEnabled ? "with JavaScript" : "without JavaScript";
      await check(`[${this.name}] a missing path at any depth gets the site's 404 page, styled, linking home (${how})`, async () => {
        const context = await this.browser.newContext({ viewport: { width: 1280, height: 900 }, javaScriptEnabled });
        try {
          const page = await context.newPage();
          const failed = [];
          page.on("response", (r) => {
            if (r.status() >= 400 && r.request().resourceType() !== "document") failed.push(`${r.url()}: HTTP ${r.status()}`);
          });
          const response = await page.goto(this.url("exceptions/EXC-999/gone/deeper/"), { waitUntil: "load" });
          assert(response.status() === 404, `HTTP ${response.status()}, not 404`);
          assert((await page.locator("main h1").innerText()).trim() === "Page not found", "not the site's 404 page");
          const styled = await page.evaluate(() => getComputedStyle(document.querySelector(".top")).display === "flex");
          assert(styled, "the 404 page has no style sheet at this depth");
          assert(failed.length === 0, `requests that failed from the 404 page:\n${listFailures(failed)}`);
          const home = page.locator(javaScriptEnabled ? "main .home-link a" : "main noscript a");
          await home.click();
          await page.waitForLoadState("load");
          assert(new URL(page.url()).pathname.replace(/index\.html$/, "") === "/", `the link home led to ${page.url()}`);
          return `home from ${this.url("exceptions/EXC-999/gone/deeper/")}`;
        } finally {
          await context.close();
        }
      });
    }
  }

  // -- screenshots -----------------------------------------------------------------------

  async screenshots(dir) {
    await check(`[${this.name}] screenshots`, async () => {
      const p = this.page;
      const shots = [];
      const shot = async (file, rel, { media = "screen", fullPage = true, prepare } = {}) => {
        await p.emulateMedia({ media, colorScheme: "light" });
        await this.goto(rel);
        if (prepare) await prepare();
        const out = path.join(dir, `${this.name}-${file}.png`);
        await p.screenshot({ path: out, fullPage });
        shots.push(path.basename(out));
      };
      await shot("home", "index.html");
      await shot("exception", "exceptions/EXC-012/index.html");
      await shot("registry", "exceptions/index.html");
      await shot("registry-sorted-filtered", "exceptions/index.html", {
        fullPage: false,
        prepare: async () => {
          await this.clickSort("Severity");
          await p.locator('.registry-filters select[data-filter-name="state"]').selectOption("active");
        },
      });
      await shot("incidents", "incidents/index.html", { fullPage: false });
      await shot("metrics", "metrics/index.html");
      await shot("status", "status/index.html");
      await shot("audit-print", "audit/index.html", { media: "print" });
      await shot("search", "search/index.html?q=EXC-012", { fullPage: false });
      await shot("toc-tasks", "exceptions/preparation-checklist/index.html", { fullPage: false });
      await p.setViewportSize({ width: 390, height: 844 });
      await shot("home-narrow", "index.html", { fullPage: false });
      await shot("toc-tasks-narrow", "exceptions/preparation-checklist/index.html", { fullPage: false });
      await shot("registry-narrow", "exceptions/index.html", { fullPage: false });
      await p.setViewportSize({ width: 1280, height: 900 });
      await p.emulateMedia({ media: "screen", colorScheme: "dark" });
      await this.goto("exceptions/EXC-012/index.html");
      await p.screenshot({ path: path.join(dir, `${this.name}-exception-dark.png`), fullPage: false });
      shots.push(`${this.name}-exception-dark.png`);
      await p.emulateMedia({ media: "screen", colorScheme: "light" });
      return `${shots.length} in ${dir}`;
    });
  }
}

/** Proves the request guard sees and stops a request to another host, so its "no request
 * leaves the machine" means something. The name is in .invalid, which never resolves, and
 * the request is refused before it is sent anyway. */
async function guardSelfTest(browser, mode) {
  await check("[guard] an off-machine request is caught and refused (self-test)", async () => {
    const probe = new Mode(browser, "file", mode.base, mode.site);
    await probe.open();
    try {
      await probe.goto("index.html");
      await probe.page.evaluate(async () => {
        await fetch("https://secbook-guard-selftest.invalid/x.json").catch(() => {});
        await new Promise((resolve) => {
          const img = new Image();
          img.onload = img.onerror = resolve;
          img.src = "http://secbook-guard-selftest.invalid/x.png";
        });
      });
      const off = [...new Set(probe.offMachine.map((s) => s.split(" ")[0]))];
      assert(
        off.includes("https://secbook-guard-selftest.invalid/x.json") && off.includes("http://secbook-guard-selftest.invalid/x.png"),
        `the guard saw ${JSON.stringify(off)}`,
      );
    } finally {
      await probe.close();
    }
  });
}

/** Proves the accessibility checks can fail: axe-core, run as they run it, reports
 * violations planted in a page, and the dark scheme they emulate changes the page's colours. */
async function axeSelfTest(browser, mode) {
  await check("[axe] planted violations are reported, and the dark scheme is applied (self-test)", async () => {
    const probe = new Mode(browser, "file", mode.base, mode.site);
    await probe.open();
    try {
      const background = async (colorScheme) => {
        await probe.page.emulateMedia({ media: "screen", colorScheme });
        await probe.goto("index.html");
        return probe.page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      };
      const light = await background("light");
      const dark = await background("dark");
      assert(light !== dark, `the page's background is ${light} in both colour schemes`);
      await probe.page.evaluate(() => {
        document.querySelector("main").insertAdjacentHTML(
          "beforeend",
          '<ul><li><input type="checkbox" disabled> x</li></ul>' +
            '<form role="search"><input aria-label="q"></form><form role="search"><input aria-label="r"></form>' +
            '<table><thead><tr><th></th><th>a</th></tr></thead><tbody><tr><td>1</td><td>2</td></tr></tbody></table>' +
            '<div><button aria-label="a" style="all:unset;width:10px;height:10px"></button>' +
            '<button aria-label="b" style="all:unset;width:10px;height:10px"></button></div>',
        );
      });
      const ids = new Set((await probe.axe()).violations.map((v) => v.id));
      const want = ["label", "landmark-unique", "empty-table-header", "target-size"];
      const missed = want.filter((id) => !ids.has(id));
      assert(missed.length === 0, `axe-core did not report ${missed.join(", ")}; it reported ${[...ids].join(", ") || "nothing"}`);
      return `${want.join(", ")} reported; background ${light} → ${dark}`;
    } finally {
      await probe.close();
    }
  });
}

// ---------------------------------------------------------------------------------------

/** The example handbook with `extra` more pending exceptions, EXC-500 on, of every
 * severity: a registry of more rows than a page of it holds. */
function pagedHandbook(into, extra) {
  copyHandbook(into);
  const severities = ["critical", "high", "medium", "low"];
  for (let i = 0; i < extra; i++) {
    const id = `EXC-${500 + i}`;
    const day = String(1 + (i % 28)).padStart(2, "0");
    fs.writeFileSync(
      path.join(into, "data", "exceptions", `${id}.yaml`),
      [
        `id: ${id}`,
        `title: Generated exception number ${i}`,
        "type: acceptance",
        `severity: ${severities[i % 4]}`,
        "status: pending",
        'requested_by: "Gen Erator <gen@example.com>"',
        `risk_owner: "Owner ${i % 3} <owner${i % 3}@example.com>"`,
        `created: 2026-05-${day}`,
        "summary: A generated record, so the registry fills several pages.",
        "justification: The browser test needs a large registry.",
        "",
      ].join("\n"),
    );
  }
  return into;
}

/** A registry of more rows than a page holds, from file://. Without JavaScript: every page
 * of an ordering is linked by number and holds at most 100 rows, and a grouped ordering
 * gives each group pages of its own. With JavaScript: every row of the register sorts and
 * filters, 100 at a time, and links in the loaded rows lead where the served ones do. */
async function pagedRegistry(browser, bin, work) {
  const handbook = pagedHandbook(path.join(work, "paged-handbook"), 230);
  const site = path.join(work, "paged-site");
  const built = spawnSync(bin, ["build", handbook, "-o", site, ...AUDIENCE], { encoding: "utf8" });
  await check("[file] a paged registry: numbered pages without JavaScript", async () => {
    assert(built.status === 0, `secbook build exited ${built.status}:\n${built.stderr}`);
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, javaScriptEnabled: false });
    try {
      const page = await context.newPage();
      const base = pathToFileURL(site + path.sep).href;
      // From the first page to the last by the numbered links, each "Next" the number after.
      let href = new URL("exceptions/index.html", base).href;
      let seen = 0;
      let pages = 0;
      while (href) {
        await page.goto(href);
        pages += 1;
        const rows = await page.locator("table[data-registry] tbody tr").count();
        assert(rows > 0 && rows <= 100, `${href}: ${rows} rows`);
        seen += rows;
        const pager = page.locator("nav.registry-pages").first();
        const next = pager.locator("a[rel=next]");
        href = (await next.count()) ? await next.evaluate((a) => a.href) : null;
        if (href) {
          const numbered = await pager.locator("a:not([rel])", { hasText: new RegExp(`^${pages + 1}$`) }).evaluate((a) => a.href);
          assert(numbered === href, `page ${pages}: "Next" leads to ${href}, page ${pages + 1} to ${numbered}`);
        }
      }
      assert(pages >= 3, `the default ordering has ${pages} pages`);
      const total = Number((await page.locator(".summary-line").innerText()).match(/^(\d+)/)[1]);
      assert(seen === total, `the pages of the default ordering hold ${seen} rows of ${total}`);
      await page.goto(new URL("exceptions/by-severity/index.html", base).href);
      const groups = await page.$$eval("nav.registry-groups a", (as) => as.map((a) => [a.textContent.trim(), a.href]));
      assert(groups.length >= 3, `the severity ordering links ${groups.length} groups`);
      for (const [label, href] of groups) {
        await page.goto(href);
        const shown = await page.$$eval("table[data-registry] tbody tr", (trs) => trs.map((tr) => tr.getAttribute("data-severity")));
        assert(shown.length && shown.every((s) => s === label), `${href}: the ${label} page shows ${[...new Set(shown)].join(", ")}`);
      }
      return `${pages} pages of ${total} rows; ${groups.length} severity groups, each on pages of its own`;
    } finally {
      await context.close();
    }
  });
  await check("[file] a paged registry: JavaScript sorts and filters every row, a page at a time", async () => {
    assert(built.status === 0, "the paged handbook did not build");
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const page = await context.newPage();
      const errors = [];
      page.on("pageerror", (e) => errors.push(e.message));
      // Two folders down: the loaded rows, made for pages three down, must lead the same way.
      await page.goto(pathToFileURL(path.join(site, "exceptions", "by-state", "index.html")).href);
      await page.locator("table[data-registry] th button.sort-button").first().waitFor({ state: "attached" });
      const rows = () =>
        page.$$eval("table[data-registry] tbody tr", (trs) =>
          trs.map((tr) => ({ id: tr.cells[0].textContent.trim(), severity: tr.getAttribute("data-severity"), href: tr.querySelector("a").href })),
        );
      const total = Number((await page.locator(".summary-line").innerText()).match(/^(\d+)/)[1]);
      await page.locator("table[data-registry] th button", { hasText: /^ID$/ }).click();
      let shown = await rows();
      assert(shown.length === 100, `sorted by id, ${shown.length} rows show, not 100`);
      const ids = shown.map((r) => r.id);
      assert(ids.join() === [...ids].sort((a, b) => a.localeCompare(b, undefined, { numeric: true })).join() && /^EXC-0/.test(ids[0]), `sorted by id: ${ids.slice(0, 5).join(" ")} …`);
      assert(await page.locator("nav.registry-pages").first().isHidden(), "the served page's own pager still shows");
      await page.locator(".registry-js-pages button", { hasText: "Next" }).click();
      const second = await rows();
      assert(second[0].id !== shown[0].id && second.length === 100, "Next did not show the next 100 rows");
      await page.locator('.registry-filters select[data-filter-name="severity"]').selectOption("low");
      shown = await rows();
      const low = Number((await page.locator(".registry-count").innerText()).match(/of (\d+)/)[1]);
      assert(shown.length && shown.every((r) => r.severity === "low"), `the low filter shows ${shown.map((r) => r.severity).join(", ")}`);
      assert(low > 0 && low < total, `the count says ${low} low rows of ${total}`);
      // The caption, which print shows where it hides the filters, tells the order, the
      // filter and which of the rows these are.
      const caption = (await page.locator("table[data-registry] caption").innerText()).trim();
      const range = `rows 1–${Math.min(100, low)} of ${low} (of ${total})`;
      assert(caption === `Exception registry, sorted by id, severity low, ${range}`, `the caption reads "${caption}"`);
      await page.locator("table[data-registry] th button", { hasText: /^ID$/ }).click();
      const descending = (await page.locator("table[data-registry] caption").innerText()).trim();
      assert(descending === `Exception registry, sorted by id (descending), severity low, ${range}`, `the caption reads "${descending}"`);
      const target = shown[0].href;
      assert(fs.existsSync(fileURLToPath(target)), `a loaded row links to ${target}, which does not exist`);
      assert(errors.length === 0, `page errors: ${errors.join("; ")}`);
      return `${total} rows; id order over them all, Next, severity=low → ${low}`;
    } finally {
      await context.close();
    }
  });
}

/** What the page's margin boxes print on each sheet, as the browser read the page's style
 * sheets (CSSMarginRule): each box's content, its strings joined and unescaped, beside the
 * handbook's title and as-of date and the page's title as the page shows them. */
async function printedHeads(page) {
  const got = await page.evaluate(() => {
    const margins = {};
    for (const sheet of document.styleSheets) {
      // From file:// the browser keeps style.css's rules from the page (the sheet's number).
      let rules = [];
      try {
        rules = sheet.cssRules;
      } catch {
        continue;
      }
      for (const rule of rules) {
        if (!(rule instanceof CSSPageRule)) continue;
        for (const box of rule.cssRules ?? []) if (box.style?.content) margins[box.name] = box.style.content;
      }
    }
    const brand = document.querySelector(".brand")?.textContent ?? "";
    return { margins, brand, asOf: document.querySelector(".foot time")?.textContent ?? "", title: document.title };
  });
  const strings = (content) =>
    [...(content ?? "").matchAll(/"((?:[^"\\]|\\[\s\S])*)"/g)]
      .map((m) => m[1].replace(/\\([0-9a-fA-F]{1,6}) ?|\\([\s\S])/g, (_, hex, c) => (hex ? String.fromCodePoint(parseInt(hex, 16)) : c)))
      .join("");
  return { ...got, top: strings(got.margins["top-left"]), bottom: strings(got.margins["bottom-left"]) };
}

/** Problems with what `heads` (from printedHeads) prints on each sheet of `rel`, whose style
 * sheet is `css`. */
function headProblems(rel, heads, css) {
  const problems = [];
  const { top, bottom, brand, asOf, title } = heads;
  const number = /@bottom-right\s*\{[^}]*\}/.exec(css)?.[0] ?? "no @bottom-right box";
  if (!top.startsWith(`${brand} · as of ${asOf}`)) problems.push(`${rel}: the sheets' head reads "${top}", not the handbook "${brand}" as of ${asOf}`);
  if (`${bottom} · ${brand}` !== title) problems.push(`${rel}: the sheets' foot reads "${bottom}", not the page's title of "${title}"`);
  if (!/counter\(page\).*counter\(pages\)/.test(number)) problems.push(`${rel}: the sheets are not numbered "page N of M": ${number}`);
  return problems;
}

/** The example handbook with words longer than a phone's screen is wide: an ARN heading, a
 * URL in a paragraph, a code line, an exception's title and its risk owner's name. */
function longWordsHandbook(into) {
  copyHandbook(into);
  const arn = "arn:aws:iam::123456789012:role/service-role/payment-gateway-lambda-execution-role";
  const url = `https://tracker.example.com/browse/SECURITY-123456/${"attachments/".repeat(6)}evidence.zip`;
  fs.writeFileSync(
    path.join(into, "content", "long-words.md"),
    ["---", `title: Long words ${"Supercalifragilistic".repeat(8)}`, "---", `## Rotate ${arn}`, "", `See ${url} and \`${arn}\`.`, "", "```", `curl -sS "${url}?include=${"approvals,".repeat(8)}" | jq .`, "```", "", "| Step | Who |", "|---|---|", ...Array.from({ length: 60 }, (_, i) => `| step ${i} | on call |`), ""].join("\n"),
  );
  // A table of more columns than the paper is wide, which the screen scrolls in its box.
  const columns = Array.from({ length: 14 }, (_, i) => `Column ${i} heading`);
  fs.writeFileSync(
    path.join(into, "content", "wide-table.md"),
    ["---", "title: Wide table", "---", `| ${columns.join(" | ")} |`, `|${"---|".repeat(14)}`, `| ${columns.map((_, i) => `value-${i}-${"abcdef".repeat(3)}`).join(" | ")} |`, ""].join("\n"),
  );
  fs.writeFileSync(
    path.join(into, "data", "exceptions", "EXC-900.yaml"),
    [
      "id: EXC-900",
      `title: Rotate ${arn}, see ${url} </style><b>"quoted" \\ back`,
      "type: acceptance",
      "severity: low",
      "status: pending",
      'requested_by: "Gen Erator <gen@example.com>"',
      `risk_owner: "${"MaximilianaKonstantinopoulou".repeat(3)} <max@example.com>"`,
      "created: 2026-05-01",
      `summary: See ${url}.`,
      "justification: |",
      "  ```",
      `  ${"x".repeat(150)}`,
      "  ```",
      "",
    ].join("\n"),
  );
  // Words between full-width and ideographic punctuation, which the search finds apart.
  fs.writeFileSync(
    path.join(into, "content", "far-east.md"),
    ["---", "title: Far east", "---", "Ｗｏｍｂａｔ，ｑｕｏｋｋａ。データ漏洩、対応手順。", ""].join("\n"),
  );
  // A page in a language written from the right, a Latin id inside its sentence.
  fs.writeFileSync(
    path.join(into, "content", "right-to-left.md"),
    ["---", "title: سياسة الاستثناءات", "---", "راجع EXC-001 قبل الموعد.", ""].join("\n"),
  );
  // An open action item's ticket given as an address, and its title naming one, which the
  // finding that it is overdue quotes in its message.
  const incident = path.join(into, "data", "incidents", "INC-004.yaml");
  const text = fs.readFileSync(incident, "utf8")
    .replace("ticket: PLAT-735", `ticket: ${url}`)
    .replace("title: Require security review for storage policy changes in infrastructure code", `title: Require security review, as ${url} asks`);
  fs.writeFileSync(incident, text);
  return into;
}

/** A word longer than the screen is wide breaks at its edge rather than widen the page, at
 * 390 px with and without JavaScript, and a code line longer than the paper wraps in print
 * rather than being cut at the edge. On a desktop's screen and on paper, a long word in a
 * table's cell breaks there rather than push the table's other columns out of view. */
async function longWords(browser, bin, work) {
  const handbook = longWordsHandbook(path.join(work, "long-words-handbook"));
  const site = path.join(work, "long-words-site");
  const built = spawnSync(bin, ["build", handbook, "-o", site, ...AUDIENCE], { encoding: "utf8" });
  const pages = ["long-words/index.html", "exceptions/EXC-900/index.html", "exceptions/index.html", "owners/index.html", "audit/index.html", "action-items/index.html", "metrics/index.html", "incidents/INC-004/index.html", "status/index.html"];
  await check("[file] long words break at the edge of a phone's screen and of the paper", async () => {
    assert(built.status === 0, `secbook build exited ${built.status}:\n${built.stderr}`);
    const problems = [];
    for (const javaScriptEnabled of [true, false]) {
      const context = await browser.newContext({ viewport: { width: 390, height: 844 }, javaScriptEnabled });
      try {
        const page = await context.newPage();
        for (const rel of pages) {
          await page.goto(pathToFileURL(path.join(site, rel)).href);
          const width = await page.evaluate(() => document.documentElement.scrollWidth);
          if (width > 390) problems.push(`${rel} ${javaScriptEnabled ? "with" : "without"} JavaScript: ${width} px wide`);
          // The menu of pages, open, lists the page of a long title.
          const opened = await page.evaluate(() => {
            document.querySelector("details.nav-menu")?.setAttribute("open", "");
            return document.documentElement.scrollWidth;
          });
          if (opened > 390) problems.push(`${rel} ${javaScriptEnabled ? "with" : "without"} JavaScript: ${opened} px wide with the menu of pages open`);
          // The search box leads to a page that needs JavaScript: it is shown only with it.
          const box = await page.$eval(".search-box", (form) => getComputedStyle(form).display !== "none");
          if (box !== javaScriptEnabled) problems.push(`${rel} ${javaScriptEnabled ? "with" : "without"} JavaScript: the search box is ${box ? "shown" : "hidden"}`);
        }
        // Nor does the search page offer a field that cannot search.
        await page.goto(pathToFileURL(path.join(site, "search/index.html")).href);
        const field = await page.$eval(".search-form", (form) => getComputedStyle(form).display !== "none");
        if (field !== javaScriptEnabled) problems.push(`search/index.html ${javaScriptEnabled ? "with" : "without"} JavaScript: the search field is ${field ? "shown" : "hidden"}`);
        await page.emulateMedia({ media: "print" });
        for (const rel of pages.slice(0, 2)) {
          await page.goto(pathToFileURL(path.join(site, rel)).href);
          const cut = await page.$$eval("pre", (pres) => pres.filter((p) => p.scrollWidth > p.clientWidth + 1).length);
          if (cut) problems.push(`${rel} in print: ${cut} code block(s) cut at the edge`);
          // A title with quotes, a backslash and a tag's end prints as written.
          problems.push(...headProblems(rel, await printedHeads(page), fs.readFileSync(path.join(site, "style.css"), "utf8")));
        }
        // A page's long table starts on the page its text leaves room on, and splits between
        // rows, where kept whole it left the page before it mostly empty.
        await page.goto(pathToFileURL(path.join(site, pages[0])).href);
        const breaks = await page.$eval(".prose table", (t) => [getComputedStyle(t).breakInside, getComputedStyle(t.rows[1]).breakInside]);
        if (breaks.join() !== "auto,avoid") problems.push(`${pages[0]} in print: a table breaks ${breaks[0]}, its rows ${breaks[1]}`);
        // So does a chart's long table of numbers, which kept whole left half the page
        // before it empty (the metrics page printed on 17 pages).
        await page.goto(pathToFileURL(path.join(site, "metrics/index.html")).href);
        const numbers = await page.$$eval(".chart-data table", (ts) => {
          const long = ts.find((t) => t.tBodies[0].rows.length >= 12);
          return long ? [getComputedStyle(long).breakInside, getComputedStyle(long.rows[1]).breakInside] : ["no long table"];
        });
        if (numbers.join() !== "auto,avoid") problems.push(`metrics/index.html in print: a chart's table breaks ${numbers[0]}, its rows ${numbers[1]}`);
        await page.emulateMedia({ media: "screen" });
        // A chart's labels stay readable on a phone: it is drawn at least 500 px wide, and
        // scrolls in its box.
        await page.goto(pathToFileURL(path.join(site, "metrics/index.html")).href);
        const charts = await page.$$eval(".chart-svg svg", (svgs) => svgs.map((svg) => svg.getBoundingClientRect().width));
        const narrow = charts.filter((w) => w < 500);
        if (!charts.length || narrow.length) problems.push(`metrics/index.html at 390 px: ${narrow.length} of ${charts.length} charts drawn narrower than 500 px (${narrow[0]} px)`);
      } finally {
        await context.close();
      }
    }
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const page = await context.newPage();
      // The paper: Letter less the page's margins (style.css, @page) is about 720 px wide.
      for (const [media, width] of [["screen", 1280], ["print", 720]]) {
        await page.setViewportSize({ width, height: 900 });
        await page.emulateMedia({ media });
        for (const rel of media === "print" ? [...pages, "wide-table/index.html"] : pages) {
          await page.goto(pathToFileURL(path.join(site, rel)).href);
          const wide = await page.$$eval("main table", (tables) =>
            tables
              .map((t) => [t.scrollWidth, (t.closest(".table-wrap") || t.parentElement).clientWidth, t.closest("[aria-label]")?.getAttribute("aria-label") || t.className])
              .filter(([width, box]) => width > box + 1),
          );
          for (const [tableWidth, box, name] of wide) problems.push(`${rel} at ${width} px (${media}): the table "${name}" is ${tableWidth} px wide in a box of ${box}`);
          // Nor does anything else widen the page: a long title in the sidebar, say.
          const pageWidth = await page.evaluate(() => document.documentElement.scrollWidth);
          if (pageWidth > width) problems.push(`${rel} at ${width} px (${media}): the page is ${pageWidth} px wide`);
        }
      }
      // A registry's header, repeated on each printed page, names its columns: Chromium
      // paints no button there, so print shows each sort button's label as text.
      await page.goto(pathToFileURL(path.join(site, "exceptions/index.html")).href);
      await page.locator("table[data-registry] th button.sort-button").first().waitFor({ state: "attached" });
      const unlabelled = await page.$$eval("table[data-registry] thead th", (ths) =>
        ths.filter((th) => !getComputedStyle(th, "::before").content.includes(th.textContent.trim()) || th.querySelector("button")?.checkVisibility()).map((th) => th.cellIndex),
      );
      if (unlabelled.length) problems.push(`exceptions/index.html in print: header cells ${unlabelled.join(", ")} show a button or no label`);
      // Words are found between full-width and ideographic punctuation, and inside a run
      // of letters written without spaces, one letter too.
      for (const word of ["quokka", "対応手順", "wombat", "漏洩", "手順", "応", "データ漏洩"]) {
        await page.goto(`${pathToFileURL(path.join(site, "search/index.html")).href}?q=${encodeURIComponent(word)}`);
        const found = await page
          .locator('#search-results li:has(a[href$="far-east/index.html"])')
          .first()
          .waitFor({ state: "visible", timeout: 3000 })
          .then(() => true, () => false);
        if (!found) problems.push(`search: "${word}" does not find the page that holds it`);
        const marked = found ? await page.locator('#search-results li:has(a[href$="far-east/index.html"]) mark').allTextContents() : [];
        // A word the text holds as typed is marked there (the full-width ones are not).
        if (found && !/[a-z]/.test(word) && !marked.some((m) => m.includes(word))) problems.push(`search: "${word}" is not marked in the snippet (${marked.join(", ") || "nothing"})`);
      }
      // A sentence and a title written from the right read from the right: each starts at
      // the right edge of its box, and the sentence's full stop ends it at the left.
      await page.goto(pathToFileURL(path.join(site, "right-to-left/index.html")).href);
      const leftToRight = await page.evaluate(() =>
        [...document.querySelectorAll("main h1, main .prose p")].flatMap((el) => {
          const text = [...el.childNodes].find((n) => n.nodeType === Node.TEXT_NODE && n.data.trim());
          const rect = (i) => {
            const range = document.createRange();
            range.setStart(text, i);
            range.setEnd(text, i + 1);
            return range.getBoundingClientRect();
          };
          const start = text.data.search(/\S/);
          const first = rect(start);
          const last = rect(text.data.trimEnd().length - 1);
          const box = el.getBoundingClientRect();
          const right = box.right - parseFloat(getComputedStyle(el).paddingRight);
          return right - first.right > 8 || first.left < last.left ? [`<${el.tagName.toLowerCase()}> "${text.data.trim()}"`] : [];
        }),
      );
      for (const el of leftToRight) problems.push(`right-to-left/index.html: ${el} reads from the left`);
      // A long ticket breaks in its cell, rather than squeeze the action item's text.
      await page.setViewportSize({ width: 1280, height: 900 });
      await page.emulateMedia({ media: "screen" });
      await page.goto(pathToFileURL(path.join(site, "action-items/index.html")).href);
      const squeezed = await page.$$eval("table.action-items", (tables) =>
        tables.flatMap((t) => {
          const column = [...t.tHead.rows[0].cells].findIndex((th) => th.textContent.trim() === "Action item");
          return [...t.tBodies[0].rows].map((tr) => tr.cells[column].getBoundingClientRect().width).filter((w) => w < 150);
        }),
      );
      if (squeezed.length) problems.push(`action-items/index.html at 1280 px: ${squeezed.length} action items' text squeezed to ${Math.round(squeezed[0])} px`);
    } finally {
      await context.close();
    }
    assert(problems.length === 0, listFailures(problems));
    return `${pages.length + 1} pages at 390 px, with and without JavaScript, and in print; their tables at 1280 px and on paper; a registry's printed header; a page written from the right`;
  });
}

async function main() {
  const watchdog = setTimeout(async () => {
    console.log(`FAIL  the browser test did not finish within ${DEADLINE_MS / 1000}s`);
    for (const c of cleanups.reverse()) await Promise.race([c(), new Promise((r) => setTimeout(r, 3000))]).catch(() => {});
    console.log(`browser: ${results.filter((r) => r.ok).length} passed, ${results.filter((r) => !r.ok).length + 1} failed`);
    process.exit(1);
  }, DEADLINE_MS);
  watchdog.unref();

  const work = fs.mkdtempSync(path.join(os.tmpdir(), "secbook-browser-"));
  cleanups.push(async () => fs.rmSync(work, { recursive: true, force: true }));
  screenshotDir = process.env.SECBOOK_SCREENSHOTS
    ? path.resolve(process.env.SECBOOK_SCREENSHOTS)
    : fs.mkdtempSync(path.join(os.tmpdir(), "secbook-screenshots-"));
  fs.mkdirSync(screenshotDir, { recursive: true });

  const bin = secbookBinary();
  const handbook = copyHandbook(path.join(work, "handbook"));
  const site = path.join(work, "site");
  let t = Date.now();
  const built = spawnSync(bin, ["build", handbook, "-o", site, ...AUDIENCE], { encoding: "utf8" });
  if (built.status !== 0) {
    console.log(`FAIL  secbook build exited ${built.status}:\n${built.stderr}`);
    console.log("browser: 0 passed, 1 failed");
    process.exit(1);
  }
  console.log(`built the example handbook in ${elapsed(t)}: ${built.stderr.trim().split("\n").pop()}`);

  if (!fs.existsSync(AXE)) {
    console.log(`FAIL  no axe-core at ${AXE} (cd tests/browser && npm ci)`);
    console.log("browser: 0 passed, 1 failed");
    process.exit(1);
  }
  if (!fs.existsSync(CHROMIUM)) {
    console.log(`FAIL  no Chromium at ${CHROMIUM} (apt-get install -y chromium chromium-driver)`);
    console.log("browser: 0 passed, 1 failed");
    process.exit(1);
  }
  t = Date.now();
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  cleanups.push(() => browser.close());
  console.log(`started ${CHROMIUM} ${browser.version()} in ${elapsed(t)}`);

  const runMode = async (mode, { screenshots = false, after = null } = {}) => {
    const t0 = Date.now();
    await mode.open();
    try {
      await mode.navigation();
      await mode.search();
      await mode.registrySort("exceptions/index.html", [
        { label: "Severity", rank: ["critical", "high", "medium", "low"] },
        { label: "Days to expiry" },
        { label: "Risk owner" },
      ]);
      await mode.registryFilter("exceptions/index.html", ["state", "severity"]);
      await mode.registrySort("incidents/index.html", [
        { label: "Severity", rank: ["sev1", "sev2", "sev3", "sev4"] },
        { label: "Reported" },
      ]);
      await mode.registryFilter("incidents/index.html", ["status"]);
      await mode.crawl();
      await mode.accessibility();
      await mode.phone();
      await mode.findingCodes();
      await mode.metricsTables();
      if (mode.name === "serve") await mode.notFound();
      if (screenshots) {
        await mode.print(screenshotDir);
        await mode.screenshots(screenshotDir);
      }
      if (after) await after();
      await mode.plainConsole();
      await mode.hygiene();
    } finally {
      await mode.close();
    }
    console.log(`--    ${mode.name} mode took ${elapsed(t0)}`);
  };

  // SECBOOK_BROWSER_MODES=file or =serve runs only that half (the default runs both).
  const modes = (process.env.SECBOOK_BROWSER_MODES || "file,serve").split(",");

  // Over the site opened from disk.
  const fileMode = new Mode(browser, "file", pathToFileURL(site + path.sep).href, site);
  if (modes.includes("file")) await runMode(fileMode, { screenshots: true });
  if (modes.includes("file")) await pagedRegistry(browser, bin, work);
  if (modes.includes("file")) await longWords(browser, bin, work);
  await guardSelfTest(browser, fileMode);
  await axeSelfTest(browser, fileMode);

  // Over `secbook serve` on a free loopback port.
  let server = null;
  if (modes.includes("serve")) await check("[serve] secbook serve starts on 127.0.0.1 and answers", async () => {
    server = await startServe(bin, handbook);
    return server.base;
  });
  if (server) {
    const serveMode = new Mode(browser, "serve", server.base, site);
    await serveMode.idle();
    await runMode(serveMode, { after: () => serveMode.liveReload(handbook) });
    await server.stop();
  }

  for (const c of cleanups.reverse()) await c();
  cleanups.length = 0;
  console.log(`screenshots: ${screenshotDir}`);
  const passed = results.filter((r) => r.ok).length;
  const failed = results.length - passed;
  console.log(`browser test took ${elapsed(STARTED)}`);
  console.log(`browser: ${passed} passed, ${failed} failed`);
  process.exitCode = failed ? 1 : 0;
}

main().catch(async (e) => {
  console.log(`FAIL  ${e && e.stack ? e.stack : e}`);
  for (const c of cleanups.reverse()) await c().catch(() => {});
  console.log(`browser: ${results.filter((r) => r.ok).length} passed, ${results.filter((r) => !r.ok).length + 1} failed`);
  process.exit(1);
});
