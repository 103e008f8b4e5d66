import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sha512Crypt } from './sha512crypt.js';

// The reference vectors of the SHA-crypt specification (Ulrich Drepper), which glibc's
// crypt(3) tests use too: default rounds, custom rounds, a salt cut to 16 characters, a
// password longer than 64 bytes and a round count raised to the minimum.
const VECTORS: [setting: string, password: string, expected: string][] = [
  [
    '$6$saltstring',
    'Hello world!',
    '$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1',
  ],
  [
    '$6$rounds=10000$saltstringsaltstring',
    'Hello world!',
    '$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v.',
  ],
  [
    '$6$rounds=5000$toolongsaltstring',
    'This is just a test',
    '$6$rounds=5000$toolongsaltstrin$lQ8jolhgVRVhY4b5pZKaysCLi0QBxGoNeKQzQ3glMhwllF7oGDZxUhx1yxdYcz/e1JSbq3y6JMxxl8audkUEm0',
  ],
  [
    '$6$rounds=1400$anotherlongsaltstring',
    'a very much longer text to encrypt.  This one even stretches over morethan one line.',
    '$6$rounds=1400$anotherlongsalts$POfYwTEok97VWcjxIiSOjiykti.o/pQs.wPvMxQ6Fm7I6IoYN3CmLs66x9t0oSwbtEW7o7UmJEiDwGqd8p4ur1',
  ],
  [
    '$6$rounds=77777$short',
    'we have a short salt string but not a short password',
    '$6$rounds=77777$short$WuQyW2YR.hBNpjjRhpYD/ifIw05xdfeEyQoMxIXbkvr0gge1a1x3yRULJ5CCaUeOxFmtlcGZelFl5CxtgfiAc0',
  ],
  [
    '$6$rounds=123456$asaltof16chars..',
    'a short string',
    '$6$rounds=123456$asaltof16chars..$BtCwjqMJGx5hrJhZywWvt0RLE8uZ4oPwcelCjmw2kSYu.Ec6ycULevoBK25fs2xXgMNrCzIMVcgEJAstJeonj1',
  ],
  [
    '$6$rounds=10$roundstoolow',
    'the minimum number is still observed',
    '$6$rounds=1000$roundstoolow$kUMsbe306n21p9R.FRkW3IGn.S9NPN0x50YhH1xhLsPuWGsUSklZt58jaTfF4ZEQpyUNGc0dqbpBYYBaHHrsX.',
  ],
];

describe('sha512-crypt', () => {
  for (const [setting, password, expected] of VECTORS)
    it(`matches the reference for ${setting}`, async () => {
      assert.equal(await sha512Crypt(password, setting), expected);
    });

  it('writes the form jacktrip checks: default rounds, no rounds= field, salt as given', async () => {
    const h = await sha512Crypt('Hello world!', 'saltstring');
    assert.equal(h, VECTORS[0]![2]);
    assert.match(
      await sha512Crypt('pw', 'abcdefghijklmnopqrstuvwxyz'),
      /^\$6\$abcdefghijklmnop\$[./0-9A-Za-z]{86}$/,
    );
  });

  it('refuses a salt that would break a credsfile line', async () => {
    await assert.rejects(sha512Crypt('pw', 'a:b'), /salt/);
  });
});
