import { z } from 'zod';
import { defineAction } from './declaration';

export const replaceInstance = defineAction({
  name: 'replace-instance',
  description:
    'ASG member: terminate in the group without decrementing desired capacity and wait for the replacement in service. Standalone: launch a replacement from its launch template or attributes, move Elastic IPs, then stop and tag the old instance.',
  destructive: true,
  input: z.object({ waitForReplacementSeconds: z.number().int().min(0).max(600).optional() }),
  permissions: [
    {
      sid: 'ReadFleet',
      actions: [
        'ec2:DescribeInstances',
        'ec2:DescribeInstanceStatus',
        'ec2:DescribeAddresses',
        'ec2:DescribeLaunchTemplateVersions',
        'autoscaling:DescribeAutoScalingGroups',
        'autoscaling:DescribeAutoScalingInstances',
      ],
      resources: ['*'],
    },
    {
      sid: 'TerminateInProtectedGroups',
      actions: ['autoscaling:TerminateInstanceInAutoScalingGroup'],
      resources: ['arn:{partition}:autoscaling:{region}:{account}:autoScalingGroup:*:autoScalingGroupName/*'],
      scope: 'protected',
    },
    {
      sid: 'LaunchReplacement',
      actions: ['ec2:RunInstances'],
      resources: [
        'arn:{partition}:ec2:{region}:{account}:instance/*',
        'arn:{partition}:ec2:{region}:{account}:volume/*',
        'arn:{partition}:ec2:{region}:{account}:network-interface/*',
        'arn:{partition}:ec2:{region}:{account}:subnet/*',
        'arn:{partition}:ec2:{region}:{account}:security-group/*',
        'arn:{partition}:ec2:{region}:{account}:launch-template/*',
        'arn:{partition}:ec2:{region}:{account}:key-pair/*',
        'arn:{partition}:ec2:{region}::image/*',
      ],
    },
    {
      sid: 'TagOnLaunch',
      actions: ['ec2:CreateTags'],
      resources: ['arn:{partition}:ec2:{region}:{account}:instance/*', 'arn:{partition}:ec2:{region}:{account}:volume/*'],
      condition: { StringEquals: { 'ec2:CreateAction': 'RunInstances' } },
    },
    {
      sid: 'RetireProtectedInstance',
      actions: ['ec2:StopInstances', 'ec2:CreateTags'],
      resources: ['arn:{partition}:ec2:{region}:{account}:instance/*'],
      scope: 'protected',
    },
    {
      sid: 'MoveElasticIps',
      actions: ['ec2:AssociateAddress', 'ec2:DisassociateAddress'],
      resources: [
        'arn:{partition}:ec2:{region}:{account}:elastic-ip/*',
        'arn:{partition}:ec2:{region}:{account}:instance/*',
        'arn:{partition}:ec2:{region}:{account}:network-interface/*',
      ],
    },
    {
      sid: 'PassInstanceProfileRole',
      actions: ['iam:PassRole'],
      resources: ['arn:{partition}:iam::{account}:role/*'],
      condition: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
    },
  ],
  async run() {
    throw new Error('replace-instance: not implemented yet');
  },
});
