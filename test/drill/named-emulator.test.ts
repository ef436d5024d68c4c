import { createServer, type Server } from 'node:http';
import { CreateDBInstanceCommand, DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { openSandbox } from '../../scripts/drill/sandbox';
import { clientConfig, motoEndpoint, resetEmulator } from '../support/aws';

/**
 * The drill and the bench accept a running emulator (AWS_ENDPOINT_URL, or
 * jest's own). Whatever state it holds, it is recognised and reset; an
 * endpoint that is not moto gets an error naming it, and nothing is started.
 */
describe('drill sandbox on a named emulator', () => {
  afterEach(resetEmulator);

  it('opens on a moto that holds RDS state (moto cannot serialize it in /moto-api/data.json) and starts it empty', async () => {
    // Prepare: an RDS instance left over from an earlier run
    const rds = new RDSClient(clientConfig());
    await rds.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: 'left-over',
        DBInstanceClass: 'db.t3.micro',
        Engine: 'postgres',
        AllocatedStorage: 20,
        MasterUsername: 'admin1',
        MasterUserPassword: 'not-a-secret-1',
      }),
    );
    const dump = await fetch(`${motoEndpoint()}/moto-api/data.json`);
    // Act
    const sandbox = await openSandbox({ endpoint: motoEndpoint(), log: () => undefined });
    try {
      // Assess
      expect(sandbox.startedMoto).toBe(false);
      const left = await rds.send(new DescribeDBInstancesCommand({}));
      expect(left.DBInstances ?? []).toEqual([]);
      // Why the probe is the reset API: this is what the old data.json probe tripped on.
      expect(dump.status).toBe(500);
    } finally {
      await sandbox.close();
    }
  });

  it('names an endpoint that is not moto, and says how to go on', async () => {
    // Prepare: something else answering HTTP on a loopback port
    const other: Server = createServer((_, res) => res.writeHead(404).end('not here'));
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    const addr = other.address();
    const endpoint = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    try {
      // Act / Assess
      await expect(openSandbox({ endpoint, log: () => undefined })).rejects.toThrow(
        new RegExp(`AWS_ENDPOINT_URL=${endpoint} does not answer as moto_server \\(moto reset at ${endpoint} failed: HTTP 404 not here\\)\\. .*unset AWS_ENDPOINT_URL`),
      );
    } finally {
      await new Promise((r) => other.close(r));
    }
  });
});
