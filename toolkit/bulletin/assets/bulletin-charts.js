// Draws every chart of the bulletin page from its data-vega-spec attribute with the inlined
// Vega runtime (SVG renderer, tooltips, no action menu, the expression interpreter so no
// eval); a chart that cannot be drawn shows its static SVG. The page's CSP allows this
// script by its hash: toolkit/bulletin/html.py computes it from this file.
(function () {
  "use strict";
  function showFallback(el) {
    el.setAttribute("data-chart-state", "failed");
    var ns = el.parentNode ? el.parentNode.querySelector("noscript") : null;
    if (ns) { el.innerHTML = ns.textContent; }
  }
  var charts = document.querySelectorAll("div.vega-chart[data-vega-spec]");
  Array.prototype.forEach.call(charts, function (el) {
    var spec;
    try {
      spec = JSON.parse(el.getAttribute("data-vega-spec"));
    } catch (err) {
      showFallback(el);
      console.error("Chart " + el.id + ": unreadable specification");
      return;
    }
    window.vegaEmbed(el, spec, {
      mode: "vega-lite", renderer: "svg", actions: false, tooltip: true, ast: true
    }).then(function () {
      el.setAttribute("data-chart-state", "drawn");
    }).catch(function (err) {
      showFallback(el);
      console.error("Chart " + el.id + " could not be drawn: " + err);
    });
  });
})();
