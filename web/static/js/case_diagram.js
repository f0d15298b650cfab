/*
 * The case page's process diagram: draws the case's pinned process version and marks the
 * elements the case has completed and the one(s) it waits at now. The ids come from the
 * server in the container's data-elements attribute: {"completed": [...], "current": [...]}.
 */
(function () {
  'use strict';

  var diagram = window.casegridDiagram;
  var container = document.getElementById('case-diagram');
  if (!container || !diagram) {
    return;
  }
  if (!diagram.supported()) {
    diagram.showError(container);
    return;
  }
  var elements = diagram.parseJSON(container.getAttribute('data-elements'), {});
  diagram.load(container, container.querySelector('.diagram-canvas'), { focus: elements.current }).then(function (viewer) {
    diagram.mark(viewer, elements.completed, 'cg-completed');
    diagram.mark(viewer, elements.current, 'cg-current');
    container.classList.add('is-loaded');
    container.setAttribute('data-loaded', 'true');
  }).catch(function () {
    diagram.showError(container);
  });
}());
