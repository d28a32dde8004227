/**
 * The dashboard page served at GET /dashboard: one self-contained HTML document (inline CSS and JS,
 * no external resources: operators' hosts are often offline). It opens /dashboard/ws and redraws on
 * every snapshot (see snapshot.ts for its fields); the MOS/jitter/loss history behind the sparklines
 * is kept in the page (the daemon keeps none).
 */
export const DASHBOARD_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>rtpengine-ts dashboard</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body { font: 13px/1.4 system-ui, sans-serif; margin: 0; background: #f4f5f7; color: #222; }
header { background: #1d3557; color: #fff; padding: 8px 16px; display: flex; gap: 24px; align-items: baseline; }
header h1 { font-size: 16px; margin: 0; }
#conn.down { color: #ffb4a2; }
main { padding: 12px 16px; }
section { background: #fff; border-radius: 6px; padding: 8px 12px; margin-bottom: 12px; box-shadow: 0 1px 2px #0002; overflow-x: auto; }
h2 { font-size: 14px; margin: 4px 0 8px; }
table { border-collapse: collapse; width: 100%; }
#workers { width: auto; }
td { white-space: nowrap; }
th, td { text-align: left; padding: 3px 6px; border-bottom: 1px solid #eee; vertical-align: top; }
th { font-weight: 600; color: #555; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.state-active { color: #1a7f37; } .state-answered { color: #9a6700; } .state-offered { color: #888; }
.xcode { background: #fde68a; border-radius: 3px; padding: 0 4px; font-size: 11px; }
.est { color: #888; font-size: 11px; }
table.streams { font-size: 12px; margin: 0 0 6px 16px; width: auto; }
tr.call td { border-bottom: none; }
table.streams td, table.streams th { border: none; padding: 1px 4px; }
svg.spark { vertical-align: middle; background: #fafafa; border: 1px solid #eee; }
.mono { font-family: ui-monospace, monospace; }
</style></head>
<body data-updates="0">
<header><h1>rtpengine-ts</h1><span id="conn" class="down">connecting…</span>
<span>sessions: <b id="sessions">–</b></span><span>packets/s: <b id="packetrate">–</b></span>
<span>uptime: <b id="uptime">–</b></span><span>updated: <b id="updated">–</b></span></header>
<main>
<section><h2>Media workers</h2>
<table id="workers"><thead><tr><th>worker</th><th>packets/s</th><th></th><th>packets</th></tr></thead><tbody></tbody></table></section>
<section><h2>Calls</h2>
<table id="calls"><thead><tr><th>call-id</th><th>age</th><th>state</th><th>packets/s</th><th>MOS</th><th>jitter (ms)</th><th>loss (%)</th></tr></thead>
<tbody></tbody></table></section>
</main>
<script>
"use strict";
const HISTORY = 60;
const hist = new Map();      // call-id -> {mos:[], jitter:[], loss:[]}
const whist = new Map();     // worker -> [pps]
let updates = 0;
function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  for (const k of kids) e.append(k instanceof Node ? k : document.createTextNode(String(k)));
  return e;
}
function push(a, v) { a.push(v); if (a.length > HISTORY) a.shift(); }
function spark(values, max, color) {
  const w = 90, h = 22, svgNs = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(svgNs, 'svg');
  svg.setAttribute('class', 'spark'); svg.setAttribute('width', w); svg.setAttribute('height', h);
  const pts = values.map((v, i) => v === null ? null : [i * (w - 2) / (HISTORY - 1) + 1, h - 1 - (h - 2) * Math.min(v, max) / (max || 1)]).filter(Boolean);
  if (pts.length > 0) {
    const p = document.createElementNS(svgNs, 'polyline');
    p.setAttribute('points', pts.map((q) => q[0].toFixed(1) + ',' + q[1].toFixed(1)).join(' '));
    p.setAttribute('fill', 'none'); p.setAttribute('stroke', color); p.setAttribute('stroke-width', '1.5');
    svg.append(p);
  }
  return svg;
}
function age(s) { return s < 60 ? s + ' s' : s < 3600 ? Math.floor(s / 60) + ' min ' + (s % 60) + ' s' : Math.floor(s / 3600) + ' h ' + Math.floor(s % 3600 / 60) + ' min'; }
function fig(v, digits) { return v === null || v === undefined ? '–' : v.toFixed(digits); }
function streamsTable(c) {
  const t = el('table', { class: 'streams' }, el('tr', {}, el('th', {}, 'tag'), el('th', {}, 'media'), el('th', {}, 'local'), el('th', {}, 'remote'), el('th', {}, 'codec'), el('th', {}, 'negotiated'), el('th', {}, 'packets')));
  for (const s of c.streams) {
    if (s.component !== 'RTP') continue;
    const codec = el('td', { class: 'codec mono' }, s.codec || '–');
    if (s.transcoding) codec.append(' ', el('span', { class: 'xcode' }, 'transcoded'));
    t.append(el('tr', { class: 'stream' }, el('td', { class: 'mono' }, s.tag), el('td', {}, s.type + ' #' + s.media), el('td', { class: 'mono' }, s.local || '–'),
      el('td', { class: 'mono' }, s.remote || '–'), codec, el('td', { class: 'codecs mono' }, s.codecs.join(' ') || '–'), el('td', { class: 'num' }, s.packets)));
  }
  return t;
}
function render(snap) {
  document.getElementById('sessions').textContent = snap.sessions;
  document.getElementById('packetrate').textContent = snap.packetRate;
  document.getElementById('uptime').textContent = age(snap.uptimeS);
  document.getElementById('updated').textContent = new Date(snap.now).toLocaleTimeString();
  const wb = document.querySelector('#workers tbody');
  wb.replaceChildren();
  for (const w of snap.workers) {
    if (!whist.has(w.index)) whist.set(w.index, []);
    const h = whist.get(w.index); push(h, w.pps);
    wb.append(el('tr', { 'data-worker': w.index }, el('td', {}, 'worker ' + w.index), el('td', { class: 'num pps' }, w.pps),
      el('td', {}, spark(h, Math.max(10, ...h), '#1d3557')), el('td', { class: 'num' }, w.packets)));
  }
  const live = new Set();
  const cb = document.querySelector('#calls tbody');
  cb.replaceChildren();
  for (const c of snap.calls) {
    live.add(c.callId);
    if (!hist.has(c.callId)) hist.set(c.callId, { mos: [], jitter: [], loss: [] });
    const h = hist.get(c.callId);
    push(h.mos, c.mos); push(h.jitter, c.jitterMs); push(h.loss, c.lossPercent);
    const mos = el('td', { class: 'mos' }, el('span', { class: 'num mos-value' }, fig(c.mos, 1)), ' ', spark(h.mos, 5, '#1a7f37'));
    if (c.estimated) mos.append(' ', el('span', { class: 'est', title: 'estimated from RTP (no RTCP reports)' }, 'est.'));
    const state = el('td', { class: 'state-' + c.state }, c.state);
    if (c.transcoded) state.append(' ', el('span', { class: 'xcode' }, 'transcoding'));
    cb.append(el('tr', { class: 'call', 'data-call-id': c.callId },
      el('td', { class: 'call-id mono' }, c.callId), el('td', {}, age(c.ageS)), state, el('td', { class: 'num' }, c.pps), mos,
      el('td', { class: 'jitter' }, el('span', { class: 'num jitter-value' }, fig(c.jitterMs, 0)), ' ', spark(h.jitter, Math.max(20, ...h.jitter.filter((v) => v !== null)), '#9a6700')),
      el('td', { class: 'loss' }, el('span', { class: 'num loss-value' }, fig(c.lossPercent, 0)), ' ', spark(h.loss, Math.max(5, ...h.loss.filter((v) => v !== null)), '#cf222e'))));
    // The streams on a row of their own under the call: a wide table there never pushes the figures out of view.
    cb.append(el('tr', { class: 'call-streams', 'data-call-id': c.callId }, el('td', { colspan: 7 }, streamsTable(c))));
  }
  for (const id of [...hist.keys()]) if (!live.has(id)) hist.delete(id);
  if (snap.sessions > snap.calls.length) cb.append(el('tr', {}, el('td', { colspan: 7 }, '… and ' + (snap.sessions - snap.calls.length) + ' more calls')));
  document.body.dataset.updates = String(++updates);
}
function connect() {
  const conn = document.getElementById('conn');
  const ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/dashboard/ws', 'dashboard.rtpengine-ts');
  ws.onopen = () => { conn.textContent = 'live'; conn.className = ''; };
  ws.onmessage = (e) => render(JSON.parse(e.data));
  ws.onclose = () => { conn.textContent = 'disconnected, retrying…'; conn.className = 'down'; setTimeout(connect, 2000); };
}
connect();
</script></body></html>
`;
