/* Every map of the citizen pages credits the sources of the layers it draws: the
   page puts them on the map's element (data-credits, from the layer declarations),
   and this hook, loaded after Leaflet and before the page's script, adds them to
   the map's attribution as text. */
(function () {
  "use strict";
  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  L.Map.addInitHook(function () {
    var credits = this.getContainer().dataset.credits;
    if (credits && this.attributionControl) { this.attributionControl.addAttribution(escapeHtml(credits)); }
  });
}());
