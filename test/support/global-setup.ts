import { startMoto, type MotoServer } from '../../scripts/sandbox/moto';

/**
 * One moto_server per jest worker (tests reset state between cases, and two
 * workers sharing one emulator would reset each other's state). Endpoints go
 * to the workers through MOTO_ENDPOINTS; test/support/aws.ts picks its own.
 */
declare global {
  // eslint-disable-next-line no-var
  var __MOTO_SERVERS__: MotoServer[] | undefined;
}

export default async function globalSetup(config: { maxWorkers: number }): Promise<void> {
  const count = Math.max(1, config.maxWorkers);
  const servers = await Promise.all(Array.from({ length: count }, () => startMoto()));
  globalThis.__MOTO_SERVERS__ = servers;
  process.env.MOTO_ENDPOINTS = servers.map((s) => s.endpoint).join(',');
}
