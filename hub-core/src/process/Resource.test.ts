import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Resource } from './Resource.js';

/** A resource whose start and death the test drives. */
class Probe extends Resource {
  disposals = 0;

  get pids(): number[] {
    return [4242];
  }

  /** Exposes `die` to the test. */
  kill(err: Error): void {
    this.die(err);
  }

  protected async dispose(): Promise<void> {
    this.disposals++;
    await new Promise((r) => setTimeout(r, 5));
  }

  static create(ready: (p: Probe) => Promise<void> = async () => {}): Promise<Probe> {
    return Resource.launch(new Probe(), ready);
  }
}

describe('Resource', () => {
  it('close() is safe to call twice: one disposal, the same promise', async () => {
    const p = await Probe.create();
    const a = p.close();
    const b = p.close();
    assert.equal(a, b);
    await a;
    assert.equal(p.disposals, 1);
    assert.equal(p.closing, true);
    await p.close();
    assert.equal(p.disposals, 1);
  });

  it('a failed start rejects create, closes what was made, and never emits died', async () => {
    let made: Probe | undefined;
    let died = 0;
    await assert.rejects(
      Probe.create(async (p) => {
        made = p;
        p.on('died', () => died++);
        throw new Error('no answer');
      }),
      /no answer/,
    );
    assert.equal(made?.disposals, 1);
    assert.equal(died, 0);
  });

  it('a death during the start is the start’s failure, not a died', async () => {
    let died = 0;
    await assert.rejects(
      Probe.create(async (p) => {
        p.on('died', () => died++);
        p.kill(new Error('exited at once'));
      }),
      /exited at once/,
    );
    assert.equal(died, 0);
  });

  it('died comes once, only after a successful start, and never because of close()', async () => {
    const p = await Probe.create();
    const deaths: string[] = [];
    p.on('died', (e) => deaths.push(e.message));
    p.kill(new Error('crashed'));
    p.kill(new Error('again'));
    assert.deepEqual(deaths, ['crashed']);
    assert.equal(p.dead, true);

    const q = await Probe.create();
    q.on('died', (e) => deaths.push(e.message));
    await q.close();
    q.kill(new Error('stopped by close'));
    assert.deepEqual(deaths, ['crashed']);
  });

  it('lists the processes it owns', async () => {
    const p = await Probe.create();
    assert.deepEqual(p.pids, [4242]);
    await p.close();
  });
});
