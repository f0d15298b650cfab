/*
 * The auditor's replay view: a slider, previous/next buttons, the step list and the
 * "jump to" links move through a case's events without reloading. Every step's panel
 * is already on the page (hidden); this script shows one, marks it in the step list,
 * and redraws the diagram's markers from the panel's data-completed / data-current
 * (element ids of the path taken and where the case waited after that event).
 * Without JavaScript, the same links load ?seq=N from the server.
 */
(function () {
  'use strict';

  var slider = document.getElementById('replay-slider');
  var container = document.getElementById('replay-diagram');
  if (!slider || !container) {
    return;
  }
  var prev = document.getElementById('replay-prev');
  var next = document.getElementById('replay-next');
  var position = document.getElementById('replay-position');
  var controls = document.querySelector('.replay-controls');
  var template = (controls && controls.getAttribute('data-position-template')) || '{n} / {total}';
  var panels = {};
  Array.prototype.forEach.call(document.querySelectorAll('.step-panel'), function (panel) {
    panels[panel.getAttribute('data-seq')] = panel;
  });
  var first = Number(slider.min);
  var last = Number(slider.max);
  var current = Number(slider.value);

  var viewer = null;
  var marked = [];

  function parse(panel, name) {
    try {
      return JSON.parse(panel.getAttribute(name) || '[]');
    } catch (e) {
      return [];
    }
  }

  function mark(seq) {
    var panel = panels[String(seq)];
    if (!viewer || !panel) {
      return;
    }
    var registry = viewer.get('elementRegistry');
    var canvas = viewer.get('canvas');
    marked.forEach(function (entry) {
      canvas.removeMarker(entry[0], entry[1]);
    });
    marked = [];
    [['data-completed', 'cg-completed'], ['data-current', 'cg-current']].forEach(function (pair) {
      parse(panel, pair[0]).forEach(function (id) {
        if (registry.get(id)) {
          canvas.addMarker(id, pair[1]);
          marked.push([id, pair[1]]);
        }
      });
    });
    container.setAttribute('data-shown-seq', String(seq));
  }

  function show(seq, push) {
    seq = Math.max(first, Math.min(last, Number(seq)));
    var panel = panels[String(seq)];
    if (!panel) {
      return;
    }
    Object.keys(panels).forEach(function (key) {
      panels[key].hidden = key !== String(seq);
    });
    Array.prototype.forEach.call(document.querySelectorAll('.step-list a[data-seq]'), function (link) {
      if (link.getAttribute('data-seq') === String(seq)) {
        link.setAttribute('aria-current', 'step');
        if (link.scrollIntoView && push) {
          link.scrollIntoView({ block: 'nearest' });
        }
      } else {
        link.removeAttribute('aria-current');
      }
    });
    current = seq;
    slider.value = String(seq);
    prev.disabled = seq <= first;
    next.disabled = seq >= last;
    if (position) {
      position.textContent = template.replace('{n}', String(seq)).replace('{total}', String(last));
    }
    mark(seq);
    if (push && window.history && window.history.replaceState) {
      var url = new URL(window.location.href);
      url.searchParams.set('seq', String(seq));
      window.history.replaceState(null, '', url.toString());
    }
  }

  slider.addEventListener('input', function () { show(slider.value, true); });
  prev.addEventListener('click', function () { show(current - 1, true); });
  next.addEventListener('click', function () { show(current + 1, true); });
  Array.prototype.forEach.call(document.querySelectorAll('.step-list a[data-seq], .jumps a[data-seq]'), function (link) {
    link.addEventListener('click', function (event) {
      event.preventDefault();
      show(link.getAttribute('data-seq'), true);
    });
  });
  document.addEventListener('keydown', function (event) {
    var tag = (event.target && event.target.tagName) || '';
    if (tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT') {
      return;
    }
    if (event.key === 'ArrowLeft') { show(current - 1, true); }
    if (event.key === 'ArrowRight') { show(current + 1, true); }
  });

  var diagram = window.casegridDiagram;
  if (!diagram || !diagram.supported()) {
    if (diagram) { diagram.showError(container); }
    return;
  }
  diagram.load(container, container.querySelector('.diagram-canvas')).then(function (loaded) {
    viewer = loaded;
    mark(current);
    container.classList.add('is-loaded');
    container.setAttribute('data-loaded', 'true');
  }).catch(function () {
    viewer = null;
    diagram.showError(container);
  });
}());
