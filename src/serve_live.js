// Live reload for `secbook serve`: waits for the next build, then reloads the page, or
// shows the build's errors over it. Served only by the preview server, never built.
(function () {
  "use strict";
  var script = document.currentScript;
  var version = Number(script && script.getAttribute("data-version")) || 0;

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

  function poll() {
    fetch("/__secbook/events?v=" + version, { cache: "no-store" })
      .then(function (r) { return r.json(); })
      .then(function (status) {
        if (status.version > version) {
          if (status.error) {
            version = status.version;
            overlay(status.error);
          } else {
            location.reload();
            return;
          }
        }
        poll();
      })
      .catch(function () { setTimeout(poll, 1000); });
  }

  fetch("/__secbook/status", { cache: "no-store" })
    .then(function (r) { return r.json(); })
    .then(function (status) { overlay(status.error); })
    .catch(function () {});
  poll();
})();
