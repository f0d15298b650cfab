/* Logging out forgets the phone page's offline copy (/field/m lists households: names and addresses), so the
 * next person to pick up a shared phone cannot open it without a network. Captures still waiting in the phone's
 * queue stay: they belong to the worker who made them and are sent when that worker logs in again. */
(function () {
  'use strict';
  const form = document.getElementById('logout');
  if (!form || !('caches' in window)) return;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    let sent = false;
    const send = () => { if (!sent) { sent = true; form.submit(); } };  // submit() fires no second event
    setTimeout(send, 2000);  // never hold a logout for longer than this
    Promise.all([
      caches.keys().then((keys) => Promise.all(
        keys.filter((k) => k.startsWith('casegrid-field-')).map((k) => caches.delete(k)))),
      'serviceWorker' in navigator
        ? navigator.serviceWorker.getRegistrations().then((all) => Promise.all(all.map((r) => r.unregister())))
        : null,
    ]).then(send, send);
  });
}());
