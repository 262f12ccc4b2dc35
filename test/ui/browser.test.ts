// The web UI in a real browser (Debian's Chromium, headless, driven by playwright-core) against a real stack:
// traces go through Kafka and the ingester into Elasticsearch, and the query service serves both the API and
// the UI. Screenshots land in test-artifacts/ui/.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
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
import {
  activeElementInfo,
  focusedOperation,
  pageContrast,
  scrollThroughTimeline,
  textContrast,
  type DomElement,
  type DomWindow,
  type TextSample,
} from './in-page.js';
import { bigTrace, checkoutTrace, DB_STATEMENT, type Checkout } from './traces.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const ARTIFACTS = join(ROOT, 'test-artifacts', 'ui');
const UI_INDEX = join(ROOT, 'packages', 'ui', 'dist', 'index.html');
const BIG_SPANS = 10_000;

describe('web UI in Chromium', { timeout: 600_000 }, () => {
  const { kafkaBrokers, elasticsearchUrl } = testStack();
  const prefix = `${uniqueName('ui')}-`;
  const now = Date.now() * 1_000;
  const checkout: Checkout = checkoutTrace(now - 60_000_000);
  // Spread over two minutes with different durations, so the scatter plot has something to show.
  const small = generateTraces(6, 5, 3, now - 120_000_000).map((t, i) => ({
    ...t,
    spans: t.spans.map((s) => ({
      ...s,
      startTime: s.startTime + i * 17_000_000,
      duration: s.duration * (1 + i * i),
    })),
  }));
  const big = bigTrace(BIG_SPANS, now - 30_000_000);
  const spanCount = checkout.spans.length + small.reduce((n, t) => n + t.spans.length, 0) + BIG_SPANS;
  const stops: Array<() => Promise<void>> = [];
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

  before(async () => {
    assert.ok(
      existsSync(UI_INDEX),
      `the UI is not built (${UI_INDEX} is missing): run \`npm run build\` first`,
    );
    const executablePath = ensureChromium();
    mkdirSync(ARTIFACTS, { recursive: true });

    const topic = uniqueName('skein-ui');
    // The 10,000-span trace makes record batches above Kafka's 1 MB default.
    await createTopic(kafkaBrokers, topic, 2, { 'max.message.bytes': String(16 * 1024 * 1024) });
    await produce(kafkaBrokers, topic, toMessages([checkout, ...small, big]));
    const ingester = await startTestIngester({
      'kafka.brokers': kafkaBrokers.join(','),
      'kafka.topic': topic,
      'kafka.group-id': uniqueName('skein-ui-group'),
      'es.url': elasticsearchUrl,
      'es.index-prefix': prefix,
      'dependencies.window': '200ms',
      'dependencies.flush-interval': '200ms',
    });
    stops.push(() => ingester.stop());
    const es = esClient(elasticsearchUrl);
    await eventually(
      `${spanCount} spans and the dependency links in ${prefix}*`,
      async () => {
        const spans = await countDocs(es, `${prefix}jaeger-span-*`);
        const deps = await countDocs(es, `${prefix}jaeger-dependencies-*`);
        return spans === spanCount && deps >= 1 ? true : undefined;
      },
      120_000,
    );
    await es.close();
    query = await startTestQuery({ 'es.url': elasticsearchUrl, 'es.index-prefix': prefix });
    stops.push(() => query.stop());
    base = `http://127.0.0.1:${query.httpPort}`;
    // The page loads the service list once: wait until the service documents are searchable too (they are
    // written beside the spans, and may become visible at a later refresh than the spans counted above).
    await eventually(
      "the query service to list the service web and its operation 'POST /checkout'",
      async () => {
        const services = (await (await fetch(`${base}/api/services`)).json()) as { data: string[] | null };
        const operations = (await (await fetch(`${base}/api/services/web/operations`)).json()) as {
          data: string[] | null;
        };
        return services.data?.includes('web') === true && operations.data?.includes('POST /checkout') === true
          ? true
          : undefined;
      },
    );

    browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox'] });
    stops.push(() => browser.close());
    context = await browser.newContext({ viewport: { width: 1400, height: 900 }, acceptDownloads: true });
    // tsx compiles the functions handed to page.evaluate with esbuild's keepNames, which wraps them in calls
    // to a __name helper the page does not have.
    await context.addInitScript({ content: 'globalThis.__name = (f) => f;' });
    page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
    });
    stops.push(async () => assert.deepEqual(problems, [], 'the page logged errors'));
  });

  after(async () => {
    const failures: unknown[] = [];
    for (const stop of stops.reverse()) await stop().catch((err: unknown) => failures.push(err));
    if (failures.length > 0) throw failures[0];
  });

  it('search finds the trace by service, operation and tag, with its summary', async () => {
    await page.goto(`${base}/`);
    const service = page.getByLabel('Service', { exact: true });
    await service.locator('option[value="web"]').waitFor({ state: 'attached' });
    await service.selectOption('web');
    const operation = page.getByLabel('Operation', { exact: true });
    await operation.locator('option[value="POST /checkout"]').waitFor({ state: 'attached' });
    await operation.selectOption('POST /checkout');
    await page.getByLabel('Tags', { exact: true }).fill('http.method=POST error=true');
    await page.getByRole('button', { name: 'Find traces' }).click();

    await page.waitForURL(/\/search\?service=web&operation=POST/);
    const results = page.getByRole('list', { name: 'Traces found' }).locator(':scope > li');
    await results.first().waitFor();
    assert.equal(await results.count(), 1);
    const text = (await results.first().innerText()).replace(/\s+/g, ' ');
    assert.match(text, /^web: POST \/checkout [0-9a-f]{8} 48ms/);
    assert.match(text, /6 spans 2 errors/);
    assert.match(text, /orders 2 postgres 2 payments 1 \(1 err\) web 1 \(1 err\)/);
    assert.equal(await page.getByRole('heading', { name: '1 trace' }).count(), 1);
    assert.equal(await page.locator('.scatter svg .dot').count(), 1);
    await shot('search');
  });

  it('the scatter plot and the list show every trace of a broader search', async () => {
    await page.goto(`${base}/search?service=svc-0&lookback=1h`);
    const results = page.getByRole('list', { name: 'Traces found' }).locator(':scope > li');
    await results.first().waitFor();
    assert.equal(await results.count(), 6);
    assert.equal(await page.locator('.scatter svg .dot').count(), 6);
    // The service stays selected in the form the URL describes.
    assert.equal(await page.getByLabel('Service', { exact: true }).inputValue(), 'svc-0');
    await shot('search-many');
  });

  it('the timeline shows every span of the trace, in tree order', async () => {
    await page.goto(`${base}/search?service=web&operation=POST+%2Fcheckout`);
    await page.getByRole('link', { name: /web: POST \/checkout/ }).click();
    await page.waitForURL(`${base}/trace/${checkout.traceId}`);
    const rows = page.getByRole('treeitem');
    await rows.first().waitFor();
    assert.equal(await rows.count(), checkout.spans.length);
    const labels = await rows.evaluateAll((els) =>
      els
        .sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top)
        .map((e) =>
          [
            e.getAttribute('aria-level'),
            e.querySelector('.tl-service')?.textContent,
            e.querySelector('.tl-operation')?.textContent,
            e.querySelector('.tl-error') === null ? '' : 'error',
            e.querySelector('.tl-critical') === null ? '' : 'critical',
          ]
            .join(' ')
            .trim(),
        ),
    );
    assert.deepEqual(labels, [
      '1 web POST /checkout error critical',
      '2 orders CreateOrder  critical',
      '3 postgres SELECT orders  critical',
      '3 postgres INSERT orders  critical',
      '2 payments Charge error critical',
      '3 orders notify customer',
    ]);
    // A screen reader hears the same: the row's accessible name, level and state.
    assert.match(
      await page.getByRole('treeitem', { name: /Charge/ }).ariaSnapshot(),
      /^- treeitem "payments Charge error on the critical path 22ms" \[expanded\] \[level=2\]/,
    );
    assert.equal(
      await page.getByRole('heading', { level: 1 }).innerText(),
      `web: POST /checkout ${checkout.traceId}`,
    );
    await shot('trace');
  });

  it("a span's details show its tags, process, logs and references, readably", async () => {
    await page.getByRole('treeitem', { name: /SELECT orders/ }).click();
    const detail = page.getByRole('complementary', { name: 'SELECT orders' });
    await detail.waitFor();
    const tags = detail.getByRole('table', { name: 'Span tags' });
    const statement = tags.getByRole('row', { name: /db\.statement/ }).getByRole('cell');
    assert.equal(await statement.innerText(), DB_STATEMENT);
    assert.ok(await statement.isVisible());
    const contrast = await statement.evaluate(textContrast);
    assert.ok(contrast >= 4.5, `db.statement value has contrast ${contrast.toFixed(2)}:1`);
    assert.equal(
      await detail
        .getByRole('table', { name: 'Process tags' })
        .getByRole('row', { name: /hostname/ })
        .getByRole('cell')
        .innerText(),
      'db-1',
    );
    const refs = detail.getByRole('table', { name: 'References' });
    assert.match(await refs.innerText(), /CHILD_OF\s+orders: CreateOrder/);

    await page.getByRole('treeitem', { name: /Charge/ }).click();
    const charge = page.getByRole('complementary', { name: 'Charge' });
    assert.match(
      await charge.getByRole('table', { name: 'Log 1 fields' }).innerText(),
      /card declined: insufficient funds/,
    );
    assert.match(await charge.innerText(), /This span reports an error/);
    await shot('span-detail');
  });

  it('is operable by keyboard: timeline rows expand, collapse, move and open details', async () => {
    await page.goto(`${base}/trace/${checkout.traceId}`);
    const root = page.getByRole('treeitem', { name: /POST \/checkout/ });
    await root.waitFor();
    // Tab from the last toolbar control lands on the timeline's focused row.
    await page.getByRole('button', { name: 'Download JSON' }).focus();
    await page.keyboard.press('Tab');
    assert.equal(await focusedRow(page), 'POST /checkout');
    assert.notEqual(
      await page.evaluate(() => {
        const w = globalThis as unknown as DomWindow;
        return w.getComputedStyle(w.document.activeElement as DomElement).outlineStyle;
      }),
      'none',
    );

    await page.keyboard.press('ArrowDown');
    assert.equal(await focusedRow(page), 'CreateOrder');
    await page.keyboard.press('ArrowLeft'); // CreateOrder has children: collapses it
    assert.equal(await page.getByRole('treeitem').count(), 4);
    assert.equal(
      await page.getByRole('treeitem', { name: /CreateOrder/ }).getAttribute('aria-expanded'),
      'false',
    );
    await page.keyboard.press('ArrowRight'); // expands it again
    assert.equal(await page.getByRole('treeitem').count(), 6);
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft'); // collapsed already: goes to the parent
    assert.equal(await focusedRow(page), 'POST /checkout');
    await page.keyboard.press('Space'); // collapses the root, shows its details
    assert.equal(await page.getByRole('treeitem').count(), 1);
    await page.getByRole('complementary', { name: 'POST /checkout' }).waitFor();
    await page.keyboard.press('Enter'); // expands it again
    assert.equal(await page.getByRole('treeitem').count(), 4);
    await page.keyboard.press('End');
    assert.equal(await focusedRow(page), 'notify customer');
    // The details follow the focus while open.
    await page.getByRole('complementary', { name: 'notify customer' }).waitFor();
    await page.keyboard.press('Escape');
    assert.equal(await page.getByRole('complementary').count(), 0);
    assert.equal(await focusedRow(page), 'notify customer');
    // Tab out of the tree reaches nothing else in it (one tab stop), and Shift+Tab comes back.
    await page.keyboard.press('Home');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    assert.equal((await page.evaluate(activeElementInfo)).role, null);
    await page.keyboard.press('Shift+Tab');
    assert.equal(await focusedRow(page), 'POST /checkout');
    // When a collapse hides the focused row, the keyboard enters the tree at its nearest shown ancestor.
    await page.getByRole('button', { name: 'Expand all' }).click();
    await page.getByRole('treeitem', { name: /SELECT orders/ }).click();
    await page.getByRole('button', { name: 'Collapse all' }).click();
    await page.getByRole('button', { name: 'Download JSON' }).focus();
    await page.keyboard.press('Tab');
    assert.equal(await focusedRow(page), 'POST /checkout');
  });

  it('is operable by keyboard: the search form and the result list', async () => {
    await page.goto(`${base}/`);
    await page
      .getByLabel('Service', { exact: true })
      .locator('option[value="web"]')
      .waitFor({ state: 'attached' });
    // From the top of the page: the skip link, then on through the header to the form.
    await page.keyboard.press('Tab');
    assert.equal((await page.evaluate(activeElementInfo)).text, 'Skip to content');
    await tabTo(
      page,
      (el) => el.tagName === 'SELECT' && el.previousElementSibling?.textContent === 'Service',
    );
    await page.keyboard.type('web');
    assert.equal(await page.getByLabel('Service', { exact: true }).inputValue(), 'web');
    await tabTo(page, (el) => el.tagName === 'BUTTON' && el.textContent === 'Find traces');
    await page.keyboard.press('Enter');
    await page.getByRole('list', { name: 'Traces found' }).waitFor();
    // A second search from the results keeps the keyboard focus where it was.
    await tabTo(
      page,
      (el) => el.tagName === 'INPUT' && el.previousElementSibling?.textContent === 'Limit (traces)',
    );
    await page.keyboard.press('Control+A');
    await page.keyboard.type('5');
    await page.keyboard.press('Enter');
    await page.waitForURL(/&limit=5$/);
    await page.getByRole('list', { name: 'Traces found' }).waitFor();
    assert.equal((await page.evaluate(activeElementInfo)).value, '5');
    await tabTo(page, (el) => el.tagName === 'A' && (el.textContent ?? '').startsWith('web: POST /checkout'));
    await page.keyboard.press('Enter');
    await page.waitForURL(`${base}/trace/${checkout.traceId}`);
    await page.getByRole('treeitem').first().waitFor();
  });

  it('finds text within the trace and moves to each match', async () => {
    await page.goto(`${base}/trace/${checkout.traceId}`);
    await page.getByRole('treeitem').first().waitFor();
    await page.keyboard.press('/');
    await page.keyboard.type('postgres');
    await page.getByRole('status').filter({ hasText: '1 of 2' }).waitFor();
    assert.equal(await page.locator('.tl-row.is-match').count(), 2);
    await page.keyboard.press('Enter');
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: '2 of 2' }).waitFor();
    assert.match(await page.locator('.tl-row.is-current-match').innerText(), /INSERT orders/);
    await page.getByLabel('Find in trace').fill('card declined');
    await page.getByRole('status').filter({ hasText: '1 of 1' }).waitFor();
    await shot('find-in-trace');
  });

  it('downloads the trace as JSON in the API shape', async () => {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download JSON' }).click(),
    ]);
    assert.equal(download.suggestedFilename(), `trace-${checkout.traceId}.json`);
    const body = JSON.parse(readFileSync(await download.path(), 'utf8')) as {
      data: Array<{ traceID: string; spans: unknown[] }>;
    };
    assert.equal(body.data[0]?.traceID, checkout.traceId);
    assert.equal(body.data[0]?.spans.length, checkout.spans.length);
  });

  it('renders text at WCAG AA contrast on every page', async () => {
    const report: Record<string, number> = {};
    const pages: Array<[string, () => Promise<void>]> = [
      [
        'search',
        async () => {
          await page.goto(`${base}/search?service=web`);
          await page.getByRole('list', { name: 'Traces found' }).waitFor();
        },
      ],
      [
        'trace',
        async () => {
          await page.goto(`${base}/trace/${checkout.traceId}`);
          await page.getByRole('treeitem', { name: /Charge/ }).click();
          await page.getByLabel('Find in trace').fill('postgres');
          await page.getByRole('status').filter({ hasText: '1 of 2' }).waitFor();
        },
      ],
      [
        'dependencies',
        async () => {
          await page.goto(`${base}/dependencies`);
          await page.locator('.dep-node').first().waitFor();
        },
      ],
    ];
    for (const [name, open] of pages) {
      await open();
      const samples: TextSample[] = await page.evaluate(pageContrast);
      assert.ok(samples.length > 20, `${name}: only ${samples.length} text samples`);
      const low = samples.filter((s) => s.ratio < 4.5);
      assert.deepEqual(low, [], `${name}: text below 4.5:1`);
      report[name] = Math.min(...samples.map((s) => s.ratio));
    }
    process.stderr.write(`[ui] lowest text contrast per page: ${JSON.stringify(report)}\n`);
  });

  it('draws the service dependency graph and links services to their traces', async () => {
    await page.goto(`${base}/dependencies`);
    const nodes = page.locator('.dep-node');
    await nodes.first().waitFor();
    const names = await nodes.evaluateAll((els) => els.map((e) => e.querySelector('title')?.textContent));
    for (const s of ['web', 'orders', 'postgres', 'payments', 'gateway', 'catalog', 'svc-0', 'svc-1']) {
      assert.ok(names.includes(s), `no node for ${s} in ${names.join(', ')}`);
    }
    const table = page.getByRole('table', { name: 'Links between services' });
    assert.match(await table.innerText(), /orders\s+postgres\s+2/);
    assert.match(await table.innerText(), /web\s+orders\s+1/);
    await shot('dependencies');
    await page.locator('.dep-node', { has: page.locator('title', { hasText: /^payments$/ }) }).focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(`${base}/search?service=payments`);
    await page.getByRole('list', { name: 'Traces found' }).waitFor();
  });

  it(`stays fluid with a ${BIG_SPANS.toLocaleString('en')}-span trace: only the rows in view are rendered`, async () => {
    const started = Date.now();
    await page.goto(`${base}/trace/${big.traceId}`);
    const tree = page.getByRole('tree');
    await page.getByRole('treeitem').first().waitFor({ timeout: 60_000 });
    const loadMs = Date.now() - started;
    assert.equal(
      await tree.getAttribute('aria-label'),
      `Spans of trace ${big.traceId}, ${BIG_SPANS} shown of ${BIG_SPANS}`,
    );
    const rendered = await page.getByRole('treeitem').count();
    assert.ok(rendered > 10 && rendered < 80, `${rendered} rows in the DOM`);

    // Scroll through the whole trace, a viewport at a time, timing each step until the rows are painted.
    const scroll = await page.evaluate(scrollThroughTimeline);
    assert.ok(scroll.maxRows < 80, `up to ${scroll.maxRows} rows in the DOM while scrolling`);

    const focusStarted = Date.now();
    await page.getByRole('treeitem').first().focus();
    await page.keyboard.press('Home');
    await page.keyboard.press('End');
    assert.match((await focusedRow(page)) ?? '', /^step-\d+$/);
    assert.ok(await page.locator('[role=treeitem]:focus').isVisible());
    const endMs = Date.now() - focusStarted;

    await page.getByRole('button', { name: 'Collapse all' }).click();
    assert.equal(await page.getByRole('treeitem').count(), 1);
    await page.getByRole('button', { name: 'Expand all' }).click();
    await page.getByLabel('Find in trace').fill('index=9999');
    await page.getByRole('status').filter({ hasText: '1 of 1' }).waitFor();
    await page.getByLabel('Find in trace').press('Enter');
    await page.locator('.tl-row.is-current-match').waitFor();
    assert.match(await page.locator('.tl-row.is-current-match').innerText(), /step-9999/);
    await shot('big-trace');
    process.stderr.write(
      `[ui] ${BIG_SPANS}-span trace: shown ${loadMs} ms after navigation; ${rendered} rows in the DOM; ` +
        `${scroll.steps} page scrolls, median ${scroll.medianMs?.toFixed(1)} ms to paint, at most ${scroll.maxRows} rows; ` +
        `Home/End round trip ${endMs} ms\n`,
    );
  });
});

/** The operation of the timeline row that has the keyboard focus. */
function focusedRow(page: Page): Promise<string | undefined> {
  return page.evaluate(focusedOperation);
}

/** Presses Tab until the focused element satisfies `match` (at most 40 times). */
async function tabTo(page: Page, match: (el: DomElement) => boolean): Promise<void> {
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate(`(${match.toString()})(document.activeElement)`)) return;
  }
  throw new Error(`40 presses of Tab never reached the element wanted (${match.toString()})`);
}
