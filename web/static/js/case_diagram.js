/*
 * The case page's process diagram: draws the case's pinned process version with the
 * vendored bpmn-js viewer (web/static/vendor/bpmn-js) and marks the elements the case
 * has completed and the one(s) it waits at now. The ids come from the server in the
 * container's data-elements attribute: {"completed": [...], "current": [...]}.
 */
(function () {
  'use strict';

  var container = document.getElementById('case-diagram');
  if (!container) {
    return;
  }

  function showError() {
    var message = document.createElement('p');
    message.className = 'error diagram-error';
    message.setAttribute('role', 'alert');
    message.textContent = container.getAttribute('data-error') || 'Diagram unavailable';
    container.appendChild(message);
    container.classList.add('is-failed');
  }

  if (typeof window.BpmnJS !== 'function' || typeof window.fetch !== 'function') {
    showError();
    return;
  }

  var elements;
  try {
    elements = JSON.parse(container.getAttribute('data-elements') || '{}');
  } catch (e) {
    elements = {};
  }

  var viewer = new window.BpmnJS({ container: container.querySelector('.diagram-canvas') || container });

  function mark(ids, marker) {
    var registry = viewer.get('elementRegistry');
    var canvas = viewer.get('canvas');
    (ids || []).forEach(function (id) {
      if (registry.get(id)) {
        canvas.addMarker(id, marker);
      }
    });
  }

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
    viewer.get('canvas').zoom('fit-viewport');
    mark(elements.completed, 'cg-completed');
    mark(elements.current, 'cg-current');
    container.classList.add('is-loaded');
    container.setAttribute('data-loaded', 'true');
  }).catch(function () {
    showError();
  });
}());
