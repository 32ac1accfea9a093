/* CMA and report pages: the map of the subject and its comparables (data from json_script),
   and the Print buttons. No inline script: CSP forbids it. */
(function () {
  "use strict";

  function initMap(el) {
    if (typeof L === "undefined") return;
    var source = document.getElementById("cma-map-data");
    if (!source) return;
    var data = JSON.parse(source.textContent);
    var markers = data.markers || [];
    if (!markers.length) return;
    var map = L.map(el, { scrollWheelZoom: false, attributionControl: true });
    var url = el.getAttribute("data-tile-url");
    if (url) {
      L.tileLayer(url, { maxZoom: 19, attribution: el.getAttribute("data-tile-attribution") || "" }).addTo(map);
    } else {
      el.classList.add("map--no-tiles");
    }
    var points = [];
    markers.forEach(function (m) {
      var icon = L.divIcon({
        className: "cma-marker cma-marker--" + m.kind,
        html: "<span>" + (m.kind === "subject" ? "★" : String(m.label).replace(/[^0-9]/g, "")) + "</span>",
        iconSize: [28, 28],
        iconAnchor: [14, 14]
      });
      L.marker([m.lat, m.lng], { icon: icon, title: m.title, keyboard: false, zIndexOffset: m.kind === "subject" ? 1000 : 0 }).addTo(map);
      points.push([m.lat, m.lng]);
    });
    if (points.length === 1) map.setView(points[0], 15);
    else map.fitBounds(L.latLngBounds(points), { padding: [24, 24], maxZoom: 16 });
    el.setAttribute("data-marker-count", String(points.length));
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-cma-map]").forEach(initMap);
    // The printout carries the definitions too, even when the reader left them folded.
    window.addEventListener("beforeprint", function () {
      document.querySelectorAll("details.report__definitions").forEach(function (d) { d.open = true; });
    });
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
  });
})();
