import { describe, expect, it } from 'vitest';
import { formatLinkCode, parseLinkCode } from './whatsapp.ts';

describe('WhatsApp link codes', () => {
  it('accept the code as shown or as typed: lower case, spaces, no dash', () => {
    expect(parseLinkCode('K7P3-QX9M')).toBe('K7P3QX9M');
    expect(parseLinkCode('k7p3 qx9m')).toBe('K7P3QX9M');
    expect(formatLinkCode('K7P3QX9M')).toBe('K7P3-QX9M');
  });
  it('refuse what no code can be: wrong length, or characters left out because they are easily misread', () => {
    expect(parseLinkCode('K7P3-QX9')).toBeNull();
    expect(parseLinkCode('K7P3-QX9MM')).toBeNull();
    for (const misread of ['K7P3-QX0M', 'K7P3-QXOM', 'K7P3-QX1M', 'K7P3-QXIM', 'K7P3-QXLM', 'K7P3-QXUM']) expect(parseLinkCode(misread)).toBeNull();
  });
});
