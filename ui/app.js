// Wingman Control UI. Plain ES module, no framework, no build step, no
// external requests: everything talks to the gateway that served this page
// (WebSocket /ws and HTTP /api/*, see docs/protocol.md).
import { renderMarkdown } from './markdown.js';

const VERSION = '0.1.0';
const LS = {
  auth: 'wingman.auth',            // {kind: 'token'|'password', secret}
  instance: 'wingman.instanceId',
  agent: 'wingman.agentId',
  session: 'wingman.sessionId',
  speak: (sid) => `wingman.autospeak.${sid}`,
};
const TEXT_EXTENSIONS = ['txt', 'md', 'csv', 'json', 'yaml', 'yml', 'xml', 'log', 'ts', 'js', 'py',
  'go', 'rs', 'java', 'c', 'cpp', 'sql', 'html', 'css'];
const TEXT_MIME = {
  md: 'text/markdown', csv: 'text/csv', json: 'application/json', yaml: 'application/yaml',
  yml: 'application/yaml', xml: 'application/xml', html: 'text/html', css: 'text/css',
  js: 'text/javascript', ts: 'text/typescript', py: 'text/x-python', sql: 'application/sql',
};
const MAX_ATTACHMENT_BYTES = 900 * 1024; // the gateway's frame limit is 1 MiB
const BACKOFF_MAX_MS = 5000;
const STATS_INTERVAL_MS = 2000;
const CHART_POINTS = 60;

const $ = (id) => document.getElementById(id);

// ---------------------------------------------------------------- utilities

function storageGet(key) {
  try { return localStorage.getItem(key); } catch { return null; }
}
function storageSet(key, value) {
  try {
    if (value === null || value === undefined) localStorage.removeItem(key);
    else localStorage.setItem(key, value);
  } catch { /* private mode: keep going without persistence */ }
}

function randomId() {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function instanceId() {
  let id = storageGet(LS.instance);
  if (!id) {
    id = `webui-${randomId()}`;
    storageSet(LS.instance, id);
  }
  return id;
}

let idCounter = 0;
function nextId(prefix) {
  idCounter += 1;
  return `${prefix}-${Date.now().toString(36)}-${idCounter.toString(36)}-${randomId().slice(0, 6)}`;
}

/** Creates an element; text goes through textContent, never innerHTML. */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined) node.append(c);
  return node;
}

const ICONS = {
  file: 'M6 2h8l5 5v15H6zM14 2v5h5',
  pdf: 'M6 2h8l5 5v15H6zM14 2v5h5M9 13h6M9 17h6',
  clip: 'M21 11.5l-8.5 8.5a5 5 0 01-7-7L14 4.5a3.3 3.3 0 014.7 4.7l-8.6 8.6a1.7 1.7 0 01-2.4-2.4L15.5 7.6',
  tool: 'M14.7 6.3a4 4 0 005 5L21 13l-8 8-3-3 1.3-1.3a4 4 0 01-5-5L3 8.5 8.5 3z',
};
/** A small stroked SVG icon (decorative). */
function icon(name) {
  const NS = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('width', '16');
  svg.setAttribute('height', '16');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('class', 'icon');
  const path = document.createElementNS(NS, 'path');
  path.setAttribute('d', ICONS[name] || ICONS.file);
  svg.append(path);
  return svg;
}

function relativeTime(ms) {
  if (!ms) return '';
  const d = (Date.now() - Number(ms)) / 1000;
  if (d < 60) return 'just now';
  if (d < 3600) return `${Math.floor(d / 60)} min ago`;
  if (d < 86400) return `${Math.floor(d / 3600)} h ago`;
  return new Date(Number(ms)).toLocaleDateString();
}

function toast(message) {
  const t = $('toast');
  t.textContent = message;
  t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { t.hidden = true; }, 2200);
}

function formatBytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

function asTime(v) {
  if (typeof v === 'number') return v;
  const t = Date.parse(v);
  return Number.isNaN(t) ? 0 : t;
}

// ---------------------------------------------------------------- state

const state = {
  config: null,
  auth: null,                 // {kind, secret} in use
  agents: [],                 // [{id, name, default}]
  agentId: null,              // agent whose sessions are listed
  sessions: [],
  sessionId: null,
  subscribed: null,           // {sessionId, agentId} currently subscribed
  requests: new Map(),        // request id -> request record
  pending: [],                // attachments to send
  page: 'chat',
};

// ---------------------------------------------------------------- HTTP

function authHeaders() {
  const a = state.auth;
  if (!a || !a.secret) return {};
  return a.kind === 'password' ? { 'X-Wingman-Password': a.secret } : { Authorization: `Bearer ${a.secret}` };
}

async function api(method, path, body) {
  const init = { method, headers: { ...authHeaders() }, cache: 'no-store' };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = text; }
  if (!res.ok) {
    const msg = (data && data.error) || (typeof data === 'string' && data) || `HTTP ${res.status}`;
    const err = new Error(msg);
    err.status = res.status;
    throw err;
  }
  return data;
}

const enc = encodeURIComponent;

// ---------------------------------------------------------------- WebSocket

const conn = {
  ws: null,
  ready: false,
  attempt: 0,
  timer: null,
  connectId: null,
  onReady: null,     // one-shot callbacks for the login flow
  onFail: null,
  stopped: true,
  pings: new Map(),  // ping id -> sent at (performance.now())
  latency: null,
};

function wsUrl() {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${proto}//${location.host}/ws`;
}

function send(frame) {
  if (!conn.ws || conn.ws.readyState !== WebSocket.OPEN) return false;
  conn.ws.send(JSON.stringify({ ...frame, timestamp: Date.now() }));
  return true;
}

function setConnStatus(kind, text) {
  const s = $('conn-status');
  s.dataset.state = kind;
  s.textContent = text;
}

function connect() {
  clearTimeout(conn.timer);
  conn.stopped = false;
  if (conn.ws) { conn.ws.onclose = null; try { conn.ws.close(); } catch { /* ignore */ } }
  conn.ready = false;
  setConnStatus('connecting', conn.attempt ? 'Reconnecting…' : 'Connecting…');
  let ws;
  try {
    ws = new WebSocket(wsUrl());
  } catch {
    scheduleReconnect();
    return;
  }
  conn.ws = ws;
  ws.onopen = () => {
    conn.connectId = nextId('c');
    const auth = {};
    if (state.auth && state.auth.secret) auth[state.auth.kind === 'password' ? 'password' : 'token'] = state.auth.secret;
    send({
      type: 'connect', id: conn.connectId,
      client: { instanceId: instanceId(), clientType: 'webui', version: VERSION },
      auth,
    });
  };
  ws.onmessage = (ev) => {
    let frame;
    try { frame = JSON.parse(ev.data); } catch { return; }
    handleFrame(frame);
  };
  ws.onclose = () => {
    const wasReady = conn.ready;
    conn.ready = false;
    if (conn.ws === ws) conn.ws = null;
    state.subscribed = null;
    if (conn.onFail && !wasReady) {
      const f = conn.onFail;
      conn.onFail = null;
      conn.onReady = null;
      conn.stopped = true;
      f('Could not reach the gateway.');
      return;
    }
    if (!conn.stopped) scheduleReconnect();
  };
}

function scheduleReconnect() {
  clearTimeout(conn.timer);
  const delay = Math.min(BACKOFF_MAX_MS, 250 * 2 ** conn.attempt);
  conn.attempt += 1;
  setConnStatus('offline', `Offline — retrying in ${Math.ceil(delay / 1000)} s`);
  conn.timer = setTimeout(connect, delay);
}

function disconnect() {
  conn.stopped = true;
  clearTimeout(conn.timer);
  if (conn.ws) { conn.ws.onclose = null; try { conn.ws.close(); } catch { /* ignore */ } }
  conn.ws = null;
  conn.ready = false;
}

function onConnected() {
  conn.attempt = 0;
  conn.ready = true;
  setConnStatus('online', 'Connected');
  if (conn.onReady) {
    const f = conn.onReady;
    conn.onReady = null;
    conn.onFail = null;
    f();
    return;
  }
  if (state.everConnected) resync();
}

// After a reconnect: subscribe again and reload what we show.
async function resync() {
  subscribeCurrent();
  refreshSessions();
  if (state.sessionId && state.page === 'chat') await loadHistory(state.sessionId, { keepPending: true });
}

function handleFrame(f) {
  switch (f.type) {
    case 'res':
      if (f.id === conn.connectId) {
        if (f.ok) onConnected();
        else handleAuthFailure(typeof f.payload === 'string' ? f.payload : 'authentication failed');
      }
      break;
    case 'ack': handleAck(f); break;
    case 'event:agent': handleAgentEvent(f); break;
    case 'pong': {
      const sent = conn.pings.get(f.id);
      if (sent !== undefined) {
        conn.pings.delete(f.id);
        conn.latency = performance.now() - sent;
      }
      break;
    }
    case 'ping': send({ type: 'pong', id: f.id }); break;
    case 'error': handleError(f); break;
    default: break;
  }
}

function handleAuthFailure(message) {
  conn.stopped = true;
  const text = /auth/i.test(message) ? 'Authentication failed: check the token or password.' : message;
  if (conn.onFail) {
    const f = conn.onFail;
    conn.onFail = null;
    conn.onReady = null;
    f(text);
  } else {
    // Stored credential no longer valid (e.g. the token was rotated).
    logout(text);
  }
}

function handleError(f) {
  const p = f.payload || {};
  const req = f.id && state.requests.get(f.id);
  if (req) {
    finishRequest(req, 'error', p.message || p.code || 'error');
  } else if (p.code === 'RATE_LIMITED') {
    toast(`Rate limited; retry in ${Math.ceil((p.retryAfterMs || 1000) / 1000)} s`);
  } else if (p.message) {
    toast(p.message);
  }
}

// ---------------------------------------------------------------- login

function showLogin(message) {
  $('app-view').hidden = true;
  $('login-view').hidden = false;
  const err = $('login-error');
  err.hidden = !message;
  err.textContent = message || '';
  const saved = state.auth;
  if (saved && saved.kind === 'password') document.querySelector('input[name=kind][value=password]').checked = true;
  updateLoginKind();
  $('login-secret').focus();
}

function updateLoginKind() {
  const kind = document.querySelector('input[name=kind]:checked').value;
  $('login-secret-label').textContent = kind === 'password' ? 'Gateway password' : 'Gateway token';
}

function tryConnect(auth) {
  return new Promise((resolve, reject) => {
    state.auth = auth;
    conn.attempt = 0;
    conn.onReady = resolve;
    conn.onFail = (msg) => reject(new Error(msg));
    connect();
  });
}

async function onLoginSubmit(ev) {
  ev.preventDefault();
  const kind = document.querySelector('input[name=kind]:checked').value;
  const secret = $('login-secret').value;
  const err = $('login-error');
  if (!secret) {
    err.textContent = `Enter the gateway ${kind}.`;
    err.hidden = false;
    return;
  }
  const button = ev.submitter || document.querySelector('[data-testid=login-submit]');
  button.disabled = true;
  err.hidden = true;
  try {
    await tryConnect({ kind, secret });
    storageSet(LS.auth, JSON.stringify({ kind, secret }));
    $('login-secret').value = '';
    await enterApp();
  } catch (e) {
    state.auth = null;
    err.textContent = e.message;
    err.hidden = false;
    $('login-secret').select();
  } finally {
    button.disabled = false;
  }
}

function logout(message) {
  disconnect();
  storageSet(LS.auth, null);
  state.auth = null;
  state.everConnected = false;
  stopStats();
  stopAutoRefresh();
  hideReveal();
  showLogin(message);
}

// ---------------------------------------------------------------- app shell

async function enterApp() {
  state.everConnected = true;
  $('login-view').hidden = true;
  $('app-view').hidden = false;
  $('logout').hidden = !!state.config && state.config.requireAuth === false;
  state.agents = (state.config && state.config.agents) || [];
  const savedAgent = storageGet(LS.agent);
  state.agentId = state.agents.some((a) => a.id === savedAgent)
    ? savedAgent
    : (state.config && state.config.defaultAgentId) || (state.agents[0] && state.agents[0].id) || 'main';
  renderAgentSelect();
  await refreshSessions();
  state.page = null;  // route() loads the page it shows
  route();
}

function renderAgentSelect() {
  const sel = $('agent-select');
  sel.replaceChildren(...state.agents.map((a) =>
    el('option', { value: a.id, text: a.name && a.name !== a.id ? `${a.name} (${a.id})` : a.id })));
  if (!state.agents.length) sel.append(el('option', { value: state.agentId, text: state.agentId }));
  sel.value = state.agentId;
  sel.hidden = state.agents.length <= 1;
}

const PAGES = ['chat', 'agents', 'webhooks', 'routines', 'stats'];

function parseHash() {
  const h = location.hash.replace(/^#\/?/, '');
  const [page, ...rest] = h.split('/');
  return { page: PAGES.includes(page) ? page : 'chat', arg: rest.length ? decodeURIComponent(rest.join('/')) : null };
}

function route() {
  const { page, arg } = parseHash();
  const previous = state.page;
  state.page = page;
  for (const p of PAGES) {
    $(`page-${p}`).hidden = p !== page;
    const link = document.querySelector(`.tabs a[data-page=${p}]`);
    if (p === page) link.setAttribute('aria-current', 'page'); else link.removeAttribute('aria-current');
  }
  // On a phone the tabs scroll sideways: keep the current one in view.
  const current = document.querySelector(`.tabs a[data-page=${page}]`);
  if (current && current.scrollIntoView) current.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  document.body.dataset.page = page;
  if (page === 'stats') startStats(); else stopStats();
  if (page === 'agents') loadAgents();
  // A revealed webhook secret is shown once: leaving the page drops it.
  if (page !== 'webhooks') hideReveal();
  if (page === 'webhooks' && previous !== 'webhooks') enterWebhooks();
  if (page === 'routines' && previous !== 'routines') enterRoutines();
  scheduleAutoRefresh();
  if (page === 'chat') {
    const wanted = arg || (!state.sessionId ? storageGet(LS.session) : state.sessionId);
    if (wanted && wanted !== state.sessionId) selectSession(wanted);
    else if (!wanted) showChat(null);
    else if (state.sessionId) showChat(currentSession() || { id: state.sessionId, name: state.sessionId, agentId: state.agentId });
  }
}

function navigate(hash) {
  if (location.hash === hash) route(); else location.hash = hash;
}

// ---------------------------------------------------------------- sessions

function currentSession() {
  return state.sessions.find((s) => s.id === state.sessionId) || null;
}

// Bumped by every local change to the list (create, rename, delete), so a
// GET that was in flight during the change cannot bring back stale records.
let sessionsEpoch = 0;

async function refreshSessions() {
  const epoch = sessionsEpoch;
  try {
    const list = await api('GET', `/api/sessions?agentId=${enc(state.agentId)}`);
    if (epoch !== sessionsEpoch) { scheduleSessionsRefresh(); return; }
    state.sessions = Array.isArray(list) ? list : (list && list.sessions) || [];
    state.sessions.sort((a, b) => asTime(b.updatedAt) - asTime(a.updatedAt));
  } catch (e) {
    if (e.status === 401) { logout('Session expired: sign in again.'); return; }
    toast(`Sessions: ${e.message}`);
  }
  renderSessions();
  if (state.sessionId && state.page === 'chat') updateChatHead(currentSession());
}

let refreshTimer = null;
function scheduleSessionsRefresh() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(refreshSessions, 300);
}

function renderSessions() {
  const q = $('session-search').value.trim().toLowerCase();
  const list = $('session-list');
  const shown = state.sessions.filter((s) => !q
    || (s.name || '').toLowerCase().includes(q)
    || (s.id || '').toLowerCase().includes(q)
    || (s.lastMessagePreview || '').toLowerCase().includes(q));
  list.replaceChildren(...shown.map((s) => {
    const active = s.id === state.sessionId;
    return el('li', {},
      el('button', {
        class: `session-item${active ? ' active' : ''}`,
        'data-testid': 'session-item',
        'data-session-id': s.id,
        'aria-current': active ? 'true' : null,
        onclick: () => { closeDrawer(); navigate(`#/chat/${enc(s.id)}`); },
      },
      el('span', { class: 'session-name', 'data-testid': 'session-item-name', text: s.name || 'Untitled' }),
      el('span', { class: 'session-preview', text: s.lastMessagePreview || `${s.messageCount || 0} messages` }),
      el('span', { class: 'session-time', text: relativeTime(asTime(s.updatedAt)) })));
  }));
  const empty = $('session-empty');
  empty.hidden = shown.length > 0;
  empty.textContent = q ? 'No session matches.' : 'No sessions yet.';
}

async function createSession() {
  try {
    const name = `Chat ${new Date().toLocaleString([], { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' })}`;
    const rec = await api('POST', '/api/sessions', { agentId: state.agentId, name });
    sessionsEpoch += 1;
    state.sessions = [rec, ...state.sessions.filter((s) => s.id !== rec.id)];
    renderSessions();
    closeDrawer();
    navigate(`#/chat/${enc(rec.id)}`);
    $('message-input').focus();
    return rec;
  } catch (e) {
    toast(`Could not create a session: ${e.message}`);
    return null;
  }
}

function subscribeCurrent() {
  if (!conn.ready) return;
  const s = currentSession();
  const target = state.sessionId ? { sessionId: state.sessionId, agentId: (s && s.agentId) || state.agentId } : null;
  const cur = state.subscribed;
  if (cur && target && cur.sessionId === target.sessionId && cur.agentId === target.agentId) return;
  if (cur) send({ type: 'session_unsubscribe', id: nextId('u'), payload: cur });
  state.subscribed = null;
  if (target) {
    send({ type: 'session_subscribe', id: nextId('s'), payload: target });
    state.subscribed = target;
  }
}

async function selectSession(id) {
  state.sessionId = id;
  storageSet(LS.session, id);
  if (!currentSession()) {
    // Maybe just created elsewhere or under another agent: look it up.
    const agentFromKey = /^agent:([^:]+):/.exec(id);
    if (agentFromKey && agentFromKey[1] !== state.agentId && state.agents.some((a) => a.id === agentFromKey[1])) {
      state.agentId = agentFromKey[1];
      $('agent-select').value = state.agentId;
      await refreshSessions();
    }
  }
  renderSessions();
  showChat(currentSession() || { id, name: id, agentId: state.agentId });
  subscribeCurrent();
  await loadHistory(id);
}

function showChat(session) {
  $('chat-empty').hidden = !!session;
  $('chat-main').hidden = !session;
  $('rename-form').hidden = true;
  if (!session) {
    state.sessionId = null;
    storageSet(LS.session, null);
    subscribeCurrent();
    return;
  }
  updateChatHead(session);
}

function updateChatHead(session) {
  if (!session) return;
  $('session-title').textContent = session.name || 'Untitled';
  $('session-key').textContent = session.id;
  $('auto-speak').checked = storageGet(LS.speak(session.id)) === '1';
  document.title = `${session.name || 'Chat'} · Wingman`;
}

async function loadHistory(sessionId, { keepPending = false } = {}) {
  const s = currentSession();
  const agentId = (s && s.agentId) || state.agentId;
  let messages = [];
  try {
    messages = await api('GET', `/api/sessions/${enc(sessionId)}/messages?agentId=${enc(agentId)}`);
    if (!Array.isArray(messages)) messages = (messages && messages.messages) || [];
  } catch (e) {
    if (e.status !== 404) toast(`History: ${e.message}`);
  }
  if (sessionId !== state.sessionId) return; // user moved on meanwhile
  const box = $('messages');
  const live = [];
  if (keepPending) {
    // Keep bubbles of requests that are still running (their reply is not stored yet).
    for (const r of state.requests.values()) {
      if (r.sessionId === sessionId && !r.done && r.assistantEl && r.assistantEl.isConnected) live.push(r);
    }
  }
  box.replaceChildren(...messages.map(renderStoredMessage));
  for (const r of live) {
    if (r.userEl) box.append(r.userEl);
    box.append(r.assistantEl);
  }
  // Requests still queued by us keep their status line (the user message is stored already).
  for (const r of state.requests.values()) {
    if (r.sessionId === sessionId && !r.done && r.userEl && !r.userEl.isConnected) box.append(r.userEl);
  }
  scrollToBottom(true);
}

function renderStoredMessage(m) {
  const role = m.role === 'user' ? 'user' : 'assistant';
  const node = messageShell(role);
  node.dataset.messageId = m.id || '';
  if (role === 'user') node.querySelector('.msg-body').textContent = m.content || '';
  else node.querySelector('.msg-body').innerHTML = renderMarkdown(m.content || '');
  if (Array.isArray(m.attachments) && m.attachments.length) node.querySelector('.msg-attachments').append(...m.attachments.map(renderAttachment));
  if (role === 'assistant') node.dataset.state = 'done';
  return node;
}

function messageShell(role) {
  return el('article', { class: `msg msg-${role}`, 'data-testid': `message-${role}`, 'data-role': role },
    el('div', { class: 'msg-role', text: role === 'user' ? 'You' : 'Agent' }),
    el('div', { class: 'msg-attachments' }),
    el('div', { class: 'msg-body', 'data-testid': 'message-body' }),
    el('div', { class: 'msg-tools' }),
    el('div', { class: 'msg-status', 'data-testid': 'message-status' }));
}

function renderAttachment(a) {
  const name = a.name || (a.kind === 'image' ? 'image' : a.kind === 'audio' ? 'audio' : 'file');
  if (a.kind === 'image' && a.dataUrl && /^data:image\//.test(a.dataUrl)) {
    return el('figure', { class: 'att att-image', 'data-testid': 'attachment' },
      el('img', { src: a.dataUrl, alt: name, loading: 'lazy' }),
      el('figcaption', { text: name }));
  }
  if (a.kind === 'audio' && a.dataUrl && /^data:audio\//.test(a.dataUrl)) {
    return el('div', { class: 'att att-audio', 'data-testid': 'attachment' },
      el('audio', { controls: true, src: a.dataUrl, 'aria-label': name }));
  }
  if (typeof a.textContent === 'string') {
    return el('details', { class: 'att att-file', 'data-testid': 'attachment' },
      el('summary', {}, icon('file'), el('span', { class: 'att-name', text: name }),
        el('span', { class: 'muted small', text: ` ${formatBytes(a.textContent.length)}` })),
      el('pre', { class: 'att-text', text: a.textContent.slice(0, 20000) }));
  }
  return el('div', { class: 'att att-file', 'data-testid': 'attachment' },
    icon(a.mimeType === 'application/pdf' ? 'pdf' : 'clip'),
    el('span', { class: 'att-name', text: name }));
}

function scrollToBottom(force) {
  const box = $('messages');
  const near = box.scrollHeight - box.scrollTop - box.clientHeight < 120;
  if (force || near) box.scrollTop = box.scrollHeight;
}

async function renameSession(name) {
  const s = currentSession();
  if (!s || !name) return;
  sessionsEpoch += 1;  // a list GET in flight now must not bring the old name back
  try {
    const rec = await api('PUT', `/api/sessions/${enc(s.id)}?agentId=${enc(s.agentId || state.agentId)}`, { name });
    sessionsEpoch += 1;
    // A refresh may have replaced state.sessions while the PUT was in
    // flight: update the record that is in the list now, found by id.
    const live = state.sessions.find((x) => x.id === s.id) || s;
    Object.assign(live, rec && typeof rec === 'object' ? rec : { name });
    if (!rec || !rec.name) live.name = name;
    renderSessions();
    updateChatHead(live);
    $('rename-form').hidden = true;
  } catch (e) {
    toast(`Rename failed: ${e.message}`);
  }
}

let deleteArmed = null;
async function onDeleteClick() {
  const s = currentSession();
  const btn = $('delete-session');
  if (!s) return;
  if (deleteArmed !== s.id) {
    deleteArmed = s.id;
    btn.textContent = 'Confirm delete';
    btn.classList.add('armed');
    clearTimeout(onDeleteClick.timer);
    onDeleteClick.timer = setTimeout(() => { deleteArmed = null; btn.textContent = 'Delete'; btn.classList.remove('armed'); }, 4000);
    return;
  }
  deleteArmed = null;
  btn.textContent = 'Delete';
  btn.classList.remove('armed');
  try {
    await api('DELETE', `/api/sessions/${enc(s.id)}?agentId=${enc(s.agentId || state.agentId)}`);
    sessionsEpoch += 1;
    storageSet(LS.speak(s.id), null);
    state.sessions = state.sessions.filter((x) => x.id !== s.id);
    showChat(null);
    renderSessions();
    navigate('#/chat');
    toast('Session deleted');
  } catch (e) {
    toast(`Delete failed: ${e.message}`);
  }
}

async function copyKey() {
  await copyText($('session-key').textContent, $('copy-key'));
}

/** Copies `text` to the clipboard; `btn` says whether it worked. */
async function copyText(text, btn) {
  let ok = false;
  try {
    if (navigator.clipboard && window.isSecureContext) { await navigator.clipboard.writeText(text); ok = true; }
  } catch { ok = false; }
  if (!ok) {
    const ta = el('textarea', { class: 'offscreen', readonly: true });
    ta.value = text;
    document.body.append(ta);
    ta.select();
    try { ok = document.execCommand('copy'); } catch { ok = false; }
    ta.remove();
  }
  const label = btn.dataset.label || btn.textContent;
  btn.dataset.label = label;
  btn.textContent = ok ? 'Copied' : 'Copy failed';
  if (!ok) toast('Copy failed: select the text and copy it by hand');
  clearTimeout(btn.copyTimer);
  btn.copyTimer = setTimeout(() => { btn.textContent = label; }, 1500);
}

// ---------------------------------------------------------------- requests

/*
 * A request record: {id, sessionId, agentId, own, userEl, assistantEl, text,
 * status: sending|queued|running|done|cancelled|error, tools: Map, toolSource}
 */
function makeRequest(id, sessionId, agentId, own) {
  const r = { id, sessionId, agentId, own, userEl: null, assistantEl: null, text: '', status: 'sending', done: false, tools: [], toolSource: null, renderQueued: false };
  state.requests.set(id, r);
  return r;
}

function setStatus(r, status, extra) {
  r.status = status;
  if (!r.userEl) return;
  r.userEl.dataset.status = status;
  const line = r.userEl.querySelector('.msg-status');
  const labels = {
    sending: 'Sending…',
    queued: `Queued${extra ? ` · position ${extra}` : ''}`,
    running: 'Running',
    done: '',
    cancelled: 'Cancelled',
    error: extra ? `Failed: ${extra}` : 'Failed',
  };
  line.replaceChildren(el('span', { class: 'status-text', 'data-testid': 'request-status', text: labels[status] ?? status }));
  if (r.own && (status === 'queued' || status === 'running' || status === 'sending')) {
    line.append(el('button', {
      type: 'button', class: 'ghost small-btn', 'data-testid': 'cancel-request', text: 'Cancel',
      'aria-label': status === 'queued' ? 'Cancel queued request' : 'Cancel running request',
      onclick: (ev) => { ev.currentTarget.disabled = true; cancelRequest(r); },
    }));
  }
}

function cancelRequest(r) {
  if (!send({ type: 'req:agent:cancel', id: nextId('k'), payload: { requestId: r.id } })) toast('Not connected');
  r.cancelAsked = true;
}

async function sendMessage() {
  const input = $('message-input');
  const content = input.value.trim();
  const attachments = state.pending.map((p) => p.attachment);
  if (!content && !attachments.length) return;
  const err = $('composer-error');
  err.hidden = true;
  if (!conn.ready) {
    err.textContent = 'Not connected to the gateway; reconnecting…';
    err.hidden = false;
    return;
  }
  let s = currentSession();
  if (!s) {
    s = await createSession();
    if (!s) return;
  }
  const id = nextId('r');
  const r = makeRequest(id, s.id, s.agentId || state.agentId, true);
  const payload = { agentId: r.agentId, sessionKey: s.id, content };
  if (attachments.length) payload.attachments = attachments;
  r.userEl = messageShell('user');
  r.userEl.dataset.requestId = id;
  r.userEl.querySelector('.msg-body').textContent = content;
  if (attachments.length) r.userEl.querySelector('.msg-attachments').append(...attachments.map(renderAttachment));
  $('messages').append(r.userEl);
  setStatus(r, 'sending');
  scrollToBottom(true);
  if (!send({ type: 'req:agent', id, payload })) {
    setStatus(r, 'error', 'not connected');
    r.done = true;
    return;
  }
  input.value = '';
  autoGrow();
  state.pending = [];
  renderPending();
  s.lastMessagePreview = content.slice(0, 120);
  s.updatedAt = Date.now();
  state.sessions.sort((a, b) => asTime(b.updatedAt) - asTime(a.updatedAt));
  renderSessions();
}

function handleAck(f) {
  const p = f.payload || {};
  if (p.action === 'req:agent') {
    const r = state.requests.get(f.id || p.requestId);
    if (!r || r.done) return;
    if (p.status === 'queued') setStatus(r, 'queued', p.position);
    else if (p.status === 'dequeued') setStatus(r, 'running');
  } else if (p.action === 'req:agent:cancel') {
    const r = state.requests.get(p.requestId);
    if (!r) return;
    if (p.status === 'not_found' && !r.done) {
      const btn = r.userEl && r.userEl.querySelector('[data-testid=cancel-request]');
      if (btn) btn.disabled = false;
      toast('Nothing to cancel: the request already finished');
    } else if ((p.status === 'cancelled' || p.status === 'cancelled_queued') && !r.done) {
      // The terminal agent-error "Request cancelled" follows; show it now.
      setStatus(r, 'cancelled');
    }
  }
}

function ensureAssistant(r) {
  if (r.assistantEl && r.assistantEl.isConnected) return r.assistantEl;
  if (r.sessionId !== state.sessionId) return null;
  r.assistantEl = messageShell('assistant');
  r.assistantEl.dataset.requestId = r.id;
  r.assistantEl.dataset.state = 'streaming';
  r.assistantEl.setAttribute('aria-busy', 'true');
  r.assistantEl.querySelector('.msg-body').append(el('span', { class: 'typing', 'aria-label': 'Agent is typing' }, el('i'), el('i'), el('i')));
  $('messages').append(r.assistantEl);
  scrollToBottom(false);
  return r.assistantEl;
}

function renderStream(r) {
  if (r.renderQueued) return;
  r.renderQueued = true;
  const run = () => {
    if (!r.renderQueued) return;
    r.renderQueued = false;
    const node = ensureAssistant(r);
    if (!node) return;
    node.querySelector('.msg-body').innerHTML = renderMarkdown(r.text) + (r.done ? '' : '<span class="cursor" aria-hidden="true"></span>');
    scrollToBottom(false);
  };
  requestAnimationFrame(run);
  setTimeout(run, 100); // rAF does not run in background tabs
}

function handleAgentEvent(f) {
  const p = f.payload || {};
  const id = f.id;
  const sid = p.sessionId;
  let r = state.requests.get(id);
  if (!r) {
    if (sid !== state.sessionId || !id) {
      if (p.type === 'session-message' || p.type === 'agent-complete') scheduleSessionsRefresh();
      return;
    }
    r = makeRequest(id, sid, p.agentId, false);
  }
  switch (p.type) {
    case 'session-message': {
      if (r.userEl || sid !== state.sessionId) break;
      r.userEl = messageShell('user');
      r.userEl.dataset.requestId = id;
      r.userEl.classList.add('msg-remote');
      r.userEl.querySelector('.msg-body').textContent = p.content || '';
      if (Array.isArray(p.attachments) && p.attachments.length) r.userEl.querySelector('.msg-attachments').append(...p.attachments.map(renderAttachment));
      $('messages').append(r.userEl);
      scrollToBottom(false);
      scheduleSessionsRefresh();
      break;
    }
    case 'request-queued':
      setStatus(r, 'queued', p.position);
      break;
    case 'agent-start':
      if (!r.done) setStatus(r, 'running');
      ensureAssistant(r);
      break;
    case 'agent-stream': {
      const chunk = p.chunk || {};
      if (chunk.event === 'on_tool_start' || chunk.event === 'on_tool_end' || chunk.event === 'on_tool_error') {
        if (r.toolSource === 'event') break;
        r.toolSource = 'chunk';
        const data = chunk.data || {};
        if (chunk.event === 'on_tool_start') toolStart(r, chunk.run_id, chunk.name, data.input);
        else toolEnd(r, chunk.run_id, chunk.name, chunk.event === 'on_tool_error' ? data.error : data.output, chunk.event === 'on_tool_error');
        break;
      }
      const text = chunk.data && chunk.data.chunk && chunk.data.chunk.content;
      if (typeof text === 'string' && text) {
        r.text += text;
        renderStream(r);
      } else if (Array.isArray(chunk.data?.chunk?.content)) {
        for (const part of chunk.data.chunk.content) if (part && typeof part.text === 'string') r.text += part.text;
        renderStream(r);
      }
      break;
    }
    case 'tool-start':
      if (r.toolSource === 'chunk') break;
      r.toolSource = 'event';
      toolStart(r, p.toolCallId || p.runId, p.toolName, p.toolInput);
      break;
    case 'tool-end':
      if (r.toolSource === 'chunk') break;
      r.toolSource = 'event';
      toolEnd(r, p.toolCallId || p.runId, p.toolName, p.toolOutput, false);
      break;
    case 'agent-complete': {
      const response = p.result && typeof p.result.response === 'string' ? p.result.response : null;
      if (response !== null && response.length >= r.text.length) r.text = response;
      finishRequest(r, 'done');
      if (r.sessionId === state.sessionId && storageGet(LS.speak(r.sessionId)) === '1') speak(r.text);
      scheduleSessionsRefresh();
      break;
    }
    case 'agent-error': {
      const msg = String(p.error || 'error');
      finishRequest(r, /cancel/i.test(msg) ? 'cancelled' : 'error', msg);
      scheduleSessionsRefresh();
      break;
    }
    default:
      break;
  }
}

function finishRequest(r, status, message) {
  if (r.done) return;
  r.done = true;
  r.renderQueued = false;
  setStatus(r, status, status === 'error' ? message : undefined);
  const node = r.assistantEl && r.assistantEl.isConnected ? r.assistantEl : (status === 'done' ? ensureAssistant(r) : null);
  if (node) {
    node.dataset.state = status;
    node.removeAttribute('aria-busy');
    const body = node.querySelector('.msg-body');
    body.innerHTML = renderMarkdown(r.text);
    if (status !== 'done') {
      body.append(el('p', { class: `msg-note ${status}`, text: status === 'cancelled' ? 'Cancelled.' : `Error: ${message}` }));
    }
    for (const card of node.querySelectorAll('.tool-card[data-state=running]')) {
      card.dataset.state = 'done';
      card.querySelector('.tool-state').textContent = status === 'done' ? 'done' : status;
    }
  } else if (status === 'error' && r.userEl && r.sessionId === state.sessionId && !r.userEl.isConnected) {
    $('messages').append(r.userEl);
  }
  scrollToBottom(false);
}

function prettyJson(v) {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  try { return JSON.stringify(v, null, 2); } catch { return String(v); }
}

function toolStart(r, runId, name, input) {
  const node = ensureAssistant(r);
  const tool = { runId, name: name || 'tool', card: null };
  r.tools.push(tool);
  if (!node) return;
  tool.card = el('details', { class: 'tool-card', 'data-testid': 'tool-card', 'data-state': 'running' },
    el('summary', {},
      icon('tool'),
      el('span', { class: 'tool-name', text: tool.name }),
      el('span', { class: 'tool-state', text: 'running' })),
    el('div', { class: 'tool-section' }, el('div', { class: 'tool-label', text: 'Input' }), el('pre', { text: prettyJson(input) })),
    el('div', { class: 'tool-section tool-output', hidden: true }, el('div', { class: 'tool-label', text: 'Output' }), el('pre')));
  node.querySelector('.msg-tools').append(tool.card);
  scrollToBottom(false);
}

function toolEnd(r, runId, name, output, failed) {
  let tool = r.tools.find((t) => !t.ended && runId && t.runId === runId)
    || r.tools.find((t) => !t.ended && t.name === name);
  if (!tool) { toolStart(r, runId, name, undefined); tool = r.tools[r.tools.length - 1]; }
  tool.ended = true;
  if (!tool.card) return;
  tool.card.dataset.state = failed ? 'error' : 'done';
  tool.card.querySelector('.tool-state').textContent = failed ? 'failed' : 'done';
  const out = tool.card.querySelector('.tool-output');
  out.hidden = false;
  out.querySelector('pre').textContent = prettyJson(output);
}

// ---------------------------------------------------------------- speech

function speak(text) {
  if (!('speechSynthesis' in window) || !text) return;
  const plain = text.replace(/```[\s\S]*?```/g, ' (code) ').replace(/[*_`#>]/g, '').slice(0, 4000);
  try {
    window.speechSynthesis.cancel();
    window.speechSynthesis.speak(new SpeechSynthesisUtterance(plain));
  } catch { /* no voices */ }
}

// ---------------------------------------------------------------- attachments

function extension(name) {
  const m = /\.([A-Za-z0-9]+)$/.exec(name || '');
  return m ? m[1].toLowerCase() : '';
}

function readAs(file, how) {
  return new Promise((resolve, reject) => {
    const fr = new FileReader();
    fr.onload = () => resolve(fr.result);
    fr.onerror = () => reject(fr.error || new Error('read failed'));
    if (how === 'text') fr.readAsText(file); else fr.readAsDataURL(file);
  });
}

async function fileToAttachment(file) {
  const ext = extension(file.name);
  const type = file.type || '';
  if (type.startsWith('image/')) return { kind: 'image', name: file.name, mimeType: type, dataUrl: await readAs(file, 'url') };
  if (type.startsWith('audio/')) return { kind: 'audio', name: file.name, mimeType: type, dataUrl: await readAs(file, 'url') };
  if (type === 'application/pdf' || ext === 'pdf') {
    let dataUrl = await readAs(file, 'url');
    dataUrl = dataUrl.replace(/^data:[^;,]*/, 'data:application/pdf');
    return { kind: 'file', name: file.name, mimeType: 'application/pdf', dataUrl };
  }
  if (TEXT_EXTENSIONS.includes(ext)) {
    return { kind: 'file', name: file.name, mimeType: TEXT_MIME[ext] || type || 'text/plain', textContent: await readAs(file, 'text') };
  }
  throw new Error(`${file.name}: unsupported file type`);
}

function attachmentSize(a) {
  return (a.dataUrl || '').length + (a.textContent || '').length;
}

async function addFiles(files) {
  const err = $('composer-error');
  err.hidden = true;
  for (const file of files) {
    try {
      const a = await fileToAttachment(file);
      const total = state.pending.reduce((n, p) => n + attachmentSize(p.attachment), 0) + attachmentSize(a);
      if (total > MAX_ATTACHMENT_BYTES) throw new Error(`${file.name}: too large (attachments are limited to ${formatBytes(MAX_ATTACHMENT_BYTES)} per message)`);
      state.pending.push({ key: nextId('a'), attachment: a });
    } catch (e) {
      err.textContent = e.message;
      err.hidden = false;
    }
  }
  renderPending();
}

function renderPending() {
  const list = $('pending-attachments');
  list.replaceChildren(...state.pending.map((p) => el('li', { class: 'chip', 'data-testid': 'pending-attachment' },
    el('span', { class: 'chip-kind', text: p.attachment.kind }),
    el('span', { class: 'chip-name', text: p.attachment.name || p.attachment.kind }),
    el('button', {
      type: 'button', class: 'chip-remove', 'aria-label': `Remove ${p.attachment.name || 'attachment'}`, text: '×',
      onclick: () => { state.pending = state.pending.filter((x) => x.key !== p.key); renderPending(); },
    }))));
  list.hidden = state.pending.length === 0;
}

const recorder = { rec: null, chunks: [], stream: null };
async function toggleRecording() {
  const btn = $('record');
  if (recorder.rec) {
    recorder.rec.stop();
    return;
  }
  try {
    recorder.stream = await navigator.mediaDevices.getUserMedia({ audio: true });
  } catch (e) {
    toast(`Microphone unavailable: ${e.message}`);
    return;
  }
  recorder.chunks = [];
  const rec = new MediaRecorder(recorder.stream);
  recorder.rec = rec;
  rec.ondataavailable = (ev) => { if (ev.data && ev.data.size) recorder.chunks.push(ev.data); };
  rec.onstop = async () => {
    recorder.stream.getTracks().forEach((t) => t.stop());
    const type = rec.mimeType || 'audio/webm';
    const blob = new Blob(recorder.chunks, { type });
    recorder.rec = null;
    btn.setAttribute('aria-pressed', 'false');
    btn.classList.remove('recording');
    const ext = type.includes('ogg') ? 'ogg' : type.includes('mp4') ? 'm4a' : 'webm';
    const file = new File([blob], `voice-${new Date().toISOString().slice(11, 19).replace(/:/g, '')}.${ext}`, { type: type.split(';')[0] });
    await addFiles([file]);
  };
  rec.start();
  btn.setAttribute('aria-pressed', 'true');
  btn.classList.add('recording');
}

// ---------------------------------------------------------------- agents page

let editingAgent = null;
async function loadAgents() {
  const err = $('agents-error');
  err.hidden = true;
  let agents;
  try {
    const data = await api('GET', '/api/agents');
    agents = Array.isArray(data) ? data : (data && data.agents) || [];
  } catch (e) {
    err.textContent = `Could not load agents: ${e.message}`;
    err.hidden = false;
    agents = state.agents;
  }
  const list = $('agent-list');
  list.replaceChildren(...agents.map((a) => el('li', { class: 'card agent-card', 'data-testid': 'agent-card', 'data-agent-id': a.id },
    el('div', { class: 'agent-card-head' },
      el('h3', { text: a.name || a.id }),
      a.default || a.id === (state.config && state.config.defaultAgentId) ? el('span', { class: 'badge', text: 'default' }) : null,
      el('button', { type: 'button', class: 'ghost small-btn', 'data-testid': 'agent-edit', text: 'Edit', onclick: () => openAgentForm(a) })),
    el('dl', { class: 'agent-meta' },
      el('dt', { text: 'Id' }), el('dd', {}, el('code', { text: a.id })),
      el('dt', { text: 'Model' }), el('dd', { 'data-testid': 'agent-card-model', text: a.model || 'echo' })),
    a.prompt ? el('p', { class: 'agent-prompt muted', text: a.prompt }) : null)));
  // Keep the sidebar's agent picker in step.
  setAgents(agents);
}

function openAgentForm(agent) {
  editingAgent = agent || null;
  $('agent-form-title').textContent = agent ? `Edit ${agent.name || agent.id}` : 'New agent';
  $('agent-id').value = agent ? agent.id : '';
  $('agent-id').readOnly = !!agent;
  $('agent-name').value = agent ? agent.name || '' : '';
  $('agent-model').value = agent ? agent.model || '' : 'echo';
  $('agent-prompt').value = agent ? agent.prompt || '' : '';
  $('agent-form').hidden = false;
  (agent ? $('agent-name') : $('agent-id')).focus();
}

async function saveAgent(ev) {
  ev.preventDefault();
  const err = $('agents-error');
  err.hidden = true;
  const id = $('agent-id').value.trim();
  const body = { name: $('agent-name').value.trim() || id, model: $('agent-model').value.trim() || 'echo', prompt: $('agent-prompt').value };
  if (!/^[A-Za-z0-9_-]+$/.test(id)) {
    err.textContent = 'The id may contain letters, digits, "-" and "_".';
    err.hidden = false;
    return;
  }
  try {
    if (editingAgent) await api('PUT', `/api/agents/${enc(id)}`, body);
    else await api('POST', '/api/agents', { id, ...body });
    $('agent-form').hidden = true;
    toast(editingAgent ? 'Agent saved' : 'Agent created');
    editingAgent = null;
    await loadAgents();
  } catch (e) {
    err.textContent = `Could not save the agent: ${e.message}`;
    err.hidden = false;
  }
}

// ---------------------------------------------------------------- automation pages: shared

const AUTO_REFRESH_MS = 5000;      // webhooks and routines lists while shown
const RUNS_REFRESH_MS = 1000;      // while a routine run is queued or running
const RUN_FINAL = ['ok', 'error', 'skipped', 'interrupted'];

/**
 * Shows `text` in an error box. `kind` "load" errors are cleared by the next
 * successful load; "action" errors stay until the next action.
 */
function showError(box, text, kind = 'action') {
  box.textContent = text || '';
  box.hidden = !text;
  box.dataset.kind = text ? kind : '';
}

/** Reports a failed API call in `box` (a 401 sends the user to sign in). */
function reportFailure(box, what, e, kind = 'action') {
  if (e.status === 401) { logout('Session expired: sign in again.'); return; }
  showError(box, `${what}: ${e.message}`, kind);
}

/** Marks a form field invalid (or valid) for assistive technology and the style. */
function setInvalid(input, invalid) {
  if (invalid) input.setAttribute('aria-invalid', 'true'); else input.removeAttribute('aria-invalid');
}

const LOCAL_ZONE = (() => {
  try { return Intl.DateTimeFormat().resolvedOptions().timeZone || ''; } catch { return ''; }
})();

/** `ms` as a date and time; in `timeZone` (with its name) when that is not the browser's. */
function formatTime(ms, timeZone, { seconds = false } = {}) {
  if (!ms) return '';
  const opts = { dateStyle: 'medium', timeStyle: seconds ? 'medium' : 'short' };
  if (timeZone && timeZone !== LOCAL_ZONE) {
    opts.timeZone = timeZone;
    delete opts.dateStyle;
    delete opts.timeStyle;
    Object.assign(opts, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' });
    if (seconds) opts.second = '2-digit';
  }
  try {
    return new Intl.DateTimeFormat(undefined, opts).format(new Date(Number(ms)));
  } catch {
    return new Date(Number(ms)).toLocaleString();
  }
}

/** How far `ms` is from now, in the past or the future ("in 5 min", "2 h ago"). */
function distance(ms) {
  const d = (Number(ms) - Date.now()) / 1000;
  const a = Math.abs(d);
  if (a < 45) return d >= 0 ? 'in a moment' : 'just now';
  const [n, unit] = a < 3600 ? [Math.round(a / 60), 'min'] : a < 86400 ? [Math.round(a / 3600), 'h'] : [Math.round(a / 86400), 'd'];
  return d >= 0 ? `in ${n} ${unit}` : `${n} ${unit} ago`;
}

function setTimeText(node) {
  const ms = Number(node.dataset.ms);
  node.textContent = `${formatTime(ms, node.dataset.tz)} (${distance(ms)})`;
}

/** A <time> for `ms` (or `never` when unset); tickTimes() keeps its distance current. */
function timeEl(ms, { timeZone, testid, never = 'never' } = {}) {
  if (!ms) return el('span', { class: 'muted', 'data-testid': testid, 'data-empty': 'true', text: never });
  const node = el('time', {
    datetime: new Date(Number(ms)).toISOString(), 'data-testid': testid, 'data-ms': String(ms),
    'data-tz': timeZone || null, title: new Date(Number(ms)).toString(),
  });
  setTimeText(node);
  return node;
}

function tickTimes(root) {
  for (const n of root.querySelectorAll('time[data-ms]')) setTimeText(n);
}

function agentLabel(id) {
  const a = state.agents.find((x) => x.id === id);
  return a && a.name && a.name !== id ? `${a.name} (${id})` : id;
}

/** Fills an agent <select> with the known agents, keeping `current` even if it is gone. */
function fillAgentPicker(sel, current) {
  const ids = state.agents.map((a) => a.id);
  const options = state.agents.map((a) => el('option', { value: a.id, text: agentLabel(a.id) }));
  if (current && !ids.includes(current)) options.push(el('option', { value: current, text: `${current} (no longer configured)` }));
  sel.replaceChildren(...options);
  sel.value = current || (ids.includes(state.agentId) ? state.agentId : ids[0] || '');
}

function setAgents(agents) {
  if (!agents.length) return;
  state.agents = agents.map((a) => ({ id: a.id, name: a.name || a.id, default: !!a.default }));
  renderAgentSelect();
}

/** Reloads the agent list (for the pickers); failures go to `errBox`. */
async function refreshAgentList(errBox) {
  try {
    const data = await api('GET', '/api/agents');
    setAgents(Array.isArray(data) ? data : (data && data.agents) || []);
  } catch (e) {
    reportFailure(errBox, 'Could not load the agents', e, 'load');
  }
}

/**
 * A button that asks for confirmation: the first click arms it (showing
 * `armedLabel` for 4 s), the second runs `action`.
 */
function confirmButton(attrs, label, armedLabel, action) {
  const btn = el('button', { type: 'button', class: 'ghost small-btn danger', ...attrs, text: label });
  let timer = null;
  const disarm = () => { clearTimeout(timer); btn.classList.remove('armed'); btn.textContent = label; };
  btn.addEventListener('click', async () => {
    if (!btn.classList.contains('armed')) {
      btn.classList.add('armed');
      btn.textContent = armedLabel;
      clearTimeout(timer);
      timer = setTimeout(disarm, 4000);
      return;
    }
    disarm();
    btn.disabled = true;
    try { await action(); } finally { btn.disabled = false; }
  });
  btn.addEventListener('blur', () => { if (btn.classList.contains('armed')) setTimeout(() => { if (document.activeElement !== btn) disarm(); }, 200); });
  return btn;
}

/**
 * Renders `records` into `list` as cards keyed by id: a card whose record did
 * not change is kept as it is (so polling does not disturb the user), and
 * focus inside a rebuilt card moves to the same control in its replacement.
 */
function renderKeyed(list, records, build) {
  const old = new Map(Array.from(list.children, (c) => [c.dataset.key, c]));
  const active = document.activeElement;
  const activeCard = active && list.contains(active) ? active.closest('[data-key]') : null;
  const focus = activeCard ? { key: activeCard.dataset.key, testid: active.dataset.testid } : null;
  const nodes = records.map((r) => {
    const sig = JSON.stringify(r);
    const prev = old.get(r.id);
    if (prev && prev.dataset.sig === sig) return prev;
    const card = build(r);
    card.dataset.key = r.id;
    card.dataset.sig = sig;
    return card;
  });
  const same = nodes.length === list.children.length && nodes.every((n, i) => list.children[i] === n);
  if (!same) list.replaceChildren(...nodes);
  tickTimes(list);
  if (focus && !active.isConnected && focus.testid) {
    const card = nodes.find((n) => n.dataset.key === focus.key);
    const target = card && card.querySelector(`[data-testid="${focus.testid}"]`);
    if (target) target.focus();
  }
}

/** Opens a session (a webhook's or routine's thread) in the chat view. */
async function openThread(sessionId, agentId) {
  if (agentId && agentId !== state.agentId && state.agents.some((a) => a.id === agentId)) {
    state.agentId = agentId;
    storageSet(LS.agent, agentId);
    $('agent-select').value = agentId;
  }
  sessionsEpoch += 1;
  await refreshSessions();
  const same = state.sessionId === sessionId;
  navigate(`#/chat/${enc(sessionId)}`);
  if (same) await loadHistory(sessionId, { keepPending: true });
}

function threadLink(sessionId, agentId, testid) {
  return el('a', {
    href: `#/chat/${enc(sessionId)}`, class: 'thread-link', 'data-testid': testid,
    title: 'Open the thread in the chat',
    onclick: (ev) => { ev.preventDefault(); openThread(sessionId, agentId); },
  }, el('code', { text: sessionId }));
}

let autoTimer = null;

/** Polls the shown automation page (faster while a routine run is in flight). */
function scheduleAutoRefresh() {
  clearTimeout(autoTimer);
  autoTimer = null;
  if ($('app-view').hidden) return;
  if (state.page === 'webhooks') {
    autoTimer = setTimeout(async () => { if (!document.hidden) await loadWebhooks(); scheduleAutoRefresh(); }, AUTO_REFRESH_MS);
  } else if (state.page === 'routines') {
    autoTimer = setTimeout(async () => { if (!document.hidden) await refreshRoutinesPage(); scheduleAutoRefresh(); },
      routinesBusy() ? RUNS_REFRESH_MS : AUTO_REFRESH_MS);
  }
}

function stopAutoRefresh() {
  clearTimeout(autoTimer);
  autoTimer = null;
}

// ---------------------------------------------------------------- webhooks page

const hooks = { list: [], editing: null, loadSeq: 0 };

function webhookUrl(w) {
  return location.origin + (w.url || `/webhooks/${enc(w.id)}`);
}

function webhookThread(w) {
  return w.sessionId || `agent:${w.agentId}:webhook:${w.id}`;
}

async function enterWebhooks() {
  await refreshAgentList($('webhooks-error'));
  await loadWebhooks();
}

async function loadWebhooks() {
  const err = $('webhooks-error');
  const seq = ++hooks.loadSeq;
  let data;
  try {
    data = await api('GET', '/api/webhooks');
  } catch (e) {
    if (seq === hooks.loadSeq) reportFailure(err, 'Could not load the webhooks', e, 'load');
    return;
  }
  if (seq !== hooks.loadSeq) return;
  if (err.dataset.kind === 'load') showError(err, '');
  hooks.list = (Array.isArray(data) ? data : []).sort((a, b) => (b.createdAt || 0) - (a.createdAt || 0));
  renderKeyed($('webhook-list'), hooks.list, webhookCard);
  $('webhook-empty').hidden = hooks.list.length > 0;
}

function webhookCard(w) {
  const err = $('webhooks-error');
  const titleId = `webhook-title-${w.id}`;
  const described = { 'aria-describedby': titleId };
  const url = webhookUrl(w);
  const thread = webhookThread(w);
  const toggle = el('input', { type: 'checkbox', 'data-testid': 'webhook-enabled', checked: w.enabled, ...described });
  toggle.addEventListener('change', async () => {
    const on = toggle.checked;
    toggle.disabled = true;
    showError(err, '');
    try {
      await api('PUT', `/api/webhooks/${enc(w.id)}`, { enabled: on });
      toast(`${w.name} ${on ? 'enabled' : 'disabled'}`);
      await loadWebhooks();
    } catch (e) {
      toggle.checked = !on;
      reportFailure(err, `Could not ${on ? 'enable' : 'disable'} ${w.name}`, e);
    } finally {
      toggle.disabled = false;
    }
  });
  const copyUrl = el('button', {
    type: 'button', class: 'ghost small-btn', 'data-testid': 'webhook-copy-url', text: 'Copy',
    'aria-label': `Copy the URL of ${w.name}`, onclick: (ev) => copyText(url, ev.currentTarget),
  });
  return el('li', { class: 'card auto-card', 'data-testid': 'webhook-card', 'data-webhook-id': w.id, 'data-enabled': String(!!w.enabled) },
    el('div', { class: 'auto-card-head' },
      el('h3', { id: titleId, 'data-testid': 'webhook-card-name', text: w.name }),
      w.preset ? el('span', { class: 'badge', 'data-testid': 'webhook-preset-badge', text: w.preset }) : null,
      el('span', { class: `badge ${w.enabled ? 'on' : 'off'}`, 'data-testid': 'webhook-state', text: w.enabled ? 'enabled' : 'disabled' })),
    el('dl', { class: 'meta' },
      el('dt', { text: 'Agent' }), el('dd', { 'data-testid': 'webhook-agent-name', text: agentLabel(w.agentId) }),
      w.eventLabel ? el('dt', { text: 'Event' }) : null,
      w.eventLabel ? el('dd', { 'data-testid': 'webhook-event', text: w.eventLabel }) : null,
      el('dt', { text: 'URL' }), el('dd', { class: 'with-copy' }, el('code', { 'data-testid': 'webhook-url', text: url }), copyUrl),
      el('dt', { text: 'Secret' }), el('dd', {}, el('code', { 'data-testid': 'webhook-secret', text: w.secret || '(none)' })),
      el('dt', { text: 'Last trigger' }), el('dd', {}, timeEl(w.lastTriggeredAt, { testid: 'webhook-last-trigger' })),
      el('dt', { text: 'Allowed from' }), el('dd', { 'data-testid': 'webhook-allowlist-text', text: (w.allowlist || []).length ? w.allowlist.join(', ') : 'any address' }),
      el('dt', { text: 'Thread' }), el('dd', {}, threadLink(thread, w.agentId, 'webhook-thread'))),
    el('div', { class: 'card-actions' },
      el('label', { class: 'toggle' }, toggle, ' Enabled'),
      el('button', { type: 'button', class: 'ghost small-btn', 'data-testid': 'webhook-edit', text: 'Edit', ...described, onclick: () => openWebhookForm(w) }),
      confirmButton({ 'data-testid': 'webhook-rotate', ...described, class: 'ghost small-btn' }, 'Rotate secret', 'Confirm rotate', () => rotateWebhook(w)),
      confirmButton({ 'data-testid': 'webhook-delete', ...described }, 'Delete', 'Confirm delete', () => deleteWebhook(w))));
}

/** Shows a full secret (only ever returned by create and rotate) until "Done". */
function revealSecret(w, title) {
  const url = webhookUrl(w);
  $('webhook-reveal-title').textContent = title;
  $('webhook-reveal-url').value = url;
  $('webhook-reveal-secret').value = w.secret || '';
  const hint = $('webhook-reveal-hint');
  const example = $('webhook-reveal-example');
  if (w.preset === 'github') {
    hint.textContent = 'In GitHub (Settings → Webhooks): Payload URL = this URL, content type application/json, Secret = this secret. Calls must carry a valid X-Hub-Signature-256.';
    example.hidden = true;
    example.textContent = '';
  } else {
    hint.textContent = w.preset === 'gog-gmail'
      ? 'Point gogcli\'s Gmail watch at this URL and send the secret in the x-wingman-secret header (or as ?secret=). A test call:'
      : 'Send the secret in the x-wingman-secret header (or as ?secret=). A test call:';
    example.hidden = false;
    example.textContent = `curl -X POST '${url}' \\\n  -H 'x-wingman-secret: ${w.secret}' \\\n  -H 'Content-Type: application/json' \\\n  -d '{"text":"hello"}'`;
  }
  const box = $('webhook-reveal');
  box.dataset.webhookId = w.id;
  box.hidden = false;
  box.scrollIntoView({ block: 'nearest' });
  $('webhook-reveal-secret').focus();
  $('webhook-reveal-secret').select();
}

function hideReveal({ focus = false } = {}) {
  const box = $('webhook-reveal');
  if (focus && !box.hidden) $('webhook-new').focus();
  box.hidden = true;
  delete box.dataset.webhookId;
  $('webhook-reveal-secret').value = '';
  $('webhook-reveal-url').value = '';
  $('webhook-reveal-example').textContent = '';
}

async function rotateWebhook(w) {
  const err = $('webhooks-error');
  showError(err, '');
  try {
    const rec = await api('POST', `/api/webhooks/${enc(w.id)}/rotate`);
    revealSecret(rec, `New secret for “${rec.name}”`);
    toast('Secret rotated: the old one no longer works');
    await loadWebhooks();
  } catch (e) {
    reportFailure(err, `Could not rotate the secret of ${w.name}`, e);
  }
}

async function deleteWebhook(w) {
  const err = $('webhooks-error');
  showError(err, '');
  try {
    await api('DELETE', `/api/webhooks/${enc(w.id)}`);
    if ($('webhook-reveal').dataset.webhookId === w.id) hideReveal();
    if (hooks.editing && hooks.editing.id === w.id) $('webhook-form').hidden = true;
    toast(`Webhook ${w.name} deleted`);
    await loadWebhooks();
  } catch (e) {
    reportFailure(err, `Could not delete ${w.name}`, e);
  }
}

function openWebhookForm(w) {
  hooks.editing = w || null;
  $('webhook-form-title').textContent = w ? `Edit ${w.name}` : 'New webhook';
  document.querySelector('[data-testid=webhook-save]').textContent = w ? 'Save' : 'Create';
  fillAgentPicker($('webhook-agent'), w ? w.agentId : null);
  $('webhook-name').value = w ? w.name : '';
  $('webhook-preset').value = w ? w.preset || '' : '';
  $('webhook-event-label').value = w ? w.eventLabel || '' : '';
  $('webhook-session').value = w ? w.sessionId || '' : '';
  $('webhook-allowlist').value = w ? (w.allowlist || []).join('\n') : '';
  $('webhook-enabled').checked = w ? !!w.enabled : true;
  for (const id of ['webhook-name', 'webhook-allowlist']) setInvalid($(id), false);
  showError($('webhook-form-error'), '');
  $('webhook-form').hidden = false;
  $('webhook-form').scrollIntoView({ block: 'nearest' });
  $('webhook-name').focus();
}

function splitList(text) {
  return text.split(/[\s,]+/).map((s) => s.trim()).filter(Boolean);
}

async function saveWebhook(ev) {
  ev.preventDefault();
  const errBox = $('webhook-form-error');
  showError(errBox, '');
  const name = $('webhook-name').value.trim();
  setInvalid($('webhook-name'), !name);
  setInvalid($('webhook-allowlist'), false);
  if (!name) {
    showError(errBox, 'Enter a name for the webhook.');
    $('webhook-name').focus();
    return;
  }
  const body = {
    name,
    agentId: $('webhook-agent').value,
    preset: $('webhook-preset').value,
    eventLabel: $('webhook-event-label').value.trim(),
    sessionId: $('webhook-session').value.trim(),
    allowlist: splitList($('webhook-allowlist').value),
    enabled: $('webhook-enabled').checked,
  };
  const editing = hooks.editing;
  const submit = document.querySelector('[data-testid=webhook-save]');
  submit.disabled = true;
  try {
    if (editing) {
      await api('PUT', `/api/webhooks/${enc(editing.id)}`, body);
      toast('Webhook saved');
      $('webhook-new').focus();
    } else {
      const rec = await api('POST', '/api/webhooks', body);
      revealSecret(rec, `Webhook “${rec.name}” created`);
    }
    $('webhook-form').hidden = true;
    hooks.editing = null;
    await loadWebhooks();
  } catch (e) {
    if (/^allowlist/.test(e.message)) setInvalid($('webhook-allowlist'), true);
    reportFailure(errBox, editing ? 'Could not save the webhook' : 'Could not create the webhook', e);
  } finally {
    submit.disabled = false;
  }
}

// ---------------------------------------------------------------- routines page

const routinesUi = {
  list: [],
  editing: null,
  loadSeq: 0,
  open: new Set(),        // routine ids whose history is shown
  runs: new Map(),        // routine id -> {runs, error}
  awaiting: new Map(),    // routine id -> request id of a "Run now" not yet finished
  previewSeq: 0,
  previewTimer: null,
};

function routineThread(r) {
  return r.sessionId || `agent:${r.agentId}:routine:${r.id}`;
}

async function enterRoutines() {
  await refreshAgentList($('routines-error'));
  await refreshRoutinesPage();
}

async function refreshRoutinesPage() {
  await loadRoutines();
  await Promise.all(Array.from(routinesUi.open, (id) => loadRuns(id)));
}

/** True while a run shown (or just requested) has not finished. */
function routinesBusy() {
  if (routinesUi.awaiting.size) return true;
  for (const id of routinesUi.open) {
    const h = routinesUi.runs.get(id);
    if (h && h.runs.some((x) => !RUN_FINAL.includes(x.status))) return true;
  }
  return false;
}

async function loadRoutines() {
  const err = $('routines-error');
  const seq = ++routinesUi.loadSeq;
  let data;
  try {
    data = await api('GET', '/api/routines');
  } catch (e) {
    if (seq === routinesUi.loadSeq) reportFailure(err, 'Could not load the routines', e, 'load');
    return;
  }
  if (seq !== routinesUi.loadSeq) return;
  if (err.dataset.kind === 'load') showError(err, '');
  routinesUi.list = (Array.isArray(data) ? data : []).sort((a, b) => (b.createdAt || 0) - (a.createdAt || 0));
  for (const id of Array.from(routinesUi.open)) if (!routinesUi.list.some((r) => r.id === id)) routinesUi.open.delete(id);
  renderKeyed($('routine-list'), routinesUi.list, routineCard);
  $('routine-empty').hidden = routinesUi.list.length > 0;
}

function routineCard(r) {
  const err = $('routines-error');
  const titleId = `routine-title-${r.id}`;
  const historyId = `routine-history-${r.id}`;
  const described = { 'aria-describedby': titleId };
  const zone = r.timezone || 'UTC';
  const toggle = el('input', { type: 'checkbox', 'data-testid': 'routine-enabled', checked: r.enabled, ...described });
  toggle.addEventListener('change', async () => {
    const on = toggle.checked;
    toggle.disabled = true;
    showError(err, '');
    try {
      await api('PUT', `/api/routines/${enc(r.id)}`, { enabled: on });
      toast(`${r.name} ${on ? 'enabled' : 'disabled'}`);
      await loadRoutines();
    } catch (e) {
      toggle.checked = !on;
      reportFailure(err, `Could not ${on ? 'enable' : 'disable'} ${r.name}`, e);
    } finally {
      toggle.disabled = false;
    }
  });
  const open = routinesUi.open.has(r.id);
  const history = el('div', { class: 'run-history', id: historyId, 'data-testid': 'routine-history', hidden: !open });
  renderRunsInto(history, r);
  const historyBtn = el('button', {
    type: 'button', class: 'ghost small-btn', 'data-testid': 'routine-history-toggle', text: 'History',
    'aria-expanded': String(open), 'aria-controls': historyId, ...described,
    onclick: (ev) => toggleHistory(r, ev.currentTarget),
  });
  const runBtn = el('button', {
    type: 'button', class: 'ghost small-btn', 'data-testid': 'routine-run', text: 'Run now', ...described,
    onclick: (ev) => runRoutine(r, ev.currentTarget),
  });
  return el('li', { class: 'card auto-card', 'data-testid': 'routine-card', 'data-routine-id': r.id, 'data-enabled': String(!!r.enabled) },
    el('div', { class: 'auto-card-head' },
      el('h3', { id: titleId, 'data-testid': 'routine-card-name', text: r.name }),
      el('span', { class: `badge ${r.enabled ? 'on' : 'off'}`, 'data-testid': 'routine-state', text: r.enabled ? 'enabled' : 'disabled' })),
    el('dl', { class: 'meta' },
      el('dt', { text: 'Agent' }), el('dd', { 'data-testid': 'routine-agent-name', text: agentLabel(r.agentId) }),
      el('dt', { text: 'Schedule' }), el('dd', {},
        el('code', { 'data-testid': 'routine-cron-text', text: r.cron }),
        el('span', { class: 'muted', 'data-testid': 'routine-timezone-text', text: ` · ${zone}` })),
      el('dt', { text: 'Next run' }), el('dd', {},
        r.enabled ? timeEl(r.nextRunAt, { timeZone: r.timezone || 'UTC', testid: 'routine-next-run', never: 'not scheduled' })
          : el('span', { class: 'muted', 'data-testid': 'routine-next-run', 'data-empty': 'true', text: 'none (disabled)' })),
      el('dt', { text: 'Last run' }), el('dd', {}, timeEl(r.lastRunAt, { testid: 'routine-last-run' })),
      el('dt', { text: 'Missed runs' }), el('dd', { text: r.missedRunPolicy === 'run-once' ? 'run once after a restart' : 'skipped' }),
      el('dt', { text: 'Thread' }), el('dd', {}, threadLink(routineThread(r), r.agentId, 'routine-thread'))),
    el('p', { class: 'agent-prompt muted', 'data-testid': 'routine-prompt-text', text: r.prompt }),
    el('div', { class: 'card-actions' },
      el('label', { class: 'toggle' }, toggle, ' Enabled'),
      runBtn,
      historyBtn,
      el('button', { type: 'button', class: 'ghost small-btn', 'data-testid': 'routine-edit', text: 'Edit', ...described, onclick: () => openRoutineForm(r) }),
      confirmButton({ 'data-testid': 'routine-delete', ...described }, 'Delete', 'Confirm delete', () => deleteRoutine(r))),
    history);
}

function formatDuration(ms) {
  if (ms === null || ms === undefined) return '…';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60000)} min ${Math.round((ms % 60000) / 1000)} s`;
}

function renderRunsInto(panel, r) {
  const h = routinesUi.runs.get(r.id);
  const parts = [];
  if (!h) {
    parts.push(el('p', { class: 'muted small', text: 'Loading the run history…' }));
  } else {
    if (h.error) parts.push(el('p', { class: 'error small', role: 'alert', 'data-testid': 'routine-history-error', text: `Could not load the run history: ${h.error}` }));
    if (!h.runs.length && !h.error) parts.push(el('p', { class: 'muted small', 'data-testid': 'routine-history-empty', text: 'No runs yet.' }));
    if (h.runs.length) {
      parts.push(el('div', { class: 'table-wrap' },
        el('table', { class: 'runs' },
          el('caption', { class: 'sr-only', text: `Run history of ${r.name}, newest first` }),
          el('thead', {}, el('tr', {}, ...['Status', 'Trigger', 'Started', 'Duration', 'Request id'].map((t) => el('th', { scope: 'col', text: t })))),
          el('tbody', {}, ...h.runs.map((run) => el('tr', { 'data-testid': 'routine-run-row', 'data-status': run.status, 'data-trigger': run.trigger, 'data-request-id': run.requestId },
            el('td', {},
              el('span', { class: 'status-badge', 'data-status': run.status, 'data-testid': 'run-status', text: run.status }),
              run.error ? el('div', { class: 'run-error', 'data-testid': 'run-error', text: run.error }) : null),
            el('td', { text: run.trigger }),
            el('td', {}, run.startedAt ? el('time', { datetime: new Date(run.startedAt).toISOString(), text: formatTime(run.startedAt, null, { seconds: true }) }) : '–'),
            el('td', { 'data-testid': 'run-duration', text: formatDuration(run.durationMs) }),
            el('td', {}, el('code', { 'data-testid': 'run-request-id', text: run.requestId }))))))));
    }
  }
  panel.replaceChildren(el('h4', { class: 'history-title', text: 'Run history' }), ...parts);
}

function historyPanel(id) {
  const card = document.querySelector(`#routine-list [data-key="${CSS.escape(id)}"]`);
  return card ? card.querySelector('.run-history') : null;
}

async function loadRuns(id) {
  let entry;
  try {
    const runs = await api('GET', `/api/routines/${enc(id)}/runs?limit=20`);
    entry = { runs: Array.isArray(runs) ? runs : [], error: null };
  } catch (e) {
    if (e.status === 401) { logout('Session expired: sign in again.'); return; }
    const prev = routinesUi.runs.get(id);
    entry = { runs: prev ? prev.runs : [], error: e.message };
  }
  routinesUi.runs.set(id, entry);
  const waiting = routinesUi.awaiting.get(id);
  if (waiting && entry.runs.some((x) => x.requestId === waiting && RUN_FINAL.includes(x.status))) {
    routinesUi.awaiting.delete(id);
    loadRoutines();   // lastRunAt moved
  }
  const panel = historyPanel(id);
  const r = routinesUi.list.find((x) => x.id === id);
  if (panel && r) renderRunsInto(panel, r);
}

function toggleHistory(r, btn) {
  const panel = historyPanel(r.id);
  const open = !routinesUi.open.has(r.id);
  if (open) routinesUi.open.add(r.id); else routinesUi.open.delete(r.id);
  btn.setAttribute('aria-expanded', String(open));
  if (panel) panel.hidden = !open;
  if (open) loadRuns(r.id).then(scheduleAutoRefresh);
}

async function runRoutine(r, btn) {
  const err = $('routines-error');
  showError(err, '');
  btn.disabled = true;
  try {
    const res = await api('POST', `/api/routines/${enc(r.id)}/run`);
    toast(`${r.name}: run started (${res && res.requestId ? res.requestId : 'queued'})`);
    if (res && res.requestId) routinesUi.awaiting.set(r.id, res.requestId);
    routinesUi.open.add(r.id);
    const panel = historyPanel(r.id);
    if (panel) {
      panel.hidden = false;
      const toggle = panel.closest('[data-key]').querySelector('[data-testid=routine-history-toggle]');
      if (toggle) toggle.setAttribute('aria-expanded', 'true');
    }
    await loadRuns(r.id);
    scheduleAutoRefresh();
  } catch (e) {
    reportFailure(err, `Could not run ${r.name}`, e);
  } finally {
    btn.disabled = false;
  }
}

async function deleteRoutine(r) {
  const err = $('routines-error');
  showError(err, '');
  try {
    await api('DELETE', `/api/routines/${enc(r.id)}`);
    routinesUi.open.delete(r.id);
    routinesUi.runs.delete(r.id);
    routinesUi.awaiting.delete(r.id);
    if (routinesUi.editing && routinesUi.editing.id === r.id) $('routine-form').hidden = true;
    toast(`Routine ${r.name} deleted`);
    await loadRoutines();
  } catch (e) {
    reportFailure(err, `Could not delete ${r.name}`, e);
  }
}

function fillTimezones() {
  const list = $('timezone-list');
  if (list.childElementCount) return;
  let zones = [];
  try { zones = Intl.supportedValuesOf('timeZone'); } catch { zones = []; }
  if (LOCAL_ZONE && !zones.includes(LOCAL_ZONE)) zones.unshift(LOCAL_ZONE);
  list.replaceChildren(...['UTC', ...zones.filter((z) => z !== 'UTC')].map((z) => el('option', { value: z })));
}

function openRoutineForm(r) {
  routinesUi.editing = r || null;
  fillTimezones();
  $('routine-form-title').textContent = r ? `Edit ${r.name}` : 'New routine';
  document.querySelector('[data-testid=routine-save]').textContent = r ? 'Save' : 'Create';
  fillAgentPicker($('routine-agent'), r ? r.agentId : null);
  $('routine-name').value = r ? r.name : '';
  $('routine-cron').value = r ? r.cron : '';
  $('routine-timezone').value = r ? r.timezone || '' : '';
  $('routine-prompt').value = r ? r.prompt : '';
  $('routine-session').value = r ? r.sessionId || '' : '';
  $('routine-missed').value = r ? r.missedRunPolicy || 'skip' : 'skip';
  $('routine-enabled').checked = r ? !!r.enabled : true;
  for (const id of ['routine-name', 'routine-cron', 'routine-timezone', 'routine-prompt']) setInvalid($(id), false);
  showError($('routine-form-error'), '');
  $('routine-form').hidden = false;
  updatePreview();
  $('routine-form').scrollIntoView({ block: 'nearest' });
  $('routine-name').focus();
}

function schedulePreview() {
  routinesUi.previewSeq += 1;  // an answer for the previous input is stale now
  $('routine-preview-box').dataset.state = 'pending';
  clearTimeout(routinesUi.previewTimer);
  routinesUi.previewTimer = setTimeout(updatePreview, 250);
}

/** Asks the gateway for the next five fire times of the cron in the form. */
async function updatePreview() {
  clearTimeout(routinesUi.previewTimer);
  const box = $('routine-preview-box');
  const cron = $('routine-cron').value.trim();
  const tz = $('routine-timezone').value.trim();
  const seq = ++routinesUi.previewSeq;
  const error = $('routine-cron-error');
  const status = $('routine-preview-status');
  const show = (state, message) => {
    box.dataset.state = state;
    error.textContent = state === 'error' ? message : '';
    error.hidden = state !== 'error';
    status.textContent = state === 'error' ? '' : message;
    if (state !== 'ok') $('routine-preview-wrap').hidden = true;
  };
  if (!cron) {
    setInvalid($('routine-cron'), false);
    setInvalid($('routine-timezone'), false);
    show('empty', 'Enter a schedule to see its next runs.');
    return;
  }
  box.dataset.state = 'pending';
  status.textContent = 'Checking the schedule…';
  let data;
  try {
    data = await api('GET', `/api/routines/preview?cron=${enc(cron)}${tz ? `&timezone=${enc(tz)}` : ''}`);
  } catch (e) {
    if (seq !== routinesUi.previewSeq) return;
    if (e.status === 401) { logout('Session expired: sign in again.'); return; }
    const zoneError = /^timezone/i.test(e.message);
    setInvalid($('routine-cron'), !zoneError && e.status === 400);
    setInvalid($('routine-timezone'), zoneError);
    show('error', e.status === 400 ? e.message : `Could not check the schedule: ${e.message}`);
    return;
  }
  if (seq !== routinesUi.previewSeq) return;
  setInvalid($('routine-cron'), false);
  setInvalid($('routine-timezone'), false);
  const runs = (data && data.nextRuns) || [];
  const zone = tz || 'UTC';
  $('routine-preview').replaceChildren(...runs.map((ms) => el('li', { 'data-testid': 'routine-preview-item', 'data-ms': String(ms) },
    el('time', { datetime: new Date(ms).toISOString(), text: formatTime(ms, zone) }),
    zone !== LOCAL_ZONE ? el('span', { class: 'muted', text: ` · your time ${formatTime(ms, LOCAL_ZONE || undefined)}` }) : null)));
  $('routine-preview-wrap').hidden = runs.length === 0;
  show('ok', runs.length ? `Times in ${zone}.` : 'This schedule never fires.');
}

async function saveRoutine(ev) {
  ev.preventDefault();
  const errBox = $('routine-form-error');
  showError(errBox, '');
  const body = {
    name: $('routine-name').value.trim(),
    agentId: $('routine-agent').value,
    cron: $('routine-cron').value.trim(),
    timezone: $('routine-timezone').value.trim(),
    prompt: $('routine-prompt').value.trim(),
    sessionId: $('routine-session').value.trim(),
    missedRunPolicy: $('routine-missed').value,
    enabled: $('routine-enabled').checked,
  };
  const missing = [['name', 'routine-name', 'a name'], ['cron', 'routine-cron', 'a schedule'], ['prompt', 'routine-prompt', 'a prompt']]
    .filter(([key, id]) => { setInvalid($(id), !body[key]); return !body[key]; });
  if (missing.length) {
    showError(errBox, `Enter ${missing.map((m) => m[2]).join(', ')}.`);
    $(missing[0][1]).focus();
    return;
  }
  const editing = routinesUi.editing;
  const submit = document.querySelector('[data-testid=routine-save]');
  submit.disabled = true;
  try {
    const rec = editing
      ? await api('PUT', `/api/routines/${enc(editing.id)}`, body)
      : await api('POST', '/api/routines', body);
    toast(editing ? 'Routine saved' : `Routine ${rec && rec.name ? rec.name : ''} created`);
    $('routine-form').hidden = true;
    routinesUi.editing = null;
    $('routine-new').focus();
    await loadRoutines();
  } catch (e) {
    if (/^cron/i.test(e.message)) setInvalid($('routine-cron'), true);
    if (/^timezone/i.test(e.message)) setInvalid($('routine-timezone'), true);
    reportFailure(errBox, editing ? 'Could not save the routine' : 'Could not create the routine', e);
  } finally {
    submit.disabled = false;
  }
}

// ---------------------------------------------------------------- stats page

const stats = { timer: null, prev: null, samples: [] };

function startStats() {
  if (stats.timer) return;
  pollStats();
  stats.timer = setInterval(pollStats, STATS_INTERVAL_MS);
}

function stopStats() {
  clearInterval(stats.timer);
  stats.timer = null;
}

function ping() {
  const id = nextId('p');
  if (send({ type: 'ping', id })) {
    conn.pings.set(id, performance.now());
    if (conn.pings.size > 20) conn.pings.delete(conn.pings.keys().next().value);
  }
}

async function pollStats() {
  ping();
  let data;
  try {
    data = await api('GET', '/api/stats');
    $('stats-error').hidden = true;
  } catch (e) {
    $('stats-error').textContent = `Stats unavailable: ${e.message}`;
    $('stats-error').hidden = false;
    return;
  }
  const g = (data && data.gateway) || {};
  const now = performance.now();
  let rate = null;
  if (stats.prev && typeof g.messagesProcessed === 'number') {
    const dt = (now - stats.prev.at) / 1000;
    if (dt > 0) rate = Math.max(0, (g.messagesProcessed - stats.prev.count) / dt);
  }
  if (typeof g.messagesProcessed === 'number') stats.prev = { at: now, count: g.messagesProcessed };
  $('stat-connections').textContent = g.connections ?? '–';
  $('stat-sessions').textContent = g.activeSessions ?? '–';
  $('stat-rate').textContent = rate === null ? '…' : rate.toFixed(rate < 10 ? 2 : 1);
  $('stat-latency').textContent = conn.latency === null ? '…' : `${conn.latency.toFixed(1)} ms`;
  if (rate !== null) {
    stats.samples.push({ rate, latency: conn.latency ?? 0 });
    if (stats.samples.length > CHART_POINTS) stats.samples.shift();
  }
  drawChart();
  const extra = [
    ['Messages processed', g.messagesProcessed], ['Turns completed', g.turnsCompleted], ['Turns failed', g.turnsFailed],
    ['Requests accepted', g.requestsAccepted], ['Authenticated clients', g.authenticatedClients],
    ['Frames in / out', g.framesIn !== undefined ? `${g.framesIn} / ${g.framesOut}` : undefined],
    ['Uptime', g.uptime !== undefined ? `${Math.floor(g.uptime / 1000)} s` : undefined],
  ].filter(([, v]) => v !== undefined);
  $('stat-extra').replaceChildren(...extra.flatMap(([k, v]) => [el('dt', { text: k }), el('dd', { text: String(v) })]));
}

function drawChart() {
  const svg = $('stats-chart');
  const NS = 'http://www.w3.org/2000/svg';
  const W = 600, H = 180, PAD = 8;
  const mk = (tag, attrs) => {
    const n = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, String(v));
    return n;
  };
  const nodes = [];
  for (let i = 1; i < 4; i++) nodes.push(mk('line', { x1: 0, x2: W, y1: (H * i) / 4, y2: (H * i) / 4, class: 'grid' }));
  const series = (key, cls) => {
    const vals = stats.samples.map((s) => s[key]);
    if (vals.length < 2) return;
    const max = Math.max(1, ...vals) * 1.15;
    // Spread the first samples over the width; scroll once the window is full.
    const step = (W - 2 * PAD) / (Math.min(CHART_POINTS, Math.max(12, vals.length)) - 1);
    const x0 = W - PAD - step * (vals.length - 1);
    const xy = vals.map((v, i) => [x0 + i * step, H - PAD - (v / max) * (H - 2 * PAD)]);
    const pts = xy.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(' ');
    if (cls === 'rate') {
      nodes.push(mk('polygon', { points: `${xy[0][0].toFixed(1)},${H - PAD} ${pts} ${xy[xy.length - 1][0].toFixed(1)},${H - PAD}`, class: `area ${cls}` }));
    }
    nodes.push(mk('polyline', { points: pts, class: `series ${cls}` }));
    $(`legend-${cls}`).textContent = `max ${(max / 1.15).toFixed(cls === 'latency' ? 1 : 2)}${cls === 'latency' ? ' ms' : '/s'}`;
  };
  series('rate', 'rate');
  series('latency', 'latency');
  svg.replaceChildren(...nodes);
  svg.dataset.samples = String(stats.samples.length);
}

// ---------------------------------------------------------------- layout

function openDrawer() {
  $('sidebar').classList.add('open');
  $('drawer-backdrop').hidden = false;
  $('drawer-toggle').setAttribute('aria-expanded', 'true');
  const first = $('sidebar').querySelector('button, input, select');
  if (first) first.focus();
}
function closeDrawer() {
  if (!$('sidebar').classList.contains('open')) return;
  $('sidebar').classList.remove('open');
  $('drawer-backdrop').hidden = true;
  $('drawer-toggle').setAttribute('aria-expanded', 'false');
}

function autoGrow() {
  const ta = $('message-input');
  ta.style.height = 'auto';
  ta.style.height = `${Math.min(ta.scrollHeight, 200)}px`;
}

// ---------------------------------------------------------------- wiring

function bind() {
  $('login-form').addEventListener('submit', onLoginSubmit);
  for (const r of document.querySelectorAll('input[name=kind]')) r.addEventListener('change', updateLoginKind);
  $('logout').addEventListener('click', () => logout());
  $('new-session').addEventListener('click', createSession);
  $('new-session-empty').addEventListener('click', createSession);
  $('session-search').addEventListener('input', renderSessions);
  $('agent-select').addEventListener('change', async (ev) => {
    state.agentId = ev.target.value;
    storageSet(LS.agent, state.agentId);
    sessionsEpoch += 1;
    await refreshSessions();
  });
  $('copy-key').addEventListener('click', copyKey);
  $('rename-session').addEventListener('click', () => {
    const s = currentSession();
    $('rename-input').value = s ? s.name || '' : '';
    $('rename-form').hidden = false;
    $('rename-input').focus();
    $('rename-input').select();
  });
  $('rename-form').addEventListener('submit', (ev) => { ev.preventDefault(); renameSession($('rename-input').value.trim()); });
  $('rename-cancel').addEventListener('click', () => { $('rename-form').hidden = true; });
  $('rename-input').addEventListener('keydown', (ev) => { if (ev.key === 'Escape') $('rename-form').hidden = true; });
  $('delete-session').addEventListener('click', onDeleteClick);
  $('auto-speak').addEventListener('change', (ev) => {
    if (state.sessionId) storageSet(LS.speak(state.sessionId), ev.target.checked ? '1' : null);
  });
  if (!('speechSynthesis' in window)) $('auto-speak').closest('label').hidden = true;
  $('composer').addEventListener('submit', (ev) => { ev.preventDefault(); sendMessage(); });
  const input = $('message-input');
  input.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault();
      sendMessage();
    }
  });
  input.addEventListener('input', autoGrow);
  const narrow = window.matchMedia('(max-width: 760px)');
  const setPlaceholder = () => {
    input.placeholder = narrow.matches ? 'Message' : 'Message (Enter to send, Shift+Enter for a new line)';
  };
  setPlaceholder();
  narrow.addEventListener('change', setPlaceholder);
  $('file-input').addEventListener('change', async (ev) => {
    const files = Array.from(ev.target.files || []);
    ev.target.value = '';
    await addFiles(files);
  });
  input.addEventListener('paste', (ev) => {
    const files = Array.from(ev.clipboardData?.files || []);
    if (files.length) { ev.preventDefault(); addFiles(files); }
  });
  if (navigator.mediaDevices && navigator.mediaDevices.getUserMedia && window.MediaRecorder) {
    $('record').hidden = false;
    $('record').addEventListener('click', toggleRecording);
  }
  $('drawer-toggle').addEventListener('click', () => ($('sidebar').classList.contains('open') ? closeDrawer() : openDrawer()));
  $('drawer-backdrop').addEventListener('click', closeDrawer);
  document.addEventListener('keydown', (ev) => { if (ev.key === 'Escape') closeDrawer(); });
  $('agent-new').addEventListener('click', () => openAgentForm(null));
  $('agent-cancel').addEventListener('click', () => { $('agent-form').hidden = true; });
  $('agent-form').addEventListener('submit', saveAgent);
  $('webhook-new').addEventListener('click', () => openWebhookForm(null));
  $('webhook-cancel').addEventListener('click', () => { $('webhook-form').hidden = true; hooks.editing = null; $('webhook-new').focus(); });
  $('webhook-form').addEventListener('submit', saveWebhook);
  $('webhooks-refresh').addEventListener('click', async () => { await loadWebhooks(); scheduleAutoRefresh(); });
  $('webhook-reveal-done').addEventListener('click', () => hideReveal({ focus: true }));
  $('copy-webhook-url').addEventListener('click', (ev) => copyText($('webhook-reveal-url').value, ev.currentTarget));
  $('copy-webhook-secret').addEventListener('click', (ev) => copyText($('webhook-reveal-secret').value, ev.currentTarget));
  $('routine-new').addEventListener('click', () => openRoutineForm(null));
  $('routine-cancel').addEventListener('click', () => { $('routine-form').hidden = true; routinesUi.editing = null; $('routine-new').focus(); });
  $('routine-form').addEventListener('submit', saveRoutine);
  $('routines-refresh').addEventListener('click', async () => { await refreshRoutinesPage(); scheduleAutoRefresh(); });
  $('routine-cron').addEventListener('input', schedulePreview);
  $('routine-timezone').addEventListener('input', schedulePreview);
  window.addEventListener('hashchange', () => { if (!$('app-view').hidden) route(); });
  // Let a restarted gateway be noticed quickly when the tab comes back.
  window.addEventListener('online', () => { if (!conn.ready && !conn.stopped) { conn.attempt = 0; connect(); } });
}

async function start() {
  bind();
  renderPending();
  try {
    state.config = await api('GET', '/api/config');
  } catch {
    state.config = null;
  }
  let saved = null;
  try { saved = JSON.parse(storageGet(LS.auth) || 'null'); } catch { saved = null; }
  const requireAuth = !state.config || state.config.requireAuth !== false;
  if (!requireAuth) {
    state.auth = null;
  } else if (saved && saved.secret) {
    state.auth = saved;
  } else {
    showLogin();
    return;
  }
  try {
    await tryConnect(state.auth);
    await enterApp();
  } catch (e) {
    if (/auth/i.test(e.message)) { storageSet(LS.auth, null); showLogin(e.message); return; }
    // Gateway unreachable right now: show the app and keep retrying.
    conn.stopped = false;
    await enterApp().catch(() => {});
    scheduleReconnect();
  }
}

start();
