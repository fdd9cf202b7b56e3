// Grid map: GeoJSON layers over an optional tile layer. With no tile URL
// configured (closed intranets) the boundaries draw on a plain background.
(function () {
  "use strict";
  var el = document.getElementById("grid-map");
  if (!el || !window.L) { return; }
  var map = L.map(el, { preferCanvas: true, attributionControl: true });
  var tileUrl = el.dataset.tileUrl;
  if (tileUrl) {
    L.tileLayer(tileUrl, { maxZoom: 18, attribution: el.dataset.tileAttribution || "" }).addTo(map);
  }
  var gridLayer = null, hotLayer = null;
  var levelSel = document.getElementById("grid-level");
  var hotBox = document.getElementById("show-hotspots");
  var countEl = document.getElementById("grid-count");

  function popup(f, layer) {
    var p = f.properties;
    var div = document.createElement("div");
    div.innerHTML = "<b></b><br><span></span><br><span></span><span></span>";
    div.children[0].textContent = p.name;
    div.children[2].textContent = p.region + " · " + p.level + " · " + p.code;
    div.children[4].textContent = el.dataset.labelOfficers;
    div.children[5].textContent = p.officers || "—";
    layer.bindPopup(div);
  }
  function load(url, style, done) {
    fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (data) {
      done(L.geoJSON(data, { style: style, onEachFeature: popup }), data.features.length);
    });
  }
  function refresh() {
    if (gridLayer) { map.removeLayer(gridLayer); }
    load(el.dataset.geojsonUrl + "?level=" + encodeURIComponent(levelSel.value),
      { color: "#1b7f4c", weight: 1, fillOpacity: 0.12 },
      function (layer, n) {
        gridLayer = layer.addTo(map);
        countEl.textContent = el.dataset.labelShown.replace("%(n)s", String(n));
        el.dataset.loaded = String(n);
        if (layer.getLayers().length) { map.fitBounds(layer.getBounds()); } else { map.setView([41.1, 123.0], 9); }
        if (hotLayer) { hotLayer.bringToFront(); }
      });
  }
  function refreshHot() {
    if (hotLayer) { map.removeLayer(hotLayer); hotLayer = null; }
    if (!hotBox.checked) { return; }
    load(el.dataset.geojsonUrl + "?kind=HOTSPOT", { color: "#c0392b", weight: 2, fillColor: "#d68910", fillOpacity: 0.45 },
      function (layer) { hotLayer = layer.addTo(map); });
  }
  levelSel.addEventListener("change", refresh);
  hotBox.addEventListener("change", refreshHot);
  refresh();
  refreshHot();
})();
