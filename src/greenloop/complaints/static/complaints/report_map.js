// Report form map: tap to drop a pin (fills the hidden longitude/latitude),
// or use the phone's position. Without a tile server the county boundaries
// of the city are drawn on a plain background; the address field always
// works as well.
(function () {
  "use strict";
  var el = document.getElementById("report-map");
  if (!el || !window.L) { return; }
  var lon = document.getElementById("id_longitude");
  var lat = document.getElementById("id_latitude");
  var shown = document.getElementById("pin-shown");
  var map = L.map(el, { attributionControl: !!el.dataset.tileUrl });
  if (el.dataset.tileUrl) {
    L.tileLayer(el.dataset.tileUrl, { maxZoom: 19, attribution: el.dataset.tileAttribution || "" }).addTo(map);
  }
  var bounds = null;
  try {
    var data = JSON.parse(document.getElementById("report-boundaries").textContent);
    if (data.features.length) {
      var layer = L.geoJSON(data, { style: { color: "#1b7f4c", weight: 1, fillOpacity: 0.06 } }).addTo(map);
      bounds = layer.getBounds();
    }
  } catch (e) { bounds = null; }
  if (bounds && bounds.isValid()) { map.fitBounds(bounds); } else { map.setView([41.1, 123.0], 9); }
  var marker = null;
  function place(latlng) {
    if (marker) { marker.setLatLng(latlng); } else {
      marker = L.circleMarker(latlng, { radius: 9, color: "#c0392b", weight: 3, fillOpacity: 0.6 }).addTo(map);
    }
    lon.value = latlng.lng.toFixed(6);
    lat.value = latlng.lat.toFixed(6);
    shown.textContent = el.dataset.labelPinned + " " + lat.value + ", " + lon.value;
    el.dataset.pinned = "1";
  }
  if (lon.value && lat.value) { place(L.latLng(parseFloat(lat.value), parseFloat(lon.value))); }
  map.on("click", function (e) { place(e.latlng); });
  var clear = document.getElementById("pin-clear");
  if (clear) {
    clear.addEventListener("click", function () {
      if (marker) { map.removeLayer(marker); marker = null; }
      lon.value = ""; lat.value = ""; shown.textContent = ""; el.dataset.pinned = "";
    });
  }
  var locate = document.getElementById("pin-locate");
  if (locate && navigator.geolocation) {
    locate.addEventListener("click", function () {
      navigator.geolocation.getCurrentPosition(function (p) {
        var ll = L.latLng(p.coords.latitude, p.coords.longitude);
        place(ll); map.setView(ll, 15);
      }, function () { shown.textContent = el.dataset.labelNoPosition; }, { timeout: 10000 });
    });
  } else if (locate) { locate.hidden = true; }
  // Show the name and phone fields only for a named report.
  var radios = document.querySelectorAll("input[name=is_anonymous]");
  var named = document.getElementById("named-fields");
  function sync() {
    var checked = document.querySelector("input[name=is_anonymous]:checked");
    named.hidden = !checked || checked.value === "1";
  }
  radios.forEach(function (r) { r.addEventListener("change", sync); });
  sync();
})();
