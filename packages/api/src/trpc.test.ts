import { describe, expect, it } from 'vitest';
import { fieldErrorsOf } from './trpc.ts';

describe('fieldErrorsOf', () => {
  it('groups messages by field path and names unknown keys', () => {
    expect(
      fieldErrorsOf([
        { path: ['email'], message: 'must be a valid email address' },
        { path: ['address', 'city'], message: 'is required' },
        { path: [], message: 'x', code: 'unrecognized_keys', keys: ['isAdmin'] },
        { path: [], message: 'Expected object' },
      ]),
    ).toEqual({
      email: ['must be a valid email address'],
      'address.city': ['is required'],
      isAdmin: ['is not a known field'],
      input: ['Expected object'],
    });
  });
});
