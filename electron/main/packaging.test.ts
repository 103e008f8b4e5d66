// The installers' Electron fuses: build/electron-builder.yml read and validated the way
// electron-builder reads it, then turned into the fuse wire its packager flips in the binary.
// Installers can't be built where no Electron runtime can be downloaded, so a dropped or
// misspelt fuse must show up here.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FuseV1Options } from '@electron/fuses';
import { PlatformPackager, type Configuration } from 'app-builder-lib';
import { validateConfiguration } from 'app-builder-lib/out/util/config/config.js';
import { getConfig as readBuilderConfig } from 'app-builder-lib/out/util/config/load.js';
import { DebugLogger } from 'builder-util';

const ROOT = join(import.meta.dirname, '..', '..');

/** Every fuse @electron/fuses knows, decided. */
const REQUIRED: Record<string, boolean> = {
  RunAsNode: false,
  EnableNodeOptionsEnvironmentVariable: false,
  EnableNodeCliInspectArguments: false,
  EnableCookieEncryption: true,
  OnlyLoadAppFromAsar: true,
  EnableEmbeddedAsarIntegrityValidation: true,
  GrantFileProtocolExtraPrivileges: false,
  LoadBrowserProcessSpecificV8Snapshot: false,
};

/**
 * As `electron-builder --config build/electron-builder.yml` reads and checks it (through the
 * loader below its config step, which would print to stdout, where the test runner reports).
 */
async function builderConfig(): Promise<Configuration> {
  const read = await readBuilderConfig<Configuration>(
    {
      packageKey: 'build',
      configFilename: 'electron-builder',
      projectDir: ROOT,
      packageMetadata: null,
    },
    'build/electron-builder.yml',
  );
  assert.ok(read, 'build/electron-builder.yml is read');
  await validateConfiguration(read.result, new DebugLogger(false));
  return read.result;
}

describe('packaging: Electron fuses', () => {
  it('electron-builder accepts the config, and the app is packed into app.asar', async () => {
    const config = await builderConfig();
    assert.ok(config.electronFuses, 'build/electron-builder.yml sets electronFuses');
    // OnlyLoadAppFromAsar with asar off would leave the packaged app nothing to load.
    assert.notEqual(config.asar, false);
  });

  it("the installers leave out the e2e runs' entry", async () => {
    const config = await builderConfig();
    assert.ok(Array.isArray(config.files), 'files is a list');
    assert.ok((config.files as unknown[]).includes('!dist-electron/e2eMain.js'));
  });

  it('the fuse wire electron-builder would flip has every fuse set as required', async () => {
    const config = await builderConfig();
    // The packager's own translation (it uses no instance state), so a key it would not read
    // counts as unset.
    const { generateFuseConfig } = PlatformPackager.prototype as unknown as {
      generateFuseConfig(
        this: void,
        f: Configuration['electronFuses'],
      ): Promise<Record<string, unknown>>;
    };
    const wire = await generateFuseConfig(config.electronFuses);
    const known = Object.keys(FuseV1Options).filter((k) => Number.isNaN(Number(k)));
    assert.deepEqual(known.sort(), Object.keys(REQUIRED).sort(), 'a fuse without a decision');
    for (const name of known) {
      const index = FuseV1Options[name as keyof typeof FuseV1Options];
      assert.equal(wire[index], REQUIRED[name], `fuse ${name}`);
    }
  });
});
