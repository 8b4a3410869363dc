import { NOTIFICATION_CHANNELS, PREFERENCE_KINDS, TRANSACTIONAL_KINDS, type ChannelChoice, type NotificationPreferences, type PreferenceChanges, type PreferenceKind } from '@clinic/contracts';
import { insertUnique, type Collections, type ObjectId } from '@clinic/db';
import { AppError } from '../../errors.ts';

const EVERY_CHANNEL: ChannelChoice = { in_app: true, push: true, email: true, whatsapp: true, sms: true };
/** Two changes of one user racing: the loser reads again and re-checks; more than this is a fault. */
const MAX_ATTEMPTS = 5;

const isPreferenceKind = (kind: string): kind is PreferenceKind => (PREFERENCE_KINDS as readonly string[]).includes(kind);

function choiceOf(stored: Record<string, Record<string, boolean>> | undefined, kind: PreferenceKind): ChannelChoice {
  return { ...EVERY_CHANNEL, ...stored?.[kind] };
}

/** Each user's channels per kind; a user who never chose gets every channel. */
export function createPreferences(cols: Pick<Collections, 'notificationPreferences'>, clock: () => Date) {
  const col = cols.notificationPreferences;
  return {
    /** The channels this kind may use for this user; a kind nobody chooses for uses them all. */
    async of(userId: ObjectId, kind: string): Promise<ChannelChoice> {
      if (!isPreferenceKind(kind)) return EVERY_CHANNEL;
      return choiceOf((await col.findOne({ _id: userId }))?.prefs, kind);
    },

    async all(userId: ObjectId): Promise<NotificationPreferences> {
      const stored = (await col.findOne({ _id: userId }))?.prefs;
      return { preferences: Object.fromEntries(PREFERENCE_KINDS.map((k) => [k, choiceOf(stored, k)])) as NotificationPreferences['preferences'] };
    },

    /**
     * Applies the changes over what is stored, refusing (400, nothing changed) a transactional kind left without a
     * channel. Written only over the version it was checked against, so two changes racing cannot together switch
     * off what each alone could not.
     */
    async change(userId: ObjectId, changes: PreferenceChanges): Promise<NotificationPreferences> {
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        const current = await col.findOne({ _id: userId });
        const prefs: Record<string, Record<string, boolean>> = { ...current?.prefs };
        for (const [kind, channels] of Object.entries(changes) as [PreferenceKind, Partial<ChannelChoice>][]) {
          if (channels) prefs[kind] = { ...prefs[kind], ...channels };
        }
        const silenced = TRANSACTIONAL_KINDS.filter((k) => NOTIFICATION_CHANNELS.every((c) => !choiceOf(prefs, k)[c]));
        if (silenced.length > 0) {
          throw new AppError('VALIDATION_FAILED', `These notifications are about your bookings and payments and keep at least one channel: ${silenced.join(', ')}.`, {
            fieldErrors: Object.fromEntries(silenced.map((k) => [`preferences.${k}`, ['must keep at least one channel']])),
          });
        }
        const now = clock();
        const won = current
          ? (await col.updateOne({ _id: userId, version: current.version }, { $set: { prefs, version: current.version + 1, updatedAt: now } })).modifiedCount === 1
          : (await insertUnique(col, { _id: userId, prefs, version: 1, updatedAt: now })).won;
        if (won) return this.all(userId);
      }
      throw new AppError('CONFLICT', 'Your notification settings changed at the same time; please try again.');
    },
  };
}
export type Preferences = ReturnType<typeof createPreferences>;
