/* "Cari alamat": the city's place search (/peta/search.json) on /lapor and /ppdb. Picking a street or place
   fills the page's lat/long fields and tells the page's map (event "medan:place" on the widget).
   Enter in the box searches; it never submits the surrounding form. */
(function () {
  "use strict";
  document.querySelectorAll(".c-place-search").forEach(function (box) {
    var d = box.dataset;
    var input = box.querySelector("input");
    var list = box.querySelector("ul");
    var status = box.querySelector("[role=status]");

    function pick(result) {
      var lon = result.point[0], lat = result.point[1];
      document.getElementById(d.lat).value = lat.toFixed(6);
      document.getElementById(d.lon).value = lon.toFixed(6);
      list.textContent = "";
      status.textContent = d.tPicked + " " + result.name + (result.area ? ", " + result.area : "");
      box.dispatchEvent(new CustomEvent("medan:place", { bubbles: true, detail: { lat: lat, lon: lon } }));
    }

    function run() {
      var q = input.value.replace(/\s+/g, " ").trim();
      list.textContent = "";
      if (q.length < 2) { status.textContent = d.tShort; return; }
      fetch(d.url + "?places=1&q=" + encodeURIComponent(q)).then(function (r) {
        if (!r.ok) { throw new Error(d.tFailed); }
        return r.json();
      }).then(function (body) {
        var results = body.results || [];
        status.textContent = results.length ? "" : d.tNone;
        results.forEach(function (result) {
          var button = document.createElement("button");
          button.type = "button";
          button.className = "c-place-result";
          button.textContent = result.name + (result.area ? " — " + result.area : "");
          button.addEventListener("click", function () { pick(result); });
          var item = document.createElement("li");
          item.appendChild(button);
          list.appendChild(item);
        });
      }).catch(function () { status.textContent = d.tFailed; });
    }

    box.querySelector("button").addEventListener("click", run);
    input.addEventListener("keydown", function (e) {
      if (e.key === "Enter") { e.preventDefault(); run(); }
    });
  });
}());
