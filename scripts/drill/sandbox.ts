import { factsReader } from '../iam/facts';
import { startAwsGaps, type GapProxy } from '../sandbox/aws-gaps';
import { MOTO_INSTALL_HINT, resetMoto, startMoto, type MotoServer } from '../sandbox/moto';
import { clientsFor, REGION, type Clients } from './aws';

/**
 * The local AWS sandbox the drill runs in: moto_server (started here on a free
 * loopback port, or the one AWS_ENDPOINT_URL names) and the gap proxy in front
 * of it. `close()` stops exactly what was started here, once, whatever happens.
 */
export interface Sandbox {
  /** moto itself: the drill's own clients and its state checks. */
  motoEndpoint: string;
  /** The gap proxy: what the functions' AWS_ENDPOINT_URL points at. */
  proxy: GapProxy;
  clients: Clients;
  startedMoto: boolean;
  close(): Promise<void>;
}

export async function openSandbox(opts: { endpoint?: string; log: (line: string) => void }): Promise<Sandbox> {
  let moto: MotoServer | undefined;
  let endpoint = opts.endpoint;
  if (endpoint) {
    // The drill recreates the stack under fixed names: start from an empty emulator.
    // A successful reset is also the proof that the endpoint is moto_server.
    try {
      await resetMoto(endpoint);
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      throw new Error(`AWS_ENDPOINT_URL=${endpoint} does not answer as moto_server (${why}). Start one (moto_server -p 5000) or unset AWS_ENDPOINT_URL to let the drill start its own.`);
    }
    opts.log(`using the emulator at ${endpoint} (AWS_ENDPOINT_URL); its state was reset`);
  } else {
    try {
      moto = await startMoto();
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      throw new Error(msg.includes('not found') || msg.includes('ENOENT') ? MOTO_INSTALL_HINT : `could not start moto_server: ${msg}`);
    }
    endpoint = moto.endpoint;
    opts.log(`started moto_server on ${endpoint} (pid ${moto.pid})`);
  }
  const clients = clientsFor(endpoint);
  let proxy: GapProxy;
  try {
    // Each request's resource facts (tags, ...) are read from moto before it is answered: the IAM evidence (scripts/iam).
    proxy = await startAwsGaps({ upstream: endpoint, region: REGION, facts: factsReader(clients) });
  } catch (e) {
    clients.destroy();
    await moto?.stop();
    throw e;
  }
  opts.log(`gap proxy on ${proxy.endpoint} (stand-ins: SSM Automation, Change Calendar, EC2 instance/volume status, AWS Health, CloudWatch alarm mute rules)`);
  let closing: Promise<void> | undefined;
  return {
    motoEndpoint: endpoint,
    proxy,
    clients,
    startedMoto: moto !== undefined,
    close: () =>
      (closing ??= (async () => {
        clients.destroy();
        await proxy.stop().catch(() => undefined);
        await moto?.stop();
      })()),
  };
}
