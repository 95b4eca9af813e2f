// Browser tests of the Control UI served by the real gateway binary.
//
//   node tests/browser/ui.test.mjs <path to wingman>      (or tests/browser/run.sh)
//
// Starts `wingman gateway run --port 0` with a temporary state dir and an echo
// agent, drives Debian's chromium through playwright-core, and synchronises on
// DOM state only (locator waits), never on sleeps. With WINGMAN_SCREENSHOTS=1
// it also writes docs/screenshots/*.png.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..');
const binary = resolve(process.argv[2] || process.env.WINGMAN_BINARY || join(repo, 'build', 'bin', 'wingman'));
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
const shots = process.env.WINGMAN_SCREENSHOTS === '1';
const shotDir = join(repo, 'docs', 'screenshots');
const TIMEOUT = 20_000;

const token = `wm_test_${randomBytes(12).toString('hex')}`;
const stateDir = mkdtempSync(join(tmpdir(), 'wingman-ui-test-'));
const configPath = join(stateDir, 'wingman.config.json');
writeFileSync(configPath, JSON.stringify({
  gateway: { controlUi: { enabled: false } },
  agents: { list: [{ id: 'main', default: true, echo: { delayMs: 600, chunks: 6 } }] },
}, null, 2));

// ------------------------------------------------------------------ gateway

let gateway = null;     // child process
let gatewayLog = '';
let base = null;        // http://127.0.0.1:PORT
let port = 0;

function startGateway(wantedPort = 0) {
  return new Promise((resolvePort, reject) => {
    const args = ['gateway', 'run', '--port', String(wantedPort), '--state-dir', stateDir,
      '--config', configPath, '--auth-mode', 'token', '--token', token];
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, WINGMAN_GATEWAY_TOKEN: '' } });
    gateway = child;
    let buffered = '';
    const timer = setTimeout(() => reject(new Error(`gateway did not start within 20 s:\n${gatewayLog}`)), TIMEOUT);
    const onData = (chunk) => {
      const text = chunk.toString();
      gatewayLog = (gatewayLog + text).slice(-20000);
      buffered += text;
      const m = /wingman gateway listening on http:\/\/[^:\s]+:(\d+)/.exec(buffered);
      if (m) {
        clearTimeout(timer);
        buffered = '';
        resolvePort(Number(m[1]));
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (c) => { gatewayLog = (gatewayLog + c.toString()).slice(-20000); });
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('exit', (code, sig) => {
      if (gateway === child) gateway = null;
      clearTimeout(timer);
      reject(new Error(`gateway exited (${code ?? sig}) before listening:\n${gatewayLog}`));
    });
  });
}

function stopGateway(signal = 'SIGTERM') {
  const child = gateway;
  if (!child) return Promise.resolve();
  return new Promise((done) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => { clearTimeout(kill); done(); });
    child.kill(signal);
  });
}

process.on('exit', () => {
  if (gateway) gateway.kill('SIGKILL');
  rmSync(stateDir, { recursive: true, force: true });
});

async function api(method, path, body) {
  const res = await fetch(base + path, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

// ------------------------------------------------------------------ browser

let browser = null;
let context = null;
let page = null;
let sessionId = null;

async function shot(p, name) {
  if (!shots) return;
  mkdirSync(shotDir, { recursive: true });
  await p.evaluate(() => { const t = document.getElementById('toast'); if (t) t.hidden = true; });
  await p.screenshot({ path: join(shotDir, `${name}.png`) });
}

function watchPage(p) {
  p.setDefaultTimeout(TIMEOUT);
  p.on('pageerror', (e) => { pageErrors.push(String(e)); });
  p.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  p.on('request', (r) => {
    const u = new URL(r.url());
    if (!['127.0.0.1', 'localhost'].includes(u.hostname) && !u.protocol.startsWith('data')) externalRequests.push(r.url());
  });
}
const pageErrors = [];
const consoleErrors = [];
const externalRequests = [];

const tid = (id) => `[data-testid="${id}"]`;

async function waitReplyDone(p, count) {
  // The `count`-th assistant message (1-based) is complete.
  const reply = p.locator(tid('message-assistant')).nth(count - 1);
  await reply.and(p.locator('[data-state="done"]')).waitFor();
  return reply;
}

async function sendMessage(p, text) {
  const input = p.locator(tid('message-input'));
  await input.fill(text);
  await input.press('Enter');
}

before(async () => {
  port = await startGateway(0);
  base = `http://127.0.0.1:${port}`;
  browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run'],
  });
  context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'light' });
  page = await context.newPage();
  watchPage(page);
});

after(async () => {
  try { if (browser) await browser.close(); } catch { /* already gone */ }
  await stopGateway();
  rmSync(stateDir, { recursive: true, force: true });
  if (pageErrors.length) console.log('page errors:\n' + pageErrors.join('\n'));
});

// ------------------------------------------------------------------ tests

test('the gateway serves the UI at / without external resources', async () => {
  const res = await fetch(`${base}/`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /text\/html/);
  const html = await res.text();
  assert.doesNotMatch(html, /(src|href)="https?:\/\//, 'no CDN links');
  const js = await fetch(`${base}/app.js`);
  assert.equal(js.status, 200);
  assert.match(js.headers.get('content-type'), /javascript/);
});

test('login: a wrong token shows an error, the right token enters', async () => {
  await page.goto(base + '/');
  await page.locator(tid('login-view')).waitFor();
  await shot(page, 'login');
  await page.locator(tid('login-secret')).fill('wrong-token');
  await page.locator(tid('login-submit')).click();
  const err = page.locator(tid('login-error'));
  await err.waitFor();
  assert.match(await err.textContent(), /authentication failed/i);
  assert.ok(await page.locator(tid('login-view')).isVisible(), 'still on the login screen');

  await page.locator(tid('login-secret')).fill(token);
  await page.locator(tid('login-submit')).click();
  await page.locator(tid('app')).waitFor();
  await page.locator(`${tid('conn-status')}[data-state="online"]`).waitFor({ state: 'attached' });
  assert.ok(!page.url().includes(token), 'the token never appears in the URL');
  const stored = await page.evaluate(() => localStorage.getItem('wingman.auth'));
  assert.ok(stored && stored.includes(token), 'the token is kept in localStorage');
});

test('create a session', async () => {
  await page.locator(tid('new-session')).click();
  await page.locator(tid('session-item')).first().waitFor();
  await page.locator(tid('chat-empty')).waitFor({ state: 'hidden' });
  const key = page.locator(tid('session-key'));
  await page.waitForFunction(() => /^agent:main:webui:thread:/.test(document.querySelector('[data-testid="session-key"]').textContent));
  sessionId = await key.textContent();
  assert.equal(await page.locator(tid('session-item')).count(), 1);
  assert.equal(await page.locator(tid('session-item')).first().getAttribute('data-session-id'), sessionId);
  const list = await api('GET', '/api/sessions?agentId=main');
  assert.ok(list.body.some((s) => s.id === sessionId), 'the gateway has the session');
});

test('send a message and see the streamed reply', async () => {
  await sendMessage(page, 'Hello **wingman**, streamed back in chunks');
  // A partial reply is on screen while the turn is still streaming.
  await page.waitForFunction(() => {
    const m = document.querySelector('[data-testid="message-assistant"][data-state="streaming"] [data-testid="message-body"]');
    return m && m.textContent.trim().length > 0 && !m.textContent.includes('streamed back in chunks');
  });
  const reply = await waitReplyDone(page, 1);
  const body = reply.locator(tid('message-body'));
  assert.match(await body.textContent(), /Hello wingman, streamed back in chunks/);
  assert.equal(await body.locator('strong').textContent(), 'wingman', 'Markdown bold is rendered');
  assert.equal(await page.locator(tid('message-input')).inputValue(), '', 'the input is cleared');
  await shot(page, 'chat');
});

test('Shift+Enter inserts a newline instead of sending', async () => {
  const input = page.locator(tid('message-input'));
  await input.fill('line one');
  await input.press('Shift+Enter');
  await input.pressSequentially('line two');
  assert.equal(await input.inputValue(), 'line one\nline two');
  assert.equal(await page.locator(tid('message-user')).count(), 1);
  await input.fill('');
});

test('Markdown from the model is rendered safely', async () => {
  await sendMessage(page, 'Code:\n```js\nconst x = "<b>";\n```\n<img src=x onerror="window.__pwned=1"> [link](https://example.com)');
  const reply = await waitReplyDone(page, 2);
  assert.equal(await reply.locator('pre code').textContent(), 'const x = "<b>";');
  assert.equal(await reply.locator('img').count(), 0, 'HTML is escaped, not rendered');
  const link = reply.locator('a[href="https://example.com"]');
  assert.equal(await link.getAttribute('rel'), 'noopener noreferrer');
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
});

test('rename the session', async () => {
  await page.locator(tid('rename-session')).click();
  await page.locator(tid('rename-input')).fill('Renamed thread');
  await page.locator(tid('rename-save')).click();
  await page.locator(tid('session-title'), { hasText: 'Renamed thread' }).waitFor();
  await page.locator(tid('session-item-name'), { hasText: 'Renamed thread' }).waitFor();
  const list = await api('GET', '/api/sessions?agentId=main');
  assert.equal(list.body.find((s) => s.id === sessionId).name, 'Renamed thread');
});

test('search the sessions and copy the session key', async () => {
  const search = page.locator(tid('session-search'));
  await search.fill('no such session');
  await page.locator(tid('session-item')).waitFor({ state: 'detached' });
  await search.fill('renamed');
  await page.locator(tid('session-item')).waitFor();
  await search.fill('');
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
  await page.locator(tid('copy-key')).click();
  await page.locator(tid('copy-key'), { hasText: 'Copied' }).waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), sessionId);
});

test('cancel a queued request', async () => {
  await sendMessage(page, 'first of two');
  await sendMessage(page, 'second of two');
  const second = page.locator(tid('message-user'), { hasText: 'second of two' });
  await second.and(page.locator('[data-status="queued"]')).waitFor();
  assert.match(await second.locator(tid('request-status')).textContent(), /queued/i);
  await second.locator(tid('cancel-request')).click();
  await second.and(page.locator('[data-status="cancelled"]')).waitFor();
  assert.match(await second.locator(tid('request-status')).textContent(), /cancelled/i);
  const first = page.locator(tid('message-user'), { hasText: 'first of two' });
  await first.and(page.locator('[data-status="done"]')).waitFor();
  const reply = await waitReplyDone(page, 3);
  assert.match(await reply.textContent(), /first of two/);
  assert.equal(await page.locator(tid('message-assistant')).count(), 3, 'the cancelled request got no reply');
});

test('attach a text file and see it in the chat', async () => {
  await page.locator(tid('file-input')).setInputFiles({
    name: 'notes.md', mimeType: 'text/markdown', buffer: Buffer.from('# Notes\n\n- alpha\n- beta\n'),
  });
  await page.locator(tid('pending-attachment'), { hasText: 'notes.md' }).waitFor();
  await sendMessage(page, 'see the attached notes');
  const mine = page.locator(tid('message-user'), { hasText: 'see the attached notes' });
  await mine.locator(tid('attachment'), { hasText: 'notes.md' }).waitFor();
  assert.equal(await page.locator(tid('pending-attachment')).count(), 0, 'the composer is cleared');
  await waitReplyDone(page, 4);
  const stored = await api('GET', `/api/sessions/${encodeURIComponent(sessionId)}/messages?agentId=main`);
  const msg = stored.body.find((m) => m.role === 'user' && m.content === 'see the attached notes');
  assert.ok(msg, 'the message is stored');
  assert.equal(msg.attachments?.[0]?.name, 'notes.md');
  assert.match(msg.attachments[0].textContent, /alpha/);
});

test('reload the page and see the history', async () => {
  await page.reload();
  await page.locator(tid('app')).waitFor();
  await page.locator(tid('session-title'), { hasText: 'Renamed thread' }).waitFor();
  await page.locator(tid('message-assistant'), { hasText: 'Hello wingman' }).waitFor();
  await page.locator(tid('message-user'), { hasText: 'see the attached notes' }).waitFor();
  await page.locator(`${tid('message-user')} ${tid('attachment')}`, { hasText: 'notes.md' }).waitFor();
  assert.equal(await page.locator(tid('message-assistant')).count(), 4);
  assert.equal(await page.locator(tid('login-view')).isVisible(), false, 'no second login');
});

test('agents page lists the agents and edits one', async () => {
  await page.locator(tid('nav-agents')).click();
  const card = page.locator(`${tid('agent-card')}[data-agent-id="main"]`);
  await card.waitFor();
  await card.locator(tid('agent-edit')).click();
  await page.locator(tid('agent-prompt')).fill('You are a helpful echo.');
  await page.locator(tid('agent-save')).click();
  await card.locator('.agent-prompt', { hasText: 'You are a helpful echo.' }).waitFor();
  const main = await api('GET', '/api/agents/main');
  assert.equal(main.body.prompt, 'You are a helpful echo.');

  await page.locator(tid('agent-new')).click();
  await page.locator(tid('agent-id')).fill('helper');
  await page.locator(tid('agent-name')).fill('Helper');
  await page.locator(tid('agent-model')).fill('echo');
  await page.locator(tid('agent-prompt')).fill('Answers questions about the gateway.');
  await page.locator(tid('agent-save')).click();
  await page.locator(`${tid('agent-card')}[data-agent-id="helper"]`).waitFor();
  await page.locator(`${tid('agent-select')} option[value="helper"]`).waitFor({ state: 'attached' });
  await shot(page, 'agents');
});

test('stats page shows live numbers and a chart', async () => {
  await page.locator(tid('nav-stats')).click();
  await page.waitForFunction(() => /^\d+$/.test(document.querySelector('[data-testid="stat-connections"]').textContent));
  assert.ok(Number(await page.locator(tid('stat-connections')).textContent()) >= 1);
  await page.waitForFunction(() => /ms$/.test(document.querySelector('[data-testid="stat-latency"]').textContent));
  await page.waitForFunction(() => /^\d+(\.\d+)?$/.test(document.querySelector('[data-testid="stat-rate"]').textContent));
  // The chart fills in as samples arrive (one every 2 s). 'attached', not
  // visible: with a steady rate the line is flat, and a flat polyline has an
  // empty bounding box, which Playwright counts as hidden.
  await page.locator(`${tid('stats-chart')} polyline`).first().waitFor({ state: 'attached' });
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="stats-chart"]').dataset.samples) >= 3);
  await shot(page, 'stats');
  await page.locator(tid('nav-chat')).click();
  await page.locator(tid('messages')).waitFor();
});

test('reconnects after a gateway restart and keeps the view', async () => {
  await stopGateway();
  await page.locator(`${tid('conn-status')}[data-state="offline"]`).waitFor({ state: 'attached' });
  await startGateway(port);
  await page.locator(`${tid('conn-status')}[data-state="online"]`).waitFor({ state: 'attached' });
  await page.locator(tid('session-title'), { hasText: 'Renamed thread' }).waitFor();
  await sendMessage(page, 'after the restart');
  const reply = await waitReplyDone(page, 5);
  assert.match(await reply.textContent(), /after the restart/);
});

/** A phone-sized, signed-in browser context (dark, reduced motion). */
async function phoneContext() {
  return browser.newContext({
    viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true,
    storageState: await context.storageState(), colorScheme: 'dark', reducedMotion: 'reduce',
  });
}

test('phone layout: drawer, usable chat, no horizontal scroll', async () => {
  const phone = await phoneContext();
  try {
    const p = await phone.newPage();
    watchPage(p);
    await p.goto(`${base}/#/chat/${encodeURIComponent(sessionId)}`);
    await p.locator(tid('session-title'), { hasText: 'Renamed thread' }).waitFor();
    await p.locator(tid('message-assistant')).first().waitFor();
    assert.equal(await p.locator(tid('sidebar')).isVisible(), false, 'the session list is a closed drawer');
    await sendMessage(p, 'hello from a phone');
    await p.locator(tid('message-assistant'), { hasText: 'hello from a phone' })
      .and(p.locator('[data-state="done"]')).waitFor();
    const overflow = await p.evaluate(() => ({
      doc: document.documentElement.scrollWidth, body: document.body.scrollWidth, vw: window.innerWidth,
    }));
    assert.ok(overflow.doc <= overflow.vw && overflow.body <= overflow.vw, `no horizontal scroll: ${JSON.stringify(overflow)}`);
    const box = await p.locator(tid('message-input')).boundingBox();
    assert.ok(box && box.x >= 0 && box.x + box.width <= 390 && box.y + box.height <= 844, 'the input is on screen');
    await shot(p, 'phone-chat');
    await p.locator(tid('drawer-toggle')).click();
    await p.locator(tid('session-list')).waitFor();
    assert.ok(await p.locator(tid('sidebar')).isVisible());
    await shot(p, 'phone-drawer');
    await p.locator(tid('session-item')).first().click();
    await p.locator(tid('sidebar')).waitFor({ state: 'hidden' });
  } finally {
    await phone.close();
  }
});

test('delete the session', async () => {
  await page.locator(tid('delete-session')).click();
  await page.locator(tid('delete-session'), { hasText: 'Confirm' }).click();
  await page.locator(tid('chat-empty')).waitFor();
  assert.equal(await page.locator(tid('session-item')).count(), 0);
  const list = await api('GET', '/api/sessions?agentId=main');
  assert.ok(!list.body.some((s) => s.id === sessionId), 'the gateway deleted it');
});

// ------------------------------------------------------------------ webhooks and routines pages

const hook = { id: null, secret: null, url: null };
const routine = { id: null };

async function invokeWebhook(secret, text) {
  const res = await fetch(`${base}/webhooks/${hook.id}?wait=true`, {
    method: 'POST',
    headers: { 'x-wingman-secret': secret, 'Content-Type': 'application/json' },
    body: JSON.stringify({ text }),
  });
  return { status: res.status, body: await res.json() };
}

const webhookCard = () => page.locator(`${tid('webhook-card')}[data-webhook-id="${hook.id}"]`);
const routineCard = () => page.locator(`${tid('routine-card')}[data-routine-id="${routine.id}"]`);

test('webhooks page: a bad allowlist shows the server error, nothing is created', async () => {
  await page.locator(tid('nav-webhooks')).click();
  await page.locator(tid('page-webhooks')).waitFor();
  await page.locator(tid('webhook-empty')).waitFor();
  await page.locator(tid('webhook-new')).click();
  const agents = await page.locator(`${tid('webhook-agent')} option`).evaluateAll((os) => os.map((o) => o.value));
  assert.deepEqual(agents.sort(), ['helper', 'main'], 'the agent picker lists the configured agents');
  await page.locator(tid('webhook-save')).click();
  const err = page.locator(tid('webhook-form-error'));
  await err.waitFor();
  assert.match(await err.textContent(), /name/i);
  assert.equal(await page.locator(tid('webhook-name')).getAttribute('aria-invalid'), 'true');
  await page.locator(tid('webhook-name')).fill('Inbox hook');
  await page.locator(tid('webhook-allowlist')).fill('not-an-address');
  await page.locator(tid('webhook-save')).click();
  await page.locator(tid('webhook-form-error'), { hasText: /allowlist/ }).waitFor();
  assert.match(await err.textContent(), /^Could not create the webhook: allowlist/);
  assert.equal(await page.locator(tid('webhook-allowlist')).getAttribute('aria-invalid'), 'true');
  assert.deepEqual((await api('GET', '/api/webhooks')).body, []);
});

test('webhooks page: create shows the URL and the secret once, then masked', async () => {
  await page.locator(tid('webhook-agent')).selectOption('main');
  await page.locator(tid('webhook-event-label')).fill('new email');
  await page.locator(tid('webhook-allowlist')).fill('127.0.0.1/32\n::1');
  await page.locator(tid('webhook-save')).click();
  const reveal = page.locator(tid('webhook-reveal'));
  await reveal.waitFor();
  assert.equal(await page.locator(tid('webhook-form')).isVisible(), false, 'the form closes');
  const list = (await api('GET', '/api/webhooks')).body;
  assert.equal(list.length, 1);
  hook.id = list[0].id;
  hook.url = `${base}/webhooks/${hook.id}`;
  hook.secret = await page.locator(tid('webhook-reveal-secret')).inputValue();
  assert.match(hook.secret, /^whsec_[0-9a-f]{48}$/);
  assert.equal(await page.locator(tid('webhook-reveal-url')).inputValue(), hook.url);
  assert.match(await page.locator(tid('webhook-reveal-example')).textContent(), new RegExp(`x-wingman-secret: ${hook.secret}`));
  assert.equal(list[0].secret, `••••${hook.secret.slice(-4)}`, 'the API only shows it masked');
  await page.locator(tid('copy-webhook-secret')).click();
  await page.locator(tid('copy-webhook-secret'), { hasText: 'Copied' }).waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), hook.secret);
  await page.locator(tid('copy-webhook-url')).click();
  await page.locator(tid('copy-webhook-url'), { hasText: 'Copied' }).waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), hook.url);

  const card = webhookCard();
  await card.waitFor();
  assert.equal(await card.locator(tid('webhook-card-name')).textContent(), 'Inbox hook');
  assert.equal(await card.locator(tid('webhook-secret')).textContent(), `••••${hook.secret.slice(-4)}`);
  assert.equal(await card.locator(tid('webhook-url')).textContent(), hook.url);
  assert.equal(await card.locator(tid('webhook-agent-name')).textContent(), 'main');
  assert.equal(await card.locator(tid('webhook-event')).textContent(), 'new email');
  assert.equal(await card.locator(tid('webhook-allowlist-text')).textContent(), '127.0.0.1/32, ::1');
  assert.equal(await card.locator(tid('webhook-last-trigger')).textContent(), 'never');
  assert.equal(await card.locator(tid('webhook-thread')).textContent(), `agent:main:webhook:${hook.id}`);
  await shot(page, 'webhooks');

  await page.locator(tid('webhook-reveal-done')).click();
  await reveal.waitFor({ state: 'hidden' });
  const leaked = await page.evaluate((s) => document.documentElement.outerHTML.includes(s)
    || Array.from(document.querySelectorAll('input, textarea')).some((i) => i.value.includes(s)), hook.secret);
  assert.equal(leaked, false, 'the full secret is gone from the page');
  await page.reload();
  await webhookCard().waitFor();
  assert.equal(await page.evaluate((s) => document.documentElement.outerHTML.includes(s), hook.secret), false);
  assert.equal(await page.locator(tid('webhook-reveal')).isVisible(), false);
});

test('webhooks page: rotate shows the new secret once, the old one stops working', async () => {
  const card = webhookCard();
  const rotate = card.locator(tid('webhook-rotate'));
  await rotate.click();
  await card.locator(tid('webhook-rotate'), { hasText: 'Confirm rotate' }).waitFor();
  assert.equal(await page.locator(tid('webhook-reveal')).isVisible(), false, 'the first click only arms');
  await rotate.click();
  await page.locator(tid('webhook-reveal-title'), { hasText: /New secret/ }).waitFor();
  const fresh = await page.locator(tid('webhook-reveal-secret')).inputValue();
  assert.match(fresh, /^whsec_/);
  assert.notEqual(fresh, hook.secret);
  await card.locator(tid('webhook-secret'), { hasText: `••••${fresh.slice(-4)}` }).waitFor();
  assert.equal((await invokeWebhook(hook.secret, 'with the old secret')).status, 401);
  hook.secret = fresh;
  await page.locator(tid('webhook-reveal-done')).click();
  await page.locator(tid('webhook-reveal')).waitFor({ state: 'hidden' });
});

test('webhooks page: disable and enable', async () => {
  const card = webhookCard();
  await card.locator(tid('webhook-enabled')).click();
  await page.locator(`${tid('webhook-card')}[data-webhook-id="${hook.id}"][data-enabled="false"]`).waitFor();
  assert.equal(await webhookCard().locator(tid('webhook-state')).textContent(), 'disabled');
  assert.equal((await api('GET', `/api/webhooks/${hook.id}`)).body.enabled, false);
  assert.equal((await invokeWebhook(hook.secret, 'while disabled')).status, 403);
  await webhookCard().locator(tid('webhook-enabled')).click();
  await page.locator(`${tid('webhook-card')}[data-webhook-id="${hook.id}"][data-enabled="true"]`).waitFor();
  assert.equal((await api('GET', `/api/webhooks/${hook.id}`)).body.enabled, true);
});

test('webhooks page: an invocation updates the last trigger and its thread opens in the chat', async () => {
  const res = await invokeWebhook(hook.secret, 'hello from the outside');
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.sessionId, `agent:main:webhook:${hook.id}`);
  const stored = (await api('GET', `/api/webhooks/${hook.id}`)).body;
  assert.ok(stored.lastTriggeredAt > 0, 'the gateway recorded the trigger');
  await page.locator(tid('webhooks-refresh')).click();
  const last = webhookCard().locator(`time${tid('webhook-last-trigger')}`);
  await last.waitFor();
  assert.equal(await last.getAttribute('data-ms'), String(stored.lastTriggeredAt));

  await webhookCard().locator(tid('webhook-thread')).click();
  await page.locator(tid('page-chat')).waitFor();
  await page.locator(tid('session-key'), { hasText: `agent:main:webhook:${hook.id}` }).waitFor();
  assert.ok(page.url().endsWith(`#/chat/${encodeURIComponent(`agent:main:webhook:${hook.id}`)}`));
  await page.locator(tid('message-user'), { hasText: 'hello from the outside' }).waitFor();
  await waitReplyDone(page, 1);
  await page.locator(`${tid('session-item')}[data-session-id="agent:main:webhook:${hook.id}"]`).waitFor();
  // The thread continues like any other session.
  await sendMessage(page, 'a follow-up in the webhook thread');
  const reply = await waitReplyDone(page, 2);
  assert.match(await reply.textContent(), /a follow-up in the webhook thread/);
});

test('routines page: an invalid cron names the bad field; a valid one previews five runs', async () => {
  await page.locator(tid('nav-routines')).click();
  await page.locator(tid('page-routines')).waitFor();
  await page.locator(tid('routine-empty')).waitFor();
  await page.locator(tid('routine-new')).click();
  await page.locator(tid('routine-name')).fill('Morning digest');
  await page.locator(tid('routine-prompt')).fill('Summarise the overnight mail');
  const cron = page.locator(tid('routine-cron'));
  const fieldError = page.locator(tid('routine-cron-error'));
  await cron.fill('99 99 99 99 99');
  await fieldError.waitFor();
  assert.equal(await fieldError.textContent(), 'cron field 1 (minute): 99 is out of range 0-59');
  assert.equal(await cron.getAttribute('aria-invalid'), 'true');
  await page.locator(tid('routine-save')).click();
  const formError = page.locator(tid('routine-form-error'));
  await formError.waitFor();
  assert.equal(await formError.textContent(), 'Could not create the routine: cron field 1 (minute): 99 is out of range 0-59');
  assert.deepEqual((await api('GET', '/api/routines')).body, [], 'nothing was created');

  await cron.fill('0 9 * * 1-5');
  await page.locator(tid('routine-timezone')).fill('Mars/Olympus_Mons');
  await page.locator(`${tid('routine-preview-box')}[data-state="error"]`).waitFor();
  await fieldError.waitFor();
  assert.match(await fieldError.textContent(), /^timezone "Mars\/Olympus_Mons" is not in the time zone database/);
  assert.equal(await page.locator(tid('routine-timezone')).getAttribute('aria-invalid'), 'true');
  assert.equal(await cron.getAttribute('aria-invalid'), null);

  await page.locator(tid('routine-timezone')).fill('Europe/Paris');
  await page.locator(`${tid('routine-preview-box')}[data-state="ok"]`).waitFor();
  assert.equal(await fieldError.isVisible(), false);
  const items = page.locator(tid('routine-preview-item'));
  assert.equal(await items.count(), 5);
  const times = (await items.evaluateAll((li) => li.map((x) => Number(x.dataset.ms))));
  const paris = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Paris', weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  for (const [i, t] of times.entries()) {
    if (i) assert.ok(t > times[i - 1], 'ascending');
    const parts = Object.fromEntries(paris.formatToParts(new Date(t)).map((p) => [p.type, p.value]));
    assert.equal(`${parts.hour}:${parts.minute}`, '09:00');
    assert.ok(!['Sat', 'Sun'].includes(parts.weekday), `a weekday: ${parts.weekday}`);
  }
  const preview = (await api('GET', `/api/routines/preview?cron=${encodeURIComponent('0 9 * * 1-5')}&timezone=Europe/Paris`)).body;
  assert.deepEqual(times, preview.nextRuns, 'the page shows what the gateway computes');
});

test('routines page: create, then the list shows its schedule', async () => {
  await page.locator(tid('routine-save')).click();
  await page.locator(tid('routine-form')).waitFor({ state: 'hidden' });
  const list = (await api('GET', '/api/routines')).body;
  assert.equal(list.length, 1);
  routine.id = list[0].id;
  assert.equal(list[0].timezone, 'Europe/Paris');
  const card = routineCard();
  await card.waitFor();
  assert.equal(await card.locator(tid('routine-card-name')).textContent(), 'Morning digest');
  assert.equal(await card.locator(tid('routine-cron-text')).textContent(), '0 9 * * 1-5');
  assert.match(await card.locator(tid('routine-timezone-text')).textContent(), /Europe\/Paris/);
  assert.equal(await card.locator(tid('routine-next-run')).getAttribute('data-ms'), String(list[0].nextRunAt));
  assert.equal(await card.locator(tid('routine-last-run')).textContent(), 'never');
  assert.equal(await card.locator(tid('routine-thread')).textContent(), `agent:main:routine:${routine.id}`);
});

test('routines page: run now shows a history entry; the thread has the run', async () => {
  const card = routineCard();
  await card.locator(tid('routine-run')).click();
  const history = card.locator(tid('routine-history'));
  await history.waitFor();
  assert.equal(await card.locator(tid('routine-history-toggle')).getAttribute('aria-expanded'), 'true');
  // (Rows are filtered to manual runs: a scheduled fire may land in the test.)
  const done = routineCard().locator(`${tid('routine-run-row')}[data-trigger="manual"][data-status="ok"]`);
  await done.waitFor();
  assert.equal(await routineCard().locator(`${tid('routine-run-row')}[data-trigger="manual"]`).count(), 1);
  const runs = (await api('GET', `/api/routines/${routine.id}/runs`)).body.filter((r) => r.trigger === 'manual');
  assert.equal(runs.length, 1);
  assert.equal(runs[0].status, 'ok');
  assert.equal(await done.locator(tid('run-request-id')).textContent(), runs[0].requestId);
  assert.equal(await done.locator(tid('run-status')).textContent(), 'ok');
  assert.match(await done.textContent(), /manual/);
  assert.match(await done.locator(tid('run-duration')).textContent(), /^\d+(\.\d)? (ms|s)$/);
  // The run moves lastRunAt; the card follows.
  await routineCard().locator(`time${tid('routine-last-run')}`).waitFor();
  await shot(page, 'routines');

  await routineCard().locator(tid('routine-thread')).click();
  await page.locator(tid('session-key'), { hasText: `agent:main:routine:${routine.id}` }).waitFor();
  await page.locator(tid('message-user'), { hasText: 'Summarise the overnight mail' }).waitFor();
  await waitReplyDone(page, 1);
  await page.locator(tid('nav-routines')).click();
  await routineCard().waitFor();
});

test('routines page: edit with PUT, then disable', async () => {
  await routineCard().locator(tid('routine-edit')).click();
  const form = page.locator(tid('routine-form'));
  await form.waitFor();
  assert.equal(await page.locator(tid('routine-cron')).inputValue(), '0 9 * * 1-5');
  assert.equal(await page.locator(tid('routine-timezone')).inputValue(), 'Europe/Paris');
  assert.equal(await page.locator(tid('routine-save')).textContent(), 'Save');
  await page.locator(`${tid('routine-preview-box')}[data-state="ok"]`).waitFor();
  await page.locator(tid('routine-name')).fill('Evening digest');
  await page.locator(tid('routine-cron')).fill('30 18 * * *');
  await page.locator(`${tid('routine-preview-box')}[data-state="ok"]`).waitFor();
  await page.locator(tid('routine-save')).click();
  await form.waitFor({ state: 'hidden' });
  await routineCard().locator(tid('routine-card-name'), { hasText: 'Evening digest' }).waitFor();
  assert.equal(await routineCard().locator(tid('routine-cron-text')).textContent(), '30 18 * * *');
  const rec = (await api('GET', `/api/routines/${routine.id}`)).body;
  assert.equal(rec.name, 'Evening digest');
  assert.equal(rec.cron, '30 18 * * *');
  assert.equal(rec.id, routine.id, 'edited in place');
  assert.equal((await api('GET', '/api/routines')).body.length, 1);

  await routineCard().locator(tid('routine-enabled')).click();
  await page.locator(`${tid('routine-card')}[data-routine-id="${routine.id}"][data-enabled="false"]`).waitFor();
  assert.equal(await routineCard().locator(tid('routine-next-run')).textContent(), 'none (disabled)');
  assert.equal((await api('GET', `/api/routines/${routine.id}`)).body.enabled, false);
});

test('routines page: a failed call shows the gateway error', async () => {
  const made = await api('POST', '/api/routines', { name: 'Stale', agentId: 'main', cron: '@daily', prompt: 'x' });
  assert.equal(made.status, 201);
  await page.locator(tid('routines-refresh')).click();
  const stale = page.locator(`${tid('routine-card')}[data-routine-id="${made.body.id}"]`);
  await stale.waitFor();
  // Another client deletes it just as this page asks to run it (inside the
  // request, so the page's own refresh cannot remove the card first); the
  // real gateway then answers 404.
  const runUrl = `${base}/api/routines/${made.body.id}/run`;
  await page.route(runUrl, async (route) => {
    assert.equal((await api('DELETE', `/api/routines/${made.body.id}`)).status, 200);
    await route.continue();
  });
  await stale.locator(tid('routine-run')).click();
  const err = page.locator(tid('routines-error'));
  await err.waitFor();
  await page.unroute(runUrl);
  assert.equal(await err.textContent(), `Could not run Stale: Routine not found: ${made.body.id}`);
  assert.equal(await err.getAttribute('role'), 'alert');
  await page.locator(tid('routines-refresh')).click();
  await stale.waitFor({ state: 'detached' });
});

test('phone layout: the webhooks and routines pages fit', async () => {
  const phone = await phoneContext();
  try {
    const p = await phone.newPage();
    watchPage(p);
    for (const [hash, card] of [['#/webhooks', 'webhook-card'], ['#/routines', 'routine-card']]) {
      await p.goto(`${base}/${hash}`);
      await p.locator(tid(card)).first().waitFor();
      const overflow = await p.evaluate(() => ({ doc: document.documentElement.scrollWidth, vw: window.innerWidth }));
      assert.ok(overflow.doc <= overflow.vw, `${hash}: no horizontal scroll: ${JSON.stringify(overflow)}`);
    }
  } finally {
    await phone.close();
  }
});

test('delete the routine and the webhook after a confirmation', async () => {
  const del = routineCard().locator(tid('routine-delete'));
  await del.click();
  await routineCard().locator(tid('routine-delete'), { hasText: 'Confirm delete' }).waitFor();
  assert.equal((await api('GET', '/api/routines')).body.length, 1, 'the first click only arms');
  await del.click();
  await routineCard().waitFor({ state: 'detached' });
  await page.locator(tid('routine-empty')).waitFor();
  assert.deepEqual((await api('GET', '/api/routines')).body, []);
  assert.equal((await api('GET', `/api/routines/${routine.id}/runs`)).status, 404);

  await page.locator(tid('nav-webhooks')).click();
  await webhookCard().waitFor();
  await webhookCard().locator(tid('webhook-delete')).click();
  await webhookCard().locator(tid('webhook-delete'), { hasText: 'Confirm delete' }).waitFor();
  assert.equal((await api('GET', '/api/webhooks')).body.length, 1, 'the first click only arms');
  await webhookCard().locator(tid('webhook-delete')).click();
  await webhookCard().waitFor({ state: 'detached' });
  await page.locator(tid('webhook-empty')).waitFor();
  assert.deepEqual((await api('GET', '/api/webhooks')).body, []);
  assert.equal((await invokeWebhook(hook.secret, 'after delete')).status, 404);
});

test('no page errors and no external requests', () => {
  assert.deepEqual(pageErrors, []);
  assert.deepEqual(externalRequests, []);
});
