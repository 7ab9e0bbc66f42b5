/* The layer panel: the basemap's box, then one checkbox per public layer, grouped
 * by theme, each with its legend from the declared style. Rebuilt when the
 * language changes. */
(function () {
  'use strict';
  var Medan = window.Medan;

  function swatch(layer, color, fill) {
    var node = Medan.el('span', { className: 'swatch swatch-' + layer.kind, 'aria-hidden': 'true' });
    node.style.borderColor = color;
    node.style.backgroundColor = layer.kind === 'line' ? color : fill;
    return node;
  }

  function legend(layer) {
    var s = layer.style;
    var items;
    if (s.kind === 'simple') {
      items = [Medan.el('li', {}, [swatch(layer, s.color, s.fill_color), Medan.tr(layer.title)])];
    } else {
      items = s.classes.map(function (c) {
        var style = Medan.pathStyle(layer, null);
        return Medan.el('li', {}, [swatch(layer, layer.kind === 'polygon' ? style.color : c.color, c.color),
                                   Medan.tr(c.label)]);
      });
    }
    return Medan.el('ul', { className: 'legend', 'aria-label': Medan.t('legend') + ': ' + Medan.tr(layer.title) }, items);
  }

  function layerItem(layer) {
    var id = 'layer-toggle-' + layer.id;
    var checkbox = Medan.el('input', { type: 'checkbox', id: id, 'data-layer': layer.id,
                                        checked: Medan.isActive(layer.id) });
    checkbox.addEventListener('change', function () { Medan.setLayer(layer.id, checkbox.checked); });
    var hint = Medan.el('p', { className: 'zoom-hint', id: 'zoom-hint-' + layer.id, hidden: true,
                               text: Medan.t('zoom_in_to_see') });
    var label = Medan.el('label', { for: id, title: Medan.tr(layer.description) }, [Medan.tr(layer.title)]);
    var item = Medan.el('li', { className: 'layer-item', 'data-layer': layer.id },
                        [Medan.el('div', { className: 'layer-row' }, [checkbox, label]), hint]);
    if (Medan.isActive(layer.id)) { item.appendChild(legend(layer)); }
    return item;
  }

  /* The basemap: one box of its own, named after what it draws. */
  function basemapSection() {
    var basemap = Medan.state.config.basemap;
    var checkbox = Medan.el('input', { type: 'checkbox', id: 'basemap-toggle', 'data-basemap': 'true',
                                        checked: Medan.state.basemapOn, 'aria-describedby': 'basemap-note' });
    checkbox.addEventListener('change', function () { Medan.setBasemap(checkbox.checked); });
    var label = Medan.el('label', { for: 'basemap-toggle' }, [Medan.tr(basemap.title)]);
    var note = Medan.el('p', { className: 'layer-note', id: 'basemap-note', text: Medan.tr(basemap.description) });
    var item = Medan.el('li', { className: 'layer-item', 'data-basemap': 'true' },
                        [Medan.el('div', { className: 'layer-row' }, [checkbox, label]), note]);
    return Medan.el('section', { className: 'theme', 'data-theme': 'basemap' }, [
      Medan.el('h3', { text: Medan.t('background') }), Medan.el('ul', { className: 'layers' }, [item])
    ]);
  }

  Medan.renderPanel = function () {
    var list = Medan.clear(document.getElementById('layer-list'));
    if (Medan.state.config.basemap.layers.length || Medan.state.config.basemap.raster) {
      list.appendChild(basemapSection());
    }
    Medan.state.config.themes.forEach(function (theme) {
      var items = theme.layers.map(function (id) { return layerItem(Medan.layerById(id)); });
      list.appendChild(Medan.el('section', { className: 'theme', 'data-theme': theme.id }, [
        Medan.el('h3', { text: Medan.tr(theme.title) }),
        Medan.el('ul', { className: 'layers' }, items)
      ]));
    });
    Medan.updateZoomHints();
  };

  Medan.updateZoomHints = function () {
    var zoom = Medan.state.map.getZoom();
    Medan.state.config.layers.forEach(function (layer) {
      var hint = document.getElementById('zoom-hint-' + layer.id);
      if (hint) {
        hint.hidden = !(Medan.isActive(layer.id) && (zoom < layer.zoom.min || zoom > layer.zoom.max));
      }
    });
  };

  Medan.setupPanelToggle = function () {
    var panel = document.getElementById('panel');
    var toggle = document.getElementById('panel-toggle');
    function show(open) {
      panel.classList.toggle('open', open);
      toggle.setAttribute('aria-expanded', open ? 'true' : 'false');
      if (open) { var first = panel.querySelector('input'); if (first) { first.focus(); } }
    }
    toggle.addEventListener('click', function () { show(!panel.classList.contains('open')); });
    document.getElementById('panel-close').addEventListener('click', function () { show(false); toggle.focus(); });
    panel.addEventListener('keydown', function (e) {
      if (e.key === 'Escape') { show(false); toggle.focus(); }
    });
  };
}());
