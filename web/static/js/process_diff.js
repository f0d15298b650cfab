/*
 * The version comparison page: both diagrams side by side, with the elements the diff names
 * marked: removed and changed ones on the old diagram, added and changed ones on the new. Ids
 * come from each container's data-marks attribute: {"added": [...], "changed": [...], "removed": [...]}.
 */
(function () {
  'use strict';

  var diagram = window.casegridDiagram;
  var holder = document.querySelector('.diff-diagrams');
  if (!holder || !diagram) {
    return;
  }
  var errorText = holder.getAttribute('data-error');

  Array.prototype.forEach.call(holder.querySelectorAll('.diff-diagram'), function (container) {
    if (!diagram.supported()) {
      diagram.showError(container, errorText);
      return;
    }
    var marks = diagram.parseJSON(container.getAttribute('data-marks'), {});
    diagram.load(container).then(function (viewer) {
      var marked = 0;
      Object.keys(marks).forEach(function (kind) {
        marked += diagram.mark(viewer, marks[kind], 'cg-' + kind).length;
      });
      container.setAttribute('data-marked', String(marked));
      container.setAttribute('data-loaded', 'true');
    }).catch(function () {
      diagram.showError(container, errorText);
    });
  });
}());
