/*
 * The routing-table editor page: dmn-js's decision-table editor (web/static/vendor/dmn-table-editor,
 * built from web/assets/) loaded with one version's DMN; saving, checking and loading are
 * draft_editor.js's (every save is a new draft). The document may hold several decision tables
 * (the routing table and the SLA table): a tab per table switches between them. A problem found by
 * "检查" names its row.
 *
 * window.casegridTableEditor exposes { editor, save, validate, ready, open } for scripted use (tests).
 */
(function () {
  'use strict';

  var container = document.getElementById('routing-editor');
  if (!container) {
    return;
  }
  var problemList = document.querySelector('.editor-problems');
  var tabs = document.querySelector('.table-tabs');
  var texts = window.casegridDraftEditor.texts(container);

  if (!window.CasegridTableEditor || typeof window.fetch !== 'function') {
    texts.say(texts.msg('load-failed', 'dmn-table-editor'), true);
    return;
  }

  var editor = window.CasegridTableEditor.create({ container: container.querySelector('.table-canvas') });
  var page;

  function watch() {
    var viewer = editor.getActiveViewer();
    if (viewer && !viewer.__casegridWatched) {
      viewer.__casegridWatched = true;
      viewer.on('elements.changed', function () { page.changed(); });
    }
  }

  function showTabs() {
    tabs.textContent = '';
    var active = editor.getActiveView();
    editor.getViews().forEach(function (view) {
      var button = document.createElement('button');
      button.type = 'button';
      button.textContent = view.name || view.id;
      button.setAttribute('data-decision', view.id);
      button.setAttribute('aria-current', active && active.id === view.id ? 'true' : 'false');
      button.addEventListener('click', function () { open(view.id); });
      tabs.appendChild(button);
    });
  }

  function open(decisionId) {
    var view = editor.getViews().filter(function (v) { return v.id === decisionId; })[0];
    if (!view) {
      return Promise.resolve(false);
    }
    return editor.open(view).then(function () {
      watch();
      showTabs();
      return true;
    });
  }

  page = window.casegridDraftEditor.create(container, editor, {
    adopt: function () { /* every save posts to the same URL: a new draft each time */ },
    showProblems: function (problems) {
      problemList.textContent = '';
      (problems || []).forEach(function (text) {
        var item = document.createElement('li');
        item.textContent = text;
        problemList.appendChild(item);
      });
    },
    loaded: function () {
      watch();
      showTabs();
    }
  });

  window.casegridTableEditor = { editor: editor, save: page.save, validate: page.validate, ready: page.ready,
                                 open: open };
}());
