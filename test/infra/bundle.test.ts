import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { bundleFunction, BundleError } from '../../infra/functions/bundle';
import { FUNCTIONS } from '../../functions/catalog';

/** The esbuild step `pulumi up`, the drill and the benchmarks share. */
describe('bundleFunction', () => {
  it('bundles every catalog handler into CommonJS that exports `handler`', async () => {
    for (const spec of FUNCTIONS) {
      // Act
      const b = await bundleFunction(spec);
      // Assess: evaluate as Lambda would (CommonJS module), without running the handler.
      const mod = { exports: {} as Record<string, unknown> };
      vm.runInNewContext(b.code, { module: mod, exports: mod.exports, require, process, console, Buffer, setTimeout, clearTimeout, setInterval, clearInterval, setImmediate, URL, TextEncoder, TextDecoder, AbortController, queueMicrotask, structuredClone, performance, __dirname: '/var/task', __filename: '/var/task/index.js' });
      expect(typeof mod.exports.handler).toBe('function');
      // SDK clients bundled, not left external (only the SDK's own optional signers stay behind try/require).
      expect(b.code).not.toMatch(/require\(["']@aws-sdk\/(client-|lib-)/);
      expect(b.sha256).toMatch(/^[0-9a-f]{64}$/);
    }
  }, 120_000);

  it('fails clearly when the entry is missing or does not export handler', async () => {
    // Prepare: a scratch root (not the project's handlers).
    const root = mkdtempSync(path.join(tmpdir(), 'bundle-'));
    mkdirSync(path.join(root, 'h'));
    writeFileSync(path.join(root, 'h', 'nohandler.ts'), 'export const main = () => 1;\n');
    // Act / Assess
    await expect(bundleFunction({ name: 'verifier', entry: 'h/missing.ts' }, { rootDir: root })).rejects.toThrow(BundleError);
    await expect(bundleFunction({ name: 'verifier', entry: 'h/missing.ts' }, { rootDir: root })).rejects.toThrow(/does not exist/);
    await expect(bundleFunction({ name: 'notifier', entry: 'h/nohandler.ts' }, { rootDir: root })).rejects.toThrow(/does not export `handler` \(exports: main\)/);
  });

  it('reuses the on-disk bundle cache only while every input file is unchanged', async () => {
    // Prepare
    const root = mkdtempSync(path.join(tmpdir(), 'bundle-cache-'));
    mkdirSync(path.join(root, 'h'));
    const file = path.join(root, 'h', 'handler.ts');
    writeFileSync(file, "import { answer } from './answer';\nexport const handler = async () => answer;\n");
    writeFileSync(path.join(root, 'h', 'answer.ts'), 'export const answer = "first-answer";\n');
    const spec = { name: 'verifier' as const, entry: 'h/handler.ts' };
    // Act
    const first = await bundleFunction(spec, { rootDir: root, memo: false });
    const again = await bundleFunction(spec, { rootDir: root, memo: false });
    writeFileSync(path.join(root, 'h', 'answer.ts'), 'export const answer = "second-answer, longer";\n');
    const changed = await bundleFunction(spec, { rootDir: root, memo: false });
    // Assess
    expect(first.code).toContain('first-answer');
    expect(again.sha256).toBe(first.sha256);
    expect(changed.code).toContain('second-answer, longer');
  });
});
