import { describe, expect, it } from 'vitest';
import { jsonNestingExceeds } from './json-depth.ts';

describe('jsonNestingExceeds', () => {
  it('counts array and object levels', () => {
    expect(jsonNestingExceeds('1', 0)).toBe(false);
    expect(jsonNestingExceeds('{}', 0)).toBe(true);
    expect(jsonNestingExceeds('{"a":[1,{"b":[]}]}', 4)).toBe(false);
    expect(jsonNestingExceeds('{"a":[1,{"b":[]}]}', 3)).toBe(true);
    // Siblings do not add up: depth is the deepest path, not the number of containers.
    expect(jsonNestingExceeds(JSON.stringify(Array.from({ length: 1000 }, () => [[1]])), 3)).toBe(false);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    expect(jsonNestingExceeds(JSON.stringify({ q: '[[[[{{{{', r: 'say \\"[[[[\\" and "{{{{"' }), 1)).toBe(false);
    expect(jsonNestingExceeds(JSON.stringify({ q: 'a\\', r: [[[1]]] }), 3)).toBe(true);
  });

  it('handles nesting far beyond what recursion survives', () => {
    expect(jsonNestingExceeds('['.repeat(200_000) + ']'.repeat(200_000), 32)).toBe(true);
  });
});
