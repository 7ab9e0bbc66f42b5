/* The staff desk's maps: the queue's reports (read from the list the server rendered) and one report's
 * point. No data is fetched but the kelurahan outlines of the platform's own layer; text is set with
 * textContent only. */
(function () {
  'use strict';
  var COLOURS = { open: '#e31a1c', acknowledged: '#ff7f00', in_progress: '#fdbf6f', resolved: '#33a02c',
                  rejected: '#6a3d9a', closed: '#999999' };
  var MEDAN = [3.5952, 98.6722];
  var body = document.body;

  function style(status, overdue) {
    return { radius: overdue ? 8 : 6, color: overdue ? '#b30000' : '#222', weight: overdue ? 3 : 1,
             fillColor: COLOURS[status] || '#777', fillOpacity: 0.9 };
  }

  function backdrop(map) {
    var url = body.getAttribute('data-boundaries-url');
    if (!url) { return; }
    map.createPane('boundaries').style.zIndex = 250;
    fetch(url, { headers: { Accept: 'application/json' }, credentials: 'same-origin' })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (doc) {
        L.geoJSON(doc, { pane: 'boundaries', interactive: false,
                         style: { color: '#7a7a7a', weight: 1, fill: true, fillColor: '#f4f1ea', fillOpacity: 0.6 } })
          .addTo(map);
      }).catch(function () { /* the reports still show without the backdrop */ });
  }

  function popup(row) {
    var box = document.createElement('div');
    var link = document.createElement('a');
    link.href = row.getAttribute('data-href');
    link.textContent = row.getAttribute('data-id');
    box.appendChild(link);
    box.appendChild(document.createTextNode(' · ' + row.getAttribute('data-category')));
    if (row.getAttribute('data-overdue') === 'true') {
      var late = document.createElement('strong');
      late.className = 'overdue-text';
      late.textContent = ' · lewat tenggat / overdue';
      box.appendChild(late);
    }
    return box;
  }

  function queueMap() {
    var map = L.map('map').setView(MEDAN, 12);
    backdrop(map);
    var points = [];
    document.querySelectorAll('#queue tbody tr[data-id]').forEach(function (row) {
      var lat = parseFloat(row.getAttribute('data-lat'));
      var lon = parseFloat(row.getAttribute('data-lon'));
      var overdue = row.getAttribute('data-overdue') === 'true';
      var marker = L.circleMarker([lat, lon], style(row.getAttribute('data-status'), overdue)).addTo(map);
      marker.bindPopup(function () { return popup(row); });
      marker.on('click', function () {
        document.querySelectorAll('#queue tr.selected').forEach(function (r) { r.classList.remove('selected'); });
        row.classList.add('selected');
        row.scrollIntoView({ block: 'nearest' });
      });
      var path = marker.getElement();
      path.setAttribute('data-report', row.getAttribute('data-id'));
      path.setAttribute('data-overdue', String(overdue));
      row.addEventListener('mouseenter', function () { marker.setStyle({ weight: 4 }); });
      row.addEventListener('mouseleave', function () { marker.setStyle(style(row.getAttribute('data-status'), overdue)); });
      points.push([lat, lon]);
    });
    if (points.length) { map.fitBounds(L.latLngBounds(points), { padding: [20, 20], maxZoom: 16 }); }
    body.setAttribute('data-markers', String(points.length));
  }

  function reportMap() {
    var box = document.getElementById('map');
    var at = [parseFloat(box.getAttribute('data-lat')), parseFloat(box.getAttribute('data-lon'))];
    var map = L.map('map').setView(at, 16);
    backdrop(map);
    L.circleMarker(at, style(box.getAttribute('data-status'), false)).addTo(map);
  }

  if (body.classList.contains('desk-queue')) { queueMap(); }
  if (body.classList.contains('desk-report')) { reportMap(); }
  body.setAttribute('data-ready', 'true');
})();
