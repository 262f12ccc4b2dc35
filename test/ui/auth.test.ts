// The web UI against a query service that requires a bearer token, in Chromium: the sign-in panel, a refused
// token, the right one showing the services and the search, the token kept for the tab's session only, "Forget
// token", and the token never in a URL, the page's markup or the console. Screenshots land in test-artifacts/ui/.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ensureChromium } from '../../scripts/ensure-chromium.js';
import { createTopic } from '../support/kafka.js';
import {
  countDocs,
  esClient,
  generateTraces,
  produce,
  startTestIngester,
  toMessages,
} from '../support/ingester.js';
import { startTestQuery, type TestQuery } from '../support/query.js';
import { eventually, testStack, uniqueName } from '../support/stack.js';
import { activeElementInfo, pageContrast, type TextSample } from './in-page.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const ARTIFACTS = join(ROOT, 'test-artifacts', 'ui');
const UI_INDEX = join(ROOT, 'packages', 'ui', 'dist', 'index.html');
/** The key packages/ui/src/lib/session-token.ts stores the token under. */
const TOKEN_KEY = 'skein.query.bearer-token';
const PANEL_TITLE = 'This query service requires a bearer token';

describe('web UI with a bearer token, in Chromium', { timeout: 300_000 }, () => {
  const { kafkaBrokers, elasticsearchUrl } = testStack();
  const prefix = `${uniqueName('ui-auth')}-`;
  const token = `ui-${randomBytes(16).toString('hex')}`;
  const wrong = `wrong-${randomBytes(16).toString('hex')}`;
  const traces = generateTraces(3, 4, 2, Date.now() * 1_000 - 60_000_000);
  const stops: Array<() => Promise<void>> = [];
  /** Every request's URL and Authorization header, every console message, every uncaught page error. */
  const requests: Array<{ url: string; authorization: string | undefined }> = [];
  const consoleText: string[] = [];
  const pageErrors: string[] = [];
  let query: TestQuery;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let base: string;

  const shot = async (name: string): Promise<void> => {
    const path = join(ARTIFACTS, `${name}.png`);
    await page.screenshot({ path, fullPage: false });
    process.stderr.write(`[ui] screenshot ${path}\n`);
  };
  const panel = (p: Page = page) => p.getByRole('heading', { level: 1, name: PANEL_TITLE });
  const tokenInput = (p: Page = page) => p.getByLabel('Bearer token', { exact: true });
  const forget = () => page.getByRole('button', { name: 'Forget token' });
  const results = () => page.getByRole('list', { name: 'Traces found' }).locator(':scope > li');
  const stored = (p: Page = page): Promise<unknown> =>
    p.evaluate(
      `[sessionStorage.getItem(${JSON.stringify(TOKEN_KEY)}), sessionStorage.length, localStorage.length]`,
    );

  before(async () => {
    assert.ok(
      existsSync(UI_INDEX),
      `the UI is not built (${UI_INDEX} is missing): run \`npm run build\` first`,
    );
    const executablePath = ensureChromium();
    mkdirSync(ARTIFACTS, { recursive: true });

    const topic = uniqueName('skein-ui-auth');
    await createTopic(kafkaBrokers, topic, 1);
    await produce(kafkaBrokers, topic, toMessages(traces));
    const ingester = await startTestIngester({
      'kafka.brokers': kafkaBrokers.join(','),
      'kafka.topic': topic,
      'kafka.group-id': uniqueName('skein-ui-auth-group'),
      'es.url': elasticsearchUrl,
      'es.index-prefix': prefix,
    });
    stops.push(() => ingester.stop());
    const es = esClient(elasticsearchUrl);
    const spanCount = traces.reduce((n, t) => n + t.spans.length, 0);
    await eventually(
      `${spanCount} spans in ${prefix}jaeger-span-*`,
      async () => ((await countDocs(es, `${prefix}jaeger-span-*`)) === spanCount ? true : undefined),
      120_000,
    );
    await es.close();
    query = await startTestQuery({
      'es.url': elasticsearchUrl,
      'es.index-prefix': prefix,
      'auth.bearer-token': token,
    });
    stops.push(() => query.stop());
    base = `http://127.0.0.1:${query.httpPort}`;

    browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox'] });
    stops.push(() => browser.close());
    context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    // See browser.test.ts: tsx's keepNames wraps functions handed to page.evaluate in a __name helper.
    await context.addInitScript({ content: 'globalThis.__name = (f) => f;' });
    context.on('request', (r) => requests.push({ url: r.url(), authorization: r.headers().authorization }));
    context.on('console', (msg) => consoleText.push(msg.text()));
    context.on('weberror', (err) => pageErrors.push(err.error().message));
    page = await context.newPage();
  });

  after(async () => {
    const failures: unknown[] = [];
    for (const stop of stops.reverse()) await stop().catch((err: unknown) => failures.push(err));
    if (failures.length > 0) throw failures[0];
  });

  it('shows the sign-in panel when the API answers 401, with the focus in a password field', async () => {
    const first = await query.get('/api/services');
    assert.equal(first.status, 401);
    await page.goto(`${base}/search?service=svc-0&lookback=1h`);
    await panel().waitFor();
    const input = tokenInput();
    assert.equal(await input.getAttribute('type'), 'password');
    assert.equal(await input.getAttribute('autocomplete'), 'off');
    assert.equal((await page.evaluate(activeElementInfo)).value, '');
    assert.equal(await page.evaluate('document.activeElement.getAttribute("name")'), 'token');
    const text = (await page.locator('main').innerText()).replace(/\s+/g, ' ');
    assert.match(text, /kept in this tab's session storage \(sessionStorage, not localStorage\)/);
    assert.match(text, /gone when the tab is closed/);
    assert.equal(await page.getByRole('alert').count(), 0);
    assert.equal(await forget().count(), 0);
    assert.equal(await page.title(), 'Sign in · skein');
    await shot('sign-in');
  });

  it('refuses a wrong token and shows the panel again, storing nothing', async () => {
    await page.keyboard.type(wrong);
    await page.keyboard.press('Enter');
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.equal(
      (await alert.innerText()).trim(),
      'Token refused: the query service answered 401 to it. Check the token and enter it again.',
    );
    assert.equal(await panel().count(), 1);
    assert.equal(await tokenInput().getAttribute('aria-invalid'), 'true');
    // The focus stays in the field, with the refused token selected to be typed over.
    assert.equal(await page.evaluate('document.activeElement.getAttribute("name")'), 'token');
    assert.deepEqual(await stored(), [null, 0, 0]);
    assert.equal(await forget().count(), 0);
    const checked = requests.filter((r) => r.url === `${base}/api/services` && r.authorization !== undefined);
    assert.deepEqual(
      checked.map((r) => r.authorization),
      [`Bearer ${wrong}`],
    );
    const samples: TextSample[] = await page.evaluate(pageContrast);
    assert.ok(samples.length > 8, `only ${samples.length} text samples`);
    assert.deepEqual(
      samples.filter((s) => s.ratio < 4.5),
      [],
      'text below 4.5:1 on the sign-in panel',
    );
    await shot('sign-in-refused');
  });

  it('the right token shows the services and the search that failed, and is kept in sessionStorage', async () => {
    await tokenInput().fill(token);
    // What the field holds is its value only: not an attribute, so not in the page's markup.
    assert.ok(!(await page.content()).includes(token), 'the token is in the page markup');
    await page.keyboard.press('Enter');
    await results().first().waitFor();
    assert.equal(await results().count(), 3);
    assert.equal(await panel().count(), 0);
    const service = page.getByLabel('Service', { exact: true });
    assert.equal(await service.inputValue(), 'svc-0');
    assert.deepEqual(await service.locator('option').allInnerTexts(), ['Choose a service', 'svc-0', 'svc-1']);
    assert.equal(page.url(), `${base}/search?service=svc-0&lookback=1h`);
    assert.ok(await forget().isVisible());
    assert.deepEqual(await stored(), [token, 1, 0]);
    // Every API call after the sign-in carried the token.
    const signedIn = requests.slice(requests.findIndex((r) => r.authorization === `Bearer ${token}`));
    const api = signedIn.filter((r) => new URL(r.url).pathname.startsWith('/api/'));
    assert.ok(api.length >= 3, `only ${api.length} API calls after the sign-in`);
    assert.deepEqual(
      api.filter((r) => r.authorization !== `Bearer ${token}`),
      [],
    );
    await shot('signed-in');
  });

  it('a reload keeps working within the tab session; a new tab asks again', async () => {
    await page.reload();
    await results().first().waitFor();
    assert.equal(await results().count(), 3);
    assert.equal(await panel().count(), 0);
    await page
      .getByRole('link', { name: /svc-0: op-0/ })
      .first()
      .click();
    await page.getByRole('treeitem').first().waitFor();
    assert.equal(await page.getByRole('treeitem').count(), 4);

    // sessionStorage belongs to one tab: another one starts without the token.
    const other = await context.newPage();
    try {
      await other.goto(`${base}/dependencies`);
      await panel(other).waitFor();
      assert.deepEqual(await stored(other), [null, 0, 0]);
    } finally {
      await other.close();
    }
  });

  it('"Forget token" clears it and brings the panel back, by keyboard too', async () => {
    await forget().focus();
    await page.keyboard.press('Enter');
    await panel().waitFor();
    assert.equal(await forget().count(), 0);
    assert.deepEqual(await stored(), [null, 0, 0]);
    // Forgotten, not refused: no error, and the keyboard is in the field again.
    assert.equal(await page.getByRole('alert').count(), 0);
    assert.equal(await page.evaluate('document.activeElement.getAttribute("name")'), 'token');
    // Signing in again reloads the trace that was open.
    await page.keyboard.type(token);
    await page.keyboard.press('Enter');
    await page.getByRole('treeitem').first().waitFor();
    assert.equal(await page.getByRole('treeitem').count(), 4);
  });

  it('a stored token the service no longer accepts is dropped as refused', async () => {
    await page.evaluate(`sessionStorage.setItem(${JSON.stringify(TOKEN_KEY)}, ${JSON.stringify(wrong)})`);
    await page.reload();
    await panel().waitFor();
    await page.getByRole('alert').filter({ hasText: 'Token refused' }).waitFor();
    assert.deepEqual(await stored(), [null, 0, 0]);
  });

  it('never put the token in a URL, the page markup or the console', async () => {
    assert.ok(requests.length > 10, `only ${requests.length} requests seen`);
    for (const secret of [token, wrong]) {
      assert.deepEqual(
        requests.filter((r) => r.url.includes(secret)),
        [],
      );
      assert.deepEqual(
        consoleText.filter((t) => t.includes(secret)),
        [],
      );
    }
    assert.ok(!(await page.content()).includes(token));
    assert.deepEqual(pageErrors, []);
  });
});
