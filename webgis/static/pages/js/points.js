/* The canvas point renderer: a Leaflet GridLayer whose tiles are <canvas>
 * elements drawn straight from the layer's Mapbox Vector Tiles.
 *
 * Why not VectorGrid for points: it builds one Leaflet object per feature, so a
 * street-zoom tile of a 1,000,000-point layer cost seconds. Here a tile is
 * decoded into flat typed arrays (x, y, legend class, fid) and drawn with one
 * path per legend class; those arrays are all that is kept, for hit-testing a
 * click (Medan.pointAt) and for the tests' count of drawn points. */
(function () {
  'use strict';
  var Medan = window.Medan;
  var TILE_SIZE = 256;
  var HIT_SLOP_PX = 4;   // a finger or a mouse rarely lands on a 2-px dot

  /* ------------------------------------------------------------ MVT decoding */
  // Field numbers from the Mapbox Vector Tile specification 2.1 (vector_tile.proto).
  function readValue(pbf) {
    var value = null;
    var end = pbf.readVarint() + pbf.pos;
    while (pbf.pos < end) {
      var tag = pbf.readVarint() >> 3;
      if (tag === 1) { value = pbf.readString(); }
      else if (tag === 2) { value = pbf.readFloat(); }
      else if (tag === 3) { value = pbf.readDouble(); }
      else if (tag === 4) { value = pbf.readVarint64(); }
      else if (tag === 5) { value = pbf.readVarint(); }
      else if (tag === 6) { value = pbf.readSVarint(); }
      else if (tag === 7) { value = pbf.readBoolean(); }
      else { value = null; break; }
    }
    pbf.pos = end;
    return value;
  }

  function readLayerHeader(pbf, end) {
    var layer = { name: null, extent: 4096, keys: [], values: [], features: [] };
    while (pbf.pos < end) {
      var field = pbf.readVarint();
      var tag = field >> 3;
      if (tag === 1) { layer.name = pbf.readString(); }
      else if (tag === 2) {
        // Decoded later, once the key and value tables (written after the features) are known.
        layer.features.push(pbf.pos);
        var len = pbf.readVarint();
        pbf.pos += len;
      }
      else if (tag === 3) { layer.keys.push(pbf.readString()); }
      else if (tag === 4) { layer.values.push(readValue(pbf)); }
      else if (tag === 5) { layer.extent = pbf.readVarint(); }
      else { pbf.skip(field); }
    }
    return layer;
  }

  /* The legend class index of every value in the layer's value table (-1: none). */
  function classOfValues(layer, style) {
    var keyIndex = style.kind === 'simple' ? -1 : layer.keys.indexOf(style.property);
    return layer.values.map(function (value) {
      if (keyIndex < 0) { return -1; }
      var props = {};
      props[style.property] = value;
      var c = Medan.classFor(style, props);
      return c ? style.classes.indexOf(c) : -1;
    });
  }

  /* One feature's id, legend class and point(s), appended to `out`. */
  function readFeature(pbf, keyIndex, valueClass, scale, out) {
    var end = pbf.readVarint() + pbf.pos;
    var id = -1, cls = -1, type = 0, geomStart = -1, geomEnd = -1;
    while (pbf.pos < end) {
      var field = pbf.readVarint();
      var tag = field >> 3;
      if (tag === 1) { id = pbf.readVarint(); }
      else if (tag === 2) {
        var tagsEnd = pbf.readVarint() + pbf.pos;
        while (pbf.pos < tagsEnd) {
          var k = pbf.readVarint(), v = pbf.readVarint();
          if (k === keyIndex) { cls = valueClass[v]; }
        }
      } else if (tag === 3) { type = pbf.readVarint(); }
      else if (tag === 4) { var len = pbf.readVarint(); geomStart = pbf.pos; geomEnd = pbf.pos + len; pbf.pos = geomEnd; }
      else { pbf.skip(field); }
    }
    if (type !== 1 || geomStart < 0) { return; }   // only POINT features are drawn here
    pbf.pos = geomStart;
    var x = 0, y = 0;
    while (pbf.pos < geomEnd) {
      var command = pbf.readVarint();
      var count = command >> 3;
      for (var i = 0; i < count; i++) {
        x += pbf.readSVarint();
        y += pbf.readSVarint();
        if ((command & 7) === 1) { out.push(x * scale, y * scale, cls, id); }
      }
    }
    pbf.pos = end;
  }

  /* Decode one tile into {x, y (tile px), cls, id, length} for the layer named `name`. */
  Medan.decodePointTile = function (buffer, name, style) {
    var pbf = new window.Pbf(new Uint8Array(buffer));
    var flat = [];
    while (pbf.pos < pbf.length) {
      var field = pbf.readVarint();
      if ((field >> 3) !== 3) { pbf.skip(field); continue; }
      var end = pbf.readVarint() + pbf.pos;
      var layer = readLayerHeader(pbf, end);
      if (layer.name === name) {
        var keyIndex = style.kind === 'simple' ? -1 : layer.keys.indexOf(style.property);
        var valueClass = classOfValues(layer, style);
        var scale = TILE_SIZE / layer.extent;
        for (var f = 0; f < layer.features.length; f++) {
          pbf.pos = layer.features[f];
          readFeature(pbf, keyIndex, valueClass, scale, flat);
        }
      }
      pbf.pos = end;
    }
    var n = flat.length / 4;
    var points = { x: new Float32Array(n), y: new Float32Array(n), cls: new Int16Array(n),
                   id: new Float64Array(n), length: n };
    for (var i = 0; i < n; i++) {
      points.x[i] = flat[4 * i]; points.y[i] = flat[4 * i + 1];
      points.cls[i] = flat[4 * i + 2]; points.id[i] = flat[4 * i + 3];
    }
    return points;
  };

  /* ------------------------------------------------------------ drawing */
  /* Fill and stroke of each legend class (index -1: a feature in no class). */
  function classPaints(layer) {
    var paints = { '-1': Medan.pathStyle(layer, null) };
    (layer.style.classes || []).forEach(function (c, i) {
      var props = {};
      props[layer.style.property] = layer.style.kind === 'graduated' ? c.min : c.value;
      paints[i] = Medan.pathStyle(layer, props);
    });
    return paints;
  }

  /* Dots of at most 5 px across: a square is the same few pixels as a circle,
   * and filling rectangles rasterises 2-3 times faster than a path of arcs
   * (measured in headless Chromium, 50,000 points in 36 tiles). */
  var SQUARE_MAX_RADIUS = 2.5;

  function drawSquares(ctx, points, members, paint) {
    var r = paint.radius, w = paint.weight > 0 ? paint.weight : 0, j, x, y;
    if (w) {
      ctx.globalAlpha = paint.opacity;
      ctx.fillStyle = paint.color;
      for (j = 0; j < members.length; j++) {
        x = points.x[members[j]]; y = points.y[members[j]];
        ctx.fillRect(x - r - w, y - r - w, 2 * (r + w), 2 * (r + w));
      }
    }
    ctx.globalAlpha = paint.fillOpacity;
    ctx.fillStyle = paint.fillColor;
    for (j = 0; j < members.length; j++) {
      x = points.x[members[j]]; y = points.y[members[j]];
      ctx.fillRect(x - r, y - r, 2 * r, 2 * r);
    }
    ctx.globalAlpha = 1;
  }

  function drawPoints(ctx, points, paints) {
    var groups = {};
    for (var i = 0; i < points.length; i++) {
      var key = points.cls[i];
      (groups[key] = groups[key] || []).push(i);
    }
    Object.keys(groups).forEach(function (key) {
      var paint = paints[key] || paints['-1'];
      var r = paint.radius, members = groups[key];
      if (r <= SQUARE_MAX_RADIUS) { drawSquares(ctx, points, members, paint); return; }
      ctx.beginPath();
      for (var j = 0; j < members.length; j++) {
        var x = points.x[members[j]], y = points.y[members[j]];
        ctx.moveTo(x + r, y);
        ctx.arc(x, y, r, 0, 2 * Math.PI);
      }
      ctx.globalAlpha = paint.fillOpacity;
      ctx.fillStyle = paint.fillColor;
      ctx.fill();
      if (paint.weight > 0) {
        ctx.globalAlpha = paint.opacity;
        ctx.lineWidth = paint.weight;
        ctx.strokeStyle = paint.color;
        ctx.stroke();
      }
    });
    ctx.globalAlpha = 1;
  }

  /* ------------------------------------------------------------ the layer */
  Medan.PointTiles = L.GridLayer.extend({
    options: { tileSize: TILE_SIZE, updateWhenZooming: false },

    initialize: function (layer, options) {
      L.GridLayer.prototype.initialize.call(this, options);
      this._medanLayer = layer;
      this._paints = classPaints(layer);
      this.pointsDrawn = 0;
      this.workMs = 0;
    },

    createTile: function (coords, done) {
      var tile = L.DomUtil.create('canvas', 'leaflet-tile medan-point-tile');
      var ratio = window.devicePixelRatio || 1;
      tile.width = tile.height = TILE_SIZE * ratio;
      var controller = window.AbortController ? new AbortController() : null;
      tile._medanAbort = controller;
      var url = L.Util.template(this._medanLayer.tiles_url, coords);
      var self = this;
      // After an edit of this layer (pages/js/edit.js) the browser asks again rather than
      // reusing a tile it cached for a minute; the ETag keeps an unchanged tile a 304.
      window.fetch(url, { credentials: 'same-origin', signal: controller && controller.signal,
                          cache: this._medanLayer.revalidate ? 'no-cache' : 'default' })
        .then(function (response) {
          // 204: no feature in this tile; 404: outside the layer's zoom range.
          if (response.status === 204 || response.status === 404) { return null; }
          if (!response.ok) { throw new Error('tile ' + response.status); }
          return response.arrayBuffer();
        })
        .then(function (buffer) {
          var started = window.performance.now();
          var points = buffer ? Medan.decodePointTile(buffer, self._medanLayer.id, self._medanLayer.style)
                              : { length: 0 };
          tile._medanPoints = points;
          if (points.length) {
            var ctx = tile.getContext('2d');
            ctx.scale(ratio, ratio);
            drawPoints(ctx, points, self._paints);
            self.pointsDrawn += points.length;
          }
          // Main-thread time spent decoding and drawing, for the benchmark.
          self.workMs += window.performance.now() - started;
          done(null, tile);
        })
        .catch(function (error) {
          if (error && error.name === 'AbortError') { return; }
          done(error, tile);
        });
      return tile;
    },

    _removeTile: function (key) {
      var entry = this._tiles[key];
      if (entry && entry.el._medanAbort && !entry.current) { entry.el._medanAbort.abort(); }
      L.GridLayer.prototype._removeTile.call(this, key);
    },

    /* The feature drawn nearest to latlng within the slop, as {fid, latlng}; null if none. */
    pointAt: function (latlng) {
      var map = this._map;
      if (!map || this._tileZoom === undefined) { return null; }
      var z = this._tileZoom;
      var p = map.project(latlng, z);
      var coords = L.point(Math.floor(p.x / TILE_SIZE), Math.floor(p.y / TILE_SIZE));
      coords.z = z;
      var entry = this._tiles[this._tileCoordsToKey(coords)];
      var points = entry && entry.el._medanPoints;
      if (!points || !points.length) { return null; }
      var lx = p.x - coords.x * TILE_SIZE, ly = p.y - coords.y * TILE_SIZE;
      var slop = (this._paints['-1'].radius || 3) + HIT_SLOP_PX;
      var best = -1, bestD = slop * slop;
      for (var i = 0; i < points.length; i++) {
        var dx = points.x[i] - lx, dy = points.y[i] - ly, d = dx * dx + dy * dy;
        if (d <= bestD) { best = i; bestD = d; }
      }
      if (best < 0) { return null; }
      var at = map.unproject([coords.x * TILE_SIZE + points.x[best], coords.y * TILE_SIZE + points.y[best]], z);
      return { fid: points.id[best], latlng: at };
    },

    /* Every point drawn inside its own tile (not the buffer) at the current zoom,
     * as [fid, lat, lng]: what the tests compare with the database. */
    drawnPoints: function () {
      var out = [];
      var map = this._map, z = this._tileZoom;
      var self = this;
      Object.keys(this._tiles).forEach(function (key) {
        var entry = self._tiles[key];
        var points = entry.el._medanPoints;
        if (entry.coords.z !== z || !points) { return; }
        for (var i = 0; i < points.length; i++) {
          var x = points.x[i], y = points.y[i];
          if (x < 0 || y < 0 || x >= TILE_SIZE || y >= TILE_SIZE) { continue; }
          var at = map.unproject([entry.coords.x * TILE_SIZE + x, entry.coords.y * TILE_SIZE + y], z);
          out.push([points.id[i], at.lat, at.lng]);
        }
      });
      return out;
    }
  });
}());
