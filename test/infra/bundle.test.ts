import { mkdtempSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { bundleFunction, BundleError, COMPUTED_TRAIT_KEY, diskCached, literalTraitKeys } from '../../infra/functions/bundle';
import { FUNCTIONS } from '../../functions/catalog';
import * as realSsm from '@aws-sdk/client-ssm';
import * as realDynamodb from '@aws-sdk/client-dynamodb';
import { clientConfig, resetEmulator } from '../support/aws';

/** Evaluates a bundle as Lambda would (a CommonJS module) and returns its exports. */
function load(code: string): Record<string, any> {
  const mod = { exports: {} as Record<string, any> };
  vm.runInNewContext(code, { module: mod, exports: mod.exports, require, process, console, Buffer, setTimeout, clearTimeout, setInterval, clearInterval, setImmediate, URL, TextEncoder, TextDecoder, AbortController, queueMicrotask, structuredClone, performance, __dirname: '/var/task', __filename: '/var/task/index.js' });
  return mod.exports;
}

const FIXTURES = path.join('test', 'infra', 'fixtures', 'bundle');
const fixture = (file: string) => bundleFunction({ name: 'verifier', entry: path.join(FIXTURES, file) }, { memo: false });

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
      // Size is reported (npm run bench), not a target: what users feel is cold init, which the bench measures.
      // Every synth runs in a fresh process: each catalog bundle must land in the disk cache (a plugin's
      // virtual module once kept every bundle out of it, and each synth rebuilt all of them).
      if (process.env.RECOVERY_BUNDLE_CACHE !== 'off') expect({ name: spec.name, cached: diskCached(spec) }).toEqual({ name: spec.name, cached: true });
    }
  }, 300_000); // 12 uncached esbuild runs on a shared, loaded machine

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
    // Written a minute ago: a file changed while its bundle was built is not cached (next test).
    const past = new Date(Date.now() - 60_000);
    for (const f of ['handler.ts', 'answer.ts']) utimesSync(path.join(root, 'h', f), past, past);
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

  it('does not cache a bundle whose input changed while it was built (its stamp would vouch for the old text)', async () => {
    // Prepare: an input stamped during the build (here: ahead of it), then edited to the same size and stamp.
    const root = mkdtempSync(path.join(tmpdir(), 'bundle-cache-'));
    mkdirSync(path.join(root, 'h'));
    writeFileSync(path.join(root, 'h', 'handler.ts'), "import { answer } from './answer';\nexport const handler = async () => answer;\n");
    const answer = path.join(root, 'h', 'answer.ts');
    writeFileSync(answer, 'export const answer = "old-text";\n');
    const during = new Date(Date.now() + 30_000);
    utimesSync(answer, during, during);
    const spec = { name: 'verifier' as const, entry: 'h/handler.ts' };
    // Act
    const first = await bundleFunction(spec, { rootDir: root, memo: false });
    writeFileSync(answer, 'export const answer = "new-text";\n');
    utimesSync(answer, during, during);
    const second = await bundleFunction(spec, { rootDir: root, memo: false });
    // Assess: same size and mtime as when first was built, yet the new text is served.
    expect(first.code).toContain('old-text');
    expect(second.code).toContain('new-text');
  });

  it('turns service errors into the same modeled errors in a bundle as the SDK does (moto)', async () => {
    // Prepare: a table whose item exists, no parameter named /missing; the bundle in its own node process, as Lambda runs it.
    await resetEmulator();
    const real = new realDynamodb.DynamoDBClient(clientConfig());
    await real.send(new realDynamodb.CreateTableCommand({ TableName: 'errors', KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST' }));
    await real.send(new realDynamodb.PutItemCommand({ TableName: 'errors', Item: { pk: { S: 'taken' } } }));
    const putTaken = { TableName: 'errors', Item: { pk: { S: 'taken' } }, ConditionExpression: 'attribute_not_exists(pk)' };
    const dir = mkdtempSync(path.join(tmpdir(), 'bundle-errors-'));
    writeFileSync(path.join(dir, 'index.js'), (await fixture('sdk-errors.ts')).code);
    const seen = `async (send) => { const e = await send().then(() => undefined, (err) => err); return { name: e?.name, fault: e?.$fault, message: e?.message, status: e?.$metadata?.httpStatusCode }; }`;
    const script = `const b = require(${JSON.stringify(path.join(dir, 'index.js'))}); const seen = ${seen}; const cfg = ${JSON.stringify(clientConfig())};
(async () => console.log(JSON.stringify({
  ssm: await seen(() => new b.SSMClient(cfg).send(new b.GetParameterCommand({ Name: '/missing' }))),
  ddb: await seen(() => new b.DynamoDBClient(cfg).send(new b.PutItemCommand(${JSON.stringify(putTaken)}))),
})))();`;
    const describe = async (send: () => Promise<unknown>) => {
      const e = (await send().then(() => undefined, (err: unknown) => err)) as Error & { $fault?: string; $metadata?: { httpStatusCode?: number } };
      return { name: e?.name, fault: e?.$fault, message: e?.message, status: e?.$metadata?.httpStatusCode };
    };
    // Act
    const bundled = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim().split('\n').pop()!);
    const ssm = await describe(() => new realSsm.SSMClient(clientConfig()).send(new realSsm.GetParameterCommand({ Name: '/missing' })));
    const ddb = await describe(() => real.send(new realDynamodb.PutItemCommand(putTaken)));
    // Assess: what the functions read from an error (name, fault, message, status); class names are minified.
    expect(bundled.ssm).toEqual(ssm);
    expect(bundled.ssm).toMatchObject({ name: 'ParameterNotFound', fault: 'client' });
    expect(bundled.ddb).toEqual(ddb);
    expect(bundled.ddb).toMatchObject({ name: 'ConditionalCheckFailedException', fault: 'client' });
  });

  it('resolves credentials in a bundle with the SDK\'s own default chain (environment first)', async () => {
    // Prepare
    const { SQSClient } = load((await fixture('sdk-errors.ts')).code);
    const saved = { ...process.env };
    try {
      Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'AKIDBUNDLE', AWS_SECRET_ACCESS_KEY: 'secret-bundle', AWS_SESSION_TOKEN: 'token-bundle' });
      // Act
      const creds = await new SQSClient({ region: 'us-east-1' }).config.credentials();
      // Assess
      expect(creds).toMatchObject({ accessKeyId: 'AKIDBUNDLE', secretAccessKey: 'secret-bundle', sessionToken: 'token-bundle' });
    } finally {
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
      Object.assign(process.env, saved);
    }
  });

  it('leaves the SDK as published: no rewritten error classes, credential chain or event streams', async () => {
    // Act
    const code = (await fixture('sdk-errors.ts')).code;
    // Assess: none of the previous pipeline's stand-ins and factories.
    expect(code).not.toMatch(/event streams are not bundled|__errorClass|the sources a Lambda bundle reads|JMESPath is not bundled|JSON Schema output is not bundled/);
  });

  /**
   * The one SDK workaround (infra/functions/bundle.ts, sdkTraitKeyLiterals): aws-sdk-js-v3 issue 7607.
   * When this fails, the SDK writes literal trait keys: delete the workaround (SCHEMA_FILE,
   * COMPUTED_TRAIT_KEY, literalTraitKeys, sdkTraitKeyLiterals), this test, and the bench's
   * "without 7607" column.
   */
  it('aws-sdk-js-v3 7607 is still open: the SDK schema files the workaround targets still use computed trait keys', () => {
    for (const pkg of ['client-ec2', 'client-ssm', 'client-dynamodb']) {
      // Prepare: the schema file esbuild bundles (dist-es, as mainFields prefers `module`).
      const file = path.join(require.resolve(`@aws-sdk/${pkg}/package.json`), '..', 'dist-es', 'schemas', 'schemas_0.js');
      const src = readFileSync(file, 'utf8');
      // Act
      const computed = src.match(COMPUTED_TRAIT_KEY)?.length ?? 0;
      // Assess
      if (computed === 0) {
        throw new Error(`@aws-sdk/${pkg} no longer writes computed trait keys (aws-sdk-js-v3 issue 7607 is fixed): remove the 7607 workaround from infra/functions/bundle.ts and this test`);
      }
      expect(literalTraitKeys(src).match(COMPUTED_TRAIT_KEY)?.length ?? 0).toBe(0);
    }
  });

  it('the 7607 workaround only rewrites keys to the same strings', () => {
    // Prepare: the shape of a generated schema file.
    const src = 'const _xN = "xmlName";\nconst _m = "member";\nexport var S$ = [3, n0, _S, 0, [_M], [[1, { [_xN]: _m, [other]: 1 }]]];\n';
    // Act
    const out = literalTraitKeys(src);
    // Assess: a constant's key becomes its literal, anything else stays.
    expect(out).toContain('{ "xmlName": _m, [other]: 1 }');
    const evaluate = (code: string) => new Function('n0', '_S', '_M', 'other', `${code.replace(/export var/g, 'var')}; return S$;`)(0, 'S', 'M', 'o');
    expect(evaluate(out)).toEqual(evaluate(src));
  });
});
