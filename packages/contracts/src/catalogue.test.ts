import { describe, expect, it } from 'vitest';
import { SlugSchema, UpsertPhysicianInput } from './catalogue.ts';

describe('catalogue text inputs have a length limit', () => {
  it('a slug is at most 64 characters', () => {
    expect(SlugSchema.safeParse(`family-${'x'.repeat(57)}`).success).toBe(true);
    expect(SlugSchema.safeParse(`family-${'x'.repeat(58)}`).error?.issues.map((i) => i.message)).toEqual(['must be at most 64 characters']);
  });

  it('a photo URL is at most 2048 characters', () => {
    const photo = UpsertPhysicianInput.shape.photoUrl;
    expect(photo.safeParse(`https://example.test/${'x'.repeat(2000)}`).success).toBe(true);
    expect(photo.safeParse(`https://example.test/${'x'.repeat(2048)}`).error?.issues.map((i) => i.message)).toEqual(['must be at most 2048 characters']);
  });
});
