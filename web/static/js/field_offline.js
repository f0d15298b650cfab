/* The grid worker's phone page (/field/m): visits captured with or without a network.
 *
 * A capture (a visit, or a report filed for a resident) is written to an IndexedDB queue on the phone first,
 * with a key made here and its photos as the phone's own files (Blobs); the queue is sent when the network
 * is there (at once, on the "online" event, on opening the page, or by the button) — as JSON, or as
 * multipart when it has photos. The server stores a key once, so a capture sent twice is one visit or case. A capture the server refuses stays in the
 * queue with its reason (the household moved to another grid, a date too old …) until the worker deletes it.
 * A capture belongs to the account that made it: a phone shared by two workers sends and shows each one's own.
 */
(function () {
  'use strict';
  const form = document.getElementById('capture');
  if (!form) return;
  const words = document.getElementById('words').dataset;
  const data = JSON.parse(document.getElementById('phone-data').textContent);
  const queueList = document.getElementById('queue');
  const queueCount = document.getElementById('queue-count');
  const status = document.getElementById('net-status');
  const problem = document.getElementById('capture-error');
  const select = document.getElementById('household_id');
  const report = document.getElementById('report');
  const reportProblem = document.getElementById('report-error');
  const located = document.getElementById('located');
  const labels = {};
  let point = null;  // where the phone was when "use my location" was pressed: {lat, long}
  let token = form.querySelector('input[name="csrf_token"]').value;
  let syncing = null;

  for (const home of data.households) {
    labels[home.id] = home.label;
    const option = document.createElement('option');
    option.value = String(home.id);
    option.textContent = home.label;
    select.appendChild(option);
  }

  for (const category of data.categories || []) {
    const option = document.createElement('option');
    option.value = category.value;
    option.textContent = category.label;
    report.elements.category.appendChild(option);
  }

  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register(form.dataset.workerUrl, { scope: form.dataset.pageUrl }).catch(() => {});
  }

  // -- the queue (IndexedDB) ------------------------------------------------------------------------------
  function openQueue() {
    return new Promise((resolve, reject) => {
      const request = indexedDB.open('casegrid-field', 1);
      request.onupgradeneeded = () => request.result.createObjectStore('captures', { keyPath: 'client_key' });
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  function run(mode, work) {
    return openQueue().then((db) => new Promise((resolve, reject) => {
      const tx = db.transaction('captures', mode);
      const result = work(tx.objectStore('captures'));
      tx.oncomplete = () => { db.close(); resolve(result && 'result' in result ? result.result : undefined); };
      tx.onerror = () => { db.close(); reject(tx.error); };
    }));
  }

  const everything = () => run('readonly', (store) => store.getAll());
  // the signed-in worker's captures (one made before captures named their owner counts as theirs)
  const all = () => everything().then((captures) => captures.filter((c) => !c.owner || c.owner === data.username));
  const put = (capture) => run('readwrite', (store) => { store.put(capture); });
  const remove = (key) => run('readwrite', (store) => { store.delete(key); });

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  }

  // -- showing it -----------------------------------------------------------------------------------------
  function showStatus(text) { status.textContent = text || (navigator.onLine ? words.online : words.offline); }

  function render() {
    return all().then((captures) => {
      captures.sort((a, b) => a.captured_at.localeCompare(b.captured_at));
      queueList.replaceChildren();
      for (const c of captures) {
        const item = document.createElement('li');
        item.dataset.key = c.client_key;
        item.className = c.refused ? 'refused' : 'pending';
        const text = document.createElement('span');
        const what = c.kind === 'report' ? `${words.report} · ${c.category} · ${c.description.slice(0, 40)}`
          : `${c.visited_on} ${labels[c.household_id] || c.household_id} · ${c.met}`;
        const photos = (c.photos || []).length ? ` · ${words.photos.replace('{n}', String(c.photos.length))}` : '';
        text.textContent = `${what}${photos} — ` + (c.refused ? `${words.refused}：${c.refused}` : words.pending);
        item.appendChild(text);
        if (c.refused) {
          const button = document.createElement('button');
          button.type = 'button';
          button.textContent = words.remove;
          button.addEventListener('click', () => remove(c.client_key).then(render));
          item.appendChild(button);
        }
        queueList.appendChild(item);
      }
      queueCount.textContent = String(captures.filter((c) => !c.refused).length);
      return everything();
    }).then((captures) => {
      const others = captures.filter((c) => c.owner && c.owner !== data.username).length;
      if (others) {
        const note = document.createElement('li');
        note.className = 'others';
        note.textContent = words.others.replace('{n}', String(others));
        queueList.appendChild(note);
      }
    });
  }

  // -- sending it -----------------------------------------------------------------------------------------
  function freshToken() {
    return fetch(form.dataset.pageUrl, { cache: 'no-store', credentials: 'same-origin' }).then((response) => {
      if (!response.ok || response.redirected) throw new Error('login');
      return response.text();
    }).then((html) => {
      const found = new DOMParser().parseFromString(html, 'text/html').querySelector('input[name="csrf_token"]');
      if (!found) throw new Error('login');
      token = found.value;
    });
  }

  function post(capture) {
    const isReport = capture.kind === 'report';
    const fields = isReport
      ? { client_key: capture.client_key, category: capture.category, description: capture.description,
          address: capture.address, lat: capture.lat ?? null, long: capture.long ?? null,
          reporter_name: capture.reporter_name || '', reporter_phone: capture.reporter_phone || '' }
      : { client_key: capture.client_key, household_id: capture.household_id, visited_on: capture.visited_on,
          met: capture.met, notes: capture.notes, needs: capture.needs };
    const headers = { 'X-CSRFToken': token, Accept: 'application/json' };
    let body;
    if ((capture.photos || []).length) {  // multipart: the fields as JSON in "capture", the photos beside them
      body = new FormData();
      body.append('capture', JSON.stringify(fields));
      capture.photos.forEach((photo, i) => body.append('photos', photo, photo.name || `photo-${i + 1}.jpg`));
    } else {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(fields);
    }
    return fetch(isReport ? report.dataset.syncUrl : form.dataset.syncUrl, {
      method: 'POST', credentials: 'same-origin', redirect: 'manual', headers: headers, body: body,
    });
  }

  async function sendOne(capture, retried) {
    const response = await post(capture);  // a network failure throws: the capture stays queued
    const json = (response.headers.get('Content-Type') || '').includes('application/json');
    if (response.status === 200 || response.status === 201) {
      await remove(capture.client_key);
      return 1;
    }
    if (!json) {  // a lapsed CSRF token or login: fetch a fresh token once, then give up until the next try
      if (retried) throw new Error('login');
      await freshToken();
      return sendOne(capture, true);
    }
    const answer = await response.json();
    const details = Object.values(answer.field_errors || {}).join('；');
    capture.refused = details ? `${answer.error}（${details}）` : answer.error;
    await put(capture);
    return 0;
  }

  function sync() {
    if (syncing) return syncing;
    syncing = (async () => {
      let sent = 0;
      try {
        for (const capture of await all()) {
          if (!capture.refused) sent += await sendOne(capture, false);
        }
        showStatus(sent ? words.synced.replace('{n}', String(sent)) : '');
      } catch (error) {
        showStatus(error && error.message === 'login' ? words.login : words.offline);
      } finally {
        syncing = null;
        await render();
      }
    })();
    return syncing;
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const household = parseInt(select.value, 10);
    const met = form.elements.met.value.trim();
    if (!household || !met) {
      problem.textContent = words.required;
      problem.hidden = false;
      return;
    }
    problem.hidden = true;
    const capture = {
      kind: 'visit', owner: data.username, client_key: newKey(), household_id: household, photos: Array.from(form.elements.photos.files), visited_on: form.elements.visited_on.value.trim(), met: met,
      notes: form.elements.notes.value.trim(),
      needs: form.elements.needs.value.split('\n').map((n) => n.trim()).filter((n) => n),
      captured_at: new Date().toISOString(), refused: null,
    };
    keep(capture, () => {
      form.reset();
      form.elements.visited_on.value = data.today;
    });
  });

  report.addEventListener('submit', (event) => {
    event.preventDefault();
    const category = report.elements.category.value;
    const description = report.elements.description.value.trim();
    if (!category || !description) {
      reportProblem.textContent = words.reportRequired;
      reportProblem.hidden = false;
      return;
    }
    reportProblem.hidden = true;
    keep({
      kind: 'report', owner: data.username, client_key: newKey(), category: category, description: description,
      address: report.elements.address.value.trim(), photos: Array.from(report.elements.photos.files),
      lat: point ? point.lat : null, long: point ? point.long : null,
      reporter_name: report.elements.reporter_name.value.trim(),
      reporter_phone: report.elements.reporter_phone.value.trim(),
      captured_at: new Date().toISOString(), refused: null,
    }, () => { report.reset(); point = null; located.textContent = ''; });
  });

  // the phone's position for a report: asked for only when the worker presses the button (works offline: GPS)
  document.getElementById('locate').addEventListener('click', () => {
    if (!('geolocation' in navigator)) { located.textContent = words.noLocation; return; }
    located.textContent = words.locating;
    navigator.geolocation.getCurrentPosition((position) => {
      const c = position.coords;
      point = { lat: Math.round(c.latitude * 1e6) / 1e6, long: Math.round(c.longitude * 1e6) / 1e6 };
      located.textContent = words.located.replace('{lat}', point.lat.toFixed(6)).replace('{long}', point.long.toFixed(6))
        .replace('{m}', String(Math.round(c.accuracy || 0)));
    }, () => { point = null; located.textContent = words.noLocation; },
    { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 });
  });

  function keep(capture, clear) {
    put(capture).then(() => {
      clear();
      showStatus(words.saved);
      return render();
    }).then(() => { if (navigator.onLine) sync(); });
  }

  document.getElementById('sync-now').addEventListener('click', () => sync());
  window.addEventListener('online', () => { showStatus(); sync(); });
  window.addEventListener('offline', () => showStatus());
  showStatus();
  render().then(() => { if (navigator.onLine) sync(); });
}());
