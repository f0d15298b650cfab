/*
 * What the process editor and the routing-table editor share: a document edited in the browser is
 * saved as a draft ("保存草稿" posts the XML as JSON with the CSRF token in the X-CSRFToken header; the
 * page then works on that draft), checked on the server ("检查" saves first, then lists the problems),
 * loaded from its XML URL, and guarded against leaving with unsaved changes. Texts come from the
 * container's data-msg-* attributes (translated); the status line is .editor-status.
 *
 * casegridDraftEditor.texts(container) gives { msg, say } (to report a missing library before any
 * editor exists); casegridDraftEditor.create(container, editor, hooks) wires the page around an editor
 * with saveXML/importXML and returns { save, validate, ready, changed, msg, say }. The hooks:
 * adopt(saved, urls) after a save, showProblems(problems) after a check, loaded() after the import.
 */
(function () {
  'use strict';

  function texts(container) {
    var statusLine = document.querySelector('.editor-status');
    return {
      msg: function (name, reason) {
        var text = container.getAttribute('data-msg-' + name) || name;
        return reason === undefined ? text : text.replace('{reason}', reason);
      },
      say: function (text, isError) {
        statusLine.textContent = text;
        statusLine.classList.toggle('error', !!isError);
      }
    };
  }

  function jsonOrError(response) {
    return response.json().catch(function () { return {}; }).then(function (body) {
      if (!response.ok) {
        throw new Error(body.message || body.error || ('HTTP ' + response.status));
      }
      return body;
    });
  }

  function create(container, editor, hooks) {
    var msg = texts(container).msg;
    var say = texts(container).say;
    var versionLabel = document.querySelector('.editor-version');
    var publishLink = document.querySelector('[data-action="publish"]');
    var urls = {
      xml: container.getAttribute('data-xml-url'),
      save: container.getAttribute('data-save-url'),
      problems: container.getAttribute('data-problems-url')
    };
    var dirty = false;

    function adopt(saved) {
      urls.problems = saved.problems_url;
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
      hooks.adopt(saved, urls);
    }

    function changed() {
      dirty = true;
      say(msg('unsaved'));
    }

    function save() {
      say(msg('saving'));
      return editor.saveXML({ format: true }).then(function (result) {
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
        hooks.showProblems(result.problems);
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
        return editor.importXML(xml);
      }).then(function () {
        hooks.loaded();
        container.setAttribute('data-loaded', 'true');
        say(msg('loaded'));
      }).catch(function (error) {
        container.setAttribute('data-loaded', 'failed');
        say(msg('load-failed', error.message), true);
      });

    return { save: save, validate: validate, ready: ready, changed: changed, msg: msg, say: say };
  }

  window.casegridDraftEditor = { texts: texts, create: create };
}());
