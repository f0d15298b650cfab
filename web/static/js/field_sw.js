/* The service worker of the grid worker's phone page (/field/m): keeps the page and its script so that the
 * page opens with no network. The page itself: network first (a fresh CSRF token and household list), the kept
 * copy when offline; its static files: the kept copy first. Nothing else is touched: posts always go to the
 * network (the page's own queue holds them while offline). */
'use strict';
const CACHE = 'casegrid-field-v2';
const PAGE = '/field/m';
const ASSETS = ['/static/js/field_offline.js', '/static/css/app.css'];

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll([PAGE, ...ASSETS])).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k.startsWith('casegrid-field-') && k !== CACHE).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname === PAGE) {
    event.respondWith(fetch(request).then((response) => {
      // keep only the page itself: not a login page a lapsed session was redirected to
      if (response.ok && !response.redirected) {
        const copy = response.clone();
        caches.open(CACHE).then((cache) => cache.put(PAGE, copy));
      }
      return response;
    }).catch(() => caches.match(PAGE).then((kept) => kept || Response.error())));
  } else if (ASSETS.includes(url.pathname)) {
    event.respondWith(caches.match(url.pathname).then((kept) => kept || fetch(request)));
  }
});
