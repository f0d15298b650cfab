/*
 * Shared by every page that draws a process diagram with the vendored bpmn-js viewer
 * (web/static/vendor/bpmn-js): load the XML a container names in data-xml-url, fit it,
 * mark element ids, and say so plainly when the diagram cannot be shown.
 */
window.casegridDiagram = (function () {
  'use strict';

  function supported() {
    return typeof window.BpmnJS === 'function' && typeof window.fetch === 'function';
  }

  function showError(container, text) {
    var message = document.createElement('p');
    message.className = 'error diagram-error';
    message.setAttribute('role', 'alert');
    message.textContent = text || container.getAttribute('data-error') || 'Diagram unavailable';
    container.appendChild(message);
    container.classList.add('is-failed');
    container.setAttribute('data-loaded', 'failed');
  }

  /* Add ``marker`` to each id the diagram has; returns the ids marked. */
  function mark(viewer, ids, marker) {
    var registry = viewer.get('elementRegistry');
    var canvas = viewer.get('canvas');
    return (ids || []).filter(function (id) {
      if (registry.get(id)) {
        canvas.addMarker(id, marker);
        return true;
      }
      return false;
    });
  }

  /* A viewer in ``canvasElement`` (default: the container) with the container's diagram imported. */
  function load(container, canvasElement) {
    var viewer = new window.BpmnJS({ container: canvasElement || container });
    return window.fetch(container.getAttribute('data-xml-url'), {
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
      return viewer;
    });
  }

  function parseJSON(text, fallback) {
    try {
      return JSON.parse(text || '');
    } catch (e) {
      return fallback;
    }
  }

  return { supported: supported, showError: showError, mark: mark, load: load, parseJSON: parseJSON };
}());
