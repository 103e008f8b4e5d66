import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RegisterBody } from './auth.js';
import { CreateRoomBody } from './rooms.js';

// Unicode format characters (general category Cf): invisible, yet they change how text shows.
const FORMAT_CHARS = {
  'right-to-left override': '\u202E',
  'left-to-right embedding': '\u202A',
  'first strong isolate': '\u2068',
  'zero width space': '\u200B',
  'zero width joiner': '\u200D',
  'soft hyphen': '\u00AD',
  'byte order mark': '\uFEFF',
  'arabic letter mark': '\u061C',
  'invisible times': '\u2062',
  'language tag': '\u{E0041}',
};

const issue = (r: { success: boolean; error?: { issues: { message: string }[] } }) =>
  r.error?.issues[0]?.message ?? '';

describe('room names and descriptions', () => {
  for (const [what, c] of Object.entries(FORMAT_CHARS)) {
    const code = c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    it(`refuse U+${code} (${what})`, () => {
      const name = CreateRoomBody.safeParse({ name: `jam${c}session` });
      assert.equal(name.success, false);
      assert.match(issue(name), /^name must not contain .*invisible formatting characters/);
      const desc = CreateRoomBody.safeParse({ name: 'jam', description: `about${c}it` });
      assert.equal(desc.success, false);
      assert.match(issue(desc), /^description must not contain/);
    });
  }

  it('keep letters, marks, symbols and emoji of every script', () => {
    for (const name of [
      'Café',
      'Ünïcødé ♫',
      'جلسة',
      'セッション',
      '🎸🥁 jam',
      'e\u0301 (combining)',
    ]) {
      const r = CreateRoomBody.safeParse({ name, description: `${name}, described` });
      assert.equal(r.success, true, `${name}: ${issue(r)}`);
    }
  });
});

describe('usernames', () => {
  it('refuse format characters too (they are ASCII letters, digits, "_", "." and "-" only)', () => {
    for (const c of Object.values(FORMAT_CHARS)) {
      const r = RegisterBody.safeParse({ username: `admin${c}`, password: 'long enough' });
      assert.equal(r.success, false, JSON.stringify(c));
    }
    assert.equal(
      RegisterBody.safeParse({ username: 'admin', password: 'long enough' }).success,
      true,
    );
  });
});
