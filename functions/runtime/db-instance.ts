import { rds } from './sdk';

/**
 * What diagnosis knows about an RDS DB instance. DbiResourceId is the
 * instance's stable identity: identifiers change when restore-db swaps names,
 * the resource id never does.
 */
export interface DbInstanceFacts {
  identifier: string;
  resourceId: string;
  arn: string;
  status: string;
  engine?: string;
  instanceClass?: string;
  multiAZ: boolean;
  availabilityZone?: string;
  backupRetentionPeriod: number;
  latestRestorableTime?: string;
  /** Aurora members are restored per cluster, not per instance. */
  clusterIdentifier?: string;
  /** Read replicas are rebuilt from their source, not restored. */
  replicaSource?: string;
  endpoint?: string;
  tags: Record<string, string>;
}

export async function describeDbInstance(identifier: string): Promise<DbInstanceFacts | undefined> {
  const { client, sdk } = await rds();
  let db;
  try {
    db = (await client.send(new sdk.DescribeDBInstancesCommand({ DBInstanceIdentifier: identifier }))).DBInstances?.[0];
  } catch (e) {
    if ((e as { name?: string }).name === 'DBInstanceNotFoundFault' || (e as { name?: string }).name === 'DBInstanceNotFound') return undefined;
    throw e;
  }
  if (!db?.DBInstanceIdentifier) return undefined;
  return {
    identifier: db.DBInstanceIdentifier,
    resourceId: db.DbiResourceId ?? '',
    arn: db.DBInstanceArn ?? '',
    status: db.DBInstanceStatus ?? 'unknown',
    engine: db.Engine,
    instanceClass: db.DBInstanceClass,
    multiAZ: db.MultiAZ === true,
    availabilityZone: db.AvailabilityZone,
    backupRetentionPeriod: db.BackupRetentionPeriod ?? 0,
    latestRestorableTime: db.LatestRestorableTime?.toISOString(),
    clusterIdentifier: db.DBClusterIdentifier,
    replicaSource: db.ReadReplicaSourceDBInstanceIdentifier,
    endpoint: db.Endpoint?.Address ? `${db.Endpoint.Address}:${db.Endpoint.Port ?? ''}` : undefined,
    tags: Object.fromEntries((db.TagList ?? []).filter((t) => t.Key).map((t) => [t.Key!, t.Value ?? ''])),
  };
}
