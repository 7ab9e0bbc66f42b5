/* The editor's feature form, built from the layer's declaration (/peta/edit.json, layers/forms.py):
 * one input per declared property, with the rules layers/validate.py enforces (type, required,
 * allowed values as a select, minimum/maximum, max_length) checked before anything is sent,
 * and the server's refusals shown next to the field they name. */
(function () {
  'use strict';
  var Medan = window.Medan;
  var Form = Medan.EditForm = {};
  var LONG_TEXT = 300;  // a longer text gets a textarea

  function inputId(field) { return 'edit-field-' + field.name; }

  function pad(n) { return (n < 10 ? '0' : '') + n; }

  /* An ISO date-time as a datetime-local value (the browser's local time). */
  function localDateTime(value) {
    var when = new Date(value);
    if (isNaN(when.getTime())) { return ''; }
    return when.getFullYear() + '-' + pad(when.getMonth() + 1) + '-' + pad(when.getDate()) + 'T' +
      pad(when.getHours()) + ':' + pad(when.getMinutes());
  }

  function optionLabel(field, value) {
    if (field.type === 'boolean') { return Medan.t(value ? 'yes' : 'no'); }
    return String(value);
  }

  function selectInput(field, value) {
    var choices = field.type === 'boolean' && !field.allowed ? [true, false] : field.allowed;
    var select = Medan.el('select', {}, [Medan.el('option', { value: '', text: Medan.t('choose') })]);
    choices.forEach(function (choice) {
      select.appendChild(Medan.el('option', { value: JSON.stringify(choice), text: optionLabel(field, choice),
                                              selected: value === choice }));
    });
    return select;
  }

  function plainInput(field, value) {
    var shown = value === null || value === undefined ? '' : value;
    if (field.type === 'integer' || field.type === 'number') {
      return Medan.el('input', { type: 'number', inputmode: 'decimal', value: shown,
                                 step: field.type === 'integer' ? '1' : 'any',
                                 min: field.minimum, max: field.maximum });
    }
    if (field.type === 'date') { return Medan.el('input', { type: 'date', value: shown }); }
    if (field.type === 'datetime') {
      return Medan.el('input', { type: 'datetime-local', value: shown ? localDateTime(shown) : '' });
    }
    if (field.max_length && field.max_length > LONG_TEXT) {
      var area = Medan.el('textarea', { rows: 3 });
      area.value = shown;
      return area;
    }
    return Medan.el('input', { type: 'text', value: shown });
  }

  function fieldInput(field, value) {
    var input = field.allowed || field.type === 'boolean' ? selectInput(field, value) : plainInput(field, value);
    input.id = inputId(field);
    input.name = field.name;
    input.setAttribute('aria-describedby', 'edit-error-' + field.name);
    if (field.required) { input.setAttribute('aria-required', 'true'); }
    if (field.readonly) { input.disabled = true; }
    return input;
  }

  function fieldLabel(field) {
    var text = Medan.tr(field.title) + (field.unit ? ' (' + field.unit + ')' : '') + (field.required ? ' *' : '');
    var label = Medan.el('label', { for: inputId(field), text: text });
    if (field.readonly) { label.appendChild(Medan.el('small', { text: ' — ' + Medan.t('workflow_readonly') })); }
    return label;
  }

  /* The form's fields for `form` (a layer's), filled with `properties`. */
  Form.build = function (form, properties) {
    var list = Medan.el('div', { className: 'edit-fields' });
    form.fields.forEach(function (field) {
      list.appendChild(Medan.el('div', { className: 'edit-field', 'data-field': field.name }, [
        fieldLabel(field), fieldInput(field, properties[field.name]),
        Medan.el('p', { className: 'field-error', id: 'edit-error-' + field.name, 'aria-live': 'polite', hidden: true })
      ]));
    });
    return list;
  };

  /* The value an input holds, as the declared type; {error} when it cannot be one. */
  function readValue(field, input) {
    var raw = input.value.trim();
    if (raw === '') { return { value: null }; }
    if (input.tagName === 'SELECT') { return { value: JSON.parse(raw) }; }
    if (field.type === 'integer' || field.type === 'number') {
      var number = Number(raw);
      if (!isFinite(number)) { return { error: Medan.t('not_number') }; }
      if (field.type === 'integer' && Math.floor(number) !== number) { return { error: Medan.t('not_integer') }; }
      return { value: number };
    }
    if (field.type === 'datetime') {
      var when = new Date(raw);
      return isNaN(when.getTime()) ? { error: Medan.t('not_date') } : { value: when.toISOString() };
    }
    return { value: raw };  // text is trimmed, as the server does
  }

  /* The declaration's rules (layers/validate.py), in the user's language; null when it passes. */
  function problem(field, value) {
    if (value === null) { return field.required ? Medan.t('required') : null; }
    if (field.minimum !== null && typeof value === 'number' && value < field.minimum) {
      return Medan.t('below_min') + ' ' + Medan.formatNumber(field.minimum, 6) + '.';
    }
    if (field.maximum !== null && typeof value === 'number' && value > field.maximum) {
      return Medan.t('above_max') + ' ' + Medan.formatNumber(field.maximum, 6) + '.';
    }
    if (field.max_length && typeof value === 'string' && value.trim().length > field.max_length) {
      return Medan.t('too_long').replace('{n}', field.max_length);
    }
    if (field.allowed && field.allowed.indexOf(value) < 0) { return Medan.t('choose'); }
    return null;
  }

  Form.showError = function (root, name, message) {
    var node = root.querySelector('#edit-error-' + name);
    if (!node) { return false; }
    node.textContent = message;
    node.hidden = false;
    var input = root.querySelector('#edit-field-' + name);
    if (input) { input.setAttribute('aria-invalid', 'true'); }
    return true;
  };

  Form.clearErrors = function (root) {
    root.querySelectorAll('.field-error').forEach(function (node) { node.hidden = true; node.textContent = ''; });
    root.querySelectorAll('[aria-invalid]').forEach(function (node) { node.removeAttribute('aria-invalid'); });
  };

  /* {values, errors}: every editable field's value, and the fields whose value breaks a rule. */
  Form.read = function (form, root) {
    var values = {};
    var errors = {};
    form.fields.forEach(function (field) {
      if (field.readonly) { return; }
      var read = readValue(field, root.querySelector('#' + inputId(field)));
      var message = read.error || problem(field, read.value);
      if (message) { errors[field.name] = message; } else { values[field.name] = read.value; }
    });
    return { values: values, errors: errors };
  };

  // The server's refusals the form cannot foresee, said in the user's language first; the
  // server's own words follow, since they name the value and the rule exactly.
  var SERVER_WORDS = [
    [/already exists|must be unique/, 'server_unique'],
    [/outside Medan/, 'server_outside'],
    [/invalid geometry|not valid GeoJSON/, 'server_geometry']
  ];

  function said(text) {
    for (var i = 0; i < SERVER_WORDS.length; i++) {
      if (SERVER_WORDS[i][0].test(text)) { return Medan.t(SERVER_WORDS[i][1]) + ' — ' + text; }
    }
    return text;
  }

  /* The server's problems (layers/errors.py Problem strings) by the field they name, and the rest. */
  Form.serverProblems = function (form, problems) {
    var names = form.fields.map(function (f) { return f.name; });
    var byField = {};
    var other = [];
    (problems || []).forEach(function (text) {
      var match = /property '([a-z][a-z0-9_]*)'/.exec(text) || /(?:^|: )([a-z][a-z0-9_]*)=/.exec(text);
      if (match && names.indexOf(match[1]) >= 0) { byField[match[1]] = said(text); } else { other.push(said(text)); }
    });
    return { byField: byField, other: other };
  };

  function sameMinute(a, b) {
    return a !== null && b !== null && Math.floor(new Date(a).getTime() / 60000) === Math.floor(new Date(b).getTime() / 60000);
  }

  /* What the user changed: the values that differ from the saved properties (a date-time
   * input holds minutes, so an unchanged one compares by the minute). */
  Form.changes = function (form, values, saved) {
    var changed = {};
    form.fields.forEach(function (field) {
      var name = field.name;
      if (!Object.prototype.hasOwnProperty.call(values, name)) { return; }
      var before = saved[name] === undefined ? null : saved[name];
      if (field.type === 'datetime' && sameMinute(values[name], before)) { return; }
      if (JSON.stringify(values[name]) !== JSON.stringify(before)) { changed[name] = values[name]; }
    });
    return changed;
  };
}());
