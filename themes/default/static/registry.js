/* secbook registry tables: sort by any column, filter by state, severity, owner.
 *
 * Progressive enhancement only. Without this script every registry is still sorted on the
 * server, and each ordering has its own page linked from the column headers. The script
 * looks for `table[data-registry]`; on a page without one it does nothing.
 *
 * Markup it reads:
 *   <th data-sort-type="text|number" [data-filter="name"] [aria-sort="ascending"]>
 *   <td [data-sort="key"]>      the sort key of a cell, else its text
 *   <tr data-name="value">      the value a `data-filter="name"` column filters on
 */
(function () {
  "use strict";

  if (typeof document === "undefined" || !document.querySelectorAll) {
    return;
  }

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

  function sortRows(body, rows, column, type, direction) {
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
    keyed.forEach(function (k) {
      body.appendChild(k.row);
    });
  }

  function makeSortable(table, body, rows, headers) {
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
      button.addEventListener("click", function () {
        var direction =
          th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
        headers.forEach(function (h) {
          h.removeAttribute("aria-sort");
        });
        th.setAttribute("aria-sort", direction);
        sortRows(body, rows, column, type, direction);
        var caption = table.caption;
        if (caption) {
          caption.textContent =
            caption.textContent.replace(/, sorted by .*$/, "") +
            ", sorted by " +
            button.textContent.toLowerCase() +
            (direction === "descending" ? " (descending)" : "");
        }
      });
    });
  }

  function addFilters(table, rows, headers) {
    var filterable = headers.filter(function (th) {
      return th.hasAttribute("data-filter");
    });
    if (filterable.length === 0) {
      return;
    }
    var group = document.createElement("div");
    group.className = "registry-filters no-print";
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "Filter the table");
    var count = document.createElement("p");
    count.className = "registry-count";
    count.setAttribute("aria-live", "polite");
    var selects = [];

    function apply() {
      var shown = 0;
      rows.forEach(function (row) {
        var visible = selects.every(function (select) {
          return (
            select.value === "" ||
            row.getAttribute("data-" + select.getAttribute("data-filter-name")) ===
              select.value
          );
        });
        row.hidden = !visible;
        if (visible) {
          shown += 1;
        }
      });
      count.textContent =
        shown === rows.length
          ? "Showing all " + rows.length + " rows."
          : "Showing " + shown + " of " + rows.length + " rows.";
    }

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
      select.appendChild(new Option("All", ""));
      values.forEach(function (v) {
        select.appendChild(new Option(v.value, v.value));
      });
      select.addEventListener("change", apply);
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
      apply();
    });
    group.appendChild(clear);
    group.appendChild(count);

    var anchor = table;
    if (table.parentNode && table.parentNode.classList && table.parentNode.classList.contains("table-wrap")) {
      anchor = table.parentNode;
    }
    if (anchor.parentNode) {
      anchor.parentNode.insertBefore(group, anchor);
    }
    apply();
  }

  function enhance(table) {
    var body = table.tBodies && table.tBodies[0];
    var headRow = table.tHead && table.tHead.rows[0];
    if (!body || !headRow) {
      return;
    }
    var rows = toArray(body.rows);
    var headers = toArray(headRow.cells);
    makeSortable(table, body, rows, headers);
    addFilters(table, rows, headers);
  }

  function start() {
    toArray(document.querySelectorAll("table[data-registry]")).forEach(function (table) {
      try {
        enhance(table);
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
