/* Search Listings: the map beside the results, and the small map on a listing page.
 *
 * The server renders everything; this file only adds the map. Markers come from the JSON the
 * results partial embeds (#search-map-data), so after every htmx swap list and map agree.
 * Moving the map (or "Search this area") writes the visible box into the form's hidden "bbox"
 * field; drawing a shape writes "poly"; either submits the form, which htmx turns into a swap
 * of #results and a pushed URL. Tiles load only when MAP_TILE_URL is set (never in tests).
 */
(function () {
  "use strict";

  var FALLBACK_CENTER = [41.6, -72.7];

  function addTiles(map, el) {
    var url = el.getAttribute("data-tile-url");
    if (url) {
      L.tileLayer(url, {
        maxZoom: 19,
        attribution: el.getAttribute("data-tile-attribution") || "",
      }).addTo(map);
    } else {
      el.classList.add("map--no-tiles");
    }
  }

  function priceIcon(label, extra) {
    return L.divIcon({
      className: "price-marker" + (extra ? " " + extra : ""),
      html: "<span>" + label + "</span>",
      iconSize: null,
    });
  }

  // --- the listing page's small map --------------------------------------------------------
  function initListingMap(el) {
    var lat = parseFloat(el.getAttribute("data-lat"));
    var lng = parseFloat(el.getAttribute("data-lng"));
    if (!isFinite(lat) || !isFinite(lng)) return;
    var map = L.map(el, { scrollWheelZoom: false, attributionControl: true }).setView([lat, lng], 14);
    addTiles(map, el);
    L.marker([lat, lng], {
      icon: priceIcon("●", "price-marker--dot"),
      title: el.getAttribute("data-label") || "",
      keyboard: false,
    }).addTo(map);
  }

  // --- the search map --------------------------------------------------------------------
  function initSearch(form) {
    var el = document.getElementById("search-map");
    var layout = form.querySelector(".search-layout");
    var bboxInput = form.querySelector('input[name="bbox"]');
    var polyInput = form.querySelector('input[name="poly"]');
    var tools = form.querySelector(".map-tools");
    var autoBox = document.getElementById("map-auto");
    var areaButton = form.querySelector('[data-map-action="area"]');
    var drawButton = form.querySelector('[data-map-action="draw"]');
    var finishButton = form.querySelector('[data-map-action="finish"]');
    var clearButton = form.querySelector('[data-map-action="clear"]');

    var map = L.map(el, { zoomControl: true, attributionControl: true, boxZoom: false });
    addTiles(map, el);
    if (tools) tools.hidden = false;
    var markers = L.layerGroup().addTo(map);
    // Zoomed out, price pills would pile up: show dots until the user zooms in.
    map.on("zoomend", function () {
      el.classList.toggle("map--zoomed-out", map.getZoom() < 13);
    });
    var markerById = {};
    var shape = null;
    var drawing = null; // {points: [], line: L.Polyline} while drawing
    var programmaticMove = false;

    function submit() {
      if (window.htmx) window.htmx.trigger(form, "submit");
      else form.requestSubmit();
    }

    function readData() {
      var node = document.getElementById("search-map-data");
      if (!node) return null;
      try {
        return JSON.parse(node.textContent);
      } catch (e) {
        return null;
      }
    }

    // Moves we make (fitting the results, resizing) must not count as the user choosing an area.
    function quietly(fn) {
      programmaticMove = true;
      try {
        fn();
      } finally {
        // moveend fires synchronously for non-animated moves; clear the flag after them.
        window.setTimeout(function () {
          programmaticMove = false;
        }, 0);
      }
    }

    function fitTo(bounds) {
      if (!bounds || !bounds.isValid()) return;
      // Fit into the part of the map on screen: before scrolling, its bottom may be below the fold.
      var below = Math.max(0, el.getBoundingClientRect().bottom - window.innerHeight);
      below = Math.min(below, el.clientHeight / 2);
      quietly(function () {
        map.fitBounds(bounds, {
          paddingTopLeft: [24, 24],
          paddingBottomRight: [24, 24 + below],
          maxZoom: 15,
          animate: false,
        });
      });
    }

    function render(initial) {
      var data = readData();
      markers.clearLayers();
      markerById = {};
      if (!data) return;
      data.markers.forEach(function (m) {
        var marker = L.marker([m.lat, m.lng], {
          icon: priceIcon(m.price),
          title: m.address,
          riseOnHover: true,
        });
        marker.on("click", function () {
          if (m.url) window.location.href = m.url;
        });
        marker.on("mouseover", function () {
          highlightCard(m.id, true);
        });
        marker.on("mouseout", function () {
          highlightCard(m.id, false);
        });
        marker.addTo(markers);
        markerById[m.id] = marker;
      });
      el.setAttribute("data-marker-count", String(data.markers.length));
      if (shape) {
        map.removeLayer(shape);
        shape = null;
      }
      if (data.poly) {
        shape = L.polygon(data.poly, { className: "search-shape" }).addTo(map);
      }
      if (clearButton) clearButton.hidden = !(data.poly || data.bbox);
      // The view follows the results unless the user placed it (a box they moved to stays).
      if (data.poly) {
        if (initial) fitTo(shape.getBounds());
      } else if (data.bbox) {
        if (initial) fitTo(L.latLngBounds([data.bbox[0], data.bbox[1]], [data.bbox[2], data.bbox[3]]));
      } else if (data.markers.length) {
        fitTo(L.latLngBounds(data.markers.map(function (m) { return [m.lat, m.lng]; })));
      } else if (initial) {
        map.setView(FALLBACK_CENTER, 9);
      }
    }

    function highlightCard(id, on) {
      var card = document.querySelector('#results [data-listing-id="' + id + '"]');
      if (card) card.classList.toggle("is-highlighted", on);
    }

    function highlightMarker(id, on) {
      var marker = markerById[id];
      if (!marker) return;
      var node = marker.getElement();
      if (node) node.classList.toggle("is-active", on);
      marker.setZIndexOffset(on ? 1000 : 0);
    }

    function boxOfView() {
      var b = map.getBounds();
      var f = function (n) { return n.toFixed(5); };
      // Clamp to the valid range the server accepts (a world-wide zoom-out goes past it).
      var s = Math.max(-90, b.getSouth()), n = Math.min(90, b.getNorth());
      var w = Math.max(-180, b.getWest()), e = Math.min(180, b.getEast());
      return [f(s), f(w), f(n), f(e)].join(",");
    }

    function searchThisArea() {
      polyInput.value = "";
      bboxInput.value = boxOfView();
      if (areaButton) areaButton.hidden = true;
      submit();
    }

    map.on("moveend", function () {
      if (programmaticMove || drawing) return;
      if (polyInput.value) return; // a drawn shape is the area; moving just looks around it
      if (autoBox && autoBox.checked) searchThisArea();
      else if (areaButton) areaButton.hidden = false;
    });

    // Drawing a shape: click corners, then Finish (or click the first corner again).
    function startDrawing() {
      drawing = { points: [], line: L.polyline([], { className: "search-shape search-shape--drawing" }).addTo(map) };
      el.classList.add("is-drawing");
      drawButton.hidden = true;
      finishButton.hidden = false;
      finishButton.disabled = true;
    }
    function stopDrawing() {
      if (!drawing) return;
      map.removeLayer(drawing.line);
      drawing = null;
      el.classList.remove("is-drawing");
      drawButton.hidden = false;
      finishButton.hidden = true;
    }
    function finishDrawing() {
      if (!drawing || drawing.points.length < 3) return;
      var value = drawing.points
        .map(function (p) { return p.lat.toFixed(5) + " " + p.lng.toFixed(5); })
        .join(",");
      stopDrawing();
      polyInput.value = value;
      bboxInput.value = "";
      submit();
    }
    map.on("click", function (event) {
      if (!drawing) return;
      var pts = drawing.points;
      if (pts.length >= 3 && map.latLngToContainerPoint(pts[0]).distanceTo(event.containerPoint) < 12) {
        finishDrawing();
        return;
      }
      pts.push(event.latlng);
      drawing.line.setLatLngs(pts);
      finishButton.disabled = pts.length < 3;
    });
    // The checkbox is a map preference, not a filter: its change must not run a search.
    if (autoBox) {
      autoBox.addEventListener("change", function (event) {
        event.stopPropagation();
      });
    }
    drawButton.addEventListener("click", startDrawing);
    finishButton.addEventListener("click", finishDrawing);
    if (areaButton) areaButton.addEventListener("click", searchThisArea);
    clearButton.addEventListener("click", function () {
      stopDrawing();
      polyInput.value = "";
      bboxInput.value = "";
      submit();
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && drawing) stopDrawing();
    });

    // Hovering a card (or focusing its link) lights up its marker.
    ["mouseover", "mouseout", "focusin", "focusout"].forEach(function (type) {
      form.addEventListener(type, function (event) {
        var card = event.target.closest && event.target.closest("[data-listing-id]");
        if (!card) return;
        var related = event.relatedTarget && event.relatedTarget.closest && event.relatedTarget.closest("[data-listing-id]");
        if (related === card) return;
        var on = type === "mouseover" || type === "focusin";
        highlightMarker(card.getAttribute("data-listing-id"), on);
        card.classList.toggle("is-highlighted", on);
      });
    });

    // List / map toggle on a phone.
    form.querySelectorAll("[data-show]").forEach(function (button) {
      button.addEventListener("click", function () {
        var view = button.getAttribute("data-show");
        layout.setAttribute("data-view", view);
        form.querySelectorAll("[data-show]").forEach(function (b) {
          b.setAttribute("aria-pressed", b === button ? "true" : "false");
        });
        if (view === "map") {
          quietly(function () {
            map.invalidateSize({ pan: false, debounceMoveend: false });
            render(true);
          });
        }
      });
    });

    document.body.addEventListener("htmx:afterSwap", function (event) {
      if (event.detail && event.detail.target && event.detail.target.id === "results") render(false);
      syncSaveQuery();
    });
    render(true);
    // The columns settle after first paint (fonts, images, the side panel opening); Leaflet
    // caches its size, so tell it, and re-fit while the user has not moved the map yet.
    var userMoved = false;
    map.on("dragstart zoomstart", function () {
      if (!programmaticMove) userMoved = true;
    });
    if (window.ResizeObserver) {
      new ResizeObserver(function () {
        quietly(function () {
          map.invalidateSize({ pan: false, debounceMoveend: false });
          if (!userMoved) render(true);
        });
      }).observe(el);
    }
    window.searchMap = map; // for the browser test and the console
  }

  // "Save this search" posts the current query string; keep it equal to the URL after swaps.
  function syncSaveQuery() {
    var params = new URLSearchParams(window.location.search);
    params.delete("after");
    document.querySelectorAll("[data-search-query]").forEach(function (input) {
      input.value = params.toString();
    });
  }
  document.body && document.body.addEventListener("htmx:pushedIntoHistory", syncSaveQuery);

  // Wide screens show "More filters" open at the side; phones keep it folded.
  function openSideOnWideScreens() {
    var wide = window.matchMedia("(min-width: 1100px)").matches;
    document.querySelectorAll("details[data-open-wide]").forEach(function (d) {
      if (wide) d.setAttribute("open", "");
    });
  }

  function start() {
    openSideOnWideScreens();
    if (typeof L === "undefined") return;
    var form = document.getElementById("search-form");
    if (form && document.getElementById("search-map")) initSearch(form);
    document.querySelectorAll("[data-listing-map]").forEach(initListingMap);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
