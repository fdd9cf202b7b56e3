// Petition density by grid: GeoJSON grids coloured by their count, over an
// optional tile layer (closed intranets draw on a plain background).
(function () {
  "use strict";
  var el = document.getElementById("density-map");
  if (!el || !window.L) { return; }
  var map = L.map(el, { preferCanvas: true });
  if (el.dataset.tileUrl) {
    L.tileLayer(el.dataset.tileUrl, { maxZoom: 18, attribution: el.dataset.tileAttribution || "" }).addTo(map);
  }
  var levelSel = document.getElementById("density-level");
  var legend = document.getElementById("density-legend");
  var layer = null;
  var colours = ["#f7fcf5", "#fee391", "#fec44f", "#fe9929", "#ec7014", "#cc4c02", "#8c2d04"];

  function colour(n, max) {
    if (!n || !max) { return colours[0]; }
    var i = 1 + Math.floor((colours.length - 2) * Math.sqrt(n / max));
    return colours[Math.min(i, colours.length - 1)];
  }
  function load() {
    var url = el.dataset.geojsonUrl + "&level=" + encodeURIComponent(levelSel.value);
    fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (data) {
      if (layer) { map.removeLayer(layer); }
      layer = L.geoJSON(data, {
        style: function (f) {
          return { color: "#555", weight: 1, fillOpacity: 0.7, fillColor: colour(f.properties.count, data.max) };
        },
        onEachFeature: function (f, l) {
          var div = document.createElement("div");
          var b = document.createElement("b");
          b.textContent = f.properties.name;
          var s = document.createElement("div");
          s.textContent = f.properties.region + " · " + el.dataset.labelCount.replace("%(n)s", String(f.properties.count));
          div.appendChild(b); div.appendChild(s);
          l.bindPopup(div);
          l.bindTooltip(f.properties.name + "：" + String(f.properties.count));
        }
      }).addTo(map);
      legend.textContent = el.dataset.labelLegend.replace("%(n)s", String(data.max)).replace("%(out)s", String(data.outside));
      el.dataset.loaded = String(data.features.length);
      if (layer.getLayers().length) { map.fitBounds(layer.getBounds()); } else { map.setView([41.1, 123.0], 9); }
    });
  }
  levelSel.addEventListener("change", load);
  load();
})();
