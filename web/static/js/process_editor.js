/*
 * The process editor page: a bpmn-js Modeler with the properties panel and the Camunda
 * extension (web/static/vendor/bpmn-modeler, built from web/assets/), loaded with one
 * version's XML. "保存草稿" posts the XML as JSON to the save URL with the CSRF token in the
 * X-CSRFToken header; saving a published version creates a draft, and the page then works
 * on that draft. "检查" saves, then lists the server's problems; clicking one selects the
 * element it names. Texts come from the container's data-msg-* attributes (translated).
 *
 * window.casegridEditor exposes { modeler, save, validate, ready } for scripted use (tests).
 */
(function () {
  'use strict';

  var container = document.getElementById('process-editor');
  if (!container) {
    return;
  }
  var statusLine = document.querySelector('.editor-status');
  var problemList = document.querySelector('.editor-problems');
  var versionLabel = document.querySelector('.editor-version');
  var publishLink = document.querySelector('[data-action="publish"]');
  var urls = {
    xml: container.getAttribute('data-xml-url'),
    save: container.getAttribute('data-save-url'),
    problems: container.getAttribute('data-problems-url'),
    version: container.getAttribute('data-version-url')
  };
  var dirty = false;

  function msg(name, reason) {
    var text = container.getAttribute('data-msg-' + name) || name;
    return reason === undefined ? text : text.replace('{reason}', reason);
  }

  function say(text, isError) {
    statusLine.textContent = text;
    statusLine.classList.toggle('error', !!isError);
  }

  if (!window.CasegridModeler || typeof window.fetch !== 'function') {
    say(msg('load-failed', 'bpmn-modeler'), true);
    return;
  }

  var modeler = window.CasegridModeler.create({
    container: container.querySelector('.editor-canvas'),
    propertiesParent: container.querySelector('.editor-properties')
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

  function showProblems(problems) {
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
  }

  function jsonOrError(response) {
    return response.json().catch(function () { return {}; }).then(function (body) {
      if (!response.ok) {
        throw new Error(body.message || body.error || ('HTTP ' + response.status));
      }
      return body;
    });
  }

  function adopt(saved) {
    // After the first save of a published version the page edits the new draft.
    urls.save = saved.save_url;
    urls.problems = saved.problems_url;
    urls.version = saved.version_url;
    container.setAttribute('data-draft-id', saved.id);
    if (versionLabel) {
      versionLabel.textContent = 'v' + saved.version;
    }
    if (publishLink) {
      publishLink.href = saved.version_url;
    }
    if (window.history && window.history.replaceState) {
      window.history.replaceState(null, '', saved.edit_url);
    }
    var note = document.querySelector('.editor-note');
    if (note) {
      note.hidden = true;
    }
  }

  function save() {
    say(msg('saving'));
    return modeler.saveXML({ format: true }).then(function (result) {
      return window.fetch(urls.save, {
        method: 'POST',
        credentials: 'same-origin',
        headers: {
          'Content-Type': 'application/json',
          'Accept': 'application/json',
          'X-CSRFToken': container.getAttribute('data-csrf')
        },
        body: JSON.stringify({ xml: result.xml })
      });
    }).then(jsonOrError).then(function (saved) {
      adopt(saved);
      dirty = false;
      say(saved.message);
      return saved;
    }).catch(function (error) {
      say(msg('save-failed', error.message), true);
      throw error;
    });
  }

  function validate() {
    return save().then(function () {
      say(msg('checking'));
      return window.fetch(urls.problems, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
    }).then(jsonOrError).then(function (result) {
      showProblems(result.problems);
      say(result.message, !result.publishable);
      return result;
    });
  }

  document.querySelector('[data-action="save"]').addEventListener('click', function () {
    save().catch(function () { /* shown in the status line */ });
  });
  document.querySelector('[data-action="validate"]').addEventListener('click', function () {
    validate().catch(function () { /* shown in the status line */ });
  });
  window.addEventListener('beforeunload', function (event) {
    if (dirty) {
      event.preventDefault();
      event.returnValue = msg('leave');
    }
  });

  say(msg('loading'));
  var ready = window.fetch(urls.xml, { credentials: 'same-origin', headers: { Accept: 'application/xml' } })
    .then(function (response) {
      if (!response.ok) {
        throw new Error('HTTP ' + response.status);
      }
      return response.text();
    }).then(function (xml) {
      return modeler.importXML(xml);
    }).then(function () {
      modeler.get('canvas').zoom('fit-viewport');
      modeler.on('commandStack.changed', function () {
        dirty = true;
        say(msg('unsaved'));
      });
      var wanted = container.getAttribute('data-select');
      if (wanted) {
        select(wanted);
      }
      container.setAttribute('data-loaded', 'true');
      say(msg('loaded'));
    }).catch(function (error) {
      container.setAttribute('data-loaded', 'failed');
      say(msg('load-failed', error.message), true);
    });

  window.casegridEditor = { modeler: modeler, save: save, validate: validate, ready: ready, select: select };
}());
