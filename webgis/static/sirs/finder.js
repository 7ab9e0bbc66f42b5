/* /tempat-tidur: hospitals with their free beds, nearest first from a map tap or the phone's location,
   those with a free bed of the chosen class first; stale reports marked. Text only through textContent. */
(function () {
  "use strict";
  var el = document.getElementById("beds-map");
  if (!el) { return; }
  var d = el.dataset;
  var map = L.map(el, { center: [3.595, 98.672], zoom: 12 });
  var markers = L.layerGroup().addTo(map);
  var here = null;
  var point = null;
  var select = document.getElementById("bed-class");
  var list = document.getElementById("beds-list");

  function freeOf(h, kelas) {
    var n = 0;
    h.tempat_tidur.forEach(function (b) {
      if ((kelas && b.kelas === kelas) || (!kelas && b.kelas !== "IGD")) { n += b.tersedia; }
    });
    return n;
  }
  function capacityOf(h, kelas) {
    var n = 0;
    h.tempat_tidur.forEach(function (b) {
      if ((kelas && b.kelas === kelas) || (!kelas && b.kelas !== "IGD")) { n += b.kapasitas; }
    });
    return n;
  }
  function line(parent, tag, text, cls) {
    var node = document.createElement(tag);
    node.textContent = text;
    if (cls) { node.className = cls; }
    parent.appendChild(node);
    return node;
  }
  function item(h, kelas) {
    var li = document.createElement("li");
    li.dataset.kode = h.kode_faskes;
    li.dataset.free = String(freeOf(h, kelas));
    li.dataset.stale = h.basi ? "true" : "false";
    var link = document.createElement("a");
    link.href = d.page.replace("KODE", encodeURIComponent(h.kode_faskes));
    link.textContent = h.nama;
    var title = line(li, "strong", "");
    title.appendChild(link);
    if (h.jarak_m !== null) { line(li, "span", " · " + (h.jarak_m / 1000).toFixed(1) + " " + d.tKm, "c-distance"); }
    var free = h.laporan_terakhir === null ? d.tNever
      : freeOf(h, kelas) + " " + d.tFree + " " + d.tOf + " " + capacityOf(h, kelas);
    line(li, "div", free, "c-free");
    if (h.basi) { line(li, "div", d.tStale, "c-warn stale"); }
    return li;
  }
  function colour(h, kelas) {
    if (h.basi) { return "#999999"; }
    return freeOf(h, kelas) > 0 ? "#1a9641" : "#d7191c";
  }
  function render(data) {
    var kelas = select.value;
    list.textContent = "";
    markers.clearLayers();
    data.rumah_sakit.forEach(function (h) {
      list.appendChild(item(h, kelas));
      var m = L.circleMarker([h.lat, h.lon], { radius: 8, color: "#333", weight: 1, fillOpacity: 0.9,
                                               fillColor: colour(h, kelas) });
      var box = document.createElement("div");
      line(box, "strong", h.nama);
      line(box, "div", freeOf(h, kelas) + " " + d.tFree + (h.basi ? " · " + d.tStale : ""));
      m.bindPopup(box);
      markers.addLayer(m);
    });
    if (kelas && data.rumah_sakit.every(function (h) { return freeOf(h, kelas) === 0; })) {
      line(list, "li", d.tNone);
    }
    el.dataset.count = String(data.rumah_sakit.length);
    el.dataset.loaded = String(Number(el.dataset.loaded || "0") + 1);
  }
  function load() {
    var q = new URLSearchParams();
    if (select.value) { q.set("kelas", select.value); }
    if (point) { q.set("lon", point.lng.toFixed(6)); q.set("lat", point.lat.toFixed(6)); }
    fetch(d.url + "?" + q.toString(), { headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(render)
      .catch(function () { el.dataset.failed = "1"; });
  }
  function setPoint(latlng) {
    point = latlng;
    if (here) { here.setLatLng(latlng); } else { here = L.marker(latlng).addTo(map); }
    load();
  }
  map.on("click", function (e) { setPoint(e.latlng); });
  select.addEventListener("change", load);
  document.getElementById("use-location").addEventListener("click", function () {
    if (!navigator.geolocation) { return; }
    navigator.geolocation.getCurrentPosition(function (pos) {
      var ll = L.latLng(pos.coords.latitude, pos.coords.longitude);
      map.setView(ll, 14);
      setPoint(ll);
    }, function (err) { el.dataset.locationError = String(err.code); }, { timeout: 10000 });
  });
  load();
  document.body.dataset.ready = "true";
}());
