// The search page: indexes window.SECBOOK_SEARCH with MiniSearch and shows results as the
// reader types. Loaded only by search/index.html.
(function () {
  "use strict";
  var input = document.getElementById("search-input");
  var list = document.getElementById("search-results");
  var status = document.getElementById("search-status");
  if (!input || !list || !window.MiniSearch || !window.SECBOOK_SEARCH) return;

  var docs = window.SECBOOK_SEARCH;
  var index = new window.MiniSearch({
    fields: ["title", "keys", "headings", "text"],
    storeFields: ["title", "url", "kind"],
    // Ids such as EXC-012 and tickets such as SEC-1012 must stay whole words.
    tokenize: function (text) { return text.split(/[\s,.;:!?()\[\]{}"'`*_/\\|<>]+/).filter(Boolean); },
    processTerm: function (term) { return term.toLowerCase(); },
    searchOptions: { boost: { title: 3, keys: 3, headings: 2 }, prefix: true, fuzzy: 0.15 }
  });
  index.addAll(docs);

  function show(query) {
    list.textContent = "";
    if (!query.trim()) {
      status.textContent = docs.length + " pages and records indexed.";
      return;
    }
    var results = index.search(query).slice(0, 50);
    status.textContent = results.length ? results.length + (results.length === 50 ? "+" : "") + " results" : "No results for \u201c" + query + "\u201d.";
    results.forEach(function (r) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = "../" + r.url;
      a.textContent = r.title;
      var kind = document.createElement("span");
      kind.className = "badge kind-" + r.kind;
      kind.textContent = r.kind;
      li.appendChild(a);
      li.appendChild(document.createTextNode(" "));
      li.appendChild(kind);
      list.appendChild(li);
    });
  }

  var params = new URLSearchParams(window.location.search);
  input.value = params.get("q") || "";
  input.addEventListener("input", function () { show(input.value); });
  show(input.value);
})();
