import { describe, expect, it } from 'vitest';
import { toInputItems } from './agent.ts';

const at = new Date('2026-12-01T03:00:00Z');

describe('the stored transcript as the run input', () => {
  it('keeps turns in order, texts as plain strings, each call with its result', () => {
    const items = toInputItems([
      { role: 'user', content: 'family doctor tomorrow', at },
      { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'search_physicians', arguments: '{"specialty":"family-medicine"}' }], at },
      { role: 'tool', toolCallId: 'c1', content: '{"ok":true}', at },
      { role: 'assistant', content: 'Dr. Salma is free at 09:00.', at },
    ]);
    expect(items).toEqual([
      { role: 'user', content: 'family doctor tomorrow' },
      { type: 'function_call', callId: 'c1', name: 'search_physicians', arguments: '{"specialty":"family-medicine"}', status: 'completed' },
      { type: 'function_call_result', callId: 'c1', name: 'search_physicians', status: 'completed', output: { type: 'text', text: '{"ok":true}' } },
      expect.objectContaining({ role: 'assistant', content: 'Dr. Salma is free at 09:00.' }),
    ]);
  });

  it('drops a call without its result and a result without its call (an endpoint would refuse either)', () => {
    const items = toInputItems([
      { role: 'tool', toolCallId: 'gone', content: '{"ok":true}', at },
      { role: 'user', content: 'hi', at },
      { role: 'assistant', content: 'Let me look.', toolCalls: [{ id: 'c2', name: 'clinic_info', arguments: '{}' }], at },
    ]);
    expect(items).toEqual([{ role: 'user', content: 'hi' }, expect.objectContaining({ role: 'assistant' })]);
  });
});
