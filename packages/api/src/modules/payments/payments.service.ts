import { randomBytes } from 'node:crypto';
import type Stripe from 'stripe';
import { type Money, type Payment, type PaymentIntentResult, type Receipt } from '@clinic/contracts';
import { ObjectId, type AppointmentDoc, type PaymentDoc, type PaymentStatus } from '@clinic/db';
import { toZonedIso } from '@clinic/scheduling';
import type { Actor } from '../../actor.ts';
import type { ApiDeps, MailAttachment, Notification } from '../../deps.ts';
import { AppError } from '../../errors.ts';
import { ANY_CLINIC, scopeOf } from '../../scope.ts';
import type { AppointmentsService } from '../appointments/appointments.service.ts';
import type { ClinicService } from '../clinic/clinic.service.ts';
import type { InsuranceService } from '../insurance/insurance.service.ts';
import type { NotificationsService } from '../notifications/notifications.service.ts';
import { canSeePayment, patientShare, refundOnCancel } from './payments.policy.ts';
import { createPaymentsRepository, toIntentDto, toPaymentDto } from './payments.repository.ts';
import { formatMoney, renderReceiptPdf } from './receipt-pdf.ts';
import { letterFor, refundReasonText, type RefundReason } from '../notifications/notifications.messages.ts';

const RECEIPTABLE = new Set<PaymentDoc['status']>(['succeeded', 'covered', 'refund_pending', 'refunded']);
/** Booking states in which an online payment is still taken (an expired hold is claimed again on payment). */
const AWAITING_PAYMENT = new Set<AppointmentDoc['status']>(['pending_payment', 'expired']);

/** What the public payment page (`/pay/:paymentId`) may show: no patient details, no ids beyond the one given. */
export interface CheckoutInfo {
  clinicName: string;
  amount: Money;
  physician: string;
  /** The appointment's start in the clinic's time zone, e.g. "Tue, 3 Mar 2026, 10:00". */
  local: string;
  timeZone: string;
  status: PaymentStatus;
  /** Stripe's client secret, only while the payment can still be made (requires_payment, booking still waiting for it). */
  clientSecret: string | null;
  /** The connected account the intent was made on (Stripe.js must be told it to find the intent); null: the platform's. */
  stripeAccountId: string | null;
}

/** What procedures may call (see UseCases in services.ts): contract types only. */
export interface PaymentsUseCases {
  createIntent(actor: Actor, appointmentId: string): Promise<PaymentIntentResult>;
  mine(actor: Actor): Promise<{ items: Payment[] }>;
  get(actor: Actor, id: string): Promise<Payment>;
  receipt(actor: Actor, id: string): Promise<Receipt>;
  receiptPdf(actor: Actor, id: string): Promise<{ filename: string; pdf: Buffer }>;
}

const formatLocal = (at: Date, timeZone: string) =>
  new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);

/** The receipt's number: the payment's own, so every rendering of one payment's receipt carries the same. */
const receiptNumberOf = (payment: PaymentDoc) => `R-${payment._id.toHexString().slice(-10).toUpperCase()}`;

/** The PDF's file name, as the REST route (`GET /payments/{id}/receipt.pdf`) and the email attachment give it. */
const receiptFilename = (receipt: Receipt) => `receipt-${receipt.receiptNumber}.pdf`;

const CHECKOUT_TOKEN = /^[A-Za-z0-9_-]{32}$/;
const newCheckoutToken = () => randomBytes(24).toString('base64url');

export function createPaymentsService(deps: ApiDeps, clinic: ClinicService, appointments: AppointmentsService, insurance: InsuranceService, notifications: NotificationsService) {
  /**
   * The system's view (every clinic): Stripe's webhooks, the public checkout page (its token is the capability),
   * refunds after a cancellation, the WhatsApp merge. A use case of an actor goes through `scoped(actor)`.
   */
  const repo = createPaymentsRepository(deps.db.cols, ANY_CLINIC);
  const scoped = async (actor: Actor) => createPaymentsRepository(deps.db.cols, await scopeOf(actor, clinic.current));
  const notFound = () => new AppError('NOT_FOUND', 'No such payment.');

  function stripe(): Stripe {
    if (!deps.payments.stripe) throw new AppError('PAYMENTS_NOT_CONFIGURED', 'Online payments are not configured on this server; please pay at the clinic.');
    return deps.payments.stripe;
  }

  /**
   * Where a call about a payment goes: a connected account (Stripe Connect's `Stripe-Account` header) or, with
   * none, the platform's own account, exactly as before clinics had accounts.
   */
  const onAccount = (stripeAccountId: string | null | undefined): { stripeAccount?: string } => (stripeAccountId ? { stripeAccount: stripeAccountId } : {});

  /** Stripe failures become a clear 502, never a 500 with Stripe's internals. */
  async function callStripe<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw new AppError('PAYMENT_PROVIDER_ERROR', `The payment provider could not ${what} just now. Please try again.`);
    }
  }

  async function loadVisible(actor: Actor, id: string) {
    const payment = await (await scoped(actor)).byId(id);
    if (!payment || !canSeePayment(actor, payment)) throw notFound();
    return payment;
  }

  /** The receipt of a payment that has one (RECEIPTABLE), as the payment stands now. */
  async function receiptOf(payment: PaymentDoc): Promise<Receipt> {
    const appt = await appointments.byId(payment.appointmentId);
    if (!appt) throw notFound();
    const info = await clinic.infoFor(payment.clinicId);
    const tz = info.timeZone;
    const paid = payment.amount;
    const vatPercent = info.vatRatePercent;
    const vat = Math.round((paid.amount * vatPercent) / (100 + vatPercent));
    const receiptNumber = receiptNumberOf(payment);
    const local = formatLocal(appt.startsAt, tz);
    const paidAt = payment.history.find((h) => h.status === 'succeeded' || h.status === 'covered')?.at ?? payment.updatedAt;
    return {
      receiptNumber,
      issuedAt: toZonedIso(paidAt, tz),
      clinic: { name: info.name, legalName: info.legalName, vatTrn: info.vatTrn, address: info.locations[0]?.address ?? '', phone: info.phone, email: info.email },
      patient: appt.patient,
      physician: appt.physicianName,
      appointment: { id: appt._id.toHexString(), start: toZonedIso(appt.startsAt, tz), local, timeZone: tz },
      fullPrice: payment.fullPrice,
      insurance: payment.coverage ? { ...payment.coverage, covered: { amount: payment.fullPrice.amount - paid.amount, currency: 'AED' } } : null,
      paid,
      vat: { percent: vatPercent, amount: { amount: vat, currency: 'AED' }, net: { amount: paid.amount - vat, currency: 'AED' } },
      refunded: payment.refund?.status === 'succeeded' ? payment.refund.amount : null,
      paymentReference: payment.intentId ?? receiptNumber,
      status: payment.status,
    };
  }

  /**
   * The patient's payment notice (`payment_received`, once per payment: `payment|<id>`), sent once the payment is
   * stored as succeeded — or covered in full by insurance — and its booking stands; the email carries the receipt
   * PDF (rendered by the outbox at each email attempt, see `attachmentsFor`). A covered booking gets the same kind
   * worded as cover ("nothing to pay", the insurer) with the receipt showing the insurer's share: the document a
   * patient keeps for their records or a claim. In the patient's language; the PDF itself is in English.
   */
  async function tellReceived(payment: PaymentDoc) {
    const appt = await appointments.byId(payment.appointmentId);
    if (!appt) return;
    const of = await clinic.of(payment.clinicId);
    await notifications.sendOnce(`payment|${payment._id.toHexString()}`, { kind: 'payment_received', patientId: payment.patientId, appointmentId: appt._id }, async () => {
      const locale = await notifications.localeOf(payment.patientId);
      const clinicName = locale === 'ar' && of.nameAr ? of.nameAr : of.name;
      const insurer = payment.status === 'covered' ? payment.coverage?.insurer : undefined;
      const amount = formatMoney(payment.amount);
      const receiptNumber = receiptNumberOf(payment);
      const facts = { recipientName: appt.patient.name, clinicName, physicianName: appt.physicianName, startsAt: appt.startsAt, timeZone: of.timeZone, amount, receiptNumber, insurer };
      const letter = letterFor(insurer ? 'payment_covered' : 'payment_received', facts, locale);
      return {
        message: {
          kind: 'payment_received',
          to: { userId: payment.patientId.toHexString(), ...appt.patient },
          subject: letter.subject,
          text: letter.text,
          data: {
            patientName: appt.patient.name,
            physicianName: appt.physicianName,
            when: letter.when,
            amount,
            receiptNumber,
            paymentId: payment._id.toHexString(),
            appointmentId: appt._id.toHexString(),
            ...(insurer ? { insurer } : {}),
          },
          locale,
        },
        appointment: appt,
        clinic: of,
        locale,
      };
    });
  }

  /** Full refund of a payment whose booking cannot happen (slot gone, cancelled), and the patient is told. */
  async function refund(payment: PaymentDoc, amount: number, why: RefundReason) {
    // The payment keeps the English reason (staff read it); the patient reads it in their language.
    const reason = refundReasonText(why, 'en');
    const now = deps.clock();
    const amountMoney = { amount, currency: 'AED' as const };
    let refundId: string | null = null;
    let status: 'pending' | 'failed' = 'pending';
    try {
      // On the account the intent was made on, whatever the clinic's setting is today.
      const r = await stripe().refunds.create(
        { payment_intent: payment.intentId!, amount, metadata: { paymentId: payment._id.toHexString(), appointmentId: payment.appointmentId.toHexString() } },
        { idempotencyKey: `refund-${payment._id.toHexString()}`, ...onAccount(payment.stripeAccountId) },
      );
      refundId = r.id;
    } catch {
      // Recorded as failed for staff to retry from the dashboard; the booking change itself stands.
      status = 'failed';
    }
    await repo.setStatus(payment._id, ['succeeded'], 'refund_pending', now, reason, { refund: { amount: amountMoney, reason, status, refundId, requestedAt: now } });
    const appt = await appointments.byId(payment.appointmentId);
    if (appt) {
      const of = await clinic.of(payment.clinicId);
      await notifications.sendOnce(`refund|${payment._id.toHexString()}`, { kind: 'payment_refunded', patientId: payment.patientId, appointmentId: appt._id }, async () => {
        const locale = await notifications.localeOf(payment.patientId);
        const clinicName = locale === 'ar' && of.nameAr ? of.nameAr : of.name;
        const letter = letterFor('payment_refunded', { recipientName: appt.patient.name, clinicName, amount: formatMoney(amountMoney), refundReason: why }, locale);
        return {
          message: {
            kind: 'payment_refunded',
            to: { userId: payment.patientId.toHexString(), ...appt.patient },
            subject: letter.subject,
            text: letter.text,
            data: { patientName: appt.patient.name, amount: formatMoney(amountMoney), reason: refundReasonText(why, locale) },
            locale,
          },
          locale,
        };
      });
    }
  }

  async function onSucceeded(intent: Stripe.PaymentIntent, account: string | null) {
    const payment = await repo.byIntent(intent.id, account);
    if (!payment) return;
    const now = deps.clock();
    const paid = (await repo.setStatus(payment._id, ['requires_payment', 'failed'], 'succeeded', now, 'payment received')) ?? (await repo.byId(payment._id.toHexString()));
    if (!paid || paid.status !== 'succeeded') return;
    const outcome = await appointments.confirmPaid(payment.appointmentId);
    if (outcome === 'slot_taken') await refund(paid, paid.amount.amount, 'late_payment');
    else if (outcome === 'not_payable') await refund(paid, paid.amount.amount, 'not_payable');
    // Kept (the booking stands): the receipt. A redelivered event, or one handled again after a failure, finds the
    // notice's key taken and sends nothing more.
    else await tellReceived(paid);
  }

  async function onFailed(intent: Stripe.PaymentIntent, account: string | null, why: string) {
    const payment = await repo.byIntent(intent.id, account);
    if (!payment) return;
    await repo.setStatus(payment._id, ['requires_payment'], 'failed', deps.clock(), why);
    await appointments.releaseUnpaid(payment.appointmentId, why);
  }

  async function onRefunded(charge: Stripe.Charge, account: string | null) {
    const intentId = typeof charge.payment_intent === 'string' ? charge.payment_intent : charge.payment_intent?.id;
    const payment = intentId ? await repo.byIntent(intentId, account) : null;
    if (!payment) return;
    const now = deps.clock();
    const amount = { amount: charge.amount_refunded, currency: 'AED' as const };
    const refund = { ...(payment.refund ?? { reason: 'Refunded by the clinic', refundId: null, requestedAt: now }), amount, status: 'succeeded' as const };
    await repo.setStatus(payment._id, ['succeeded', 'refund_pending'], 'refunded', now, 'refund completed', { refund });
  }

  return {
    /** A WhatsApp profile merged into an app account: its payments follow its appointments. */
    reassignPatient: (from: ObjectId, to: ObjectId) => repo.reassignPatient(from, to, deps.clock()),

    /** Creates (once) the payment for the caller's booking; the amount is always worked out here. */
    async createIntent(actor: Actor, appointmentId: string): Promise<PaymentIntentResult> {
      const appt = await appointments.payableFor(actor, appointmentId);
      const repo = await scoped(actor);
      const existing = await repo.byAppointment(appt._id);
      if (existing) return toIntentDto(existing.checkoutToken ? existing : ((await repo.ensureCheckoutToken(existing._id, newCheckoutToken())) ?? existing));

      const coverage = await insurance.coverageFor(actor.userId);
      const amount = patientShare(appt.price.amount, coverage?.copayPercent ?? null);
      const now = deps.clock();
      const base = {
        _id: new ObjectId(),
        clinicId: appt.clinicId,
        appointmentId: appt._id,
        patientId: appt.patientId,
        checkoutToken: newCheckoutToken(),
        amount: { amount, currency: 'AED' as const },
        fullPrice: appt.price,
        coverage: coverage ? { insurer: coverage.insurer, plan: coverage.plan, copayPercent: coverage.copayPercent } : null,
        refund: null,
        createdAt: now,
        updatedAt: now,
      };

      let doc: PaymentDoc;
      const of = await clinic.of(appt.clinicId);
      if (amount === 0) {
        // Fully covered: nothing to charge, the booking is confirmed now.
        doc = { ...base, provider: 'none', intentId: null, clientSecret: null, status: 'covered', history: [{ status: 'covered', at: now, note: `covered by ${coverage?.insurer}` }] };
      } else {
        const client = stripe();
        const account = of.stripeAccountId ?? null;
        // The idempotency key is the appointment: a retry, a double tap or a second process gets the same intent.
        const intent = await callStripe('start the payment', () =>
          client.paymentIntents.create(
            {
              amount,
              currency: 'aed',
              automatic_payment_methods: { enabled: true },
              description: `${of.name}: ${appt.physicianName}, ${toZonedIso(appt.startsAt, of.timeZone)}`,
              metadata: { appointmentId: appt._id.toHexString(), patientId: appt.patientId.toHexString() },
            },
            { idempotencyKey: `appointment-${appt._id.toHexString()}-intent`, ...onAccount(account) },
          ),
        );
        doc = {
          ...base,
          provider: 'stripe',
          intentId: intent.id,
          clientSecret: intent.client_secret,
          stripeAccountId: account,
          status: 'requires_payment',
          history: [{ status: 'requires_payment', at: now, note: null }],
        };
      }
      if (!(await repo.insert(doc))) return toIntentDto((await repo.byAppointment(appt._id))!);
      if (doc.status === 'covered') {
        const outcome = await appointments.confirmPaid(appt._id, actor);
        // The booking is answered whatever becomes of its notice (stored in the outbox, it is retried there).
        if (outcome === 'confirmed' || outcome === 'already_confirmed') await tellReceived(doc).catch((err: unknown) => deps.log?.warn({ err, paymentId: doc._id.toHexString() }, 'covered booking: receipt notice not sent'));
      }
      return toIntentDto(doc);
    },

    async mine(actor: Actor) {
      return { items: (await (await scoped(actor)).listForPatient(new ObjectId(actor.userId))).map(toPaymentDto) };
    },

    async get(actor: Actor, id: string) {
      return toPaymentDto(await loadVisible(actor, id));
    },

    async receipt(actor: Actor, id: string): Promise<Receipt> {
      const payment = await loadVisible(actor, id);
      if (!RECEIPTABLE.has(payment.status)) throw new AppError('INVALID_TRANSITION', 'There is no receipt until the payment has gone through.');
      return receiptOf(payment);
    },

    async receiptPdf(actor: Actor, id: string) {
      const receipt = await this.receipt(actor, id);
      return { filename: receiptFilename(receipt), pdf: await renderReceiptPdf(receipt) };
    },

    /**
     * The files a notification's email carries (the outbox asks at each email attempt): a `payment_received` notice
     * carries its payment's receipt PDF, rendered then from the payment as stored (the outbox keeps the payment's id,
     * not the PDF). A payment that is gone or has no receipt: the letter goes alone.
     */
    async attachmentsFor(kind: Notification['kind'], data: Record<string, string>): Promise<MailAttachment[]> {
      const id = data['paymentId'];
      if (kind !== 'payment_received' || !id || !ObjectId.isValid(id)) return [];
      const payment = await repo.byId(id);
      if (!payment || !RECEIPTABLE.has(payment.status)) return [];
      const receipt = await receiptOf(payment);
      return [{ filename: receiptFilename(receipt), contentType: 'application/pdf', content: await renderReceiptPdf(receipt) }];
    },

    /**
     * For the public payment page: anyone holding the payment's checkout token (192 random bits, sent to
     * the patient only) sees what it is for and, while it can be paid, Stripe's client secret — the same
     * capability as a Stripe-hosted payment link. Null for an unknown or malformed token.
     */
    async checkoutInfo(checkoutToken: string): Promise<CheckoutInfo | null> {
      if (!CHECKOUT_TOKEN.test(checkoutToken)) return null;
      const payment = await repo.byCheckoutToken(checkoutToken);
      if (!payment) return null;
      const appt = await appointments.byId(payment.appointmentId);
      if (!appt) return null;
      const info = await clinic.infoFor(payment.clinicId);
      const payable = payment.status === 'requires_payment' && !!payment.clientSecret && AWAITING_PAYMENT.has(appt.status);
      return {
        clinicName: info.name,
        amount: payment.amount,
        physician: appt.physicianName,
        local: formatLocal(appt.startsAt, info.timeZone),
        timeZone: info.timeZone,
        status: payment.status,
        clientSecret: payable ? payment.clientSecret : null,
        stripeAccountId: payment.stripeAccountId ?? null,
      };
    },

    /** Booking cancelled: a paid one is refunded by the clinic's policy; an unpaid intent is called off. */
    async afterCancel(appt: AppointmentDoc) {
      const payment = await repo.byAppointment(appt._id);
      if (!payment || !appt.cancellation) return;
      if (payment.status === 'requires_payment' && payment.intentId && deps.payments.stripe) {
        await deps.payments.stripe.paymentIntents.cancel(payment.intentId, {}, onAccount(payment.stripeAccountId)).catch(() => undefined);
        return;
      }
      if (payment.status !== 'succeeded') return;
      const { policies } = await clinic.settingsFor(appt.clinicId);
      const amount = refundOnCancel(payment.amount.amount, appt.cancellation.by, appt.startsAt, appt.cancellation.at, policies.cancellationCutoffHours);
      if (amount > 0) await refund(payment, amount, appt.cancellation.by === 'clinic' ? 'clinic_cancelled' : 'patient_cancelled');
    },

    /**
     * A Stripe webhook: the signature is checked against the raw body, and each event id is taken once
     * (a unique key), so Stripe's retries and replays change nothing twice.
     */
    async handleStripeWebhook(rawBody: Buffer, signature: string | undefined): Promise<{ received: true; duplicate: boolean }> {
      const client = stripe();
      if (!deps.payments.webhookSecret) throw new AppError('PAYMENTS_NOT_CONFIGURED', 'Stripe webhooks are not configured (STRIPE_WEBHOOK_SECRET).');
      let event: Stripe.Event | null = null;
      for (const secret of [deps.payments.webhookSecret, deps.payments.connectWebhookSecret]) {
        if (!secret) continue;
        try {
          event = client.webhooks.constructEvent(rawBody, signature ?? '', secret);
          break;
        } catch {
          // Signed for the other endpoint, or not by Stripe at all: the next secret decides.
        }
      }
      if (!event) throw new AppError('VALIDATION_FAILED', 'The Stripe-Signature header is missing or does not match this payload.');
      if (!(await repo.claimEvent(event.id, event.type, deps.clock()))) return { received: true, duplicate: true };
      // A Connect event names its connected account; a platform event names none. Intent ids are unique only
      // within one account, so the account picks the payment too.
      const account = event.account ?? null;
      try {
        switch (event.type) {
          case 'payment_intent.succeeded':
            await onSucceeded(event.data.object, account);
            break;
          case 'payment_intent.payment_failed':
            await onFailed(event.data.object, account, 'payment failed');
            break;
          case 'payment_intent.canceled':
            await onFailed(event.data.object, account, 'payment cancelled');
            break;
          case 'charge.refunded':
            await onRefunded(event.data.object, account);
            break;
        }
      } catch (err) {
        await repo.releaseEvent(event.id);
        throw err;
      }
      return { received: true, duplicate: false };
    },
  };
}
export type PaymentsService = ReturnType<typeof createPaymentsService>;
