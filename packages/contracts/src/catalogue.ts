import * as z from 'zod';
import { DateTimeSchema, IdSchema, LocalDateSchema, MoneySchema } from './common.ts';
import { toAsciiDigits } from './emirates-id.ts';

/** Local wall-clock time in the clinic's zone. */
export const HhMmSchema = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'must be a time as HH:mm');
export const SlugSchema = z
  .string()
  .max(64, 'must be at most 64 characters')
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'must be a lower-case slug such as family-medicine');

export const GENDERS = ['female', 'male'] as const;
export const LANGUAGES = ['en', 'ar', 'hi', 'ur', 'tl', 'ml', 'fr', 'ru', 'fa', 'bn'] as const;

export const TimeIntervalSchema = z.strictObject({ start: HhMmSchema, end: HhMmSchema });
export const WeeklyHoursSchema = z.strictObject({ weekday: z.number().int().min(0).max(6), intervals: z.array(TimeIntervalSchema).max(6) });
export const DateOverrideSchema = z.strictObject({ date: LocalDateSchema, intervals: z.array(TimeIntervalSchema).max(6) });

export const PhysicianScheduleSchema = z.strictObject({
  weekly: z.array(WeeklyHoursSchema).max(7),
  overrides: z.array(DateOverrideSchema).max(366),
  slotMinutes: z.number().int().min(5).max(240),
  bufferMinutes: z.number().int().min(0).max(120),
});
export type PhysicianSchedule = z.infer<typeof PhysicianScheduleSchema>;

export const SubSpecialtySchema = z.object({ slug: z.string(), name: z.string() });
export const SpecialtySchema = z.object({ slug: z.string(), name: z.string(), nameAr: z.string(), subSpecialties: z.array(SubSpecialtySchema) });
export type Specialty = z.infer<typeof SpecialtySchema>;

/** The platform operator's master data: a specialty and its sub-specialties, by slug. */
export const UpsertSpecialtyInput = z.strictObject({
  slug: SlugSchema,
  name: z.string().trim().min(1).max(80),
  nameAr: z.string().trim().min(1).max(80),
  subSpecialties: z.array(z.strictObject({ slug: SlugSchema, name: z.string().trim().min(1).max(80) })).max(30),
});
export const ListSpecialtiesInput = z.strictObject({ clinic: SlugSchema.optional().describe("a clinic's slug: only the specialties it offers") });
/** What a clinic's admin says the clinic offers: slugs of the master list, each once. */
export const UpdateClinicSpecialtiesInput = z.strictObject({
  specialties: z
    .array(SlugSchema)
    .max(100)
    .refine((xs) => new Set(xs).size === xs.length, 'must not name a specialty twice')
    .describe('slugs of the specialties this clinic offers (GET /specialties); replaces the list'),
});

export const SlotSchema = z.object({
  start: z.string().describe('ISO 8601 with the clinic offset, e.g. 2026-12-01T09:30:00+04:00'),
  end: z.string(),
});
export type Slot = z.infer<typeof SlotSchema>;

export const EMIRATES = ['abu-dhabi', 'dubai', 'sharjah', 'ajman', 'umm-al-quwain', 'ras-al-khaimah', 'fujairah'] as const;

export const OpeningHoursSchema = z.object({ weekday: z.number(), open: z.string(), close: z.string() });

export const ClinicLocationSchema = z.object({
  id: z.string().describe('unique within its clinic, e.g. dubai-marina'),
  name: z.string(),
  nameAr: z.string(),
  emirate: z.enum(EMIRATES),
  area: z.string(),
  address: z.string(),
  lat: z.number().nullable(),
  lng: z.number().nullable(),
  openingHours: z.array(OpeningHoursSchema),
});
export type ClinicLocation = z.infer<typeof ClinicLocationSchema>;

/** Where a physician practises, as a physician item names it. */
export const PhysicianClinicSchema = z.object({
  id: IdSchema,
  slug: z.string(),
  name: z.string(),
  nameAr: z.string(),
  locations: z.array(ClinicLocationSchema.pick({ id: true, name: true, nameAr: true, emirate: true, area: true })).describe("the clinic's locations this physician works at"),
});

export const PhysicianSchema = z.object({
  id: IdSchema,
  fullName: z.string(),
  fullNameAr: z.string().describe('the name in Arabic script; the Latin `fullName` where none was given'),
  title: z.string(),
  gender: z.enum(GENDERS),
  specialty: z.string(),
  subSpecialties: z.array(z.string()),
  languages: z.array(z.string()),
  bio: z.string(),
  yearsOfExperience: z.number().int(),
  price: MoneySchema,
  consultationMinutes: z.number().int(),
  photoUrl: z.string().nullable(),
  rating: z.object({ average: z.number().nullable(), count: z.number().int() }),
  clinic: PhysicianClinicSchema,
  active: z.boolean(),
});
export type Physician = z.infer<typeof PhysicianSchema>;

export const PhysicianListItemSchema = PhysicianSchema.extend({
  nextFreeSlot: SlotSchema.nullable(),
  distanceKm: z.number().nullable().describe("with near: km (to 0.1) from that point to the nearest of the physician's own located locations; otherwise null"),
});
export const PhysicianDetailSchema = PhysicianSchema.extend({ schedule: PhysicianScheduleSchema, nextFreeSlot: SlotSchema.nullable() });

export const PHYSICIAN_SORTS = ['name', 'price', 'rating', 'next_available', 'distance'] as const;
/** Farthest `radiusKm` a physician search accepts, and the radius when `near` comes without one. */
export const MAX_RADIUS_KM = 500;
export const DEFAULT_RADIUS_KM = 25;

const COORD = /^\s*(-?\d{1,3}(?:\.\d+)?)\s*,\s*(-?\d{1,3}(?:\.\d+)?)\s*$/;
/** `lat,lng` in decimal degrees (WGS84), e.g. `25.2048,55.2708`. */
export const NearSchema = z
  .string()
  .max(64)
  .regex(COORD, 'must be two numbers: lat,lng (e.g. 25.2048,55.2708)')
  .refine((v) => !COORD.test(v) || Math.abs(Number(COORD.exec(v)?.[1])) <= 90, 'latitude must be between -90 and 90')
  .refine((v) => !COORD.test(v) || Math.abs(Number(COORD.exec(v)?.[2])) <= 180, 'longitude must be between -180 and 180');
/** The point of a valid `near`. */
export function parseNear(v: string): { lat: number; lng: number } {
  const m = COORD.exec(v);
  return { lat: Number(m?.[1]), lng: Number(m?.[2]) };
}

export const ListPhysiciansInput = z.strictObject({
  specialty: SlugSchema.optional(),
  subSpecialty: SlugSchema.optional(),
  language: z.enum(LANGUAGES).optional(),
  gender: z.enum(GENDERS).optional(),
  q: z.string().trim().min(1).max(80).optional().describe('case-insensitive name search'),
  minPrice: z.coerce.number().int().nonnegative().optional(),
  maxPrice: z.coerce.number().int().nonnegative().optional(),
  minRating: z.coerce.number().min(0).max(5).optional(),
  availableOn: LocalDateSchema.optional().describe('has a free slot on this local date'),
  availableFrom: DateTimeSchema.optional(),
  availableTo: DateTimeSchema.optional(),
  clinic: SlugSchema.optional().describe("the clinic's slug"),
  emirate: z.enum(EMIRATES).optional().describe('works at a location in this emirate'),
  area: z.string().trim().min(1).max(80).optional().describe("works at a location whose area is this (case-insensitive), e.g. Al Barsha 1"),
  near: NearSchema.optional().describe("lat,lng: only physicians with a located location within radiusKm of it, each item with distanceKm"),
  radiusKm: z.coerce.number().gt(0).max(MAX_RADIUS_KM).optional().describe(`with near: the radius in km (default ${DEFAULT_RADIUS_KM}, at most ${MAX_RADIUS_KM})`),
  sort: z.enum(PHYSICIAN_SORTS).optional().describe('default: distance with near, otherwise name; distance needs near'),
  order: z.enum(['asc', 'desc']).default('asc'),
  limit: z.coerce.number().int().min(1).max(50).default(20),
  cursor: z.string().max(200).optional(),
});
export type ListPhysiciansInput = z.input<typeof ListPhysiciansInput>;

export const PhysicianPageSchema = z.object({ items: z.array(PhysicianListItemSchema), nextCursor: z.string().nullable() });

export const PhysicianIdInput = z.strictObject({ id: IdSchema });
export const SlotsInput = z.strictObject({ id: IdSchema, from: DateTimeSchema, to: DateTimeSchema });
export const SlotsOutput = z.object({ physicianId: IdSchema, timeZone: z.string(), slots: z.array(SlotSchema) });

export const UpsertPhysicianInput = z.strictObject({
  fullName: z.string().trim().min(1).max(120),
  fullNameAr: z.string().trim().min(1).max(120).optional().describe('the name in Arabic script, e.g. د. سارة حداد; without it Arabic readers see `fullName`'),
  title: z.string().trim().min(1).max(120),
  gender: z.enum(GENDERS),
  specialty: SlugSchema,
  subSpecialties: z.array(SlugSchema).max(10).default([]),
  languages: z.array(z.enum(LANGUAGES)).min(1).max(10),
  bio: z.string().max(4000).default(''),
  yearsOfExperience: z.number().int().min(0).max(70),
  price: MoneySchema,
  photoUrl: z.url().max(2048, 'must be at most 2048 characters').nullable().default(null),
  locationIds: z.array(SlugSchema).min(1, 'must name at least one of the clinic\'s locations').max(20).describe("ids of the clinic's locations the physician works at"),
  userId: IdSchema.nullable().default(null),
  schedule: PhysicianScheduleSchema,
});
export const UpdatePhysicianInput = z.strictObject({ id: IdSchema, patch: UpsertPhysicianInput.partial().extend({ active: z.boolean().optional() }) });

export const ClinicPoliciesSchema = z.object({
  cancellationCutoffHours: z.number(),
  minNoticeMinutes: z.number(),
  horizonDays: z.number(),
  holdMinutes: z.number(),
  paymentRequired: z.boolean(),
  reminderLeadMinutes: z.number(),
  noShowAfterMinutes: z.number(),
});

/** Admin change of booking policies: only the fields given change. */
export const UpdateClinicPoliciesInput = z.strictObject({
  cancellationCutoffHours: z.number().int().min(0).max(14 * 24).optional(),
  minNoticeMinutes: z.number().int().min(0).max(7 * 24 * 60).optional(),
  horizonDays: z.number().int().min(1).max(365).optional(),
  holdMinutes: z.number().int().min(1).max(24 * 60).optional(),
  paymentRequired: z.boolean().optional(),
  reminderLeadMinutes: z.number().int().min(15).max(7 * 24 * 60).optional(),
  noShowAfterMinutes: z.number().int().min(0).max(24 * 60).optional(),
});
export type UpdateClinicPolicies = z.infer<typeof UpdateClinicPoliciesInput>;

/** A number as people dial it: a short one (`800 4673`, `999`) or a full one (`+971 4 519 2519`); Arabic-Indic digits are read as ASCII. */
export const CrisisLineSchema = z
  .string()
  .trim()
  .transform(toAsciiDigits)
  .pipe(
    z
      .string()
      .regex(/^\+?\d(?:[ -]?\d){2,14}$/, 'must be a phone or short number of 3 to 15 digits, such as 800 4673 or +97145192519 (digits, spaces, hyphens and one leading +)'),
  );

/** Admin change of the clinic's own details: only the fields given change. */
export const UpdateClinicDetailsInput = z.strictObject({
  crisisLine: CrisisLineSchema.nullable()
    .optional()
    .describe('The mental-health crisis line the WhatsApp assistant gives a patient who writes about self-harm, beside 999 and 998; null removes it'),
});
export type UpdateClinicDetails = z.infer<typeof UpdateClinicDetailsInput>;

export const ClinicSchema = z.object({
  id: IdSchema,
  slug: z.string(),
  name: z.string(),
  nameAr: z.string(),
  legalName: z.string(),
  vatTrn: z.string().nullable(),
  phone: z.string(),
  email: z.string(),
  whatsappNumber: z.string().nullable().describe("the clinic's own WhatsApp number; null: it is reached on the platform's shared number"),
  crisisLine: z.string().nullable().describe('the mental-health crisis line the clinic gives beside 999/998; null: none configured'),
  timeZone: z.string(),
  currency: z.literal('AED'),
  vatRatePercent: z.number(),
  locations: z.array(ClinicLocationSchema),
  specialties: z.array(z.string()).describe('slugs of the specialties this clinic offers'),
  policies: ClinicPoliciesSchema,
});
export type Clinic = z.infer<typeof ClinicSchema>;

/** Search across active clinics (`GET /clinics`). */
export const ListClinicsInput = z.strictObject({
  q: z.string().trim().min(1).max(80).optional().describe('case-insensitive search in the English or Arabic name'),
  emirate: z.enum(EMIRATES).optional().describe('has a location in this emirate'),
  specialty: SlugSchema.optional().describe('offers this specialty'),
  limit: z.coerce.number().int().min(1).max(50).default(20),
  cursor: z.string().max(200).optional(),
});
export const ClinicListItemSchema = z.object({
  id: IdSchema,
  slug: z.string(),
  name: z.string(),
  nameAr: z.string(),
  emirates: z.array(z.enum(EMIRATES)).describe('emirates of its locations'),
  areas: z.array(z.string()).describe('areas of its locations'),
  specialties: z.array(z.string()),
  locationCount: z.number().int(),
});
export const ClinicPageSchema = z.object({ items: z.array(ClinicListItemSchema), nextCursor: z.string().nullable() });
export const ClinicSlugInput = z.strictObject({ slug: SlugSchema });
export const ClinicDetailSchema = ClinicSchema.extend({ physicianCount: z.number().int().describe('active physicians') });

export const MedicalPackageSchema = z.object({
  id: IdSchema,
  name: z.string(),
  description: z.string(),
  price: MoneySchema,
  includedServices: z.array(z.string()),
  active: z.boolean(),
});
export const UpsertPackageInput = z.strictObject({
  name: z.string().trim().min(1).max(120),
  description: z.string().max(4000),
  price: MoneySchema,
  includedServices: z.array(z.string().trim().min(1).max(200)).max(50),
});
export const TimeNowSchema = z.object({ now: z.string(), timeZone: z.string(), clinicTime: z.string() });
