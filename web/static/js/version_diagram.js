/*
 * The version page's diagram: the version drawn read-only, with the elements the publish check
 * complains about outlined in red (ids from data-problems).
 */
(function () {
  'use strict';

  var diagram = window.casegridDiagram;
  var container = document.getElementById('version-diagram');
  if (!container || !diagram) {
    return;
  }
  if (!diagram.supported()) {
    diagram.showError(container);
    return;
  }
  var problems = diagram.parseJSON(container.getAttribute('data-problems'), []);
  diagram.load(container, container.querySelector('.diagram-canvas'), { focus: problems }).then(function (viewer) {
    diagram.mark(viewer, problems, 'cg-problem');
    container.setAttribute('data-loaded', 'true');
  }).catch(function () {
    diagram.showError(container);
  });
}());
