import * as aws from '@pulumi/aws';
import type * as pulumi from '@pulumi/pulumi';

/**
 * The audit ledger: incidents, per-resource attempts, per-group in-flight
 * counters, breaker state and idempotency records, all under pk/sk. Old
 * records expire through TTL (`expiresAt`); PITR because it is the audit trail.
 */
export const LEDGER_TTL_ATTRIBUTE = 'expiresAt';

export function ledgerTable(name: string, opts: pulumi.CustomResourceOptions): aws.dynamodb.Table {
  return new aws.dynamodb.Table(
    name,
    {
      name,
      billingMode: 'PAY_PER_REQUEST',
      hashKey: 'pk',
      rangeKey: 'sk',
      attributes: [
        { name: 'pk', type: 'S' },
        { name: 'sk', type: 'S' },
      ],
      ttl: { attributeName: LEDGER_TTL_ATTRIBUTE, enabled: true },
      pointInTimeRecovery: { enabled: true },
      serverSideEncryption: { enabled: true },
      deletionProtectionEnabled: true,
      tags: { 'recovery-stack:role': 'ledger' },
    },
    opts,
  );
}
