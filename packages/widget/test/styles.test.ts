import { describe, expect, it } from 'vitest';
import { DEFAULT_COLORS, textOn, themeVars } from '../src/styles.ts';

describe('theme colours from the config', () => {
  it('uses the bot colours, with a readable text colour on the primary one', () => {
    expect(themeVars({ primary: '#0f766e', background: '#fafafa', text: '#222' })).toEqual({
      '--pw-primary': '#0f766e',
      '--pw-on-primary': '#ffffff',
      '--pw-bg': '#fafafa',
      '--pw-text': '#222',
    });
    expect(textOn('#fde047')).toBe('#111111'); // dark text on yellow
    expect(textOn('#000')).toBe('#ffffff');
  });

  it('falls back to the defaults for missing or unusable values', () => {
    const vars = themeVars({ primary: 'red; background: url(x)', background: '', text: undefined as never });
    expect(vars['--pw-primary']).toBe(DEFAULT_COLORS.primary);
    expect(vars['--pw-bg']).toBe(DEFAULT_COLORS.background);
    expect(vars['--pw-text']).toBe(DEFAULT_COLORS.text);
    expect(themeVars(undefined)['--pw-primary']).toBe(DEFAULT_COLORS.primary);
  });
});
