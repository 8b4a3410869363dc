import { describe, expect, it } from 'vitest';
import { WHATSAPP_MAX_CHARS, splitForWhatsApp } from './whatsapp-text.ts';

const words = (parts: string[]) => parts.join(' ').split(/\s+/);

describe('splitForWhatsApp', () => {
  it('keeps text up to 1600 characters whole and sends nothing for blank text', () => {
    expect(WHATSAPP_MAX_CHARS).toBe(1600);
    expect(splitForWhatsApp('Hello')).toEqual(['Hello']);
    expect(splitForWhatsApp('x'.repeat(1600))).toEqual(['x'.repeat(1600)]);
    expect(splitForWhatsApp('  \n ')).toEqual([]);
  });

  it('splits long text at line ends, every part ≤ 1600, nothing lost', () => {
    const text = Array.from({ length: 80 }, (_, i) => `Line ${i}: the clinic opens at 08:00.`).join('\n');
    const parts = splitForWhatsApp(text);
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) expect(p.length).toBeLessThanOrEqual(1600);
    expect(parts.join('\n')).toBe(text);
    expect(parts[0]!.endsWith('08:00.')).toBe(true); // cut at a line end, not mid-sentence
  });

  it('prefers paragraph, then sentence, then word ends', () => {
    expect(splitForWhatsApp('aaaa aaaa\n\nbbbb bbbb', 15)).toEqual(['aaaa aaaa', 'bbbb bbbb']);
    expect(splitForWhatsApp('One two. Three four', 14)).toEqual(['One two.', 'Three four']);
    expect(splitForWhatsApp('alpha beta gamma delta', 12)).toEqual(['alpha beta', 'gamma delta']);
  });

  it('cuts a single unbroken word at the limit and never splits an emoji', () => {
    expect(splitForWhatsApp('x'.repeat(25), 10)).toEqual(['x'.repeat(10), 'x'.repeat(10), 'x'.repeat(5)]);
    const emoji = splitForWhatsApp('a'.repeat(9) + '😀' + 'b'.repeat(5), 10);
    expect(emoji.join('')).toBe('a'.repeat(9) + '😀' + 'b'.repeat(5));
    for (const p of emoji) expect(p.length).toBeLessThanOrEqual(10);
    expect(splitForWhatsApp('😀😀😀', 2)).toEqual(['😀', '😀', '😀']);
  });

  it('splits Arabic text at its own sentence ends, nothing lost', () => {
    const text = 'مرحباً بكم في العيادة، نحن هنا لمساعدتكم. '.repeat(100).trim();
    const parts = splitForWhatsApp(text);
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) expect(p.length).toBeLessThanOrEqual(1600);
    expect(words(parts)).toEqual(text.split(/\s+/));
  });

  it('refuses a limit too small to carry an emoji', () => {
    expect(() => splitForWhatsApp('hello', 1)).toThrow(RangeError);
  });
});
