import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startInsurer } from './support/insurer.ts';
import { startHarness, type Harness } from './support/harness.ts';
import { startScriptedLlm, type ScriptedLlm } from './support/scripted-llm.ts';

/**
 * Model mode in Arabic (a scripted OpenAI-compatible endpoint behind the Agents SDK): what the tools hand the model
 * is in the patient's language where the model would otherwise have to translate — physician names in Arabic
 * script, dates with the Arabic comma, and a refusal's reason rendered in Arabic (`patientText`) beside the code.
 */
let h: Harness;
let llm: ScriptedLlm;
let insurer: Awaited<ReturnType<typeof startInsurer>>;

beforeAll(async () => {
  llm = await startScriptedLlm();
  insurer = await startInsurer({});
  h = await startHarness({ llm, insurerUrl: insurer.url });
  await h.database.cols.physicians.updateOne({ fullName: 'Dr. Salma Haddad' }, { $set: { fullNameAr: 'د. سلمى حداد' } });
});
afterAll(async () => {
  await h.close();
  await llm.close();
  await insurer.close();
});
afterEach(() => {
  expect(llm.stepErrors).toEqual([]);
  expect(llm.pending).toBe(0);
});

describe('tools in an Arabic conversation', () => {
  it('name the physician in Arabic script and write times with the Arabic comma', async () => {
    llm.push(
      { tools: [{ name: 'search_physicians', args: { specialty: 'family-medicine', availableOn: h.day1 } }] },
      (req) => {
        const found = llm.toolResults(req).at(-1);
        expect(found.physicians[0]).toMatchObject({ name: 'د. سلمى حداد', price: '300 درهم' });
        expect(found.physicians[0].nextFreeSlot.local).toMatch(/^\S+، \d{1,2} \S+، \d{2}:\d{2}$/);
        return { text: 'د. سلمى حداد متاحة غداً.' };
      },
    );
    const r = await h.say('أريد طبيب أسرة غداً', '+971502220001');
    expect(r.replies).toEqual(['د. سلمى حداد متاحة غداً.']);
  });

  it('a wrong Emirates ID comes back with its reason code and the reason in Arabic for the model to pass on', async () => {
    llm.push(
      { tools: [{ name: 'check_insurance', args: { emiratesId: 'رقمي ٧٨٤-١٩٩٠-١٢٣٤٥٦-٦' } }] },
      (req) => {
        const res = llm.toolResults(req).at(-1);
        expect(res).toMatchObject({ ok: false, code: 'INVALID_EMIRATES_ID', reason: { code: 'length', params: { digits: 14 } } });
        expect(res.patientText).toMatch(/^رقم الهوية غير صحيح: /);
        expect(res.patientText).toContain('14');
        expect(res.patientText).not.toMatch(/[A-Za-z]/);
        return { text: res.patientText };
      },
    );
    const r = await h.say('هذا رقم هويتي ٧٨٤-١٩٩٠-١٢٣٤٥٦-٦', '+971502220002');
    expect(r.replies[0]).not.toMatch(/[A-Za-z]/);
  });
});
