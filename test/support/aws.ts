import { resetMoto } from '../../scripts/sandbox/moto';

/**
 * The emulator this jest worker owns (see global-setup.ts). Calling
 * useEmulatorEnv() points every AWS SDK client created afterwards, including
 * the ones inside handlers and bundles, at it through AWS_ENDPOINT_URL.
 */
export const REGION = 'us-east-1';
export const ACCOUNT = '123456789012';

export function motoEndpoint(): string {
  const endpoints = (process.env.MOTO_ENDPOINTS ?? '').split(',').filter(Boolean);
  if (endpoints.length === 0) throw new Error('MOTO_ENDPOINTS is not set: run the tests through jest (test/support/global-setup.ts)');
  const worker = Number(process.env.JEST_WORKER_ID ?? '1');
  return endpoints[(worker - 1) % endpoints.length];
}

export function clientConfig() {
  return {
    endpoint: motoEndpoint(),
    region: REGION,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    maxAttempts: 1,
  };
}

export function useEmulatorEnv(): void {
  process.env.AWS_ENDPOINT_URL = motoEndpoint();
  process.env.AWS_REGION = REGION;
  process.env.AWS_DEFAULT_REGION = REGION;
  process.env.AWS_ACCESS_KEY_ID = 'testing';
  process.env.AWS_SECRET_ACCESS_KEY = 'testing';
  process.env.AWS_MAX_ATTEMPTS = process.env.AWS_MAX_ATTEMPTS ?? '1';
}

export async function resetEmulator(): Promise<void> {
  await resetMoto(motoEndpoint());
}
