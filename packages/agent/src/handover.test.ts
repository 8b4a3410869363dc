import { describe, expect, it } from 'vitest';
import { asksIfThere, menuOrPerson, shouldAcknowledge, WAITING_ACK_EVERY_MS } from './handover.ts';
import { normalise } from './text.ts';

describe('menuOrPerson', () => {
  it.each(['1', 'menu', 'Menu please', ' the menu ', 'القائمة', '١'])('%j picks the menu', (t) => expect(menuOrPerson(normalise(t))).toBe('menu'));
  it.each(['2', 'a person', 'Person please', 'human', 'staff', 'شخص', 'موظف', '٢', 'I want to talk to a human'])('%j picks a person', (t) =>
    expect(menuOrPerson(normalise(t))).toBe('person'),
  );
  it.each(['\u200b', '', 'x'.repeat(2000), `human ${'x'.repeat(2000)}`, 'what?', '3', 'blue'])('%j is neither', (t) => expect(menuOrPerson(normalise(t))).toBeNull());
});

describe('the note to a patient waiting for staff', () => {
  const now = new Date('2026-12-01T10:00:00Z');
  const ago = (ms: number) => new Date(now.getTime() - ms);
  it('comes once, then at most every 15 minutes', () => {
    expect(shouldAcknowledge('my appointment', null, false, now)).toBe(true);
    expect(shouldAcknowledge('my appointment', ago(60_000), false, now)).toBe(false);
    expect(shouldAcknowledge('my appointment', ago(WAITING_ACK_EVERY_MS), false, now)).toBe(true);
  });
  it('always answers "are you there?", even just after the last one and once a person has it', () => {
    for (const t of ['are you there?', 'Hello?', 'anyone there', '??', 'هل أنت هناك؟', 'وينكم']) {
      expect(asksIfThere(normalise(t))).toBe(true);
      expect(shouldAcknowledge(normalise(t), ago(1_000), true, now)).toBe(true);
    }
    expect(shouldAcknowledge('thanks', null, true, now)).toBe(false);
  });
  it('ordinary messages are not "are you there?"', () => {
    for (const t of ['I want to book', 'my bookings', 'there is a problem with my booking', 'شكرا']) expect(asksIfThere(t)).toBe(false);
  });
});
