/*
 * Resident pages: a double tap on a submit button sends the form once (the server copes either way).
 * A static file, not an inline script, so the Content-Security-Policy can refuse inline code.
 */
(function () {
  'use strict';
  document.addEventListener('submit', function (event) {
    var form = event.target;
    if (!form.hasAttribute('data-submit-once')) return;
    if (form.dataset.sent) { event.preventDefault(); return; }
    form.dataset.sent = '1';
  });
  window.addEventListener('pageshow', function () {  // back button: the page may be sent again
    document.querySelectorAll('form[data-sent]').forEach(function (form) { delete form.dataset.sent; });
  });
}());
