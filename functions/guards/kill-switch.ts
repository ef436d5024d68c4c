import { ssm } from '../runtime/sdk';
import { forgetSharedReadings, keptReading, sharedReading } from './shared-readings';

/**
 * The kill switch: SSM parameter /recovery/<env>/mode = auto | dry-run | off,
 * read per invocation with a short cache so operators can stand the automation
 * down without a deploy. Anything else (unknown value, missing parameter,
 * unreadable) means `off`: when in doubt, do nothing and say why.
 */
export type Mode = 'auto' | 'dry-run' | 'off';
export interface ModeReading {
  mode: Mode;
  /** Set when the mode was forced to `off`. */
  note?: string;
}

/** Shared by the container's faults for `cacheSeconds` (./shared-readings.ts); an unreadable switch (off) is kept too. */
const key = (parameterName: string) => `mode|${parameterName}`;

export function forgetMode(): void {
  forgetSharedReadings('mode|');
}

/** The mode as last read, if that reading is still fresh: known without a call. */
export function cachedMode(parameterName: string, cacheSeconds: number): ModeReading | undefined {
  return keptReading<ModeReading>(key(parameterName), cacheSeconds)?.value;
}

export async function readMode(parameterName: string, cacheSeconds: number): Promise<ModeReading> {
  return (await sharedReading(key(parameterName), cacheSeconds, () => fetchMode(parameterName), () => true)).value;
}

async function fetchMode(name: string): Promise<ModeReading> {
  const { client, sdk } = await ssm();
  try {
    const out = await client.send(new sdk.GetParameterCommand({ Name: name }));
    const raw = (out.Parameter?.Value ?? '').trim();
    if (raw === 'auto' || raw === 'dry-run' || raw === 'off') return { mode: raw };
    return { mode: 'off', note: `kill switch ${name} holds unknown value ${JSON.stringify(raw.slice(0, 40))}; treating it as off (expected auto | dry-run | off)` };
  } catch (e) {
    const why = (e as { name?: string }).name === 'ParameterNotFound' ? 'does not exist' : `could not be read (${(e as Error).message})`;
    return { mode: 'off', note: `kill switch ${name} ${why}; treating it as off` };
  }
}
