import { describe, expect, it } from 'vitest';
import { parseSimPeople, simLine } from './twilio-sim.ts';

describe('whatsapp-sim: several numbers', () => {
  const people = parseSimPeople(['+971501111111=Aisha', '+971502222222', '+971503333333=Omar Ali']);

  it('each number has its own profile name (a default one when none is given)', () => {
    expect(people).toEqual([
      { phone: '+971501111111', name: 'Aisha' },
      { phone: '+971502222222', name: 'Local tester 2' },
      { phone: '+971503333333', name: 'Omar Ali' },
    ]);
    expect(parseSimPeople([])).toEqual([{ phone: '+971501234567', name: 'Local tester 1' }]);
  });

  it('refuses a number that is not E.164 or is given twice, naming it', () => {
    expect(() => parseSimPeople(['0501234567'])).toThrow('"0501234567" is not an E.164 number');
    expect(() => parseSimPeople(['+971501111111', '+971501111111=B'])).toThrow('+971501111111 is given twice');
  });

  it('"2: text" speaks once as the second number, "/as" switches by position, number or name; else the current one speaks', () => {
    expect(simLine('2: hi there', people, 0)).toEqual({ send: { as: 1, text: 'hi there' } });
    expect(simLine('hello', people, 2)).toEqual({ send: { as: 2, text: 'hello' } });
    expect(simLine('/as 3', people, 0)).toEqual({ switchTo: 2 });
    expect(simLine('/as +971502222222', people, 0)).toEqual({ switchTo: 1 });
    expect(simLine('/as aisha', people, 2)).toEqual({ switchTo: 0 });
    expect(simLine('/as 9', people, 0)).toMatchObject({ error: expect.stringContaining('no number "9"') });
    // A time or an unknown position is just text.
    expect(simLine('10:30', people, 0)).toEqual({ send: { as: 0, text: '10:30' } });
    expect(simLine('   ', people, 0)).toBeNull();
  });
});
