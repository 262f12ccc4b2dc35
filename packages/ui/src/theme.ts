// The colour tokens: the only place colours are chosen. main.tsx publishes them as CSS custom properties
// (`--text`, `--bg`, …) that styles.css uses; test/theme.test.ts checks every text/background pair below for
// WCAG AA contrast, and the browser test checks the pairs the page really renders.

export const colors = {
  bg: '#ffffff',
  surface: '#f4f6f8',
  surfaceAlt: '#e9edf1',
  divider: '#d0d7de',
  /** Borders of form controls: non-text contrast, 3:1 at least. */
  controlBorder: '#6e7781',
  text: '#1f2328',
  textMuted: '#57606a',
  link: '#0550ae',
  accent: '#0550ae',
  accentText: '#ffffff',
  error: '#b3261e',
  errorBg: '#ffebe9',
  selectedBg: '#dbeafe',
  matchBg: '#fff1b8',
  focus: '#a34700',
  /** The focus ring inside the dark header. */
  focusOnDark: '#ffb65c',
  headerBg: '#1f2933',
  headerText: '#ffffff',
  headerMuted: '#c5ced8',
  criticalPath: '#1f2328',
  grid: '#d8dee4',
} as const;

export type ColorToken = keyof typeof colors;

/**
 * Span bar colours by service: each has 3:1 against the row backgrounds (non-text contrast), and white text on
 * each reaches 4.5:1 (a bar as wide as the axis carries its duration inside).
 */
export const servicePalette: readonly string[] = [
  '#1f6feb',
  '#1a7f37',
  '#8250df',
  '#bc4c00',
  '#bf3989',
  '#0a7b83',
  '#8a6100',
  '#5a6472',
  '#6639ba',
  '#116329',
  '#953800',
  '#0b4f9c',
];

/** Text colour on background colour: the pairs the UI renders, each needing 4.5:1 (WCAG AA, normal text). */
export const textPairs: ReadonlyArray<readonly [ColorToken, ColorToken]> = [
  ['text', 'bg'],
  ['text', 'surface'],
  ['text', 'surfaceAlt'],
  ['text', 'selectedBg'],
  ['text', 'matchBg'],
  ['textMuted', 'bg'],
  ['textMuted', 'surface'],
  ['textMuted', 'selectedBg'],
  ['textMuted', 'matchBg'],
  ['link', 'bg'],
  ['link', 'surface'],
  ['link', 'selectedBg'],
  ['accentText', 'accent'],
  ['accentText', 'error'],
  ['error', 'bg'],
  ['error', 'errorBg'],
  ['error', 'selectedBg'],
  ['headerText', 'headerBg'],
  ['headerMuted', 'headerBg'],
];

/** Non-text pairs (focus ring, control borders, bars on rows), each needing 3:1 (WCAG 1.4.11). */
export const graphicPairs: ReadonlyArray<readonly [ColorToken, ColorToken]> = [
  ['focus', 'bg'],
  ['focus', 'surface'],
  ['focus', 'selectedBg'],
  ['focusOnDark', 'headerBg'],
  ['controlBorder', 'bg'],
  ['criticalPath', 'bg'],
  ['error', 'bg'],
];

/** The backgrounds span bars are drawn on. */
export const barBackgrounds: readonly ColorToken[] = ['bg', 'selectedBg', 'matchBg', 'surfaceAlt'];

/** A stable colour per service: by the service's position in the sorted list of the trace's services. */
export function serviceColors(services: Iterable<string>): Map<string, string> {
  const sorted = [...new Set(services)].sort();
  return new Map(sorted.map((name, i) => [name, servicePalette[i % servicePalette.length] as string]));
}

/** The CSS custom properties for the tokens: `--text`, `--bg`, `--text-muted`, … */
export function cssVariables(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(colors)) {
    out[`--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`] = value;
  }
  return out;
}
