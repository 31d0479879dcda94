/* soustrace offline graph viewer: buyer -> contract -> contractor -> site -> provider, left to right.
   Hand-written and inlined into the exported HTML: the file must open offline, with no CDN and no fetch.
   Layout: one column per node type, rows ordered by the barycentre of their neighbours (a few sweeps), so
   the chains read from left to right with few crossings; deterministic, so two exports look alike. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("graph-data").textContent);
  var SVGNS = "http://www.w3.org/2000/svg";
  var TYPE_COLORS = {buyer: "#8e44ad", contract: "#2980b9", organization: "#2c3e50", site: "#16a085"};
  var EXPOSURE_COLORS = {"cloud-act": "#c0392b", "non-eu": "#e67e22", "eu": "#27ae60", "unknown": "#95a5a6"};
  var COLUMN = {buyer: 0, contract: 1, organization: 2, site: 3, provider: 4};
  var COL_W = 340, ROW_H = 30;
  var nodes = data.nodes, edges = data.edges, byId = {};
  nodes.forEach(function (n, i) { n.index = i; byId[n.id] = n; n.deg = 0; n.nb = []; });
  edges.forEach(function (e) {
    e.s = byId[e.source]; e.t = byId[e.target];
    if (e.s && e.t) { e.s.deg++; e.t.deg++; e.s.nb.push(e.t); e.t.nb.push(e.s); }
  });
  edges = edges.filter(function (e) { return e.s && e.t; });

  /* ---- layout: columns, then barycentre ordering ---- */
  var columns = {};
  nodes.forEach(function (n) {
    n.col = COLUMN[n.type] === undefined ? 2 : COLUMN[n.type];
    (columns[n.col] = columns[n.col] || []).push(n);
  });
  var colKeys = Object.keys(columns).map(Number).sort(function (a, b) { return a - b; });
  colKeys.forEach(function (c) {
    columns[c].sort(function (a, b) { return String(a.label).localeCompare(String(b.label)); });
    columns[c].forEach(function (n, i) { n.rank = i; });
  });
  function sweep(order) {
    order.forEach(function (c) {
      var col = columns[c];
      col.forEach(function (n) {
        var ranks = n.nb.filter(function (m) { return m.col !== n.col; }).map(function (m) { return m.rank; });
        n.bary = ranks.length ? ranks.reduce(function (a, b) { return a + b; }, 0) / ranks.length : n.rank;
      });
      col.sort(function (a, b) { return a.bary - b.bary || a.rank - b.rank; });
      col.forEach(function (n, i) { n.rank = i; });
    });
  }
  for (var pass = 0; pass < 4; pass++) { sweep(colKeys); sweep(colKeys.slice().reverse()); }
  var tallest = Math.max.apply(null, colKeys.map(function (c) { return columns[c].length; }).concat([1]));
  /* rows spread to the window's proportions for small graphs (a thin band otherwise), never under 30 units */
  var box = document.getElementById("graph"), aspect = (box.clientHeight || 600) / (box.clientWidth || 800);
  ROW_H = Math.max(30, Math.min(110, ((colKeys.length - 1) * COL_W + 520) * aspect * 0.85 / tallest));
  colKeys.forEach(function (c) {
    var col = columns[c], offset = (tallest - col.length) * ROW_H / 2;
    col.forEach(function (n, i) { n.x = c * COL_W; n.y = offset + i * ROW_H; });
  });

  /* ---- SVG ---- */
  var svg = document.getElementById("graph"), view = document.getElementById("viewport");
  var edgeLayer = document.createElementNS(SVGNS, "g"), labelLayer = document.createElementNS(SVGNS, "g");
  var nodeLayer = document.createElementNS(SVGNS, "g");
  view.appendChild(edgeLayer); view.appendChild(labelLayer); view.appendChild(nodeLayer);
  var showEdgeLabels = edges.length <= 600, showAllLabels = nodes.length <= 1500;
  function amount(a) {
    if (a.amount === undefined) return "";
    return Number(a.amount).toLocaleString("fr-FR", {maximumFractionDigits: 0}) + " " + (a.currency || "");
  }
  function nodeLabel(n) {
    var text = String(n.label || n.id);
    if (n.type === "contract") {
      var money = amount(n.attrs);
      if (n.attrs.contract_kind === "reported") text = "reported: " + text;
      if (money) text += " \u00b7 " + money;
    }
    if (n.type === "organization" && n.attrs.contracts_in_graph === 0) text += " (no contract)";
    return text;
  }
  function edgeWord(e) {
    if (e.kind === "party") return e.role || "party";
    if (e.kind === "hosting") return (e.role || "hosting") + (e.status && e.status !== "current" ? " (" + e.status + ")" : "");
    if (e.kind === "awards") return e.contracts ? "awarded " + e.contracts + " contracts" : "awards";
    return e.kind;
  }
  edges.forEach(function (e) {
    var path = document.createElementNS(SVGNS, "path"), x1 = e.s.x, y1 = e.s.y, x2 = e.t.x, y2 = e.t.y;
    var mx = (x1 + x2) / 2;
    path.setAttribute("d", "M" + x1 + "," + y1 + " C" + mx + "," + y1 + " " + mx + "," + y2 + " " + x2 + "," + y2);
    path.setAttribute("class", "edge kind-" + e.kind + (e.status && e.status !== "current" ? " not-current" : ""));
    var title = document.createElementNS(SVGNS, "title");
    title.textContent = edgeWord(e) + (e.evidence_text ? ": \u201c" + e.evidence_text + "\u201d" : "");
    path.appendChild(title);
    edgeLayer.appendChild(path); e.el = path;
    var t = document.createElementNS(SVGNS, "text");
    t.setAttribute("x", mx); t.setAttribute("y", (y1 + y2) / 2 - 3); t.setAttribute("class", "edge-label");
    t.textContent = edgeWord(e);
    if (!showEdgeLabels) t.setAttribute("display", "none");
    labelLayer.appendChild(t); e.labelEl = t;
  });
  nodes.forEach(function (n) {
    var g = document.createElementNS(SVGNS, "g");
    g.setAttribute("class", "node type-" + n.type + (n.exposure ? " exposure-" + n.exposure : ""));
    g.setAttribute("data-id", n.id);
    g.setAttribute("transform", "translate(" + n.x + "," + n.y + ")");
    var shape;
    if (n.type === "provider") {
      shape = document.createElementNS(SVGNS, "rect");
      shape.setAttribute("x", -11); shape.setAttribute("y", -11); shape.setAttribute("width", 22);
      shape.setAttribute("height", 22); shape.setAttribute("rx", 4);
      shape.setAttribute("fill", EXPOSURE_COLORS[n.exposure] || EXPOSURE_COLORS.unknown);
    } else {
      shape = document.createElementNS(SVGNS, "circle");
      shape.setAttribute("r", n.type === "buyer" ? 9 : 6 + Math.min(5, Math.sqrt(n.deg)));
      shape.setAttribute("fill", TYPE_COLORS[n.type] || "#7f8c8d");
    }
    var title = document.createElementNS(SVGNS, "title"); title.textContent = nodeLabel(n);
    shape.appendChild(title); g.appendChild(shape);
    if (showAllLabels || n.type === "provider" || n.type === "buyer") {
      var t = document.createElementNS(SVGNS, "text");
      t.setAttribute("x", n.type === "provider" ? -16 : 14); t.setAttribute("y", 4);
      if (n.type === "provider") t.setAttribute("text-anchor", "end");
      t.textContent = short(nodeLabel(n), 48);
      g.appendChild(t);
    }
    g.addEventListener("click", function (ev) {
      ev.stopPropagation(); select(n);
      if (history.replaceState) history.replaceState(null, "", "#node=" + encodeURIComponent(n.id));
    });
    nodeLayer.appendChild(g); n.el = g;
  });

  function short(s, k) { s = String(s || ""); return s.length > k ? s.slice(0, k - 1) + "\u2026" : s; }

  /* ---- zoom and pan ---- */
  var tx = 0, ty = 0, scale = 1;
  function apply() { view.setAttribute("transform", "translate(" + tx + "," + ty + ") scale(" + scale + ")"); }
  function visible() { return nodes.filter(function (n) { return !n.hidden; }); }
  function fit() {
    var shown = visible(); if (!shown.length) return;
    var xs = shown.map(function (n) { return n.x; }), ys = shown.map(function (n) { return n.y; });
    var minx = Math.min.apply(null, xs) - 260, maxx = Math.max.apply(null, xs) + 260;
    var miny = Math.min.apply(null, ys) - 30, maxy = Math.max.apply(null, ys) + 30;
    var w = svg.clientWidth || 800, h = svg.clientHeight || 600;
    scale = Math.min(w / (maxx - minx), h / (maxy - miny), 1.4);
    tx = w / 2 - scale * (minx + maxx) / 2; ty = h / 2 - scale * (miny + maxy) / 2; apply();
  }
  svg.addEventListener("wheel", function (ev) {
    ev.preventDefault();
    var r = svg.getBoundingClientRect(), mx = ev.clientX - r.left, my = ev.clientY - r.top;
    var f = ev.deltaY < 0 ? 1.15 : 1 / 1.15;
    tx = mx - (mx - tx) * f; ty = my - (my - ty) * f; scale *= f; apply();
  }, {passive: false});
  var drag = null;
  svg.addEventListener("mousedown", function (ev) { drag = {x: ev.clientX - tx, y: ev.clientY - ty}; });
  window.addEventListener("mousemove", function (ev) { if (drag) { tx = ev.clientX - drag.x; ty = ev.clientY - drag.y; apply(); } });
  window.addEventListener("mouseup", function () { drag = null; });
  document.getElementById("fit").addEventListener("click", fit);

  /* ---- filters: node types, edge kinds, current edges only, provider exposure ---- */
  function checked(name) {
    var out = {};
    Array.prototype.forEach.call(document.querySelectorAll("input[data-filter='" + name + "']"), function (box) {
      out[box.value] = box.checked;
    });
    return out;
  }
  function applyFilters() {
    var types = checked("type"), kinds = checked("kind"), exposures = checked("exposure");
    var currentOnly = document.getElementById("current-only").checked;
    nodes.forEach(function (n) {
      n.hidden = types[n.type] === false || (n.type === "provider" && exposures[n.exposure] === false);
      n.el.classList.toggle("hidden", n.hidden);
    });
    var shownEdges = 0;
    edges.forEach(function (e) {
      var hide = e.s.hidden || e.t.hidden || kinds[e.kind] === false ||
        (currentOnly && e.status && e.status !== "current");
      e.el.classList.toggle("hidden", hide); e.labelEl.classList.toggle("hidden", hide);
      if (!hide) shownEdges++;
    });
    document.getElementById("summary").textContent = visible().length + " of " + nodes.length + " nodes \u00b7 " +
      shownEdges + " of " + edges.length + " edges" + (data.graph.aggregated ? " \u00b7 " + data.graph.aggregated : "");
  }
  Array.prototype.forEach.call(document.querySelectorAll("#filters input"), function (box) {
    box.addEventListener("change", applyFilters);
  });

  /* ---- search ---- */
  var search = document.getElementById("search"), count = document.getElementById("match-count");
  function norm(s) { return String(s || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase(); }
  function runSearch(centre) {
    var q = norm(search.value.trim()), first = null, n = 0;
    nodes.forEach(function (node) {
      var hit = q && (norm(node.label).indexOf(q) >= 0 || norm(node.attrs.siren).indexOf(q) >= 0);
      node.el.classList.toggle("match", !!hit);
      node.el.classList.toggle("dim", !!q && !hit);
      if (hit) { n++; if (!first) first = node; }
    });
    count.textContent = q ? n + " match" + (n === 1 ? "" : "es") : "";
    if (centre && first) centreOn(first);
  }
  function centreOn(n) {
    var w = svg.clientWidth || 800, h = svg.clientHeight || 600;
    scale = Math.max(scale, 1); tx = w / 2 - n.x * scale; ty = h / 2 - n.y * scale; apply(); select(n);
  }
  search.addEventListener("input", function () { runSearch(false); });
  search.addEventListener("keydown", function (ev) { if (ev.key === "Enter") runSearch(true); });

  /* ---- details panel: attributes and the evidence of every edge of the node ---- */
  var panel = document.getElementById("details");
  function el(tag, text, cls) { var e = document.createElement(tag); if (text !== undefined) e.textContent = text; if (cls) e.className = cls; return e; }
  function select(n) {
    nodes.forEach(function (m) { m.el.classList.remove("selected"); });
    edges.forEach(function (e) {
      var mine = e.s === n || e.t === n;
      e.el.classList.toggle("selected", mine);
      if (!showEdgeLabels) e.labelEl.setAttribute("display", mine ? "inline" : "none");
    });
    n.el.classList.add("selected");
    panel.innerHTML = "";
    panel.appendChild(el("h2", nodeLabel(n)));
    panel.appendChild(el("p", n.type + " \u00b7 " + n.id + (n.exposure ? " \u00b7 " + EXPOSURE_WORDS[n.exposure] : ""), "muted"));
    var dl = el("dl");
    Object.keys(n.attrs).sort().forEach(function (k) {
      if (k === "label" || k === "type") return;
      dl.appendChild(el("dt", k)); dl.appendChild(el("dd", String(n.attrs[k])));
    });
    panel.appendChild(dl);
    var mine = edges.filter(function (e) { return e.s === n || e.t === n; });
    panel.appendChild(el("h3", "Edges and evidence (" + mine.length + ")"));
    var list = el("ol", undefined, "edges");
    mine.slice(0, 200).forEach(function (e) {
      var other = e.s === n ? e.t : e.s, li = el("li");
      li.appendChild(el("div", (e.s === n ? "\u2192 " : "\u2190 ") + edgeWord(e) + " \u00b7 " + nodeLabel(other), "edge-title"));
      li.appendChild(el("div", [e.kind, e.method, e.status, e.confidence !== undefined ? "confidence " + e.confidence : "",
        "evidence rows: " + (e.evidence_count || 0)].filter(Boolean).join(" \u00b7 "), "muted"));
      if (e.evidence_text) li.appendChild(el("blockquote", e.evidence_text));
      if (e.evidence_url && /^https?:\/\//i.test(e.evidence_url)) {  /* never a javascript: link */
        var a = el("a", e.evidence_url); a.href = e.evidence_url; a.target = "_blank"; a.rel = "noopener noreferrer";
        li.appendChild(a);
      } else if (e.evidence_url || e.evidence_ref) li.appendChild(el("div", e.evidence_url || e.evidence_ref, "muted"));
      list.appendChild(li);
    });
    panel.appendChild(list);
  }
  var EXPOSURE_WORDS = {"cloud-act": "non-EU, exposed to the US CLOUD Act", "non-eu": "non-EU jurisdiction",
    "eu": "EU jurisdiction", "unknown": "jurisdiction unknown"};
  applyFilters();
  fit();
  /* a link can open the view on one node: page.html#node=org:12 (and the URL follows clicks) */
  function fromHash() {
    var m = /(?:^#|&)node=([^&]+)/.exec(location.hash);
    var n = m && byId[decodeURIComponent(m[1])];
    if (n) centreOn(n);
  }
  window.addEventListener("hashchange", fromHash);
  fromHash();
  document.body.setAttribute("data-rendered", String(nodes.length));
})();
