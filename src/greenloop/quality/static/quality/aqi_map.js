// Live AQI map: one circle per station, filled with the HJ 633 colour of its
// level; a click loads the station's 48-hour charts with htmx. Works without
// a tile server (GREENLOOP_TILE_URL empty): the circles draw on a plain map.
(function () {
  "use strict";
  var el = document.getElementById("aqi-map");
  var data = document.getElementById("aqi-markers");
  if (!el || !data || !window.L) { return; }
  var markers = JSON.parse(data.textContent);
  var map = L.map(el, { attributionControl: true });
  if (el.dataset.tileUrl) {
    L.tileLayer(el.dataset.tileUrl, { maxZoom: 18, attribution: el.dataset.tileAttribution || "" }).addTo(map);
  }
  var target = el.dataset.chartTarget;

  function chartUrl(code) {
    return el.dataset.chartUrl.replace("/CODE/", "/" + encodeURIComponent(code) + "/");
  }
  function tooltip(m) {
    var div = document.createElement("div");
    var name = document.createElement("b");
    name.textContent = m.name;
    div.appendChild(name);
    var line = document.createElement("div");
    line.textContent = [m.kind, m.district].filter(Boolean).join(" · ");
    div.appendChild(line);
    var aqi = document.createElement("div");
    if (m.aqi === null && m.pm_index !== null && m.pm_index !== undefined) {
      aqi.textContent = el.dataset.pmLabel + " " + m.pm_index + " " + (m.category || "");
    } else {
      aqi.textContent = "AQI " + (m.aqi === null ? "—" : m.aqi) + " " + (m.category || "") +
        (m.primary ? " · " + m.primary : "");
    }
    div.appendChild(aqi);
    return div;
  }

  // The view first: Leaflet creates a marker's SVG element only once the
  // map has one, and the element carries the station code for tests and
  // assistive technology.
  if (markers.length) {
    map.fitBounds(L.latLngBounds(markers.map(function (m) { return [m.lat, m.lon]; })),
      { padding: [30, 30], maxZoom: 13 });
  } else {
    map.setView([41.1, 123.0], 9);
  }
  var group = L.featureGroup().addTo(map);
  // Micro-stations first, so the official stations are drawn on top of them.
  markers.slice().sort(function (a, b) { return (b.micro ? 1 : 0) - (a.micro ? 1 : 0); }).forEach(function (m) {
    var circle = L.circleMarker([m.lat, m.lon], {
      radius: m.micro ? 6 : 9,
      color: "#1e2a24",
      weight: 1,
      fillColor: m.colour,
      fillOpacity: 0.9,
      className: "aqi-marker"
    }).addTo(group);
    circle.bindTooltip(tooltip(m));
    circle.on("click", function () {
      if (window.htmx) {
        window.htmx.ajax("GET", chartUrl(m.code), { target: target, swap: "innerHTML" });
      } else {
        window.location.href = chartUrl(m.code);
      }
    });
    var path = circle.getElement && circle.getElement();
    if (path) {
      path.setAttribute("data-station", m.code);
      path.setAttribute("data-level", m.level === null ? "" : String(m.level));
      path.setAttribute("role", "button");
      path.setAttribute("aria-label", m.name + " AQI " + (m.aqi === null ? "—" : m.aqi));
    }
  });
  el.dataset.markers = String(markers.length);
})();
