// The check reporttest appends to a report: once the page has loaded and
// its own scripts have run, it measures each of reporttestSections (name,
// CSS selector) and writes what it found as JSON into a pre element whose
// id is reporttest-result, which chromium --dump-dom returns.
(function () {
  "use strict";
  function describe(e) {
    if (!e) { return "nothing"; }
    var s = e.tagName.toLowerCase();
    if (e.id) { s += "#" + e.id; }
    if (typeof e.className === "string" && e.className.trim()) { s += "." + e.className.trim().split(/\s+/).join("."); }
    return s;
  }
  // whyHidden says why el is not visible, "" when it is.
  function whyHidden(el) {
    for (var e = el; e; e = e.parentElement) {
      var cs = getComputedStyle(e);
      if (cs.display === "none") { return "display:none (on " + describe(e) + ")"; }
      if (parseFloat(cs.opacity) < 0.05) { return "opacity " + cs.opacity + " (on " + describe(e) + ")"; }
      if (cs.contentVisibility === "hidden") { return "content-visibility:hidden (on " + describe(e) + ")"; }
    }
    var own = getComputedStyle(el);
    if (own.visibility !== "visible") { return "visibility:" + own.visibility; }
    if (el.checkVisibility && !el.checkVisibility({opacityProperty: true, visibilityProperty: true, contentVisibilityAuto: true})) {
      return "checkVisibility() is false (a closed <details> or a hidden ancestor)";
    }
    el.scrollIntoView({block: "center", inline: "nearest"});
    var r = el.getBoundingClientRect();
    if (r.width < 1 || r.height < 1) { return "zero size " + r.width + "x" + r.height; }
    var left = r.left + scrollX, top = r.top + scrollY;
    var doc = document.documentElement;
    if (left + r.width <= 0 || top + r.height <= 0 || left >= doc.scrollWidth || top >= doc.scrollHeight) {
      return "off the page at " + left + "," + top;
    }
    // The centre of the part of el in the viewport must be el's, not
    // another element's laid over it.
    var x0 = Math.max(r.left, 0), x1 = Math.min(r.right, innerWidth), y0 = Math.max(r.top, 0), y1 = Math.min(r.bottom, innerHeight);
    if (x1 <= x0 || y1 <= y0) { return "not in the viewport after scrolling to it"; }
    var hit = document.elementFromPoint((x0 + x1) / 2, (y0 + y1) / 2);
    if (!hit || !(hit === el || el.contains(hit))) { return "covered by " + describe(hit); }
    if (!el.innerText || !el.innerText.trim()) { return "no rendered text"; }
    return "";
  }
  // reveal opens the closed <details> around el as a reader does, by
  // clicking their summaries from the outermost in; it returns what it
  // clicked.
  function reveal(el) {
    var closed = [], clicked = [];
    for (var e = el.parentElement; e; e = e.parentElement) {
      if (e.tagName === "DETAILS" && !e.open) { closed.unshift(e); }
    }
    closed.forEach(function (d) {
      var s = d.querySelector(":scope > summary");
      if (s) { s.click(); clicked.push(describe(d)); }
    });
    return clicked;
  }
  function found(out, el, opened) {
    var r = el.getBoundingClientRect();
    out.visible = true;
    out.why = "";
    out.opened = opened;
    out.x = r.left + scrollX;
    out.y = r.top + scrollY;
    out.width = r.width;
    out.height = r.height;
    out.text = el.innerText;
    return out;
  }
  function measure(want) {
    var els = document.querySelectorAll(want.selector);
    var out = {name: want.name, selector: want.selector, matches: els.length, visible: false, why: "no element matches"};
    var whys = [], counts = {};
    for (var i = 0; i < els.length; i++) {
      var why = whyHidden(els[i]);
      if (why === "") { return found(out, els[i], null); }
      if (!(why in counts)) { whys.push(why); counts[why] = 0; }
      counts[why]++;
    }
    // None shows as the page loads: open the first one a reader can by
    // clicking, as the transcripts of a run that passed must be.
    for (var j = 0; j < els.length; j++) {
      if (els[j].closest("details:not([open])")) {
        var clicked = reveal(els[j]);
        var after = whyHidden(els[j]);
        if (after === "") { return found(out, els[j], clicked); }
        after = "after opening " + clicked.join(", ") + ": " + after;
        whys.push(after);
        counts[after] = 1;
        break;
      }
    }
    if (whys.length) {
      out.why = whys.map(function (w) { return els.length > 1 ? w + " (" + counts[w] + " of " + els.length + ")" : w; }).join("; ");
    }
    return out;
  }
  function run() {
    var result = {
      sections: reporttestSections.map(measure),
      fetched: performance.getEntriesByType("resource").map(function (e) { return e.name; }),
      viewport: [innerWidth, innerHeight]
    };
    var pre = document.createElement("pre");
    pre.id = "reporttest-result";
    pre.textContent = JSON.stringify(result);
    document.body.appendChild(pre);
  }
  window.addEventListener("load", function () { setTimeout(run, 0); });
})();
