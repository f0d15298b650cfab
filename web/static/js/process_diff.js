/*
 * The version comparison page: both diagrams side by side in the vendored bpmn-js viewer
 * (web/static/vendor/bpmn-js), with the elements the diff names marked: removed and changed
 * ones on the old diagram, added and changed ones on the new. Ids come from each
 * container's data-marks attribute: {"added": [...], "changed": [...], "removed": [...]}.
 */
(function () {
  'use strict';

  var holder = document.querySelector('.diff-diagrams');
  if (!holder) {
    return;
  }

  function fail(container) {
    var message = document.createElement('p');
    message.className = 'error';
    message.setAttribute('role', 'alert');
    message.textContent = holder.getAttribute('data-error') || 'Diagram unavailable';
    container.appendChild(message);
    container.setAttribute('data-loaded', 'failed');
  }

  Array.prototype.forEach.call(holder.querySelectorAll('.diff-diagram'), function (container) {
    if (typeof window.BpmnJS !== 'function' || typeof window.fetch !== 'function') {
      fail(container);
      return;
    }
    var marks;
    try {
      marks = JSON.parse(container.getAttribute('data-marks') || '{}');
    } catch (e) {
      marks = {};
    }
    var viewer = new window.BpmnJS({ container: container });
    window.fetch(container.getAttribute('data-xml-url'), {
      credentials: 'same-origin',
      headers: { Accept: 'application/xml' }
    }).then(function (response) {
      if (!response.ok) {
        throw new Error('HTTP ' + response.status);
      }
      return response.text();
    }).then(function (xml) {
      return viewer.importXML(xml);
    }).then(function () {
      var canvas = viewer.get('canvas');
      var registry = viewer.get('elementRegistry');
      canvas.zoom('fit-viewport');
      var marked = 0;
      Object.keys(marks).forEach(function (kind) {
        (marks[kind] || []).forEach(function (id) {
          if (registry.get(id)) {
            canvas.addMarker(id, 'cg-' + kind);
            marked += 1;
          }
        });
      });
      container.setAttribute('data-marked', String(marked));
      container.setAttribute('data-loaded', 'true');
    }).catch(function () {
      fail(container);
    });
  });
}());
