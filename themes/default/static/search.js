// The search page: indexes window.SECBOOK_SEARCH with MiniSearch and shows results as the
// reader types, each with a snippet of its text. Loaded only by search/index.html.
(function () {
  "use strict";
  var input = document.getElementById("search-input");
  var list = document.getElementById("search-results");
  var status = document.getElementById("search-status");
  if (!input || !list || !window.MiniSearch || !window.SECBOOK_SEARCH) return;

  // What separates words, for the index and for finding a word again in a snippet. Ids
  // such as EXC-012 and tickets such as SEC-1012 stay whole words.
  var SEPARATORS = "\\s,.;:!?()\\[\\]{}\"'`*_/\\\\|<>";
  var LIMIT = 50;
  // Without an exact hit, prefix and fuzzy results scoring below this share of the best
  // one are noise.
  var NOISE = 0.25;
  // Characters of text around the first match, before and in all.
  var LEAD = 60;
  var SNIPPET = 220;

  // The index holds the field names once and a row per document; a row leaves out the
  // empty fields at its end.
  var rows = window.SECBOOK_SEARCH;
  var docs = rows.docs.map(function (row, id) {
    var doc = { id: id };
    rows.fields.forEach(function (field, i) { doc[field] = row[i] || ""; });
    return doc;
  });
  // And, the text folded first (full-width `，` is `,` then), the ideographic and the
  // other full-width punctuation: `データ漏洩、対応手順。` is two words.
  var separator = new RegExp("[" + SEPARATORS + "\\u3000-\\u303f\\uff01-\\uff0f\\uff1a-\\uff20\\uff5b-\\uff65]+", "u");
  // A word is found however its letters are composed or accented, and in full-width
  // letters: "zalgo" finds "Z̷a̸l̴g̶o̸", "exception" finds "Ｅｘｃｅｐｔｉｏｎ", "cafe" finds "café".
  // Kana keep their voicing marks (`デ` is not `テ`), and are composed again after, as is a
  // Hangul syllable: one letter, not its parts.
  function fold(text) { return text.normalize("NFKD").replace(/[^\P{M}\u3099\u309a]/gu, "").toLowerCase().normalize("NFC"); }
  // Chinese, Japanese and Korean write words with no space between them: a run of their
  // letters is indexed as each two letters side by side (as Lucene's CJK bigrams), so a
  // word inside a sentence is found, and a word typed is looked for the same way.
  var CJK = "\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}\\p{Script=Hangul}\\u30fc";
  var cjkRun = new RegExp("([" + CJK + "]+)", "u");
  var cjkLetter = new RegExp("[" + CJK + "]", "u");
  function tokenize(text) {
    var out = [];
    fold(text).split(separator).forEach(function (word) {
      word.split(cjkRun).forEach(function (part, i) {
        if (!part) return;
        var letters = Array.from(part);
        if (i % 2 === 0 || letters.length === 1) return out.push(part);
        for (var j = 0; j + 1 < letters.length; j++) out.push(letters[j] + letters[j + 1]);
      });
    });
    return out;
  }
  // The runs of those letters in `text`, whole: marked in a snippet as one.
  function cjkRuns(text) {
    return fold(text).split(cjkRun).filter(function (part, i) { return i % 2 === 1; });
  }
  var index = new window.MiniSearch({
    fields: ["title", "keys", "headings", "text"],
    storeFields: ["title", "url", "kind", "ref", "text"],
    tokenize: tokenize,
    processTerm: fold,
    searchOptions: { boost: { title: 3, keys: 3, headings: 2 }, combineWith: "AND" }
  });
  index.addAll(docs);

  function normal(text) { return fold((text || "").trim().replace(/\s+/g, " ")); }

  // Documents with every word as typed, those named by it (a record's id, a title) first.
  // Only when no document has them all do prefixes and near spellings count: then every
  // word need not match, but what scores far below the best is dropped.
  function find(query) {
    var results = index.search(query);
    if (!results.length) {
      var loose = { prefix: true, fuzzy: 0.2 };
      results = index.search(query, loose);
      if (!results.length) {
        loose.combineWith = "OR";
        results = index.search(query, loose);
      }
      var best = results.length ? results[0].score : 0;
      results = results.filter(function (r) { return r.score >= best * NOISE; });
    }
    var q = normal(query);
    var named = results.filter(function (r) { return normal(r.ref) === q || normal(r.title) === q; });
    return named.concat(results.filter(function (r) { return named.indexOf(r) < 0; }));
  }

  function escapeRegExp(text) { return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }

  // The words of the text that begin with a matched word, whatever their case: a search
  // for "deadline" marks "deadlines" too. Letters written without spaces (`メモリ`) are
  // marked where they are, inside a run of others.
  function wordsPattern(terms) {
    var sorted = terms.slice().sort(function (a, b) { return b.length - a.length; });
    var words = sorted.filter(function (t) { return !cjkLetter.test(t); }).map(escapeRegExp);
    var runs = sorted.filter(function (t) { return cjkLetter.test(t); }).map(escapeRegExp);
    var alternatives = [];
    if (words.length || !runs.length) alternatives.push("(?<![^" + SEPARATORS + "])(?:" + words.join("|") + ")[^" + SEPARATORS + "]*");
    if (runs.length) alternatives.push("(?:" + runs.join("|") + ")");
    return new RegExp(alternatives.join("|"), "giu");
  }

  // A stretch of `text` around the first matched word, every matched word in it marked.
  // Built from text nodes: a record's text is never read as HTML.
  function snippet(text, terms) {
    var p = document.createElement("p");
    p.className = "search-snippet";
    if (!text) return p;
    var pattern = wordsPattern(terms);
    var first = pattern.exec(text);
    var start = 0;
    if (first && first.index > LEAD) {
      var space = text.indexOf(" ", first.index - LEAD);
      start = space >= 0 && space < first.index ? space + 1 : first.index;
    }
    var end = Math.min(text.length, Math.max(start + SNIPPET, first ? first.index + first[0].length : 0));
    var cut = text.lastIndexOf(" ", end);
    if (end < text.length && cut > (first ? first.index + first[0].length : start)) end = cut;
    var part = text.slice(start, end);
    var at = 0;
    var add = function (t) { if (t) p.appendChild(document.createTextNode(t)); };
    add(start > 0 ? "\u2026 " : "");
    pattern.lastIndex = 0;
    for (var m = pattern.exec(part); m; m = pattern.exec(part)) {
      add(part.slice(at, m.index));
      var mark = document.createElement("mark");
      mark.textContent = m[0];
      p.appendChild(mark);
      at = m.index + m[0].length;
    }
    add(part.slice(at));
    add(end < text.length ? " \u2026" : "");
    return p;
  }

  function show(query) {
    list.textContent = "";
    if (!query.trim()) {
      status.textContent = docs.length + " pages and records indexed.";
      return;
    }
    var results = find(query).slice(0, LIMIT);
    status.textContent = !results.length ? "No results for \u201c" + query + "\u201d."
      : results.length === 1 ? "1 result" : results.length + (results.length === LIMIT ? "+" : "") + " results";
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
      li.appendChild(snippet(r.text, r.terms.concat(cjkRuns(query))));
      list.appendChild(li);
    });
  }

  var params = new URLSearchParams(window.location.search);
  input.value = params.get("q") || "";
  input.addEventListener("input", function () { show(input.value); });
  show(input.value);
})();
