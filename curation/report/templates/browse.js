/* The examples / dropped-units browser of a version (curation/report/browse.py writes its data).
 *
 * index.js sets window.__browseIndex: the facets, and per combination of facet values ("group") its
 * item count and page files. Page files are scripts calling __browsePage(name, items), loaded on
 * demand with <script src> because Chromium blocks fetch() of local files under file://.
 * The state lives in the URL hash (#kind=conversation&page=2&q=reset), so every view is a link.
 * Untrusted text only ever reaches the page through textContent: no HTML is parsed from the data.
 */
(function () {
  "use strict";
  var index = window.__browseIndex;
  var size = index.page_size;
  var waiting = {};
  var renderCount = 0;
  var $ = function (id) { return document.getElementById(id); };

  window.__browsePage = function (name, items) {
    var done = waiting[name];
    delete waiting[name];
    if (done) { done(items); }
  };

  function load(name) {
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      waiting[name] = resolve;
      script.src = index.folder + "/" + name + ".js";
      script.onload = function () { script.remove(); };
      script.onerror = function () { delete waiting[name]; script.remove(); reject(new Error("cannot load " + script.src)); };
      document.head.appendChild(script);
    });
  }

  function pageName(group, page) { return group.id + "-" + String(page + 1).padStart(5, "0"); }

  function readState() {
    var state = {filters: {}, page: 1, q: ""};
    new URLSearchParams(location.hash.slice(1)).forEach(function (value, key) {
      if (key === "page") { state.page = Math.max(1, parseInt(value, 10) || 1); }
      else if (key === "q") { state.q = value; }
      else if (index.facets.indexOf(key) !== -1) { state.filters[key] = value; }
    });
    return state;
  }

  function link(state, change) {
    var filters = Object.assign({}, state.filters);
    if (change.facet) {
      if (change.value === null) { delete filters[change.facet]; } else { filters[change.facet] = change.value; }
    }
    var params = new URLSearchParams();
    index.facets.forEach(function (f) { if (f in filters) { params.set(f, filters[f]); } });
    var q = "q" in change ? change.q : state.q;
    if (q) { params.set("q", q); }
    if (change.page && change.page > 1) { params.set("page", String(change.page)); }
    return "#" + params.toString();
  }

  function groupsOf(filters, except) {
    return index.groups.filter(function (g) {
      return index.facets.every(function (f) { return f === except || !(f in filters) || g.values[f].indexOf(filters[f]) !== -1; });
    });
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") { node.textContent = attrs[key]; } else { node.setAttribute(key, attrs[key]); }
    });
    (children || []).forEach(function (child) { if (child) { node.appendChild(child); } });
    return node;
  }

  function strings(value, out) {
    if (typeof value === "string") { out.push(value); }
    else if (Array.isArray(value)) { value.forEach(function (v) { strings(v, out); }); }
    else if (value && typeof value === "object") { Object.keys(value).forEach(function (k) { strings(value[k], out); }); }
    return out;
  }

  function lineage(item, id) {
    var lines = [id, "  source: " + (item.lineage_source || "?")].concat(item.lineage || []);
    if (item.lineage_more > 0) { lines.push("  … " + item.lineage_more + " more line(s): run curate explain " + id); }
    return el("details", {"class": "lineage", open: ""}, [el("summary", {text: "lineage: curate explain " + id}), el("pre", {text: lines.join("\n")})]);
  }

  function renderExample(item) {
    var meta = [item.split, item.kind, item.source, item.language, item.template, item.tokens != null ? item.tokens + " tokens" : "",
                "group " + item.group_key].filter(Boolean).join(" · ");
    var turns = item.messages.map(function (m) {
      var turn = el("div", {"class": "turn " + m.role}, [el("b", {text: m.role}), document.createTextNode(" "), el("span", {"class": "content", text: m.content})]);
      return m.role === "system" ? el("details", {}, [el("summary", {text: "system prompt"}), turn]) : turn;
    });
    return el("article", {"class": "item", "data-id": item.id, "data-kind": item.kind, "data-split": item.split, "data-source": item.source}, [
      el("h3", {}, [el("code", {text: item.id})]),
      el("p", {"class": "meta", text: meta}),
      item.flags.length ? el("p", {"class": "flags bad", text: "quality flags: " + item.flags.join(", ")}) : null,
      el("div", {"class": "turns"}, turns),
      el("p", {"class": "meta", text: "source documents: " + item.documents.join(" ")}),
      lineage(item, item.id),
    ]);
  }

  function renderDropped(item) {
    var pair = null;
    if (item.survivor) {
      var similarity = item.similarity != null ? " (similarity " + item.similarity + ")" : "";
      pair = el("div", {"class": "pair"}, [
        el("div", {}, [el("h4", {text: "dropped: " + (item.dropped_example || "?")}), el("div", {"class": "content dropped-text", text: item.dropped_text || "(text not in the version's dedup store)"})]),
        el("div", {}, [el("h4", {text: "survivor: " + item.survivor + similarity}), el("div", {"class": "content survivor-text", text: item.survivor_text || "(text not in the version's dedup store)"})]),
      ]);
    }
    return el("article", {"class": "item", "data-id": item.unit_id, "data-reason": item.reason, "data-stage": item.stage, "data-outcome": item.outcome}, [
      el("h3", {}, [el("code", {text: item.unit_id})]),
      el("p", {"class": "meta", text: item.outcome + ":" + item.reason + " at " + item.stage + (item.record_id ? " · record " + item.record_id : "") +
        " · " + item.source + " · " + item.path + " [" + item.locator + "]"}),
      item.detail ? el("p", {"class": "detail", text: item.detail}) : null,
      pair || el("p", {"class": "note", text: "Its text is not kept in the version (only examples are); the source file and locator above lead to it."}),
      lineage(item, item.unit_id),
    ]);
  }

  async function pageItems(groups, page) {
    var start = (page - 1) * size, end = start + size, offset = 0, items = [];
    for (var g of groups) {
      var from = Math.max(start, offset) - offset, to = Math.min(end, offset + g.count) - offset;
      for (var p = Math.floor(from / size); from < to && p * size < to; p++) {
        var data = await load(pageName(g, p));
        items = items.concat(data.slice(Math.max(from - p * size, 0), Math.min(to - p * size, size)));
      }
      offset += g.count;
      if (offset >= end) { break; }
    }
    return items;
  }

  async function searchItems(groups, page, q, run) {
    var needle = q.toLowerCase(), want = page * size, found = [], files = 0, scanned = 0;
    groups.forEach(function (g) { files += g.pages; });
    for (var g of groups) {
      for (var p = 0; p < g.pages; p++) {
        if (run !== renderCount) { return null; }
        var data = await load(pageName(g, p));
        scanned += 1;
        data.forEach(function (item) { if (strings(item, []).join("\n").toLowerCase().indexOf(needle) !== -1) { found.push(item); } });
        $("browse-status").textContent = "searching: " + scanned + " of " + files + " page file(s), " + found.length + " match(es)";
        if (found.length > want) { return {items: found.slice(want - size, want), more: true, scanned: scanned, files: files, matches: found.length}; }
      }
    }
    return {items: found.slice(want - size, want), more: false, scanned: scanned, files: files, matches: found.length};
  }

  function renderFacets(state) {
    var nav = $("browse-facets");
    nav.textContent = "";
    index.facets.forEach(function (facet) {
      var others = groupsOf(state.filters, facet);
      var row = el("p", {"class": "facet", "data-facet": facet}, [el("b", {text: facet + ": "})]);
      var all = el("a", {href: link(state, {facet: facet, value: null}), text: "all"});
      if (!(facet in state.filters)) { all.className = "current"; }
      row.appendChild(all);
      index.values[facet].forEach(function (value) {
        var n = 0;
        others.forEach(function (g) { if (g.values[facet].indexOf(value) !== -1) { n += g.count; } });
        row.appendChild(document.createTextNode(" · "));
        var a = el("a", {href: link(state, {facet: facet, value: value}), "data-value": value, text: value + " (" + n + ")"});
        if (state.filters[facet] === value) { a.className = "current"; }
        if (!n) { a.className += " empty"; }
        row.appendChild(a);
      });
      nav.appendChild(row);
    });
  }

  function renderPager(state, pages, more) {
    ["browse-pager-top", "browse-pager"].forEach(function (id) {
      var nav = $(id);
      nav.textContent = "";
      if (state.page > 1) { nav.appendChild(el("a", {"class": "prev", href: link(state, {page: state.page - 1}), text: "← previous"})); }
      nav.appendChild(el("span", {text: " page " + state.page + (pages ? " of " + pages : "") + " "}));
      if (more) { nav.appendChild(el("a", {"class": "next", href: link(state, {page: state.page + 1}), text: "next →"})); }
    });
  }

  async function render() {
    var run = ++renderCount;
    var state = readState();
    var groups = groupsOf(state.filters);
    var total = groups.reduce(function (n, g) { return n + g.count; }, 0);
    var box = $("browse-items");
    box.dataset.state = "loading";
    $("browse-q").value = state.q;
    renderFacets(state);
    var items, status, pages = Math.max(1, Math.ceil(total / size)), more;
    if (state.q) {
      var found = await searchItems(groups, state.page, state.q, run);
      if (!found) { return; }
      items = found.items;
      more = found.more;
      pages = more ? 0 : Math.max(1, Math.ceil(found.matches / size));
      status = (more ? "at least " : "") + found.matches + " match(es) for “" + state.q + "” among " + total + " item(s) (" +
        found.scanned + " of " + found.files + " page file(s) searched)";
    } else {
      items = await pageItems(groups, state.page);
      more = state.page * size < total;
      status = total + " item(s)" + (Object.keys(state.filters).length ? " matching the filters" : "") + "; showing " +
        (items.length ? (state.page - 1) * size + 1 + "–" + ((state.page - 1) * size + items.length) : "none");
    }
    if (run !== renderCount) { return; }
    $("browse-status").textContent = status;
    renderPager(state, pages, more);
    box.textContent = "";
    items.forEach(function (item) { box.appendChild(index.kind === "examples" ? renderExample(item) : renderDropped(item)); });
    box.dataset.count = String(items.length);
    box.dataset.state = "ready";
  }

  $("browse-search").addEventListener("submit", function (event) {
    event.preventDefault();
    location.hash = link(readState(), {q: $("browse-q").value.trim()});
  });
  function show() {
    render().catch(function (err) { $("browse-status").textContent = "failed: " + err.message; $("browse-items").dataset.state = "failed"; });
  }
  window.addEventListener("hashchange", show);
  show();
})();
