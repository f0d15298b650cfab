/*
 * The process editor page: a bpmn-js Modeler with the properties panel and the Camunda
 * extension (web/static/vendor/bpmn-modeler, built from web/assets/), loaded with one
 * version's XML; saving, checking and loading are draft_editor.js's. Saving a published
 * version creates a draft, and the page then works on that draft. A problem found by "检查"
 * names its element: clicking it selects the element.
 *
 * window.casegridEditor exposes { modeler, save, validate, ready, select } for scripted use (tests).
 */
(function () {
  'use strict';

  var container = document.getElementById('process-editor');
  if (!container) {
    return;
  }
  var problemList = document.querySelector('.editor-problems');
  var texts = window.casegridDraftEditor.texts(container);

  if (!window.CasegridModeler || typeof window.fetch !== 'function') {
    texts.say(texts.msg('load-failed', 'bpmn-modeler'), true);
    return;
  }

  var canvasBox = container.querySelector('.editor-canvas');
  var modeler = window.CasegridModeler.create({
    container: canvasBox,
    propertiesParent: container.querySelector('.editor-properties'),
    locale: document.documentElement.getAttribute('lang') || 'zh'
  });

  function select(elementId) {
    var element = modeler.get('elementRegistry').get(elementId);
    if (!element) {
      return false;
    }
    modeler.get('selection').select(element);
    try {
      modeler.get('canvas').scrollToElement(element);
    } catch (e) { /* an element without a shape (e.g. a process) cannot be scrolled to */ }
    return true;
  }

  var page = window.casegridDraftEditor.create(container, modeler, {
    adopt: function (saved, urls) {
      // After the first save of a published version the page edits the new draft.
      urls.save = saved.save_url;
      var note = document.querySelector('.editor-note');
      if (note) {
        note.hidden = true;
      }
    },
    showProblems: function (problems) {
      problemList.textContent = '';
      (problems || []).forEach(function (problem) {
        var item = document.createElement('li');
        var link = document.createElement('button');
        link.type = 'button';
        link.className = 'link problem-element';
        link.textContent = problem.element_id;
        link.addEventListener('click', function () { select(problem.element_id); });
        item.appendChild(link);
        item.appendChild(document.createTextNode('：' + problem.message));
        problemList.appendChild(item);
      });
    },
    loaded: function () {
      if (window.casegridDiagram) {  // fit, and the zoom / fit / full-screen toolbar of every diagram
        window.casegridDiagram.fit(modeler, canvasBox, []);
        window.casegridDiagram.controls(modeler, canvasBox, []);
      } else {
        modeler.get('canvas').zoom('fit-viewport');
      }
      modeler.on('commandStack.changed', function () { page.changed(); });
      var wanted = container.getAttribute('data-select');
      if (wanted) {
        select(wanted);
      }
    }
  });

  window.casegridEditor = { modeler: modeler, save: page.save, validate: page.validate, ready: page.ready,
                            select: select };
}());
