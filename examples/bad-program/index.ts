/**
 * Deliberately bad: every resource here breaks a rule of the recovery-stack
 * policy pack (see the comment on each). Never deploy it; it exists so the
 * tests and the README can show what the pack catches:
 *
 *   npm run policy -- --program examples/bad-program --stack prod   # exits 1
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

// recovery-coverage: no `recovery` tag and no recovery alarm watches it.
export const web = new aws.ec2.Instance('web', {
  ami: 'ami-0123456789abcdef0',
  instanceType: 't3.micro',
  tags: { Name: 'web' },
});

// ebs-encrypted, ebs-snapshot-coverage (no DLM/Backup), recovery-coverage.
const data = new aws.ebs.Volume('data', {
  availabilityZone: 'us-east-1a',
  size: 50,
  type: 'gp3',
});
new aws.ec2.VolumeAttachment('data-on-web', { deviceName: '/dev/sdf', instanceId: web.id, volumeId: data.id });

// remediation-function-limits (no timeout, no reserved concurrency) and
// remediation-function-failure-destination (no DLQ, no on-failure destination).
const role = new aws.iam.Role('cleanup', {
  assumeRolePolicy: JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
  }),
});
new aws.lambda.Function('cleanup', {
  role: role.arn,
  runtime: 'nodejs22.x',
  handler: 'index.handler',
  code: new pulumi.asset.AssetArchive({ 'index.js': new pulumi.asset.StringAsset('exports.handler = async () => {};') }),
  tags: { 'recovery:remediation': 'true' },
});

// iam-no-wildcard-actions ('ec2:*') and iam-scoped-destructive-actions
// ('ec2:*' grants TerminateInstances & co. on every resource).
const admin = new aws.iam.Policy('ec2-admin', {
  policy: JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: 'ec2:*', Resource: '*' }],
  }),
});
new aws.iam.RolePolicyAttachment('cleanup-admin', { role: role.name, policyArn: admin.arn });

// k8s-deployment-probes, k8s-deployment-replicas (1 replica), k8s-deployment-pdb.
// Registered by type token so the example needs no @pulumi/kubernetes install;
// `new k8s.apps.v1.Deployment(...)` registers the same type.
new pulumi.CustomResource('kubernetes:apps/v1:Deployment', 'shop', {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'shop', namespace: 'default' },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: 'shop' } },
    template: {
      metadata: { labels: { app: 'shop' } },
      spec: { containers: [{ name: 'shop', image: 'nginx:1.27', ports: [{ containerPort: 80 }] }] },
    },
  },
});
