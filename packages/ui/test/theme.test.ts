// WCAG AA for the theme: every text colour on every background it is drawn on at 4.5:1 or more, and the focus
// ring, control borders and span bars at 3:1 or more (non-text contrast).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { contrastRatio, parseColor } from '../src/lib/color.js';
import {
  barBackgrounds,
  colors,
  cssVariables,
  graphicPairs,
  servicePalette,
  textPairs,
} from '../src/theme.js';

describe('contrastRatio', () => {
  it("matches WCAG's reference values", () => {
    assert.equal(contrastRatio('#000000', '#ffffff'), 21);
    assert.equal(contrastRatio('#ffffff', '#ffffff'), 1);
    assert.equal(contrastRatio('#777777', '#ffffff').toFixed(2), '4.48');
    assert.equal(contrastRatio('rgb(0, 0, 0)', 'rgba(255, 255, 255, 1)'), 21);
  });

  it('paints a translucent colour over the background first', () => {
    assert.equal(contrastRatio('rgba(0, 0, 0, 0)', '#ffffff'), 1);
    const grey = { r: 127.5, g: 127.5, b: 127.5, a: 1 };
    assert.equal(contrastRatio('rgba(0, 0, 0, 0.5)', '#ffffff'), contrastRatio(grey, '#ffffff'));
  });

  it('reads the colour forms browsers compute', () => {
    assert.deepEqual(parseColor('#abc'), { r: 170, g: 187, b: 204, a: 1 });
    assert.deepEqual(parseColor('rgba(1, 2, 3, 0.25)'), { r: 1, g: 2, b: 3, a: 0.25 });
    assert.deepEqual(parseColor('rgb(1 2 3 / 50%)'), { r: 1, g: 2, b: 3, a: 0.5 });
    assert.throws(() => parseColor('red'), /not a colour/);
  });
});

describe('theme', () => {
  for (const [fg, bg] of textPairs) {
    it(`text ${fg} on ${bg} reaches 4.5:1`, () => {
      const ratio = contrastRatio(colors[fg], colors[bg]);
      assert.ok(ratio >= 4.5, `${fg} ${colors[fg]} on ${bg} ${colors[bg]} is ${ratio.toFixed(2)}:1`);
    });
  }

  it('keeps focus rings, control borders and error marks at 3:1', () => {
    for (const [fg, bg] of graphicPairs) {
      const ratio = contrastRatio(colors[fg], colors[bg]);
      assert.ok(ratio >= 3, `${fg} on ${bg} is ${ratio.toFixed(2)}:1`);
    }
  });

  it('keeps every service colour at 3:1 against the row backgrounds its bars are drawn on', () => {
    for (const color of servicePalette) {
      for (const bg of barBackgrounds) {
        const ratio = contrastRatio(color, colors[bg]);
        assert.ok(ratio >= 3, `${color} on ${bg} is ${ratio.toFixed(2)}:1`);
      }
    }
  });

  it('keeps white duration labels on every service colour at 4.5:1', () => {
    for (const color of servicePalette) {
      const ratio = contrastRatio(colors.accentText, color);
      assert.ok(ratio >= 4.5, `${colors.accentText} on ${color} is ${ratio.toFixed(2)}:1`);
    }
  });

  it('publishes every token as a CSS custom property', () => {
    const vars = cssVariables();
    assert.equal(vars['--text'], colors.text);
    assert.equal(vars['--text-muted'], colors.textMuted);
    assert.equal(vars['--focus-on-dark'], colors.focusOnDark);
    assert.equal(Object.keys(vars).length, Object.keys(colors).length);
  });
});
