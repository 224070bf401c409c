/* secbook registry tables: sort by any column, filter by state, severity, owner.
 *
 * Progressive enhancement only. Without this script every registry is still sorted on the
 * server, and each ordering has its own pages linked from the column headers. The script
 * looks for `table[data-registry]`; on a page without one it does nothing.
 *
 * Markup it reads:
 *   <th data-sort-type="text|number" [data-filter="name"] [aria-sort="ascending"]>
 *   <td [data-sort="key"]>      the sort key of a cell, else its text
 *   <tr data-name="value">      the value a `data-filter="name"` column filters on
 *
 * A large register is served in pages of 100 rows. Its table names every row in
 * `data-rows`, a script that sets `window.SECBOOK_REGISTRY = {root, rows: [HTML of a <tr>,
 * ...]}`, whose links lead to the site root through `root`; `data-root` is this page's way
 * there. The script loads it (a script, not a request, so it works from file:// too)
 * without holding up the page, and then sorts and filters every row, 100 at a time.
 */
(function () {
  "use strict";

  if (typeof document === "undefined" || !document.querySelectorAll) {
    return;
  }

  /* The rows a paged registry shows at once, as its pages without JavaScript do. */
  var PAGE = 100;

  function toArray(list) {
    return Array.prototype.slice.call(list || []);
  }

  /* The sort key of a row for a column: a number, a lower-case string, or null when the
   * cell is empty (empty cells always sort last). */
  function sortKey(row, column, type) {
    var cell = row.cells[column];
    if (!cell) {
      return null;
    }
    var raw = cell.hasAttribute("data-sort")
      ? cell.getAttribute("data-sort")
      : cell.textContent;
    raw = (raw || "").trim();
    if (raw === "") {
      return null;
    }
    if (type === "number") {
      var n = parseFloat(raw);
      return isNaN(n) ? null : n;
    }
    return raw.toLowerCase();
  }

  function compareKeys(a, b) {
    if (typeof a === "number" && typeof b === "number") {
      return a - b;
    }
    return String(a).localeCompare(String(b), undefined, { numeric: true });
  }

  /* `rows` sorted by a column, ties in their order before. */
  function sortRows(rows, column, type, direction) {
    var sign = direction === "descending" ? -1 : 1;
    var keyed = rows.map(function (row, index) {
      return { row: row, key: sortKey(row, column, type), index: index };
    });
    keyed.sort(function (a, b) {
      if (a.key === null || b.key === null) {
        if (a.key === b.key) {
          return a.index - b.index;
        }
        return a.key === null ? 1 : -1;
      }
      var c = compareKeys(a.key, b.key);
      return c !== 0 ? sign * c : a.index - b.index;
    });
    return keyed.map(function (k) {
      return k.row;
    });
  }

  /* Sort buttons in the headers and filters above the table, over `rows`: the table's own
   * rows, or every row of a paged register, shown a page at a time. */
  function enhance(table, rows, paged) {
    var body = table.tBodies[0];
    var headers = toArray(table.tHead.rows[0].cells);
    var wrap = table;
    if (table.parentNode && table.parentNode.classList && table.parentNode.classList.contains("table-wrap")) {
      wrap = table.parentNode;
    }
    var order = rows.slice();
    var page = 0;
    var selects = [];
    var count = document.createElement("p");
    count.className = "registry-count";
    count.setAttribute("aria-live", "polite");
    var pager = paged ? makePager() : null;
    /* A paged registry shows the served page until the reader sorts or filters. */
    var served = paged;
    /* The caption as served ("Exception registry, sorted by id, rows 1–100 of 323"): its
     * name and order, from which show() tells the rows shown once they are this script's.
     * Print shows the caption, where it hides the filters and the count. */
    var caption = table.caption;
    var captioned = caption ? /^(.*?)(?:, sorted by (.*?))?(?:, rows .*)?$/.exec(caption.textContent) : null;
    var sortedBy = captioned && captioned[2] ? captioned[2] : "";

    function makePager() {
      var nav = document.createElement("nav");
      nav.className = "registry-js-pages no-print";
      nav.setAttribute("aria-label", "Pages of the sorted and filtered rows");
      nav.hidden = true;
      var prev = document.createElement("button");
      prev.type = "button";
      prev.textContent = "Previous";
      var at = document.createElement("span");
      var next = document.createElement("button");
      next.type = "button";
      next.textContent = "Next";
      prev.addEventListener("click", function () {
        turn(-1);
      });
      next.addEventListener("click", function () {
        turn(1);
      });
      nav.appendChild(prev);
      nav.appendChild(document.createTextNode(" "));
      nav.appendChild(at);
      nav.appendChild(document.createTextNode(" "));
      nav.appendChild(next);
      if (wrap.parentNode) {
        wrap.parentNode.insertBefore(nav, wrap.nextSibling);
      }
      return { nav: nav, prev: prev, at: at, next: next };
    }

    function turn(by) {
      page += by;
      show();
      if (wrap.scrollIntoView) {
        wrap.scrollIntoView();
      }
    }

    function matches(row) {
      return selects.every(function (select) {
        return (
          select.value === "" ||
          row.getAttribute("data-" + select.getAttribute("data-filter-name")) === select.value
        );
      });
    }

    /* From the first sort or filter on, the rows are this script's: the served page's own
     * links between pages no longer describe them. */
    function take() {
      if (!served) {
        return;
      }
      served = false;
      toArray(document.querySelectorAll(".registry-pages, .registry-groups")).forEach(function (nav) {
        nav.hidden = true;
      });
      pager.nav.hidden = false;
    }

    function show() {
      var visible = order.filter(matches);
      var pages = paged ? Math.max(1, Math.ceil(visible.length / PAGE)) : 1;
      page = Math.min(Math.max(page, 0), pages - 1);
      var shown = paged ? visible.slice(page * PAGE, (page + 1) * PAGE) : visible;
      if (!served) {
        while (body.firstChild) {
          body.removeChild(body.firstChild);
        }
        shown.forEach(function (row) {
          body.appendChild(row);
        });
      }
      if (served) {
        count.textContent = "Sorting and filtering cover all " + rows.length + " rows.";
      } else if (!paged) {
        count.textContent =
          visible.length === rows.length
            ? "Showing all " + rows.length + " rows."
            : "Showing " + visible.length + " of " + rows.length + " rows.";
      } else {
        count.textContent =
          (visible.length === 0
            ? "Showing no rows"
            : "Showing rows " + (page * PAGE + 1) + "–" + (page * PAGE + shown.length) + " of " + visible.length) +
          (visible.length === rows.length ? "." : " (of " + rows.length + ").");
      }
      if (pager) {
        pager.at.textContent = "Page " + (page + 1) + " of " + pages;
        pager.prev.disabled = page === 0;
        pager.next.disabled = page + 1 >= pages;
      }
      if (captioned && !served) {
        caption.textContent = describe(visible, shown);
      }
    }

    /* The caption of the rows shown: the order, each filter chosen, and which rows. */
    function describe(visible, shown) {
      var text = captioned[1] + (sortedBy ? ", sorted by " + sortedBy : "");
      selects.forEach(function (select) {
        if (select.value !== "") {
          text += ", " + select.getAttribute("data-label").toLowerCase() + " " + select.value;
        }
      });
      var all = visible.length === rows.length ? "" : " (of " + rows.length + ")";
      if (visible.length === 0) {
        return text + ", no rows" + all;
      }
      if (paged) {
        return text + ", rows " + (page * PAGE + 1) + "–" + (page * PAGE + shown.length) + " of " + visible.length + all;
      }
      return all ? text + ", " + visible.length + " rows" + all : text;
    }

    headers.forEach(function (th, column) {
      var type = th.getAttribute("data-sort-type");
      if (!type) {
        return;
      }
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort-button";
      button.textContent = th.textContent.trim();
      button.title = "Sort by " + button.textContent.toLowerCase();
      while (th.firstChild) {
        th.removeChild(th.firstChild);
      }
      th.appendChild(button);
      th.setAttribute("data-label", button.textContent);
      button.addEventListener("click", function () {
        var direction =
          th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
        headers.forEach(function (h) {
          h.removeAttribute("aria-sort");
        });
        th.setAttribute("aria-sort", direction);
        take();
        order = sortRows(order, column, type, direction);
        sortedBy = button.textContent.toLowerCase() + (direction === "descending" ? " (descending)" : "");
        page = 0;
        show();
      });
    });

    var filterable = headers.filter(function (th) {
      return th.hasAttribute("data-filter");
    });
    if (filterable.length > 0) {
      var group = document.createElement("div");
      group.className = "registry-filters no-print";
      group.setAttribute("role", "group");
      group.setAttribute("aria-label", "Filter the table");
      filterable.forEach(function (th) {
        var name = th.getAttribute("data-filter");
        var type = th.getAttribute("data-sort-type");
        var seen = {};
        var values = [];
        rows.forEach(function (row) {
          var value = row.getAttribute("data-" + name);
          if (value === null || value === "" || Object.prototype.hasOwnProperty.call(seen, value)) {
            return;
          }
          seen[value] = true;
          values.push({ value: value, order: sortKey(row, th.cellIndex, type) });
        });
        values.sort(function (a, b) {
          if (a.order === null || b.order === null) {
            return compareKeys(a.value, b.value);
          }
          return compareKeys(a.order, b.order) || compareKeys(a.value, b.value);
        });
        var label = document.createElement("label");
        label.appendChild(document.createTextNode(th.textContent.trim() + " "));
        var select = document.createElement("select");
        select.setAttribute("data-filter-name", name);
        select.setAttribute("data-label", th.textContent.trim());
        select.appendChild(new Option("All", ""));
        values.forEach(function (v) {
          select.appendChild(new Option(v.value, v.value));
        });
        select.addEventListener("change", function () {
          take();
          page = 0;
          show();
        });
        label.appendChild(select);
        group.appendChild(label);
        selects.push(select);
      });

      var clear = document.createElement("button");
      clear.type = "button";
      clear.className = "clear-filters";
      clear.textContent = "Clear filters";
      clear.addEventListener("click", function () {
        selects.forEach(function (s) {
          s.value = "";
        });
        take();
        page = 0;
        show();
      });
      group.appendChild(clear);
      group.appendChild(count);
      if (wrap.parentNode) {
        wrap.parentNode.insertBefore(group, wrap);
      }
    }
    show();
  }

  /* The rows of `html`, each a <tr>, their links to the site through `from` made to go
   * through `root`, this page's way there. */
  function parseRows(html, from, root) {
    var holder = document.createElement("tbody");
    holder.innerHTML = html.join("");
    toArray(holder.querySelectorAll("[href]")).forEach(function (link) {
      var href = link.getAttribute("href");
      if (href.indexOf(from) === 0) {
        link.setAttribute("href", root + href.slice(from.length));
      }
    });
    return toArray(holder.rows);
  }

  /* Every row of a paged register, from the script its table names. */
  function loadRows(table, done) {
    var script = document.createElement("script");
    script.src = table.getAttribute("data-rows");
    script.onload = function () {
      var data = window.SECBOOK_REGISTRY;
      if (data && data.rows && data.rows.length) {
        done(parseRows(data.rows, data.root || "", table.getAttribute("data-root") || ""));
      }
    };
    document.head.appendChild(script);
  }

  function start() {
    toArray(document.querySelectorAll("table[data-registry]")).forEach(function (table) {
      if (!table.tBodies || !table.tBodies[0] || !table.tHead || !table.tHead.rows[0]) {
        return;
      }
      try {
        if (table.hasAttribute("data-rows")) {
          loadRows(table, function (rows) {
            try {
              enhance(table, rows, true);
            } catch (e) {
              /* The table still works as the server paged it. */
            }
          });
        } else {
          enhance(table, toArray(table.tBodies[0].rows), false);
        }
      } catch (e) {
        /* The table still works as the server sorted it. */
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
