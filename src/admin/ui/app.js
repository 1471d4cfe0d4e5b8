// The tcpshift web view: renders the admin server's event stream (GET /events). Plain script, no build step.
// Everything from the server is written with textContent (commit subjects and file names are not trusted).
'use strict';
(() => {
  const KEEP = 900; // 15 minutes of 1 s samples, as the server keeps
  const COLORS = ['#1f6feb', '#bc4c00', '#8250df', '#1a7f37', '#bf3989', '#0a7ea4', '#9a6700', '#57606a'];
  const TOKEN_KEY = 'tcpshift.token';
  const st = { status: null, proxy: null, tokenRequired: true, token: sessionStorage.getItem(TOKEN_KEY), series: new Map(), cards: new Map(), es: null };
  const $ = (id) => document.getElementById(id);

  /** h('div', {class: 'x'}, child, 'text', …): a new element; strings become text nodes. */
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'text') el.textContent = v;
      else el.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat(Infinity)) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
    return el;
  }
  const short = (rev) => (rev ? String(rev).slice(0, 7) : '–');
  const pct = (v) => (v === null || v === undefined || Number.isNaN(v) ? '–' : `${Math.round(v * 10) / 10}%`);
  function ago(iso) {
    if (!iso) return '–';
    const s = Math.round((Date.now() - Date.parse(iso)) / 1000);
    if (Number.isNaN(s)) return String(iso);
    if (s < 60) return `${Math.max(0, s)} s ago`;
    if (s < 3600) return `${Math.round(s / 60)} min ago`;
    if (s < 86400) return `${Math.round(s / 3600)} h ago`;
    return `${Math.round(s / 86400)} d ago`;
  }
  const when = (iso) => h('time', { datetime: iso || '', title: iso || '' }, ago(iso));
  const destLabel = (d) => `${d.service || d.host}${d.subset ? ` ${d.subset}` : d.version ? ` ${d.version}` : ''}`;

  // ---- the stream ----
  function connect() {
    const es = new EventSource('/events');
    st.es = es;
    es.addEventListener('open', () => setLive('live', 'ok'));
    es.addEventListener('snapshot', (e) => onSnapshot(JSON.parse(e.data)));
    es.addEventListener('status', (e) => onStatus(JSON.parse(e.data)));
    es.addEventListener('tick', (e) => onTick(JSON.parse(e.data)));
    es.addEventListener('error', () => {
      setLive('reconnecting…', 'warn');
      // EventSource retries by itself after a dropped stream; a refused one (503, a restart in progress) it gives up on.
      if (es.readyState === EventSource.CLOSED) setTimeout(() => { if (st.es === es) connect(); }, 2000);
    });
  }
  function setLive(text, cls) {
    const el = $('live');
    el.textContent = text;
    el.className = `pill ${cls}`;
  }
  function onSnapshot(ev) {
    st.tokenRequired = ev.tokenRequired;
    st.status = ev.status;
    st.proxy = ev.proxy;
    st.series = new Map(ev.series.map((r) => [r.listener, { times: r.times.slice(), dests: new Map(r.destinations.map((d) => [d.key, d.values.slice()])) }]));
    renderAuth();
    renderReconcile();
    renderRollouts();
    renderListeners();
    renderHistory();
  }
  function onStatus(ev) {
    st.status = ev.status;
    st.proxy = ev.proxy;
    renderListeners();
    renderReconcile();
    renderRollouts();
    renderHistory();
  }
  function onTick(ev) {
    st.proxy = ev.proxy;
    for (const r of ev.series) {
      let s = st.series.get(r.listener);
      if (!s) { s = { times: [], dests: new Map() }; st.series.set(r.listener, s); }
      const before = s.times.length;
      s.times.push(...r.times);
      for (const d of r.destinations) {
        if (!s.dests.has(d.key)) s.dests.set(d.key, new Array(before).fill(null));
        s.dests.get(d.key).push(...d.values);
      }
      for (const [k, vals] of s.dests) {
        while (vals.length < s.times.length) vals.push(null);
        if (!r.destinations.some((d) => d.key === k)) s.dests.delete(k);
      }
      const extra = s.times.length - KEEP;
      if (extra > 0) { s.times.splice(0, extra); for (const vals of s.dests.values()) vals.splice(0, extra); }
    }
    renderListeners();
    for (const el of document.querySelectorAll('[data-next-step-at]')) el.textContent = countdown(el.getAttribute('data-next-step-at'));
  }

  // ---- token and mutating requests ----
  const unlocked = () => st.token !== null;
  function renderAuth() {
    $('unlock').hidden = unlocked();
    $('locked').hidden = !unlocked();
    const tokenField = $('token');
    tokenField.hidden = !st.tokenRequired;
    document.querySelector('label[for="token"]').hidden = !st.tokenRequired;
    $('controls').hidden = !unlocked();
    const s = st.status;
    if (s) {
      document.querySelector('[data-action="suspend"]').hidden = !!s.suspended;
      document.querySelector('[data-action="resume"]').hidden = !s.suspended;
    }
    for (const el of document.querySelectorAll('.rollout-controls')) el.hidden = !unlocked();
  }
  $('unlock').addEventListener('submit', (e) => {
    e.preventDefault();
    const t = $('token').value.trim();
    if (st.tokenRequired && t === '') { $('action-result').textContent = 'enter the --admin-token this instance runs with'; return; }
    st.token = t;
    sessionStorage.setItem(TOKEN_KEY, t);
    $('token').value = '';
    renderAuth();
    $('lock-button').focus();
  });
  $('lock-button').addEventListener('click', () => lock(''));
  function lock(why) {
    st.token = null;
    sessionStorage.removeItem(TOKEN_KEY);
    renderAuth();
    $('action-result').textContent = why;
  }
  async function post(path, body) {
    if (!unlocked()) return;
    const headers = { 'x-tcpshift-request': '1', 'content-type': 'application/json' };
    if (st.token) headers.authorization = `Bearer ${st.token}`;
    const out = $('action-result');
    out.textContent = `${path}…`;
    try {
      const res = await fetch(path, { method: 'POST', headers, body: JSON.stringify(body || {}), credentials: 'omit', cache: 'no-store' });
      const text = await res.text();
      let msg = text.trim();
      try { const j = JSON.parse(text); msg = j.error || j.outcome || (j.suspended !== undefined ? (j.suspended ? 'suspended' : 'resumed') : 'done'); } catch { /* plain text */ }
      if (res.status === 401) return lock(`${path}: the token was refused (401); enter it again`);
      out.textContent = res.ok ? `${path}: ${msg}` : `${path} failed (${res.status}): ${msg}`;
    } catch (err) {
      out.textContent = `${path} failed: ${err && err.message ? err.message : err}`;
    }
  }
  $('controls').addEventListener('click', (e) => {
    const b = e.target.closest('button[data-action]');
    if (!b) return;
    const a = b.getAttribute('data-action');
    if (a === 'suspend') post('/suspend?reason=web%20view');
    else post(`/${a}`);
  });

  // ---- reconcile ----
  function renderReconcile() {
    const s = st.status;
    const body = $('reconcile-body');
    $('source').textContent = s.source || '';
    const served = (s.history || []).find((e) => e.revision === s.lastAppliedRevision) || null;
    const ready = s.ready ? h('span', { class: 'pill ok' }, 'Ready') : h('span', { class: 'pill bad' }, 'Not ready');
    const rows = [
      ['Ready', h('span', {}, ready, ' ', h('span', { class: 'mono', id: 'reason' }, s.reason || ''))],
      ['Message', h('span', { id: 'message' }, s.message || '')],
      ['Serving', s.lastAppliedRevision
        ? h('span', { id: 'serving' }, h('code', { title: s.lastAppliedRevision }, short(s.lastAppliedRevision)), ' ', served && served.subject ? served.subject : '',
          served && served.author ? h('span', { class: 'muted' }, ` — ${served.author}`) : '', ' ', h('span', { class: 'muted' }, 'applied '), when(s.lastAppliedAt))
        : h('span', { class: 'muted' }, 'nothing applied yet')],
    ];
    if (s.lastAttemptedRevision && s.lastAttemptedRevision !== s.lastAppliedRevision) {
      rows.push(['Last attempt', h('span', {}, h('code', {}, short(s.lastAttemptedRevision)), ` ${s.lastAttemptedOutcome || ''} `, when(s.lastAttemptedAt))]);
    }
    if (s.reconciling) rows.push(['Reconciling', `${short(s.reconciling.revision)} step ${s.reconciling.step}`]);
    if (s.suspended) rows.push(['Suspended', h('span', { class: 'pill warn' }, `suspended: ${s.suspendedReason || ''}`)]);
    if (s.pinned) rows.push(['Pinned', h('code', {}, s.pinned)]);
    body.replaceChildren(h('dl', { class: 'kv' }, rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])));
    const diags = s.diagnostics || [];
    const errors = diags.filter((d) => d.severity === 'error');
    if (errors.length > 0) {
      body.append(h('h3', {}, `Rejected ${short(s.lastAttemptedRevision)}: ${errors.length} error${errors.length > 1 ? 's' : ''}`),
        h('ul', { class: 'errors mono', id: 'errors' }, errors.map((d) => h('li', {}, `${d.line > 0 ? `${d.file}:${d.line}:${d.col}` : d.file} ${d.code} ${d.message}`))));
    }
    const warnings = diags.filter((d) => d.severity === 'warning');
    if (warnings.length > 0) {
      body.append(h('details', {}, h('summary', {}, `${warnings.length} warning${warnings.length > 1 ? 's' : ''}`),
        h('ul', { class: 'mono muted' }, warnings.map((d) => h('li', {}, `${d.line > 0 ? `${d.file}:${d.line}:${d.col}` : d.file} ${d.code} ${d.message}`)))));
    }
    renderAuth();
  }

  // ---- rollouts (when the instance has any) ----
  function countdown(iso) {
    if (!iso) return '';
    const s = Math.round((Date.parse(iso) - Date.now()) / 1000);
    return Number.isNaN(s) ? '' : s > 0 ? `next step in ${s} s` : 'next step due';
  }
  function renderRollouts() {
    const list = Array.isArray(st.status.rollouts) ? st.status.rollouts : [];
    $('rollouts').hidden = list.length === 0;
    $('rollouts-body').replaceChildren(...list.map((r) => {
      const steps = Math.max(0, Number(r.steps) || 0);
      const step = Number(r.step) || 0;
      const shares = Object.entries(r.shares || {}).map(([k, v]) => `${k.split('|').filter(Boolean).slice(0, 2).join(' ')} ${pct(v)}`).join(' · ');
      const phaseClass = r.phase === 'Aborted' ? 'bad' : r.phase === 'Paused' ? 'warn' : 'ok';
      const controls = h('div', { class: 'controls rollout-controls', hidden: !unlocked() },
        ['pause', 'resume', 'promote', 'abort'].map((a) => h('button', { type: 'button', 'data-rollout-action': a, 'data-target': r.target }, a[0].toUpperCase() + a.slice(1))));
      return h('div', { class: 'rollout', 'data-target': r.target },
        h('h3', {}, `${r.target} `, h('span', { class: `pill ${phaseClass}` }, r.phase || ''), ' ', h('span', { class: 'muted' }, `to ${short(r.revision)}`)),
        h('ol', { class: 'steps', 'aria-label': 'steps' }, Array.from({ length: steps }, (_, i) => {
          const n = i + 1;
          const cls = n === step ? 'current' : n < step ? 'done' : '';
          return h('li', { class: cls, 'aria-current': n === step ? 'step' : null }, `step ${n}${n === step ? ` (now): ${shares}` : n < step ? ' done' : ''}`);
        })),
        h('p', {}, `step ${step} of ${steps}: ${shares} `, h('span', { class: 'muted' }, 'started '), when(r.stepStartedAt), ' ',
          r.phase === 'Progressing' ? h('span', { class: 'muted', 'data-next-step-at': r.nextStepAt || '' }, countdown(r.nextStepAt)) : ''),
        (r.checks || []).length > 0
          ? h('table', { class: 'checks' }, h('thead', {}, h('tr', {}, h('th', {}, 'check'), h('th', {}, 'result'), h('th', {}, 'value'), h('th', {}, 'at'))),
            h('tbody', {}, r.checks.map((c) => h('tr', {}, h('td', {}, c.name), h('td', { class: c.ok ? '' : 'errors' }, c.ok ? 'ok' : 'failed'), h('td', { class: 'mono' }, String(c.value ?? '')), h('td', {}, when(c.at))))))
          : h('p', { class: 'muted' }, 'no checks yet'),
        controls);
    }));
  }
  $('rollouts-body').addEventListener('click', (e) => {
    const b = e.target.closest('button[data-rollout-action]');
    if (b) post(`/rollout/${b.getAttribute('data-rollout-action')}?target=${encodeURIComponent(b.getAttribute('data-target'))}`, { target: b.getAttribute('data-target') });
  });

  // ---- listeners, routes, destinations ----
  function bar(kind, label, value) {
    const w = value === null || value === undefined ? 0 : Math.max(0, Math.min(100, value));
    return h('div', { class: `bar ${kind}`, role: 'img', 'aria-label': `${label} ${pct(value)}` },
      h('div', { class: 'fill', style: `width:${w}%` }), h('span', { class: 'label' }, `${label} ${pct(value)}`));
  }
  function renderListeners() {
    const body = $('listeners-body');
    const ls = st.proxy ? st.proxy.listeners : [];
    if (ls.length === 0) { body.replaceChildren(h('p', { class: 'muted' }, 'no listener: nothing is applied, or the applied revision has no Gateway')); st.cards.clear(); return; }
    const keep = new Set();
    const order = [];
    for (const l of ls) {
      keep.add(l.key);
      let card = st.cards.get(l.key);
      if (!card) {
        card = { root: h('div', { class: 'listener', 'data-listener': l.key }), head: h('h3'), dests: h('div', { class: 'dests' }), chart: h('div', { class: 'chart', 'aria-label': 'new connections per second, last 15 minutes' }), plot: null, plotKeys: '' };
        card.root.append(card.head, card.dests, card.chart);
        st.cards.set(l.key, card);
      }
      order.push(card.root);
      const r = l.route;
      card.head.replaceChildren(`${l.address}:${l.boundPort ?? l.port}`, h('span', { class: 'muted' }, ` (${l.gateway} ${l.portName})`), ' → ',
        `${r.virtualService} rule ${r.rule}`, h('span', { class: 'muted' }, ` · observed over the last ${r.observedConnections} new connections`));
      const activeTotal = r.destinations.reduce((n, d) => n + d.active, 0);
      card.dests.replaceChildren(...r.destinations.map((d) => {
        const ejected = d.endpoints.filter((e) => e.ejected).map((e) => `${e.address}:${e.port}`);
        return h('div', { class: 'dest', 'data-dest': d.key },
          h('div', { class: 'name' }, destLabel(d), h('div', { class: 'muted mono' }, `${d.host}:${d.port}`)),
          h('div', { class: 'bars' }, bar('weight', 'weight', d.percent), bar('observed', 'observed', d.observedPercent), bar('active', 'active', activeTotal > 0 ? (100 * d.active) / activeTotal : null)),
          h('div', { class: 'counts' }, `active ${d.active} · opened ${d.opened} · failed ${d.failed}`,
            d.rejected > 0 ? ` · rejected ${d.rejected}` : '', d.connectFailures > 0 ? ` · connect failures ${d.connectFailures}` : '',
            ejected.length > 0 ? h('div', { class: 'ejected' }, `ejected: ${ejected.join(', ')}`) : h('div', { class: 'muted' }, `${d.endpoints.length} endpoint${d.endpoints.length === 1 ? '' : 's'}, none ejected`)));
      }));
      drawChart(card, l);
    }
    for (const k of [...st.cards.keys()]) if (!keep.has(k)) { const c = st.cards.get(k); if (c.plot) c.plot.destroy(); st.cards.delete(k); }
    if (order.length !== body.children.length || order.some((el, i) => body.children[i] !== el)) body.replaceChildren(...order);
  }
  function drawChart(card, l) {
    const s = st.series.get(l.key);
    if (!s || typeof uPlot !== 'function') return;
    const dests = l.route.destinations.filter((d) => s.dests.has(d.key));
    const keys = dests.map((d) => d.key).join('\n');
    const data = [s.times, ...dests.map((d) => s.dests.get(d.key))];
    const width = Math.max(240, card.chart.clientWidth || card.root.clientWidth || 300);
    if (!card.plot || card.plotKeys !== keys) {
      if (card.plot) card.plot.destroy();
      card.plotKeys = keys;
      card.plot = new uPlot({
        width, height: 150,
        scales: { x: { time: true, range: (_u, _min, max) => [max - KEEP, max] }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
        axes: [{}, { label: 'new conn/s', size: 50 }],
        series: [{}, ...dests.map((d, i) => ({ label: destLabel(d), stroke: COLORS[i % COLORS.length], width: 1.5, spanGaps: false, points: { show: false } }))],
        legend: { live: false },
      }, data, card.chart);
    } else {
      if (Math.abs(card.plot.width - width) > 4) card.plot.setSize({ width, height: 150 });
      card.plot.setData(data);
    }
  }
  window.addEventListener('resize', () => renderListeners());

  // ---- history ----
  function renderHistory() {
    const list = st.status.history || [];
    $('history-body').replaceChildren(...(list.length === 0 ? [h('li', { class: 'muted' }, 'nothing applied yet')] : list.map((e) =>
      h('li', {}, h('code', { title: e.revision }, short(e.revision)), ' ', e.subject || '', e.author ? h('span', { class: 'muted' }, ` — ${e.author}`) : '',
        ' ', h('span', { class: 'muted' }, `(${e.trigger}) applied `), when(e.appliedAt),
        e.changes.length > 0 ? h('pre', {}, e.changes.join('\n')) : h('div', { class: 'muted' }, 'no routing change')))));
  }

  renderAuth();
  connect();
})();
