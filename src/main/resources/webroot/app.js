// aria2-supervisor dashboard: plain JavaScript, no build step, no network but this server.
'use strict';
(function () {
  const API = '/api/v1';
  const $ = (sel) => document.querySelector(sel);
  const rows = new Map();      // download id -> <tr>
  const SHOWN = 1000;          // downloads loaded at start (one page); later ones arrive as events
  const MAX_ROWS = 1000;       // rows kept on the page; the oldest go first
  const downloads = new Map(); // download id -> download JSON
  const batches = new Map();   // batch id -> batch JSON
  const speeds = [];           // last 60 samples of the global speed
  let token = localStorage.getItem('aria2sv.token') || '';
  let events = null;
  let status = null;
  let older = 0;               // downloads the server holds beyond the newest ones shown here
  let listed = false; // whether the first list of downloads has arrived

  function headers(json) {
    const h = {};
    if (json) h['Content-Type'] = 'application/json';
    if (token) h['Authorization'] = 'Bearer ' + token;
    return h;
  }

  async function api(method, path, body) {
    const res = await fetch(API + path, { method, headers: headers(body !== undefined), body: body === undefined ? undefined : JSON.stringify(body) });
    if (res.status === 401) { $('#auth').scrollIntoView(); throw new Error('a valid access token is required'); }
    if (res.status === 204) return null;
    const data = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error((data.error && data.error.message) || ('HTTP ' + res.status));
    return data;
  }

  function bytes(n) {
    if (!n) return '0 B';
    const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB']; let i = 0;
    while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
    return (i ? n.toFixed(1) : n) + ' ' + u[i];
  }
  function duration(s) {
    if (s === null || s === undefined) return '–';
    if (s < 60) return s + ' s';
    if (s < 3600) return Math.floor(s / 60) + ' min ' + (s % 60) + ' s';
    return Math.floor(s / 3600) + ' h ' + Math.floor((s % 3600) / 60) + ' min';
  }
  function nameOf(d) {
    if (d.out) return d.out;
    if (d.name) return d.name;
    if (d.torrent) {
      const m = /[?&]dn=([^&]*)/.exec(d.uris[0] || '');
      if (m) return decodeURIComponent(m[1].replace(/\+/g, ' '));
      if (d.path) return d.path.split('/').pop();
      return 'torrent ' + d.torrent.infoHash.slice(0, 12);
    }
    try { const p = new URL(d.uris[0]).pathname.split('/').filter(Boolean); return p.length ? decodeURIComponent(p[p.length - 1]) : d.uris[0]; }
    catch (e) { return d.uris[0]; }
  }

  // ---- supervisor ----
  function showStatus(s) {
    status = s;
    const st = $('#state'); st.textContent = s.state; st.className = 'pill ' + s.state;
    $('#version').textContent = s.version || '–';
    $('#restarts').textContent = s.restarts + (s.restartsInWindow ? ' (' + s.restartsInWindow + ' recent)' : '');
    $('#last-restart').textContent = s.lastRestart ? new Date(s.lastRestart.at).toLocaleTimeString() + ' — ' + s.lastRestart.reason : '–';
    $('#sv-start').disabled = s.state === 'RUNNING' || s.state === 'STARTING';
    $('#sv-stop').disabled = s.state === 'STOPPED' || s.state === 'STOPPING';
    tickUptime();
  }
  function tickUptime() {
    if (!status) return;
    $('#uptime').textContent = status.state === 'RUNNING' && status.startedAt ? duration(Math.floor((Date.now() - status.startedAt) / 1000)) : '–';
  }
  async function loadStatus() { try { showStatus(await api('GET', '/supervisor')); } catch (e) { /* shown by the connection pill */ } }

  // ---- schedule and tracker lists (they change with the clock: read again every 15 s) ----
  function hm(localDateTime) { return localDateTime ? localDateTime.substring(11, 16) : ''; }
  async function loadSchedule() {
    try {
      const s = await api('GET', '/schedules');
      const el = $('#schedule');
      if (s.inForce.length) {
        const opts = Object.entries(s.options).map(([k, v]) => k + ' ' + v).join(', ');
        el.textContent = s.inForce.join(', ') + ' in force' + (opts ? ' (' + opts + ')' : '') +
          (s.pausing ? ', downloads paused' : '') + (s.nextChange ? ' until ' + hm(s.nextChange) : '');
      } else {
        el.textContent = s.rules.length ? 'no rule in force' + (s.nextChange ? '; next change ' + hm(s.nextChange) : '') : 'none';
      }
      el.title = s.rules.length + ' rules (' + s.source + '), times in ' + s.timeZone;
    } catch (e) { /* shown by the connection pill */ }
  }
  async function loadTrackers() {
    try {
      const t = await api('GET', '/trackers');
      const failing = t.lists.filter(l => l.error);
      $('#trackers').textContent = t.lists.length === 0 ? 'no lists' :
        t.count + ' from ' + t.lists.length + ' lists' + (failing.length ? ' (' + failing.length + ' failing: ' + failing[0].error + ')' : '');
    } catch (e) { /* shown by the connection pill */ }
  }
  setInterval(() => { loadSchedule(); loadTrackers(); }, 15000);

  // ---- global options ----
  async function loadOptions() {
    try {
      const o = await api('GET', '/options');
      const el = $('#limit');
      if (document.activeElement !== el) el.value = o.options['max-overall-download-limit'] || '0';
    } catch (e) { /* shown by the connection pill */ }
  }
  $('#limit-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const err = $('#limit-error');
    err.hidden = true;
    try {
      const o = await api('PATCH', '/options', { 'max-overall-download-limit': $('#limit').value.trim() || '0' });
      $('#limit').value = o.options['max-overall-download-limit'];
    } catch (e) { err.textContent = e.message; err.hidden = false; }
  });

  // ---- storage: why the registry or aria2's session cannot be saved (from the readiness checks) ----
  async function loadStorage() {
    let problems = [];
    try {
      const res = await fetch('/health/ready', { headers: headers(false) });
      const ready = await res.json();
      for (const c of ready.checks || []) {
        const data = c.data || {};
        if (data.problem) problems.push('Registry: ' + data.problem);
        if (data.sessionProblem) problems.push('aria2 session: ' + data.sessionProblem);
      }
    } catch (e) { return; /* shown by the connection pill */ }
    const el = $('#storage');
    el.textContent = problems.join(' — ');
    el.hidden = problems.length === 0;
  }
  for (const verb of ['start', 'stop', 'restart']) {
    $('#sv-' + verb).addEventListener('click', () => api('POST', '/supervisor/' + verb).then(r => showStatus(r.status)).catch(err => alert(err.message)));
  }

  // ---- downloads ----
  const TERMINAL = ['complete', 'failed', 'removed'];
  const filter = { status: '', text: '' };
  function matches(d) {
    return (!filter.status || d.status === filter.status) && (!filter.text || nameOf(d).toLowerCase().includes(filter.text));
  }
  function newRow(d) {
    const tr = document.createElement('tr');
    tr.dataset.id = d.id;
    tr.dataset.created = d.createdAt;
    tr.innerHTML = '<td class="name-cell"><button type="button" class="name" data-action="details"></button><div class="reason" hidden></div></td>' +
      '<td data-label="Status"><span class="status pill"></span></td><td data-label="Node" class="node"></td>' +
      '<td data-label="Progress"><div class="progress" role="progressbar" aria-valuemin="0" aria-valuemax="100"><div class="bar"></div></div><span class="pct"></span></td>' +
      '<td data-label="Speed" class="speed"></td><td data-label="ETA" class="eta"></td><td data-label="Retries" class="retries"></td>' +
      '<td class="buttons"><button type="button" class="small plain" data-action="pause">Pause</button>' +
      '<button type="button" class="small plain" data-action="resume">Resume</button>' +
      '<button type="button" class="small plain" data-action="retry">Retry</button>' +
      '<button type="button" class="small plain" data-action="stop-seeding">Stop seeding</button>' +
      '<button type="button" class="small plain" data-action="completion/retry">Retry move</button>' +
      '<button type="button" class="small danger" data-action="remove">Remove</button></td>';
    // Newest first: a download loaded later but added earlier goes where it belongs.
    const body = $('#downloads tbody');
    let before = body.firstElementChild;
    while (before && Number(before.dataset.created) > d.createdAt) before = before.nextElementSibling;
    body.insertBefore(tr, before);
    rows.set(d.id, tr);
    if (rows.size > MAX_ROWS) dropOldestRow();
    return tr;
  }
  function render(d) {
    // A reply can arrive after the events that followed it (a torrent seeds before its add is answered):
    // what is shown never goes back to an older state.
    const known = downloads.get(d.id);
    if (known && known.updatedAt > d.updatedAt) return;
    downloads.set(d.id, d);
    const tr = rows.get(d.id) || newRow(d);
    tr.className = d.status;
    const name = tr.querySelector('.name');
    name.textContent = nameOf(d);
    name.title = d.uris.join('\n');
    const st = tr.querySelector('.status'); st.textContent = d.status; st.className = 'status pill ' + d.status;
    const reason = tr.querySelector('.reason');
    const c = d.completion;
    const step = !c ? '' : c.state === 'done' ? 'moved to ' + c.finalPath : c.state === 'failed' ? 'move failed: ' + c.reason : 'moving to the finished folder…';
    const why = d.errorMessage && (d.status === 'failed' || d.status === 'retrying') ? 'aria2 error ' + d.errorCode + ': ' + d.errorMessage : step;
    // one line in the row; the whole message on hover and in the details
    reason.textContent = why; reason.title = why; reason.hidden = !why;
    tr.querySelector('.node').textContent = d.node || '';
    progress(tr, d);
    tr.querySelector('.retries').textContent = d.retry.count + ' / ' + d.retry.max;
    const show = (a, on) => { tr.querySelector('[data-action="' + a + '"]').hidden = !on; };
    show('pause', ['waiting', 'metadata', 'active', 'seeding', 'retrying'].includes(d.status));
    show('stop-seeding', d.status === 'seeding');
    show('resume', d.status === 'paused');
    show('retry', d.status === 'failed');
    show('completion/retry', !!c && c.state === 'failed');
    show('remove', d.status !== 'removed');
    tr.hidden = !matches(d);
    if (d.batchId && !batches.has(d.batchId)) loadBatch(d.batchId);
    if (openDetails === d.id) showDetails(d);
  }
  function progress(tr, d) {
    const pct = d.percent || 0;
    tr.querySelector('.bar').style.width = pct + '%';
    tr.querySelector('.progress').setAttribute('aria-valuenow', pct);
    tr.querySelector('.pct').textContent = pct + '% · ' + bytes(d.completedLength) + (d.totalLength ? ' of ' + bytes(d.totalLength) : '');
    tr.querySelector('.speed').textContent = d.status === 'active' || d.status === 'metadata' ? bytes(d.downloadSpeed) + '/s'
      : d.status === 'seeding' && d.torrent ? '↑ ' + bytes(d.torrent.uploadSpeed) + '/s · ratio ' + d.torrent.ratio : '–';
    tr.querySelector('.eta').textContent = d.status === 'active' ? duration(d.etaSeconds) : '–';
  }
  function dropOldestRow() {
    const last = $('#downloads tbody').lastElementChild;
    rows.delete(last.dataset.id);
    downloads.delete(last.dataset.id);
    last.remove();
    older++;
  }
  function removeRow(id) {
    const tr = rows.get(id);
    if (tr) tr.remove();
    rows.delete(id);
    downloads.delete(id);
  }
  function showCount() {
    $('#count').textContent = rows.size + older ? rows.size + older : '';
    $('#older').hidden = older === 0;
    $('#older').textContent = older === 0 ? '' : 'Showing the newest ' + rows.size + '; ' + older + ' older not shown.';
    // "No downloads yet" only once the first list has arrived: until then it is loading.
    $('#empty').textContent = listed ? 'No downloads yet.' : 'Loading…';
    $('#empty').hidden = rows.size > 0;
    let shown = 0;
    for (const tr of rows.values()) if (!tr.hidden) shown++;
    $('#no-match').hidden = rows.size === 0 || shown > 0;
  }

  // Updates from events are applied together once per frame: a burst of events for many downloads
  // costs one pass over the page. window.aria2svPerf keeps how long those passes take.
  const pending = new Map(); // download id -> {d, full}
  let flushScheduled = false;
  const perf = window.aria2svPerf = { updates: 0, downloads: 0, lastMs: 0, maxMs: 0, totalMs: 0, rows: 0 };
  function queue(d, full) {
    const had = pending.get(d.id);
    pending.set(d.id, { d, full: full || (had && had.full) });
    if (!flushScheduled) {
      flushScheduled = true;
      let done = false;
      const run = () => { if (!done) { done = true; flush(); } };
      requestAnimationFrame(run);
      setTimeout(run, 100); // a hidden tab gets no frames
    }
  }
  function flush() {
    flushScheduled = false;
    const t0 = performance.now();
    const n = pending.size;
    for (const { d, full } of pending.values()) {
      const tr = rows.get(d.id);
      if (full || !tr) render(d); else { downloads.set(d.id, d); progress(tr, d); if (openDetails === d.id) showDetails(d); }
    }
    pending.clear();
    showCount();
    const ms = performance.now() - t0;
    perf.updates++; perf.downloads += n; perf.lastMs = ms; perf.maxMs = Math.max(perf.maxMs, ms); perf.totalMs += ms; perf.rows = rows.size;
  }

  async function loadDownloads() {
    // The newest page only: the server keeps every download ever added.
    const list = await api('GET', '/downloads?order=newest&limit=' + SHOWN);
    list.downloads.slice().reverse().forEach(render);
    older = Math.max(0, list.total - rows.size);
    listed = true;
    showCount();
  }
  function applyFilter() {
    filter.status = $('#filter-status').value;
    filter.text = $('#search').value.trim().toLowerCase();
    for (const [id, tr] of rows) tr.hidden = !matches(downloads.get(id));
    bulkLabels();
    showCount();
  }
  $('#filter-status').addEventListener('change', async () => {
    applyFilter();
    // Older downloads of that status may not be on the page yet.
    if (filter.status) {
      try { (await api('GET', '/downloads?order=newest&limit=' + SHOWN + '&status=' + filter.status)).downloads.forEach(d => { if (!rows.has(d.id)) render(d); }); showCount(); } catch (e) { /* shown by the connection pill */ }
    }
  });
  // The page holds the newest downloads only: a search asks the server too, for older matches.
  let searchTimer = null;
  $('#search').addEventListener('input', () => {
    applyFilter();
    clearTimeout(searchTimer);
    const text = $('#search').value.trim();
    if (!text) return;
    searchTimer = setTimeout(async () => {
      const q = '/downloads?order=newest&limit=' + SHOWN + '&name=' + encodeURIComponent(text) + (filter.status ? '&status=' + filter.status : '');
      try { (await api('GET', q)).downloads.forEach(d => { if (!rows.has(d.id)) render(d); }); showCount(); } catch (e) { /* shown by the connection pill */ }
    }, 250);
  });

  function besides(r) {
    return (r.unchanged ? '; ' + r.unchanged + ' already so' : '') + (r.skipped ? '; ' + r.skipped + ' ended' : '');
  }
  async function bulk(path, verb) {
    const out = $('#bulk-result');
    try {
      const r = await api('POST', '/downloads/' + path);
      out.textContent = r.forgotten !== undefined ? 'Cleared ' + r.forgotten + ' ended downloads.'
        : verb + ' ' + r.done + besides(r) + (r.failed.length ? '; ' + r.failed.length + ' failed: ' + r.failed[0].message : '.');
    } catch (e) { out.textContent = e.message; }
    out.hidden = false;
  }
  // With a filter set, Pause and Resume act on every matching download on the server, not only
  // on the rows shown here.
  function filterBody() {
    const b = {};
    if (filter.status) b.status = filter.status;
    const text = $('#search').value.trim();
    if (text) b.name = text;
    return b;
  }
  function filtered() { return Object.keys(filterBody()).length > 0; }
  function bulkLabels() {
    $('#pause-all').textContent = filtered() ? 'Pause matching' : 'Pause all';
    $('#resume-all').textContent = filtered() ? 'Resume matching' : 'Resume all';
  }
  async function bulkAction(action, verb) {
    if (!filtered()) return bulk(action + '-all', verb);
    const out = $('#bulk-result');
    try {
      const r = await api('POST', '/downloads/bulk', Object.assign({ action }, filterBody()));
      out.textContent = verb + ' ' + r.done + ' of ' + r.matched + ' matching' + besides(r)
        + (r.failed ? '; ' + r.failed + ' failed: ' + r.downloads.find(o => o.outcome === 'failed').message : '.');
    } catch (e) { out.textContent = e.message; }
    out.hidden = false;
  }
  $('#pause-all').addEventListener('click', () => bulkAction('pause', 'Paused'));
  $('#resume-all').addEventListener('click', () => bulkAction('resume', 'Resumed'));
  $('#clear-ended').addEventListener('click', async () => {
    await bulk('purge');
    for (const [id, d] of Array.from(downloads)) if (TERMINAL.includes(d.status)) removeRow(id);
    older = 0;
    await loadDownloads().catch(() => {});
  });

  // ---- removal: keep or delete the file ----
  let removing = null;
  function askRemove(id) {
    removing = id;
    const d = downloads.get(id);
    $('#remove-name').textContent = d ? nameOf(d) : id;
    $('#remove-dialog').showModal();
  }
  async function removeNow(deleteFiles) {
    const id = removing;
    $('#remove-dialog').close();
    try {
      await api('DELETE', '/downloads/' + encodeURIComponent(id) + (deleteFiles ? '?deleteFiles=true' : ''));
      const d = downloads.get(id); if (d) render(Object.assign({}, d, { status: 'removed' }));
      showCount();
    } catch (err) { alert(err.message); }
  }
  $('#remove-keep').addEventListener('click', () => removeNow(false));
  $('#remove-delete').addEventListener('click', () => removeNow(true));
  $('#remove-cancel').addEventListener('click', () => $('#remove-dialog').close());

  // ---- details: files, options, failed attempts, GIDs; per-download speed limit ----
  let openDetails = null;
  async function openDetailsOf(id) {
    openDetails = id;
    $('#dl-limit-error').hidden = true;
    $('#dl-limit').value = '';
    try {
      showDetails(await api('GET', '/downloads/' + encodeURIComponent(id)));
      showFiles(await api('GET', '/downloads/' + encodeURIComponent(id) + '/files'));
    } catch (e) { $('#details-error').textContent = e.message; $('#details-error').hidden = false; }
    if (!$('#details').open) $('#details').showModal();
  }
  function showDetails(d) {
    $('#details-title').textContent = nameOf(d);
    $('#details-status').textContent = d.status;
    $('#details-id').textContent = d.id;
    $('#details-gids').textContent = d.retry.gids.join(', ');
    $('#details-dir').textContent = d.dir || '(download root)';
    $('#details-node').textContent = d.node || '';
    const err = $('#details-error');
    err.textContent = d.errorMessage ? 'aria2 error ' + d.errorCode + ': ' + d.errorMessage : '';
    err.hidden = !d.errorMessage;
    const opts = $('#details-options'); opts.textContent = '';
    const entries = Object.entries(d.options || {});
    for (const [k, v] of entries) { const li = document.createElement('li'); li.textContent = k + ' = ' + v; opts.append(li); }
    if (!entries.length) { const li = document.createElement('li'); li.className = 'muted'; li.textContent = 'aria2 global defaults'; opts.append(li); }
    const limit = $('#dl-limit');
    if (document.activeElement !== limit && (d.options || {})['max-download-limit']) limit.value = d.options['max-download-limit'];
    const list = $('#details-errors'); list.textContent = '';
    for (const e of d.errors || []) {
      const li = document.createElement('li');
      li.textContent = new Date(e.at).toLocaleString() + ' — GID ' + e.gid + ' — aria2 error ' + e.errorCode + ': ' + e.errorMessage;
      list.append(li);
    }
    $('#details-no-errors').hidden = (d.errors || []).length > 0;
  }
  function showFiles(f) {
    const body = $('#details-files tbody'); body.textContent = '';
    for (const file of f.files) {
      const tr = document.createElement('tr');
      for (const text of [file.path || '(name not known yet)', bytes(file.length), bytes(file.completedLength),
        file.uris.map(u => u.uri + (u.status ? ' (' + u.status + ')' : '')).join('\n')]) {
        const td = document.createElement('td'); td.textContent = text; tr.append(td);
      }
      body.append(tr);
    }
  }
  $('#details').addEventListener('close', () => { openDetails = null; });
  $('#dl-limit-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const err = $('#dl-limit-error'); err.hidden = true;
    try {
      const d = await api('PATCH', '/downloads/' + encodeURIComponent(openDetails), { options: { 'max-download-limit': $('#dl-limit').value.trim() || '0' } });
      render(d);
      showDetails(d);
    } catch (e) { err.textContent = e.message; err.hidden = false; }
  });

  $('#downloads').addEventListener('click', async (e) => {
    const b = e.target.closest('button[data-action]');
    if (!b) return;
    const id = b.closest('tr').dataset.id;
    const action = b.dataset.action;
    if (action === 'remove') { askRemove(id); return; }
    if (action === 'details') { openDetailsOf(id); return; }
    try {
      render(await api('POST', '/downloads/' + encodeURIComponent(id) + '/' + action));
      showCount();
    } catch (err) { alert(err.message); }
  });

  $('#add-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const uris = $('#uris').value.split(/\s+/).map(s => s.trim()).filter(Boolean);
    const body = {};
    const file = $('#torrent-file').files[0];
    if (file) body.torrent = await base64Of(file);
    if (uris.length || !file) body.uris = uris;
    if ($('#out').value.trim()) body.out = $('#out').value.trim();
    if ($('#dir').value.trim()) body.dir = $('#dir').value.trim();
    if ($('#category').value.trim()) body.category = $('#category').value.trim();
    const err = $('#form-error'); err.hidden = true;
    try {
      render(await api('POST', '/downloads', body));
      showCount();
      $('#add-form').reset();
    } catch (ex) { err.textContent = ex.message; err.hidden = false; }
  });

  function base64Of(file) {
    return new Promise((resolve, reject) => {
      const r = new FileReader();
      r.onload = () => resolve(String(r.result).replace(/^data:[^,]*,/, ''));
      r.onerror = () => reject(r.error);
      r.readAsDataURL(file);
    });
  }

  // ---- batches ----
  async function loadBatch(id) {
    batches.set(id, null);
    try { showBatch(await api('GET', '/batches/' + encodeURIComponent(id))); } catch (e) { /* transient */ }
  }
  function showBatch(b) {
    batches.set(b.id, b);
    $('#batches-card').hidden = false;
    let li = document.getElementById('batch-' + b.id);
    if (!li) {
      li = document.createElement('li'); li.id = 'batch-' + b.id;
      li.innerHTML = '<div class="row"><strong class="title"></strong><span class="muted summary"></span></div><div class="progress"><div class="bar"></div></div>';
      $('#batches').prepend(li);
    }
    li.querySelector('.title').textContent = 'Batch ' + b.id + (b.done ? ' — done' : '');
    li.querySelector('.summary').textContent = b.complete + ' of ' + b.total + ' complete, ' + b.failed + ' failed, ' + b.active + ' active · ' + bytes(b.downloadSpeed) + '/s';
    li.querySelector('.bar').style.width = b.percent + '%';
  }

  // ---- speed chart: the header shows the chart's newest sample, so they always agree ----
  function pushSpeed(v) {
    speeds.push(v); while (speeds.length > 60) speeds.shift();
    $('#speed').textContent = bytes(v) + '/s';
    drawChart();
  }
  function drawChart() {
    const c = $('#chart'); const ctx = c.getContext('2d');
    const w = c.width = c.clientWidth * (window.devicePixelRatio || 1); const h = c.height = 120 * (window.devicePixelRatio || 1);
    ctx.clearRect(0, 0, w, h);
    const max = Math.max(1024, ...speeds);
    ctx.strokeStyle = '#e5e7eb'; ctx.beginPath(); ctx.moveTo(0, h - 1); ctx.lineTo(w, h - 1); ctx.stroke();
    if (!speeds.length) return;
    const pts = speeds.length === 1 ? [speeds[0], speeds[0]] : speeds; // one sample: a level line
    ctx.strokeStyle = '#2563eb'; ctx.lineWidth = 2 * (window.devicePixelRatio || 1); ctx.beginPath();
    pts.forEach((v, i) => { const x = (i + 60 - pts.length) / 59 * w; const y = h - 4 - (v / max) * (h - 8); i ? ctx.lineTo(x, y) : ctx.moveTo(x, y); });
    ctx.stroke();
    ctx.fillStyle = '#6b7280'; ctx.font = (11 * (window.devicePixelRatio || 1)) + 'px sans-serif'; ctx.fillText('max ' + bytes(max) + '/s', 6, 14 * (window.devicePixelRatio || 1));
    c.dataset.last = speeds[speeds.length - 1];
  }

  // ---- live events ----
  function connect() {
    if (events) events.close();
    const pill = $('#connection');
    events = new EventSource(API + '/events' + (token ? '?token=' + encodeURIComponent(token) : ''));
    events.onopen = () => { pill.textContent = 'live'; pill.className = 'pill live'; loadStatus(); loadStorage(); loadOptions(); loadSchedule(); loadTrackers(); loadDownloads().catch(() => {}); };
    events.onerror = () => { pill.textContent = 'reconnecting…'; pill.className = 'pill reconnecting'; };
    events.addEventListener('supervisor', () => loadStatus());
    events.addEventListener('storage', () => loadStorage());
    events.addEventListener('download', (e) => queue(JSON.parse(e.data).download, true));
    events.addEventListener('progress', (e) => {
      const data = JSON.parse(e.data);
      for (const p of data.downloads) {
        const had = pending.get(p.id);
        const d = had ? had.d : downloads.get(p.id);
        if (d) queue(Object.assign({}, d, p, { status: d.status === 'waiting' ? 'active' : d.status }), d.status === 'waiting');
      }
      if (data.global) setGlobal(data.node, data.global.downloadSpeed);
    });
    events.addEventListener('batch', (e) => showBatch(JSON.parse(e.data).batch));
  }
  // In a cluster every node's progress arrives here: the speed shown is the sum of each node's
  // latest figure (one older than 3 s counts as 0: a node sends none while nothing runs there).
  let lastGlobal = 0;
  let thisNode = null;
  const globalByNode = new Map();
  function setGlobal(node, speed) {
    globalByNode.set(node || thisNode, { speed, at: Date.now() });
    sumGlobal();
  }
  function sumGlobal() {
    let sum = 0;
    for (const g of globalByNode.values()) if (Date.now() - g.at < 3000) sum += g.speed;
    lastGlobal = sum;
  }
  api('GET', '/cluster').then(c => {
    thisNode = c.node;
    $('#downloads').classList.toggle('single-node', !c.enabled);
    $('#cluster-nodes').textContent = c.enabled ? 'cluster of ' + c.live.length + ': ' + c.live.join(', ') : '';
  }).catch(() => {});
  const readStats = () => api('GET', '/stats').then(s => { setGlobal(thisNode, s.globalStat ? s.globalStat.downloadSpeed : 0); })
    .catch(() => setGlobal(thisNode, 0));
  setInterval(() => { sumGlobal(); pushSpeed(lastGlobal); tickUptime(); }, 1000);
  setInterval(readStats, 5000);
  readStats().then(() => pushSpeed(lastGlobal)); // the first sample at once, in the header and the chart

  $('#token').value = token;
  $('#token-save').addEventListener('click', () => { token = $('#token').value.trim(); localStorage.setItem('aria2sv.token', token); connect(); });
  window.addEventListener('resize', drawChart);
  loadStatus();
  loadStorage();
  loadOptions();
  loadDownloads().catch(() => {});
  connect();
})();
