// Live reload for `secbook serve`: asks the server which build it has, then reloads the
// page when a newer build succeeds, or shows the build's errors over it when one fails.
// Served only by the preview server, never built. The server holds each question until
// there is a newer build (or a while has passed), so a save shows at once. Only a page
// that is in view asks: a browser opens few connections to one server, and pages in
// background tabs must not use them up. A page coming into view asks at once.
(function () {
  "use strict";
  var script = document.currentScript;
  var version = Number(script && script.getAttribute("data-version")) || 0;
  var seen = version;
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

  function check() {
    if (asking || document.hidden) return;
    asking = true;
    fetch("/__secbook/status?after=" + seen, { cache: "no-store" })
      .then(function (r) { return r.json(); })
      .then(function (status) {
        asking = false;
        if (status.version > version && !status.error) {
          location.reload();
          return;
        }
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
