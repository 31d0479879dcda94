/* soustrace offline graph viewer: force layout + SVG, zoom/pan, search, evidence panel.
   Hand-written and inlined into the exported HTML: the file must open offline, with no CDN and no fetch. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("graph-data").textContent);
  var SVGNS = "http://www.w3.org/2000/svg";
  var COLORS = {buyer: "#8e44ad", contract: "#2980b9", organization: "#27ae60", provider: "#e67e22", site: "#16a085"};
  var COLUMN = {buyer: 0, contract: 1, organization: 2, site: 3, provider: 4};
  var nodes = data.nodes, edges = data.edges, byId = {};
  nodes.forEach(function (n, i) { n.index = i; byId[n.id] = n; n.deg = 0; });
  edges.forEach(function (e) { e.s = byId[e.source]; e.t = byId[e.target]; if (e.s) e.s.deg++; if (e.t) e.t.deg++; });
  edges = edges.filter(function (e) { return e.s && e.t; });

  /* ---- layout: columns by type as a start, then springs + grid-bucketed repulsion ---- */
  var perColumn = {};
  nodes.forEach(function (n) {
    var c = COLUMN[n.type] === undefined ? 2 : COLUMN[n.type];
    perColumn[c] = (perColumn[c] || 0) + 1;
    n.col = c; n.row = perColumn[c];
  });
  var spread = Math.max(700, Math.sqrt(nodes.length) * 40);
  nodes.forEach(function (n) {
    n.x = n.col * spread / 2 + (Math.random() - 0.5) * 20;
    n.y = (n.row / (perColumn[n.col] + 1) - 0.5) * spread + (Math.random() - 0.5) * 20;
    n.vx = 0; n.vy = 0;
  });
  var K = nodes.length < 100 ? 90 : 45, CELL = K * 1.4;
  var iterations = Math.max(30, Math.min(300, Math.floor(4e6 / (nodes.length + edges.length + 1))));
  for (var it = 0; it < iterations; it++) {
    var grid = {}, cool = 1 - it / iterations;
    nodes.forEach(function (n) {
      var key = Math.floor(n.x / CELL) + ":" + Math.floor(n.y / CELL);
      (grid[key] = grid[key] || []).push(n);
    });
    nodes.forEach(function (n) {
      var gx = Math.floor(n.x / CELL), gy = Math.floor(n.y / CELL);
      for (var dx = -1; dx <= 1; dx++) for (var dy = -1; dy <= 1; dy++) {
        var cell = grid[(gx + dx) + ":" + (gy + dy)];
        if (!cell) continue;
        for (var j = 0; j < cell.length; j++) {
          var m = cell[j]; if (m === n) continue;
          var ddx = n.x - m.x, ddy = n.y - m.y, d2 = ddx * ddx + ddy * ddy + 0.01;
          if (d2 > CELL * CELL) continue;
          var f = (K * K) / d2;
          n.vx += ddx * f * 0.05; n.vy += ddy * f * 0.05;
        }
      }
    });
    edges.forEach(function (e) {
      var ddx = e.t.x - e.s.x, ddy = e.t.y - e.s.y, d = Math.sqrt(ddx * ddx + ddy * ddy) + 0.01;
      var f = (d - K) / d * 0.05;
      e.s.vx += ddx * f; e.s.vy += ddy * f; e.t.vx -= ddx * f; e.t.vy -= ddy * f;
    });
    nodes.forEach(function (n) {
      var cx = n.col * spread / 2;
      n.vx += (cx - n.x) * 0.002;  /* keep the buyer -> provider reading order */
      var v = Math.sqrt(n.vx * n.vx + n.vy * n.vy), max = 20 * cool + 1;
      if (v > max) { n.vx *= max / v; n.vy *= max / v; }
      n.x += n.vx; n.y += n.vy; n.vx *= 0.5; n.vy *= 0.5;
    });
  }

  /* ---- SVG ---- */
  var svg = document.getElementById("graph"), view = document.getElementById("viewport");
  var edgeLayer = document.createElementNS(SVGNS, "g"), nodeLayer = document.createElementNS(SVGNS, "g");
  view.appendChild(edgeLayer); view.appendChild(nodeLayer);
  edges.forEach(function (e) {
    var line = document.createElementNS(SVGNS, "line");
    line.setAttribute("x1", e.s.x); line.setAttribute("y1", e.s.y);
    line.setAttribute("x2", e.t.x); line.setAttribute("y2", e.t.y);
    line.setAttribute("class", "edge kind-" + e.kind + (e.status && e.status !== "current" ? " not-current" : ""));
    edgeLayer.appendChild(line); e.el = line;
  });
  var showAllLabels = nodes.length <= 300;
  nodes.forEach(function (n) {
    var g = document.createElementNS(SVGNS, "g");
    g.setAttribute("class", "node type-" + n.type);
    g.setAttribute("data-id", n.id);
    g.setAttribute("transform", "translate(" + n.x + "," + n.y + ")");
    var c = document.createElementNS(SVGNS, "circle");
    c.setAttribute("r", n.type === "provider" ? 12 : n.type === "buyer" ? 9 : 6 + Math.min(6, Math.sqrt(n.deg)));
    c.setAttribute("fill", COLORS[n.type] || "#7f8c8d");
    var title = document.createElementNS(SVGNS, "title"); title.textContent = n.label;
    c.appendChild(title); g.appendChild(c);
    if (showAllLabels || n.type === "provider" || n.type === "buyer") {
      var t = document.createElementNS(SVGNS, "text");
      t.setAttribute("x", 14); t.setAttribute("y", 4); t.textContent = short(n.label, 40);
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
  function fit() {
    var xs = nodes.map(function (n) { return n.x; }), ys = nodes.map(function (n) { return n.y; });
    if (!xs.length) return;
    var minx = Math.min.apply(null, xs), maxx = Math.max.apply(null, xs);
    var miny = Math.min.apply(null, ys), maxy = Math.max.apply(null, ys);
    var w = svg.clientWidth || 800, h = svg.clientHeight || 600;
    scale = Math.min(w / (maxx - minx + 200), h / (maxy - miny + 120), 1.3);
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
    if (centre && first) {
      var w = svg.clientWidth || 800, h = svg.clientHeight || 600;
      scale = Math.max(scale, 1); tx = w / 2 - first.x * scale; ty = h / 2 - first.y * scale; apply(); select(first);
    }
  }
  search.addEventListener("input", function () { runSearch(false); });
  search.addEventListener("keydown", function (ev) { if (ev.key === "Enter") runSearch(true); });

  /* ---- details panel: attributes and the evidence of every edge of the node ---- */
  var panel = document.getElementById("details");
  function el(tag, text, cls) { var e = document.createElement(tag); if (text !== undefined) e.textContent = text; if (cls) e.className = cls; return e; }
  function select(n) {
    nodes.forEach(function (m) { m.el.classList.remove("selected"); });
    n.el.classList.add("selected");
    panel.innerHTML = "";
    panel.appendChild(el("h2", n.label));
    panel.appendChild(el("p", n.type + " \u00b7 " + n.id, "muted"));
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
      li.appendChild(el("div", (e.s === n ? "\u2192 " : "\u2190 ") + (e.role || e.kind) + " \u00b7 " + other.label, "edge-title"));
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
  fit();
  /* a link can open the view on one node: page.html#node=org:12 (and the URL follows clicks) */
  function fromHash() {
    var m = /(?:^#|&)node=([^&]+)/.exec(location.hash);
    var n = m && byId[decodeURIComponent(m[1])];
    if (n) { var w = svg.clientWidth || 800, h = svg.clientHeight || 600;
      tx = w / 2 - n.x * scale; ty = h / 2 - n.y * scale; apply(); select(n); }
  }
  window.addEventListener("hashchange", fromHash);
  fromHash();
  document.body.setAttribute("data-rendered", String(nodes.length));
  document.getElementById("summary").textContent = nodes.length + " nodes \u00b7 " + edges.length + " edges";
})();
