/*
 * Shared by every page that draws a process diagram with the vendored bpmn-js viewer
 * (web/static/vendor/bpmn-js): load the XML a container names in data-xml-url, make it
 * readable, mark element ids, and say so plainly when the diagram cannot be shown.
 *
 * Readable means: on open the diagram fills the width of its box (never smaller than text can
 * be read — on a phone the box then scrolls to the elements the page is about), the box is as
 * tall as the diagram needs within the window, and a toolbar gives zoom in / out, fit and full
 * screen; the diagram pans by dragging (and zooms with Ctrl + wheel or a pinch).
 */
window.casegridDiagram = (function () {
  'use strict';

  /* Smallest zoom at which a task's label stays legible (bpmn-js draws labels at 12 px). */
  var LEGIBLE = 0.6;
  var MAX_FIT = 1.2;
  var english = (document.documentElement.getAttribute('lang') || '').indexOf('en') === 0;
  var TEXT = english
    ? { zoomIn: 'Zoom in', zoomOut: 'Zoom out', fit: 'Fit', full: 'Full screen', exit: 'Exit full screen',
        toolbar: 'Diagram view' }
    : { zoomIn: '放大', zoomOut: '缩小', fit: '适应宽度', full: '全屏', exit: '退出全屏', toolbar: '流程图视图' };

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

  function isFull(container) {
    return document.fullscreenElement === container || container.classList.contains('is-fullscreen');
  }

  /*
   * Fill the box's width with the diagram (within LEGIBLE..MAX_FIT), size the box to the diagram
   * unless it is full screen, and bring ``focus`` (element ids) into view when the diagram is wider
   * than the box. Returns the zoom used.
   */
  function fit(viewer, container, focus) {
    var canvas = viewer.get('canvas');
    canvas.resized();
    canvas.zoom('fit-viewport');
    if (container.getAttribute('data-fit') === 'whole') {  // the editor: the whole diagram, to find one's way
      container.setAttribute('data-zoom', canvas.zoom().toFixed(2));
      return canvas.zoom();
    }
    var box = canvas.viewbox();
    var inner = box.inner;
    if (!inner.width || !inner.height) {
      return canvas.zoom();
    }
    var margin = 24;
    var zoom = Math.max(LEGIBLE, Math.min(MAX_FIT, box.outer.width / (inner.width + 2 * margin)));
    if (!isFull(container) && !container.hasAttribute('data-fixed-height')) {
      var wanted = Math.round((inner.height + 2 * margin) * zoom) + 48;
      var most = Math.max(240, Math.round(window.innerHeight * 0.8));
      container.style.height = Math.max(240, Math.min(wanted, most)) + 'px';
      canvas.resized();
      box = canvas.viewbox();
    }
    canvas.viewbox({ x: inner.x - margin, y: inner.y - margin,
                     width: box.outer.width / zoom, height: box.outer.height / zoom });
    var registry = viewer.get('elementRegistry');
    var target = (focus || []).map(function (id) { return registry.get(id); }).filter(Boolean)[0];
    if (target && (inner.width + 2 * margin) * zoom > box.outer.width) {
      try {
        canvas.scrollToElement(target, { top: 60, bottom: 60, left: 80, right: 80 });
      } catch (e) { /* a root element has no position */ }
    }
    container.setAttribute('data-zoom', canvas.zoom().toFixed(2));
    return canvas.zoom();
  }

  function button(label, text, action) {
    var b = document.createElement('button');
    b.type = 'button';
    b.className = 'diagram-control';
    b.setAttribute('aria-label', label);
    b.title = label;
    b.textContent = text;
    b.addEventListener('click', action);
    return b;
  }

  /* The zoom / fit / full-screen toolbar over the diagram. */
  function controls(viewer, container, focus) {
    if (container.querySelector('.diagram-controls')) {
      return;
    }
    var canvas = viewer.get('canvas');
    var bar = document.createElement('div');
    bar.className = 'diagram-controls';
    bar.setAttribute('role', 'toolbar');
    bar.setAttribute('aria-label', TEXT.toolbar);
    function zoomBy(factor) {
      canvas.zoom(Math.max(0.2, Math.min(4, canvas.zoom() * factor)), 'auto');
      container.setAttribute('data-zoom', canvas.zoom().toFixed(2));
    }
    var full = button(TEXT.full, '⛶', function () {
      if (isFull(container)) {
        if (document.fullscreenElement === container && document.exitFullscreen) {
          document.exitFullscreen();
        }
        container.classList.remove('is-fullscreen');
      } else if (container.requestFullscreen) {
        container.requestFullscreen().catch(function () { container.classList.add('is-fullscreen'); });
      } else {
        container.classList.add('is-fullscreen');
      }
      window.setTimeout(changed, 50);
    });
    function changed() {
      var on = isFull(container);
      container.classList.toggle('is-full', on);
      full.setAttribute('aria-label', on ? TEXT.exit : TEXT.full);
      full.title = on ? TEXT.exit : TEXT.full;
      fit(viewer, container, focus);
    }
    document.addEventListener('fullscreenchange', changed);
    document.addEventListener('keydown', function (event) {
      if (event.key === 'Escape' && container.classList.contains('is-fullscreen')) {
        container.classList.remove('is-fullscreen');
        changed();
      }
    });
    bar.appendChild(button(TEXT.zoomIn, '+', function () { zoomBy(1.25); }));
    bar.appendChild(button(TEXT.zoomOut, '−', function () { zoomBy(0.8); }));
    bar.appendChild(button(TEXT.fit, '↔', function () { fit(viewer, container, focus); }));
    bar.appendChild(full);
    container.appendChild(bar);
  }

  /*
   * A viewer in ``canvasElement`` (default: the container) with the container's diagram imported,
   * fitted and with its toolbar. ``options.focus``: element ids to bring into view on a narrow screen.
   */
  function load(container, canvasElement, options) {
    var viewer = new window.BpmnJS({ container: canvasElement || container });
    var focus = (options && options.focus) || [];
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
      fit(viewer, container, focus);
      controls(viewer, container, focus);
      var resizing = null;
      window.addEventListener('resize', function () {
        window.clearTimeout(resizing);
        resizing = window.setTimeout(function () { fit(viewer, container, focus); }, 150);
      });
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

  return { supported: supported, showError: showError, mark: mark, load: load, fit: fit, controls: controls,
           parseJSON: parseJSON };
}());
