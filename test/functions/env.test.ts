import { ENV } from '../../functions/contracts/env';
import { loadEnv } from '../../functions/runtime/env';
import { synthesize } from '../../infra/synth/synthesize';
import { TYPES } from '../../infra/synth/plan';

/**
 * The function environment as infra renders it is what the functions accept; a bad value names the variable,
 * what was expected and what was seen, and nothing runs.
 */
describe('function environment', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('accepts PROTECTION_PLAYBOOKS as the synthesized prod stack renders it (playbook names with dots included)', async () => {
    // Prepare
    const st = await synthesize({ stack: 'prod' });
    const fn = st.resources.find((r) => r.type === TYPES.fn && String(r.inputs.name).endsWith('-replace-instance'))!;
    const rendered = (fn.inputs.environment as { variables: Record<string, string> }).variables[ENV.protectionPlaybooks];
    process.env[ENV.stage] = 'prod';
    process.env[ENV.protectionPlaybooks] = rendered;
    // Act
    const env = loadEnv(['stage', 'protectionPlaybooks']);
    // Assess
    expect(env.protectionPlaybooks).toEqual(JSON.parse(rendered));
    expect(Object.values(env.protectionPlaybooks!).flat().some((n) => n.includes('.'))).toBe(true);
  }, 120_000);

  it('refuses a bad PROTECTION_PLAYBOOKS naming the variable, the entry and what was seen', () => {
    // Prepare
    process.env[ENV.stage] = 'prod';
    process.env[ENV.protectionPlaybooks] = '{"instance":["Bad Name"],"disk":[]}';
    // Act / Assess
    expect(() => loadEnv(['stage', 'protectionPlaybooks'])).toThrow(
      /PROTECTION_PLAYBOOKS: expected protection playbooks JSON \(instance\.0: expected a playbook name.*got "Bad Name"; .*unknown: disk/,
    );
  });
});
