import { describe, expect, it } from 'vitest';
import type { ConversationMessage } from './conversations.repository.ts';
import { MAX_USER_TURNS, trimMessages } from './conversations.service.ts';

const at = new Date(0);
const turn = (i: number): ConversationMessage[] => [
  { role: 'user', content: `u${i}`, at },
  { role: 'assistant', content: '', toolCalls: [{ id: `c${i}`, name: 'clinic_info', arguments: '{}' }], at },
  { role: 'tool', toolCallId: `c${i}`, content: '{}', at },
  { role: 'assistant', content: `a${i}`, at },
];

describe('trimMessages', () => {
  it(`keeps the last ${MAX_USER_TURNS} user turns whole, starting at a user message`, () => {
    const all = Array.from({ length: 30 }, (_, i) => turn(i)).flat();
    const kept = trimMessages(all);
    expect(kept.filter((m) => m.role === 'user')).toHaveLength(MAX_USER_TURNS);
    expect(kept[0]).toMatchObject({ role: 'user', content: 'u10' });
    expect(kept.at(-1)).toMatchObject({ content: 'a29' });
  });
  it('leaves short histories alone and drops a leading orphan tool exchange', () => {
    expect(trimMessages(turn(1))).toHaveLength(4);
    expect(trimMessages([...turn(1).slice(1), ...turn(2)])[0]).toMatchObject({ content: 'u2' });
  });
});
