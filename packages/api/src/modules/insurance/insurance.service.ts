import { emiratesIdErrorReason, maskEmiratesId, parseEmiratesId, type InsuranceCheckResult, type InsuranceProfile } from '@clinic/contracts';
import { ObjectId, type InsuranceProfileDoc } from '@clinic/db';
import { DAY_MS, localDateOf, toZonedIso } from '@clinic/scheduling';
import type { ApiDeps } from '../../deps.ts';
import { AppError } from '../../errors.ts';
import { createPiiCipher } from '../../security/pii.ts';
import type { ClinicService } from '../clinic/clinic.service.ts';
import type { EligibilityAnswer } from './insurance.provider.ts';
import { createInsuranceRepository } from './insurance.repository.ts';

/** A definitive answer is reused for a day; `unknown` is never reused (the next check asks again). */
export const INSURANCE_CACHE_MS = DAY_MS;

/** What payments need: the patient's share of the fee, when an insurer covers them. */
export interface Coverage {
  eligible: true;
  copayPercent: number;
  insurer: string;
  plan: string;
}

/** What procedures may call (see UseCases in services.ts): contract types only. */
export interface InsuranceUseCases {
  check(patientId: string, rawEmiratesId: string): Promise<InsuranceCheckResult>;
  latest(patientId: string): Promise<InsuranceProfile>;
}

function messageFor(doc: Pick<InsuranceProfileDoc, 'status' | 'insurer' | 'network' | 'plan' | 'copayPercent'>): string {
  switch (doc.status) {
    case 'eligible':
      return `Covered by ${doc.insurer} (${doc.plan}, ${doc.network} network): you pay ${doc.copayPercent}% of the consultation fee.`;
    case 'not_eligible':
      return `${doc.insurer ?? 'Your insurer'} reports no active cover for this Emirates ID. You can still book and pay the full fee.`;
    case 'not_found':
      return 'No insurance policy was found for this Emirates ID. You can still book and pay the full fee.';
    default:
      return 'We could not reach the insurer just now. Please try again later.';
  }
}

function fieldsOf(answer: EligibilityAnswer): Pick<InsuranceProfileDoc, 'status' | 'insurer' | 'network' | 'plan' | 'copayPercent'> {
  switch (answer.status) {
    case 'eligible':
      return { status: 'eligible', insurer: answer.insurer, network: answer.network, plan: answer.plan, copayPercent: answer.copayPercent };
    case 'not_eligible':
      return { status: 'not_eligible', insurer: answer.insurer, network: null, plan: null, copayPercent: null };
    default:
      return { status: answer.status, insurer: null, network: null, plan: null, copayPercent: null };
  }
}

export function createInsuranceService(deps: ApiDeps, clinic: ClinicService) {
  const repo = createInsuranceRepository(deps.db.cols);
  const pii = createPiiCipher(deps.insurance.encryptionKey);

  const isFresh = (doc: InsuranceProfileDoc, now: Date) => doc.status !== 'unknown' && now.getTime() - doc.checkedAt.getTime() < INSURANCE_CACHE_MS;

  function toDto(doc: InsuranceProfileDoc, digits: string, timeZone: string): InsuranceProfile {
    return {
      emiratesId: maskEmiratesId(digits),
      status: doc.status,
      insurer: doc.insurer,
      network: doc.network,
      plan: doc.plan,
      copayPercent: doc.copayPercent,
      message: messageFor(doc),
      checkedAt: toZonedIso(doc.checkedAt, timeZone),
      validUntil: doc.status === 'unknown' ? null : toZonedIso(new Date(doc.checkedAt.getTime() + INSURANCE_CACHE_MS), timeZone),
    };
  }

  /** Asks the insurer and stores the answer (whatever it is) as the patient's latest result. */
  async function askAndStore(patientId: string, digits: string, hash: string): Promise<InsuranceProfileDoc> {
    let answer: EligibilityAnswer;
    try {
      answer = await deps.insurance.provider.checkEligibility(digits);
    } catch {
      // Providers should not throw; if one does, the patient still gets "try again later", not a 500.
      answer = { status: 'unknown', reason: 'unreachable' };
    }
    const checkedAt = deps.clock();
    const doc: InsuranceProfileDoc = {
      _id: new ObjectId(patientId),
      emiratesIdEncrypted: pii.encrypt(digits, patientId),
      emiratesIdHash: hash,
      ...fieldsOf(answer),
      checkedAt,
      createdAt: checkedAt,
      updatedAt: checkedAt,
    };
    await repo.save(doc);
    return doc;
  }

  return {
    /**
     * Validates the Emirates ID (422 INVALID_EMIRATES_ID naming the problem, nothing stored), then answers
     * from a definitive result of the same ID younger than a day, else asks the insurer and stores the answer.
     */
    async check(patientId: string, rawEmiratesId: string): Promise<InsuranceCheckResult> {
      const now = deps.clock();
      const { timeZone } = await clinic.settings();
      const parsed = parseEmiratesId(rawEmiratesId, Number(localDateOf(now, timeZone).slice(0, 4)));
      if (!parsed.ok) {
        throw new AppError('INVALID_EMIRATES_ID', parsed.message, { fieldErrors: { emiratesId: [parsed.message] }, reason: emiratesIdErrorReason(parsed.reason) });
      }
      const hash = pii.hash(parsed.digits);
      const existing = await repo.findByPatient(patientId);
      if (existing && existing.emiratesIdHash === hash && isFresh(existing, now)) {
        return { ...toDto(existing, parsed.digits, timeZone), fromCache: true };
      }
      const doc = await askAndStore(patientId, parsed.digits, hash);
      return { ...toDto(doc, parsed.digits, timeZone), fromCache: false };
    },

    /** The patient's latest stored result (the ID masked). */
    async latest(patientId: string): Promise<InsuranceProfile> {
      const doc = await repo.findByPatient(patientId);
      if (!doc) throw new AppError('NOT_FOUND', 'You have not checked your insurance yet: send your Emirates ID to POST /insurance/check.');
      const { timeZone } = await clinic.settings();
      return toDto(doc, pii.decrypt(doc.emiratesIdEncrypted, patientId), timeZone);
    },

    /**
     * For payments: the patient's co-pay when an insurer covers them, else null (never checked, not
     * covered, not found, insurer unreachable). A result older than a day (or an `unknown` one) is
     * re-checked with the stored ID first, so this may take up to the provider timeout.
     */
    async coverageFor(patientId: string): Promise<Coverage | null> {
      let doc = await repo.findByPatient(patientId);
      if (!doc) return null;
      if (!isFresh(doc, deps.clock())) {
        doc = await askAndStore(patientId, pii.decrypt(doc.emiratesIdEncrypted, patientId), doc.emiratesIdHash);
      }
      if (doc.status !== 'eligible' || doc.copayPercent === null || doc.insurer === null || doc.plan === null) return null;
      return { eligible: true, copayPercent: doc.copayPercent, insurer: doc.insurer, plan: doc.plan };
    },

    /**
     * A WhatsApp profile merged into an app account: its result moves over unless the account has its
     * own. The ID is sealed to its patient, so it is opened and sealed again for the new one.
     */
    async moveToPatient(fromId: ObjectId, toId: ObjectId): Promise<void> {
      const doc = await repo.findByPatient(fromId.toHexString());
      if (!doc) return;
      const digits = pii.decrypt(doc.emiratesIdEncrypted, fromId.toHexString());
      await repo.insertIfAbsent({ ...doc, _id: toId, emiratesIdEncrypted: pii.encrypt(digits, toId.toHexString()), updatedAt: deps.clock() });
      await repo.remove(fromId);
    },
  };
}
export type InsuranceService = ReturnType<typeof createInsuranceService>;
