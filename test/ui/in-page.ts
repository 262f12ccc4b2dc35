// Functions the browser tests run inside the page (page.evaluate): they must be self-contained, as Playwright
// sends their source text. The tests compile without TypeScript's DOM library (it would change the types of
// fetch and Buffer for every test), so the slice of the DOM these functions touch is declared here.

export interface DomStyle {
  color: string;
  backgroundColor: string;
  fill: string;
  visibility: string;
  display: string;
  opacity: string;
  outlineStyle: string;
}

export interface DomNode {
  nodeType: number;
  textContent: string | null;
}

export interface DomElement extends DomNode {
  tagName: string;
  className: unknown;
  namespaceURI: string | null;
  parentElement: DomElement | null;
  previousElementSibling: DomElement | null;
  childNodes: Iterable<DomNode>;
  closest(selector: string): DomElement | null;
  querySelector(selector: string): DomElement | null;
  querySelectorAll(selector: string): Iterable<DomElement> & { length: number };
  getAttribute(name: string): string | null;
  getBoundingClientRect(): { top: number; bottom: number; width: number; height: number };
  focus(): void;
  disabled?: boolean;
  placeholder?: string;
  value?: string;
  scrollTop: number;
  scrollHeight: number;
  clientHeight: number;
}

export interface DomWindow {
  document: {
    activeElement: DomElement | null;
    querySelector(selector: string): DomElement | null;
    querySelectorAll(selector: string): Iterable<DomElement> & { length: number };
  };
  getComputedStyle(element: DomElement, pseudo?: string): DomStyle;
  innerHeight: number;
  requestAnimationFrame(callback: (time: number) => void): number;
  performance: { now(): number };
}

/** One visible piece of text and the contrast of its colour against what it is drawn on. */
export interface TextSample {
  what: string;
  ratio: number;
}

/** What has the keyboard focus: its role attribute, text and (for a form control) value. */
export function activeElementInfo(): { role: string | null; text: string | null; value: string | null } {
  const el = (globalThis as unknown as DomWindow).document.activeElement;
  return { role: el?.getAttribute('role') ?? null, text: el?.textContent ?? null, value: el?.value ?? null };
}

/** The operation of the timeline row that has the keyboard focus, if a row has it. */
export function focusedOperation(): string | undefined {
  const el = (globalThis as unknown as DomWindow).document.activeElement;
  return el?.getAttribute('role') === 'treeitem'
    ? (el.querySelector('.tl-operation')?.textContent ?? undefined)
    : undefined;
}

/** Scrolls the timeline through, a viewport at a time, timing each step until the rows are painted. */
export async function scrollThroughTimeline(): Promise<{ steps: number; medianMs: number; maxRows: number }> {
  const w = globalThis as unknown as DomWindow;
  const vp = w.document.querySelector('.tl-viewport') as DomElement;
  const frame = (): Promise<number> => new Promise((resolve) => w.requestAnimationFrame(resolve));
  const times: number[] = [];
  let maxRows = 0;
  for (let top = 0; top < vp.scrollHeight; top += vp.clientHeight) {
    const t = w.performance.now();
    vp.scrollTop = top;
    await frame();
    await frame();
    times.push(w.performance.now() - t);
    maxRows = Math.max(maxRows, vp.querySelectorAll('[role=treeitem]').length);
  }
  times.sort((a, b) => a - b);
  return { steps: times.length, medianMs: times[Math.floor(times.length / 2)] ?? 0, maxRows };
}

/** The WCAG contrast of an element's text colour against the (composited) background it is painted on. */
export function textContrast(el: DomElement): number {
  const w = globalThis as unknown as DomWindow;
  const parse = (c: string): number[] => (c.match(/[\d.]+/g) ?? []).map(Number);
  const lum = ([r, g, b]: number[]): number =>
    [r, g, b]
      .map((v) => (v as number) / 255)
      .map((s) => (s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4))
      .reduce((sum, v, i) => sum + v * ([0.2126, 0.7152, 0.0722][i] as number), 0);
  const layers: number[][] = [];
  for (let e: DomElement | null = el; e !== null; e = e.parentElement) {
    const c = parse(w.getComputedStyle(e).backgroundColor);
    const a = c[3] ?? 1;
    if (c.length >= 3 && a > 0) layers.push([c[0] as number, c[1] as number, c[2] as number, a]);
    if (c.length >= 3 && a >= 1) break;
  }
  let bg = [255, 255, 255];
  for (const [r, g, b, a] of layers.reverse()) {
    bg = [r, g, b].map((v, i) => (v as number) * (a as number) + (bg[i] as number) * (1 - (a as number)));
  }
  const fgRaw = parse(w.getComputedStyle(el).color);
  const fa = fgRaw[3] ?? 1;
  const fg = fgRaw.slice(0, 3).map((v, i) => v * fa + (bg[i] as number) * (1 - fa));
  const [hi, lo] = [lum(fg), lum(bg)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/**
 * Every visible element with text of its own, and every enabled form control, with its contrast: HTML text by
 * `color` on the composited `background-color` of it and its ancestors; SVG text by `fill` on the box drawn
 * behind it (a graph node's rect) or the chart's background; placeholders too.
 */
export function pageContrast(): TextSample[] {
  const w = globalThis as unknown as DomWindow;
  const SVG = 'http://www.w3.org/2000/svg';
  const TEXT_NODE = 3;
  const parse = (c: string): number[] => (c.match(/[\d.]+/g) ?? []).map(Number);
  const lum = ([r, g, b]: number[]): number =>
    [r, g, b]
      .map((v) => (v as number) / 255)
      .map((s) => (s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4))
      .reduce((sum, v, i) => sum + v * ([0.2126, 0.7152, 0.0722][i] as number), 0);
  const ratio = (fg: number[], bg: number[]): number => {
    const [hi, lo] = [lum(fg), lum(bg)].sort((x, y) => y - x) as [number, number];
    return (hi + 0.05) / (lo + 0.05);
  };
  const background = (start: DomElement | null): number[] => {
    const layers: number[][] = [];
    for (let e = start; e !== null; e = e.parentElement) {
      const style = w.getComputedStyle(e);
      const c = parse(e.namespaceURI === SVG && e.tagName === 'rect' ? style.fill : style.backgroundColor);
      const a = c[3] ?? 1;
      if (c.length >= 3 && a > 0) layers.push([c[0] as number, c[1] as number, c[2] as number, a]);
      if (c.length >= 3 && a >= 1) break;
    }
    let bg = [255, 255, 255];
    for (const [r, g, b, a] of layers.reverse()) {
      bg = [r, g, b].map((v, i) => (v as number) * (a as number) + (bg[i] as number) * (1 - (a as number)));
    }
    return bg;
  };
  const blend = (fg: number[], bg: number[]): number[] => {
    const a = fg[3] ?? 1;
    return fg.slice(0, 3).map((v, i) => v * a + (bg[i] as number) * (1 - a));
  };
  const describe = (el: DomElement): string =>
    `${el.tagName.toLowerCase()}${typeof el.className === 'string' && el.className !== '' ? `.${el.className.split(' ').join('.')}` : ''} "${(el.textContent ?? '').trim().slice(0, 30)}"`;
  const out: TextSample[] = [];
  for (const el of w.document.querySelectorAll('body *')) {
    if (el.closest('.visually-hidden, option, title, script, style, noscript') !== null) continue;
    const rect = el.getBoundingClientRect();
    if (rect.width < 2 || rect.height < 2 || rect.bottom < 0 || rect.top > w.innerHeight) continue;
    const style = w.getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none' || Number(style.opacity) === 0) continue;
    if (el.disabled === true) continue; // WCAG exempts inactive controls
    const ownText = [...el.childNodes].some(
      (n) => n.nodeType === TEXT_NODE && (n.textContent ?? '').trim() !== '',
    );
    const control = /^(INPUT|SELECT|BUTTON)$/.test(el.tagName);
    if (!ownText && !control) continue;
    if (el.namespaceURI === SVG) {
      const box = el.parentElement?.querySelector(':scope > rect') ?? null;
      const bg = background(box ?? el.closest('svg')?.parentElement ?? null);
      out.push({ what: describe(el), ratio: ratio(blend(parse(style.fill), bg), bg) });
      continue;
    }
    const bg = background(el);
    out.push({ what: describe(el), ratio: ratio(blend(parse(style.color), bg), bg) });
    if (el.tagName === 'INPUT' && el.placeholder !== '' && el.value === '') {
      const placeholder = w.getComputedStyle(el, '::placeholder').color;
      out.push({ what: `${describe(el)} placeholder`, ratio: ratio(blend(parse(placeholder), bg), bg) });
    }
  }
  return out;
}
