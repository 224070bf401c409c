// Live reload for `secbook serve`: asks the server which build it has, and when a newer
// build succeeds brings the page up to date. A page the build left alone stays as it is; a
// page whose own HTML is all that changed for it takes the new HTML in place, keeping its
// scroll position and sparing the browser a whole reload; any other page reloads. When a
// build fails, its errors show over the page. Served only by the preview server, never
// built. The server holds each question until there is a newer build (or a while has
// passed), so a save shows at once. Only a page that is in view asks: a browser opens few
// connections to one server, and pages in background tabs must not use them up. A page
// coming into view asks at once.
(function () {
  "use strict";
  var LIVE = "/__secbook/live.js";
  // Files a stylesheet may load (fonts, images): one changing can change how a page looks
  // with no change to the page or to the stylesheet, so every page reloads.
  var STYLED = /\.(css|woff2?|ttf|otf|eot|png|jpe?g|gif|svg|webp|avif|ico|bmp)$/i;
  var script = document.currentScript;
  // The build this page is up to date with: each newer one is looked at in turn.
  var seen = Number(script && script.getAttribute("data-version")) || 0;
  // The server's run: a restarted server numbers its builds afresh.
  var run = script && script.getAttribute("data-run");
  // The file this page is, as the build names it; none for a page of the 404 file.
  var file = (script && script.getAttribute("data-file")) || "";
  var asking = false;

  function overlay(report) {
    var box = document.getElementById("secbook-overlay");
    if (!report) {
      if (box) box.remove();
      return;
    }
    if (!box) {
      box = document.createElement("div");
      box.id = "secbook-overlay";
      box.setAttribute("role", "alert");
      box.style.cssText = "position:fixed;inset:0;z-index:99999;overflow:auto;padding:2rem;" +
        "background:rgba(20,23,28,.94);color:#f5f5f5;font:14px/1.5 ui-monospace,monospace";
      document.body.appendChild(box);
    }
    box.textContent = "";
    var title = document.createElement("h2");
    title.textContent = "The build failed; this page shows the last good build.";
    title.style.cssText = "color:#ff7b72;font:600 18px system-ui,sans-serif;margin:0 0 1rem";
    var pre = document.createElement("pre");
    pre.textContent = report;
    pre.style.whiteSpace = "pre-wrap";
    box.appendChild(title);
    box.appendChild(pre);
  }

  // The site path of a URL on this server, as the build names its files; "" elsewhere.
  function sitePath(url) {
    try {
      var u = new URL(url, location.href);
      if (u.origin !== location.origin) return "";
      var path = decodeURIComponent(u.pathname).replace(/^\//, "");
      return path === "" || /\/$/.test(path) ? path + "index.html" : path;
    } catch (e) {
      return "";
    }
  }

  // The files `doc` loads as it shows: style sheets, icons, scripts, images, frames. Not
  // what a link only names (a feed, the canonical address).
  var LOADED = "link[rel~=stylesheet i], link[rel~=icon i], link[rel~=preload i], " +
    "link[rel~=modulepreload i], link[rel~=manifest i], [src], [srcset], [poster], object[data], image, use";
  function loads(doc) {
    var found = [];
    doc.querySelectorAll(LOADED).forEach(function (el) {
      var tag = el.localName;
      var urls = [el.getAttribute("src"), el.getAttribute("poster")];
      if (tag === "link" || tag === "image" || tag === "use") {
        urls.push(el.getAttribute("href"), el.getAttribute("xlink:href"));
      }
      if (tag === "object") urls.push(el.getAttribute("data"));
      (el.getAttribute("srcset") || "").split(",").forEach(function (candidate) {
        urls.push(candidate.trim().split(/\s+/)[0]);
      });
      urls.forEach(function (url) {
        if (url) found.push(sitePath(url));
      });
    });
    return found;
  }

  // Whether `doc` runs a script of its own, which may read other files or hold state.
  function scripted(doc) {
    return Array.prototype.some.call(doc.querySelectorAll("script"), function (s) {
      return s.getAttribute("src") !== LIVE;
    });
  }

  // The print style sheet of a page, which names it in each printed sheet's margins.
  var PRINTED = 'style[media="print"]';

  // The head as it shows, but for the title and the print style sheet that names the page,
  // which a page takes in place.
  function head(doc) {
    var copy = doc.head.cloneNode(true);
    copy.querySelectorAll("title, " + PRINTED).forEach(function (t) {
      t.remove();
    });
    var root = doc.documentElement;
    return root.getAttributeNames().map(function (n) {
      return n + "=" + root.getAttribute(n);
    }).join(" ") + copy.innerHTML;
  }

  function reload() {
    location.reload();
  }

  // Brings the page up to build `status.version`, whose changed files are `status.changed`
  // (none past a limit, when the page cannot tell what they touch).
  function update(status) {
    if (!status.changed || status.version !== seen + 1) return reload();
    if (status.changed.length === 0) return done(status.version);
    // No prototype: a path named like one of its properties must not read as changed.
    var changed = Object.create(null);
    var styled = false;
    var other = false;
    status.changed.forEach(function (path) {
      changed[path] = true;
      styled = styled || STYLED.test(path);
      other = other || !/\.html$/i.test(path);
    });
    var touched = loads(document).some(function (path) {
      return changed[path];
    });
    if (!file || styled || touched || (scripted(document) && (other || changed[file]))) {
      return reload();
    }
    if (!changed[file]) return done(status.version);
    var x = window.scrollX;
    var y = window.scrollY;
    fetch(location.href, { cache: "no-store" })
      .then(function (r) {
        if (r.status !== 200) throw new Error("HTTP " + r.status);
        return r.text();
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var live = doc.querySelector('script[src="' + LIVE + '"]');
        // The page of exactly this build, with nothing a reload would do differently.
        if (!live || Number(live.getAttribute("data-version")) !== status.version) return reload();
        live.remove();
        var printed = document.head.querySelector(PRINTED);
        var fresh = doc.head.querySelector(PRINTED);
        if (scripted(doc) || head(doc) !== head(document) || !printed !== !fresh) return reload();
        document.title = doc.title;
        if (printed) printed.textContent = fresh.textContent;
        document.body.replaceWith(document.adoptNode(doc.body));
        window.scrollTo(x, y);
        done(status.version);
      })
      .catch(reload);
  }

  function done(version) {
    overlay(null);
    seen = version;
    check();
  }

  function check() {
    if (asking || document.hidden) return;
    asking = true;
    fetch("/__secbook/status?after=" + seen, { cache: "no-store" })
      .then(function (r) { return r.json(); })
      .then(function (status) {
        asking = false;
        if (String(status.run) !== run) return reload();
        if (status.version > seen && !status.error) return update(status);
        overlay(status.error);
        seen = status.version;
        check();
      })
      .catch(function () {
        asking = false;
        setTimeout(check, 1000);
      });
  }
  document.addEventListener("visibilitychange", check);
  check();
})();
