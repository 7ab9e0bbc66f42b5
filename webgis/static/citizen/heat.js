/* A small heat-map layer for Leaflet, drawn on a canvas (no third-party plugin).
   Each point adds a blurred disc of its weight to a grey-scale density canvas;
   the density is then coloured through a blue-green-yellow-red ramp. Redrawn
   after every move or zoom, so the radius stays the same on screen. */
(function () {
  "use strict";
  function ramp() {
    var c = document.createElement("canvas");
    c.width = 256; c.height = 1;
    var g = c.getContext("2d");
    var grad = g.createLinearGradient(0, 0, 256, 0);
    grad.addColorStop(0.2, "#2c7bb6"); grad.addColorStop(0.45, "#00a6ca"); grad.addColorStop(0.6, "#90eb9d");
    grad.addColorStop(0.8, "#fdae61"); grad.addColorStop(1.0, "#d7191c");
    g.fillStyle = grad; g.fillRect(0, 0, 256, 1);
    return g.getImageData(0, 0, 256, 1).data;
  }

  L.CanvasHeat = L.Layer.extend({
    initialize: function (points, options) {
      this._points = points || [];  // [lat, lng, weight]
      L.setOptions(this, options);
    },
    options: { radius: 18, blur: 12, maxWeight: null },
    setPoints: function (points) { this._points = points; if (this._map) { this._draw(); } return this; },
    onAdd: function (map) {
      this._canvas = L.DomUtil.create("canvas", "c-heat leaflet-zoom-hide");
      this._canvas.setAttribute("aria-hidden", "true");
      map.getPanes().overlayPane.appendChild(this._canvas);
      map.on("moveend zoomend resize", this._draw, this);
      this._ramp = this._ramp || ramp();
      this._draw();
    },
    onRemove: function (map) {
      map.off("moveend zoomend resize", this._draw, this);
      L.DomUtil.remove(this._canvas);
    },
    _draw: function () {
      var map = this._map, canvas = this._canvas, size = map.getSize();
      canvas.width = size.x; canvas.height = size.y;
      L.DomUtil.setPosition(canvas, map.containerPointToLayerPoint([0, 0]));
      var g = canvas.getContext("2d");
      g.clearRect(0, 0, size.x, size.y);
      var r = this.options.radius, blur = this.options.blur;
      var max = this.options.maxWeight || Math.max(1, Math.min(8, this._points.length / 20));
      g.shadowBlur = blur;
      g.shadowColor = "black";
      this._points.forEach(function (p) {
        var pt = map.latLngToContainerPoint([p[0], p[1]]);
        if (pt.x < -r || pt.y < -r || pt.x > size.x + r || pt.y > size.y + r) { return; }
        g.globalAlpha = Math.min(1, (p[2] || 1) / max);
        // The disc is drawn far off-canvas and only its shadow lands on the point: a soft edge for free.
        g.beginPath();
        g.arc(pt.x - 10000, pt.y, r - blur / 2, 0, Math.PI * 2);
        g.shadowOffsetX = 10000;
        g.fill();
      });
      if (!size.x || !size.y) { return; }
      var image = g.getImageData(0, 0, size.x, size.y), px = image.data, ramp = this._ramp;
      for (var i = 3; i < px.length; i += 4) {
        var a = px[i];
        if (a) {
          var j = a * 4;
          px[i - 3] = ramp[j]; px[i - 2] = ramp[j + 1]; px[i - 1] = ramp[j + 2];
          px[i] = Math.min(230, a * 1.6);
        }
      }
      g.putImageData(image, 0, 0);
    }
  });
}());
