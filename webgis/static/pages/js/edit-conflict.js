/* A write refused with 412 (If-Match: someone else saved the feature since it was opened):
 * show their saved version next to the user's, field by field, and let the user load theirs
 * (dropping their own changes) or overwrite it with theirs' ETag. Nothing is written until
 * the user chooses. */
(function () {
  'use strict';
  var Medan = window.Medan;
  var Conflict = Medan.EditConflict = {};

  function shown(value) {
    if (value === null || value === undefined || value === '') { return '—'; }
    return typeof value === 'string' ? value : JSON.stringify(value);
  }

  function rows(form, patch, theirs) {
    var names = patch ? Object.keys(patch.properties) : [];
    var result = names.map(function (name) {
      var field = form.fields.filter(function (f) { return f.name === name; })[0];
      return Medan.el('tr', { 'data-property': name }, [
        Medan.el('th', { scope: 'row', text: field ? Medan.tr(field.title) : name }),
        Medan.el('td', { className: 'theirs', text: shown(theirs.properties[name]) }),
        Medan.el('td', { className: 'yours', text: shown(patch.properties[name]) })
      ]);
    });
    if (patch && patch.geometry) {
      var moved = JSON.stringify(theirs.geometry) !== JSON.stringify(Medan.editor.current.geometry);
      result.push(Medan.el('tr', { 'data-property': 'geometry' }, [
        Medan.el('th', { scope: 'row', text: Medan.t('geometry') }),
        Medan.el('td', { className: 'theirs', text: moved ? Medan.t('geometry_changed') : '—' }),
        Medan.el('td', { className: 'yours', text: Medan.t('geometry_changed') })
      ]));
    }
    return result;
  }

  function table(form, patch, theirs) {
    return Medan.el('table', { className: 'conflict-table' }, [
      Medan.el('thead', {}, [Medan.el('tr', {}, [
        Medan.el('th', { scope: 'col', text: Medan.t('conflict_field') }),
        Medan.el('th', { scope: 'col', text: Medan.t('conflict_theirs') }),
        Medan.el('th', { scope: 'col', text: Medan.t('conflict_yours') })
      ])]),
      Medan.el('tbody', {}, rows(form, patch, theirs))
    ]);
  }

  function button(id, key, className, handler) {
    var node = Medan.el('button', { type: 'button', id: id, className: className, 'data-i18n': key, text: Medan.t(key) });
    node.addEventListener('click', handler);
    return node;
  }

  /* `patch`: the refused update (null for a refused delete). */
  Conflict.show = function (patch) {
    var editor = Medan.editor;
    var current = editor.current;
    var url = '/collections/' + encodeURIComponent(current.form.id) + '/items/' + encodeURIComponent(current.fid) + '?f=json';
    return editor.send('GET', url).then(function (answer) {
      var extra = Medan.clear(document.getElementById('edit-extra'));
      if (answer.status === 404) {
        extra.appendChild(Medan.el('p', { className: 'conflict', role: 'alert', text: Medan.t('conflict_gone') }));
        return;
      }
      var reload = button('conflict-reload', 'conflict_reload', '', function () {
        editor.open(current.form.id, current.fid);
      });
      var overwrite = button('conflict-overwrite', 'conflict_overwrite', 'danger', function () {
        if (patch) { editor.update(patch, answer.etag); } else { editor.remove(answer.etag); }
      });
      extra.appendChild(Medan.el('section', { className: 'conflict', role: 'alert', id: 'conflict' }, [
        Medan.el('h4', { text: Medan.t('conflict_title') }),
        Medan.el('p', { text: Medan.t('conflict_text') }),
        table(current.form, patch, answer.body),
        Medan.el('div', { className: 'edit-actions' }, [reload, overwrite])
      ]));
      document.getElementById('form-message').hidden = true;
      reload.focus();
    });
  };
}());
