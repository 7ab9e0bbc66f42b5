/* Staff editing on the homepage map: for each layer the user may write (layers/access.py, via
 * /peta/edit.json), draw a feature, move or reshape one, edit its properties in a form built
 * from the declaration (edit-form.js), delete it, see its history and restore a version
 * (edit-history.js). Writes go through the OGC API (webgis/ogcapi/writes.py) with the ETag
 * as If-Match; a 412 shows the other writer's version next to the user's. Drawing and vertex
 * editing: Leaflet-Geoman (vendored, webgis/assets.py). Loaded by main.js only for writers. */
(function () {
  'use strict';
  var Medan = window.Medan;
  var Form = Medan.EditForm;
  var DRAW_SHAPES = { point: 'Marker', line: 'Line', polygon: 'Polygon' };
  var editor = Medan.editor = { forms: {}, order: [], csrf: null, layerId: null, current: null, group: null };

  /* ---------------------------------------------------------------- requests */
  /* One API call; resolves {status, body, etag, location} whatever the status. A write refused
   * for its CSRF token (the page was left open past the token's hour) fetches a fresh token from
   * the session and is sent once more. */
  editor.send = function (method, url, body, extraHeaders) {
    return sendOnce(method, url, body, extraHeaders).then(function (answer) {
      if (answer.status !== 400 || !/CSRF/.test(answer.body.description || '')) { return answer; }
      return Medan.getJSON(editor.formsUrl, { cache: 'no-store' }).then(function (fresh) {
        if (!fresh.csrf_token) { return { status: 401, body: answer.body }; }  // the session itself ended
        editor.csrf = fresh.csrf_token;
        return sendOnce(method, url, body, extraHeaders);
      });
    });
  };

  function sendOnce(method, url, body, extraHeaders) {
    var headers = L.extend({ Accept: 'application/json', 'X-CSRFToken': editor.csrf }, extraHeaders || {});
    var init = { method: method, headers: headers, credentials: 'same-origin', cache: 'no-store' };
    if (body !== undefined) {
      headers['Content-Type'] = method === 'PATCH' ? 'application/merge-patch+json' : 'application/geo+json';
      init.body = JSON.stringify(body);
    }
    return window.fetch(url, init).then(function (response) {
      return response.text().then(function (text) {
        var parsed = {};
        try { parsed = text ? JSON.parse(text) : {}; } catch (e) { parsed = {}; }
        return { status: response.status, body: parsed, etag: response.headers.get('ETag'),
                 location: response.headers.get('Location') };
      });
    });
  }

  function itemsUrl(layerId) { return '/collections/' + encodeURIComponent(layerId) + '/items'; }
  function itemUrl(layerId, fid) { return itemsUrl(layerId) + '/' + encodeURIComponent(fid); }

  /* ---------------------------------------------------------------- the panel */
  function body() { return document.getElementById('edit-body'); }

  function i18n(tag, key, attrs) {
    return Medan.el(tag, L.extend({ 'data-i18n': key, text: Medan.t(key) }, attrs || {}));
  }

  function buildPanel() {
    var select = Medan.el('select', { id: 'edit-layer' });
    select.addEventListener('change', function () { chooseLayer(select.value); });
    var close = Medan.el('button', { type: 'button', id: 'editor-close', className: 'icon-button',
                                     'aria-label': Medan.t('close'), 'data-i18n-label': 'close', text: '×' });
    close.addEventListener('click', function () { showPanel(false); });
    var draw = i18n('button', 'draw_point', { type: 'button', id: 'draw-button' });
    draw.addEventListener('click', startDrawing);
    var panel = Medan.el('aside', { id: 'editor', className: 'editor', hidden: true, 'aria-labelledby': 'editor-title' }, [
      Medan.el('div', { className: 'panel-head' }, [i18n('h2', 'edit_title', { id: 'editor-title' }), close]),
      Medan.el('div', { className: 'edit-tools' }, [
        i18n('label', 'edit_layer', { for: 'edit-layer' }), select, draw,
        i18n('p', 'edit_hint', { id: 'edit-hint', className: 'edit-hint' })
      ]),
      Medan.el('div', { id: 'edit-body', 'aria-live': 'polite' })
    ]);
    panel.addEventListener('keydown', function (e) {
      if (e.key === 'Escape' && !Medan.state.drawing) { showPanel(false); document.getElementById('edit-toggle').focus(); }
    });
    document.body.appendChild(panel);
    var toggle = i18n('button', 'edit', { type: 'button', id: 'edit-toggle', 'aria-controls': 'editor',
                                          'aria-expanded': 'false' });
    toggle.addEventListener('click', function () { showPanel(document.getElementById('editor').hidden); });
    var tools = document.querySelector('.topbar .tools');
    tools.insertBefore(toggle, document.getElementById('panel-toggle'));
  }

  function renderLayerChoices() {
    var select = Medan.clear(document.getElementById('edit-layer'));
    editor.order.forEach(function (id) {
      select.appendChild(Medan.el('option', { value: id, text: Medan.tr(editor.forms[id].title),
                                              selected: id === editor.layerId }));
    });
    var form = editor.forms[editor.layerId];
    var draw = document.getElementById('draw-button');
    draw.hidden = !form || !form.create;
    if (form) {
      draw.dataset.i18n = 'draw_' + form.kind;
      draw.textContent = Medan.t(draw.dataset.i18n);
    }
  }

  function showPanel(open) {
    var panel = document.getElementById('editor');
    panel.hidden = !open;
    document.getElementById('edit-toggle').setAttribute('aria-expanded', open ? 'true' : 'false');
    if (open) {
      if (window.innerWidth < 640) { document.getElementById('panel').classList.remove('open'); }
      Medan.setLayer(editor.layerId, true);
    } else { closeFeature(); }
  }
  editor.showPanel = showPanel;

  function chooseLayer(id) {
    if (!editor.forms[id]) { return; }
    closeFeature();
    editor.layerId = id;
    renderLayerChoices();
    Medan.setLayer(id, true);
  }

  /* ---------------------------------------------------------------- the shape on the map */
  function clearShape() {
    Medan.state.map.pm.disableDraw();
    editor.group.clearLayers();
    Medan.state.drawing = false;
    document.body.classList.remove('drawing');
  }

  function editableShape(shape) {
    editor.group.addLayer(shape);
    shape.pm.enable({ allowSelfIntersection: false, draggable: false });
    shape.on('pm:edit pm:dragend', function () { if (editor.current) { editor.current.moved = true; } });
    return shape;
  }

  function shapeOf(geometry) {
    // Geoman is opt-in (see startEditor): only the shape being edited carries its handlers.
    if (geometry.type === 'Point') {
      return L.marker([geometry.coordinates[1], geometry.coordinates[0]], { pmIgnore: false });
    }
    return L.GeoJSON.geometryToLayer({ type: 'Feature', geometry: geometry, properties: {} },
                                     { pane: 'medan-edit', pmIgnore: false });
  }

  function startDrawing() {
    var form = editor.forms[editor.layerId];
    closeFeature();
    Medan.state.map.closePopup();
    Medan.state.drawing = true;
    document.body.classList.add('drawing');
    setHint(form.kind === 'point' ? 'draw_help_point' : 'draw_help_shape');
    Medan.state.map.pm.enableDraw(DRAW_SHAPES[form.kind], { continueDrawing: false, snappable: false,
                                                            pathOptions: { pane: 'medan-edit' } });
    var cancel = i18n('button', 'cancel', { type: 'button', id: 'draw-cancel' });
    cancel.addEventListener('click', closeFeature);
    Medan.clear(body()).appendChild(cancel);
  }

  function drawn(e) {
    if (!Medan.state.drawing) { return; }
    Medan.state.map.removeLayer(e.layer);
    clearShape();
    var form = editor.forms[editor.layerId];
    editor.current = { form: form, fid: null, etag: null, saved: {}, moved: true };
    editor.current.shape = editableShape(shapeOf(e.layer.toGeoJSON().geometry));
    renderFeature();
  }

  function setHint(key) {
    var hint = document.getElementById('edit-hint');
    hint.dataset.i18n = key;
    hint.textContent = Medan.t(key);
  }

  /* ---------------------------------------------------------------- one feature */
  function closeFeature() {
    clearShape();
    editor.current = null;
    Medan.state.editing = false;
    setHint('edit_hint');
    Medan.clear(body());
  }

  /* Open feature `fid` of `layerId` in the form, as the server has it now (with its ETag). */
  editor.open = function (layerId, fid) {
    return editor.send('GET', itemUrl(layerId, fid) + '?f=json').then(function (answer) {
      if (answer.status !== 200) { refused(answer); return; }
      if (layerId !== editor.layerId) { editor.layerId = layerId; renderLayerChoices(); }
      closeFeature();
      Medan.state.map.closePopup();
      Medan.state.editing = true;
      editor.current = { form: editor.forms[layerId], fid: fid, etag: answer.etag,
                         saved: answer.body.properties || {}, geometry: answer.body.geometry, moved: false };
      editor.current.shape = editableShape(shapeOf(answer.body.geometry));
      renderFeature();
    });
  };

  function versionOf(etag) {
    var match = /"v(\d+)/.exec(etag || '');
    return match ? Number(match[1]) : null;
  }

  function renderFeature(values) {
    var current = editor.current;
    var form = current.form;
    var heading = current.fid === null ? Medan.t('new_feature')
      : Medan.t('feature') + ' ' + current.fid + ' · ' + Medan.t('version') + ' ' + versionOf(current.etag);
    var saveButton = i18n('button', 'save', { type: 'submit', className: 'primary' });
    var cancel = i18n('button', 'cancel', { type: 'button' });
    cancel.addEventListener('click', closeFeature);
    var actions = [saveButton, cancel];
    if (current.fid !== null && form.delete) { actions.push(actionButton('delete', 'danger', askDelete)); }
    if (current.fid !== null && form.history) { actions.push(actionButton('history', '', showHistory)); }
    var formNode = Medan.el('form', { id: 'feature-form', novalidate: true, 'data-layer': form.id,
                                      'data-fid': current.fid, 'data-version': versionOf(current.etag) }, [
      Medan.el('h3', { text: heading }), i18n('p', 'edit_shape', { className: 'edit-hint' }),
      Form.build(form, L.extend({}, current.saved, values || {})),
      Medan.el('div', { id: 'form-message', className: 'form-message', role: 'alert', hidden: true }),
      Medan.el('div', { className: 'edit-actions' }, actions),
      Medan.el('div', { id: 'edit-extra' })
    ]);
    formNode.addEventListener('submit', function (event) { event.preventDefault(); save(); });
    Medan.clear(body()).appendChild(formNode);
    keepInView(current.shape);
  }

  /* On a phone the editor is a sheet over the lower part of the map: bring the shape into the
   * part still visible, so the user sees what they edit. */
  function keepInView(shape) {
    var map = Medan.state.map;
    var sheet = document.getElementById('editor').getBoundingClientRect();
    var frame = map.getContainer().getBoundingClientRect();
    // A side panel (a wider screen) leaves the shape visible where it is.
    if (!shape || sheet.width < frame.width - 20 || sheet.top >= frame.bottom) { return; }
    var centre = shape.getLatLng ? shape.getLatLng() : shape.getBounds().getCenter();
    var y = frame.top + map.latLngToContainerPoint(centre).y;
    var target = (frame.top + sheet.top) / 2;
    if (y > sheet.top - 40 || y < frame.top + 20) { map.panBy([0, y - target], { animate: false }); }
  }

  function actionButton(key, className, handler) {
    var button = i18n('button', key, { type: 'button', className: className, id: 'edit-' + key });
    button.addEventListener('click', handler);
    return button;
  }

  function message(lines, kind) {
    var node = document.getElementById('form-message');
    Medan.clear(node);
    node.className = 'form-message ' + (kind || 'error');
    lines.forEach(function (line) { node.appendChild(Medan.el('p', { text: line })); });
    node.hidden = lines.length === 0;
  }

  /* ---------------------------------------------------------------- saving */
  function save() {
    var current = editor.current;
    var root = document.getElementById('feature-form');
    Form.clearErrors(root);
    var read = Form.read(current.form, root);
    var bad = Object.keys(read.errors);
    bad.forEach(function (name) { Form.showError(root, name, read.errors[name]); });
    if (bad.length) { message([Medan.t('form_invalid')]); focusField(root, bad[0]); return Promise.resolve(); }
    message([Medan.t('saving')], 'info');
    var geometry = current.shape.toGeoJSON().geometry;
    if (current.fid === null) {
      var values = {};
      Object.keys(read.values).forEach(function (k) { if (read.values[k] !== null) { values[k] = read.values[k]; } });
      return create({ type: 'Feature', properties: values, geometry: geometry });
    }
    var patch = { type: 'Feature', properties: Form.changes(current.form, read.values, current.saved) };
    if (current.moved) { patch.geometry = geometry; }
    return update(patch, current.etag);
  }

  function focusField(root, name) {
    var input = root.querySelector('#edit-field-' + name);
    if (input) { input.focus(); }
  }

  function create(feature) {
    var layerId = editor.current.form.id;
    return editor.send('POST', itemsUrl(layerId), feature).then(function (answer) {
      if (answer.status !== 201) { refused(answer); return; }
      var fid = Number(answer.location.split('/').pop());
      Medan.toast(Medan.t('saved'));
      refreshLayer(layerId);
      return editor.open(layerId, fid);
    });
  }

  function update(patch, etag) {
    var current = editor.current;
    return editor.send('PATCH', itemUrl(current.form.id, current.fid), patch, { 'If-Match': etag })
      .then(function (answer) {
        if (answer.status === 412) { return Medan.EditConflict.show(patch); }
        if (answer.status !== 204) { refused(answer); return; }
        Medan.toast(Medan.t('saved'));
        refreshLayer(current.form.id);
        return editor.open(current.form.id, current.fid);
      });
  }
  editor.update = update;

  /* A refused write: the fields the server names, or what went wrong. */
  function refused(answer) {
    var root = document.getElementById('feature-form');
    var description = answer.body.description || '';
    if (answer.status === 400 && root && editor.current) {
      var found = Form.serverProblems(editor.current.form, answer.body.problems);
      Object.keys(found.byField).forEach(function (name) { Form.showError(root, name, found.byField[name]); });
      message([Medan.t('server_refused')].concat(found.other.length ? found.other : [description]));
      return;
    }
    var key = answer.status === 401 ? 'session_expired' : (answer.status === 403 || answer.status === 404)
      ? 'not_allowed' : 'failed';
    if (root) { message([Medan.t(key), description]); } else { Medan.toast(Medan.t(key) + ' ' + description); }
  }
  editor.refused = refused;

  /* Redraw a layer after a write, asking the server again rather than the browser's cache. */
  function refreshLayer(layerId) {
    var layer = Medan.layerById(layerId);
    if (!layer) { return; }
    layer.revalidate = true;
    if (Medan.isActive(layerId)) { Medan.setLayer(layerId, false); Medan.setLayer(layerId, true); }
  }
  editor.refreshLayer = refreshLayer;

  /* ---------------------------------------------------------------- delete and history */
  function confirmBox(textKey, yesKey, onYes) {
    var yes = i18n('button', yesKey, { type: 'button', className: 'danger', id: 'confirm-yes' });
    var no = i18n('button', 'cancel', { type: 'button', id: 'confirm-no' });
    var box = Medan.el('div', { className: 'confirm', role: 'alertdialog', 'aria-labelledby': 'confirm-text' },
                       [i18n('p', textKey, { id: 'confirm-text' }), yes, no]);
    yes.addEventListener('click', function () { box.remove(); onYes(); });
    no.addEventListener('click', function () { box.remove(); });
    return box;
  }
  editor.confirmBox = confirmBox;

  function askDelete() {
    var extra = Medan.clear(document.getElementById('edit-extra'));
    extra.appendChild(confirmBox('delete_confirm', 'delete_yes', function () { remove(editor.current.etag); }));
    document.getElementById('confirm-no').focus();
  }

  function remove(etag) {
    var current = editor.current;
    return editor.send('DELETE', itemUrl(current.form.id, current.fid), undefined, { 'If-Match': etag })
      .then(function (answer) {
        if (answer.status === 412) { return Medan.EditConflict.show(null); }
        if (answer.status !== 204) { refused(answer); return; }
        refreshLayer(current.form.id);
        closeFeature();
        offerUndo(current.form, current.fid);
      });
  }
  editor.remove = remove;

  /* After a delete: say so, and offer to bring the feature back (a restore of the deletion's
   * history entry, which recorded the row it removed). */
  function offerUndo(form, fid) {
    var note = i18n('p', 'deleted', { id: 'edit-deleted', role: 'status' });
    var box = Medan.clear(body());
    box.appendChild(note);
    if (!form.history) { return; }
    var undo = i18n('button', 'undo_delete', { type: 'button', id: 'edit-undo' });
    undo.addEventListener('click', function () { Medan.EditHistory.undoDelete(form, fid); });
    box.appendChild(undo);
  }

  function showHistory() {
    var current = editor.current;
    Medan.EditHistory.show(document.getElementById('edit-extra'), current.form, current.fid);
  }

  /* ---------------------------------------------------------------- start */
  Medan.popupActions = function (layer, fid) {
    if (!editor.forms[layer.id]) { return null; }
    var button = Medan.el('button', { type: 'button', className: 'popup-edit', text: Medan.t('edit_feature') });
    button.addEventListener('click', function () { showPanel(true); editor.open(layer.id, fid); });
    return button;
  };

  function rerenderOnLanguage() {
    var apply = Medan.applyLanguage;
    Medan.applyLanguage = function (lang) {
      apply(lang);
      renderLayerChoices();
      if (editor.current && document.getElementById('feature-form')) {
        renderFeature(Form.read(editor.current.form, document.getElementById('feature-form')).values);
      }
    };
  }

  Medan.startEditor = function (assets) {
    Medan.getJSON(assets.forms, { cache: 'no-store' }).then(function (answer) {
      if (!answer.layers.length) { return; }
      ['id', 'en'].forEach(function (lang) { L.extend(Medan.state.ui[lang], answer.ui[lang]); });
      editor.csrf = answer.csrf_token;
      editor.formsUrl = assets.forms;
      answer.layers.forEach(function (form) {
        if (!Medan.layerById(form.id)) { return; }
        editor.forms[form.id] = form;
        editor.order.push(form.id);
      });
      if (!editor.order.length) { return; }
      // The layer to edit first: one already on the map, else one where features can be drawn.
      var active = editor.order.filter(function (id) { return Medan.isActive(id); });
      var drawable = editor.order.filter(function (id) { return editor.forms[id].create; });
      editor.layerId = active[0] || drawable[0] || editor.order[0];
      var map = Medan.state.map;
      // Opt-in: Geoman gives its handlers only to layers created with pmIgnore: false (the shape
      // being edited), not to every feature of every layer. The map existed before Geoman loaded.
      L.PM.setOptIn(true);
      map.options.pmIgnore = false;
      L.PM.reInitLayer(map);
      map.createPane('medan-edit').style.zIndex = 450;
      editor.group = L.featureGroup().addTo(map);
      map.on('pm:create', drawn);
      buildPanel();
      document.getElementById('staff-login').parentNode.hidden = true;  // already logged in, with layers to edit
      renderLayerChoices();
      rerenderOnLanguage();
      document.body.dataset.editor = 'ready';
    });
  };
}());
