/* A feature's history in the editor (who, when, what changed) and restoring an earlier version,
 * through the history routes' JSON (webgis/accounts/history.py, layers/history.py); the restore
 * is itself recorded, by this user. */
(function () {
  'use strict';
  var Medan = window.Medan;
  var History = Medan.EditHistory = {};

  function historyUrl(layerId, fid) {
    return '/admin/history/' + encodeURIComponent(layerId) + '/' + encodeURIComponent(fid);
  }

  function shown(value) {
    if (value === null || value === undefined || value === '') { return '—'; }
    return typeof value === 'string' ? value : JSON.stringify(value);
  }

  function when(iso) {
    var at = new Date(iso);
    return new Intl.DateTimeFormat(Medan.locale(), { dateStyle: 'medium', timeStyle: 'medium',
                                                     timeZone: 'Asia/Jakarta' }).format(at);
  }

  function titleOf(form, name) {
    var field = form.fields.filter(function (f) { return f.name === name; })[0];
    return field ? Medan.tr(field.title) : name;
  }

  function changeList(form, version) {
    var items = version.changes.map(function (change) {
      var text = titleOf(form, change.name) + ': ' + (version.op === 'insert' ? shown(change.new)
        : shown(change.old) + ' → ' + shown(change.new));
      return Medan.el('li', { 'data-property': change.name, text: text });
    });
    if (version.geometry_changed && version.op === 'update') {
      items.push(Medan.el('li', { 'data-property': 'geometry', text: Medan.t('geometry_changed') }));
    }
    return Medan.el('ul', { className: 'history-changes' }, items);
  }

  function entry(form, fid, version, restorable) {
    var head = (version.version ? 'v' + version.version + ' · ' : '') + Medan.t('op_' + version.op) + ' · ' +
      version.actor + ' · ' + when(version.at);
    var item = Medan.el('li', { className: 'history-entry', 'data-history': version.id, 'data-version': version.version },
                        [Medan.el('p', { className: 'history-head', text: head }), changeList(form, version)]);
    if (restorable) {
      var button = Medan.el('button', { type: 'button', className: 'history-restore', text: Medan.t('restore') });
      button.addEventListener('click', function () {
        item.appendChild(Medan.editor.confirmBox('restore_confirm', 'restore_yes', function () {
          restore(form, fid, version.id);
        }));
      });
      item.appendChild(button);
    }
    return item;
  }

  function restore(form, fid, historyId) {
    var url = historyUrl(form.id, fid) + '/restore/' + encodeURIComponent(historyId);
    return Medan.editor.send('POST', url, { confirm: true }).then(function (answer) {
      if (answer.status !== 200) { Medan.editor.refused(answer); return; }
      Medan.toast(Medan.t('restored'));
      Medan.editor.refreshLayer(form.id);
      return Medan.editor.open(form.id, fid).then(function () {
        History.show(document.getElementById('edit-extra'), form, fid);
      });
    });
  }

  /* Bring a feature just deleted back: restore the deletion's own entry (layers.features.write). */
  History.undoDelete = function (form, fid) {
    return Medan.getJSON(historyUrl(form.id, fid) + '?f=json', { cache: 'no-store' }).then(function (answer) {
      var last = answer.versions[0];
      if (!last || last.op !== 'delete') { Medan.toast(Medan.t('failed')); return; }
      return restore(form, fid, last.id);
    }, function (failure) { Medan.editor.refused({ status: failure.status, body: failure.body || {} }); });
  };

  /* The history of feature `fid` into `container`, newest first; every earlier version restorable. */
  History.show = function (container, form, fid) {
    return Medan.getJSON(historyUrl(form.id, fid) + '?f=json', { cache: 'no-store' }).then(function (answer) {
      var list = Medan.el('ol', { id: 'history-list', className: 'history-list', reversed: true });
      answer.versions.forEach(function (version, index) {
        // The newest entry is the feature as it is, unless it is a deletion: restoring that brings it back.
        var restorable = answer.may_restore && (index > 0 || version.op === 'delete');
        list.appendChild(entry(form, fid, version, restorable));
      });
      Medan.clear(container).appendChild(Medan.el('section', { className: 'history' }, [
        Medan.el('h4', { text: Medan.t('history') }),
        answer.versions.length ? list : Medan.el('p', { text: Medan.t('history_none') })
      ]));
    }, function (failure) { Medan.editor.refused({ status: failure.status, body: failure.body || {} }); });
  };
}());
