import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { AuditLogs } from './config';

/**
 * Ships the functions' log groups (every decision is a log line: the audit
 * trail, ECS JSON) to Kinesis Data Firehose through subscription filters.
 * With `firehoseArn` it uses that stream (e.g. one feeding OpenSearch or
 * Splunk); otherwise it creates a stream into a versioned, encrypted,
 * non-public S3 bucket. CloudWatch Logs delivers gzip'd batches; the created
 * stream decompresses them and extracts the log lines, so objects hold the
 * JSON lines ELK/Graylog/Logstash read unchanged.
 */
export interface AuditShippingArgs {
  stage: string;
  config: AuditLogs;
  logGroups: aws.cloudwatch.LogGroup[];
  account: pulumi.Input<string>;
  region: pulumi.Input<string>;
  partition: pulumi.Input<string>;
}

const assumeBy = (service: string, account: pulumi.Input<string>, sourceArn?: pulumi.Input<string>) =>
  pulumi.all([account, sourceArn]).apply(([acct, arn]) =>
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: service },
          Action: 'sts:AssumeRole',
          Condition: { StringEquals: { 'aws:SourceAccount': acct }, ...(arn ? { StringLike: { 'aws:SourceArn': arn } } : {}) },
        },
      ],
    }),
  );

export function auditShipping(args: AuditShippingArgs, opts: pulumi.CustomResourceOptions) {
  const name = `recovery-${args.stage}-audit`;
  const created = args.config.firehoseArn ? undefined : firehoseToS3(name, args, opts);
  const streamArn: pulumi.Input<string> = args.config.firehoseArn ?? created!.stream.arn;

  const logsRole = new aws.iam.Role(
    `${name}-logs`,
    {
      name: `${name}-logs`,
      description: 'recovery-stack: CloudWatch Logs puts the audit trail into Firehose',
      // Confused-deputy guard: only this account's log groups in this region (CloudWatch Logs docs, subscription filters + Firehose).
      assumeRolePolicy: assumeBy('logs.amazonaws.com', args.account, pulumi.interpolate`arn:${args.partition}:logs:${args.region}:${args.account}:*`),
      maxSessionDuration: 3600,
    },
    opts,
  );
  const logsPolicy = new aws.iam.RolePolicy(
    `${name}-logs`,
    {
      role: logsRole.id,
      name: 'put-into-firehose',
      policy: pulumi.output(streamArn).apply((arn) =>
        JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'AuditStream', Effect: 'Allow', Action: ['firehose:PutRecord', 'firehose:PutRecordBatch'], Resource: [arn] }] }),
      ),
    },
    opts,
  );
  const filters = args.logGroups.map(
    (lg, i) =>
      new aws.cloudwatch.LogSubscriptionFilter(
        `${name}-${i}`,
        { name: `${name}-firehose`, logGroup: lg.name, destinationArn: streamArn, roleArn: logsRole.arn, filterPattern: args.config.filterPattern },
        { ...opts, dependsOn: [logsPolicy] },
      ),
  );
  return { streamArn, logsRole, filters, ...(created ?? {}) };
}

function firehoseToS3(name: string, args: AuditShippingArgs, opts: pulumi.CustomResourceOptions) {
  const bucket = new aws.s3.Bucket(`${name}-bucket`, { bucketPrefix: `${name}-`, forceDestroy: false }, opts);
  new aws.s3.BucketPublicAccessBlock(
    `${name}-bucket`,
    { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
    opts,
  );
  new aws.s3.BucketServerSideEncryptionConfiguration(
    `${name}-bucket`,
    { bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' }, bucketKeyEnabled: true }] },
    opts,
  );
  // An audit trail is kept, not overwritten: versioning on, expiry only after the configured retention.
  new aws.s3.BucketVersioning(`${name}-bucket`, { bucket: bucket.id, versioningConfiguration: { status: 'Enabled' } }, opts);
  new aws.s3.BucketLifecycleConfiguration(
    `${name}-bucket`,
    { bucket: bucket.id, rules: [{ id: 'audit-retention', status: 'Enabled', filter: {}, expiration: { days: args.config.retentionDays } }] },
    opts,
  );
  const role = new aws.iam.Role(
    `${name}-firehose`,
    { name: `${name}-firehose`, description: 'recovery-stack: Firehose writes the audit trail to its bucket', assumeRolePolicy: assumeBy('firehose.amazonaws.com', args.account), maxSessionDuration: 3600 },
    opts,
  );
  const policy = new aws.iam.RolePolicy(
    `${name}-firehose`,
    {
      role: role.id,
      name: 'write-audit-bucket',
      policy: bucket.arn.apply((arn) =>
        JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Sid: 'Bucket', Effect: 'Allow', Action: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'], Resource: [arn] },
            { Sid: 'Objects', Effect: 'Allow', Action: ['s3:PutObject', 's3:AbortMultipartUpload', 's3:GetObject'], Resource: [`${arn}/*`] },
          ],
        }),
      ),
    },
    opts,
  );
  const stream = new aws.kinesis.FirehoseDeliveryStream(
    name,
    {
      name,
      destination: 'extended_s3',
      serverSideEncryption: { enabled: true, keyType: 'AWS_OWNED_CMK' },
      extendedS3Configuration: {
        roleArn: role.arn,
        bucketArn: bucket.arn,
        prefix: `recovery-${args.stage}/!{timestamp:yyyy/MM/dd}/`,
        errorOutputPrefix: `errors/recovery-${args.stage}/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/`,
        bufferingInterval: 300,
        bufferingSize: 5,
        compressionFormat: 'GZIP',
        processingConfiguration: {
          enabled: true,
          processors: [
            { type: 'Decompression', parameters: [{ parameterName: 'CompressionFormat', parameterValue: 'GZIP' }] },
            { type: 'CloudWatchLogProcessing', parameters: [{ parameterName: 'DataMessageExtraction', parameterValue: 'true' }] },
          ],
        },
      },
    },
    { ...opts, dependsOn: [policy] },
  );
  return { bucket, stream, firehoseRole: role };
}
