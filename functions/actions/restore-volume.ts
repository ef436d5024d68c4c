import { z } from 'zod';
import { defineAction } from './declaration';

export const restoreVolume = defineAction({
  name: 'restore-volume',
  description:
    'Restore the failed EBS volume from its latest completed snapshot in the same AZ, swap it in at the same device and keep the old volume tagged; any failure puts the original volume back.',
  destructive: true,
  input: z.object({ volumeType: z.enum(['gp3', 'gp2', 'io1', 'io2', 'st1', 'sc1']).optional() }),
  permissions: [
    {
      sid: 'ReadVolumes',
      actions: [
        'ec2:DescribeInstances',
        'ec2:DescribeVolumes',
        'ec2:DescribeVolumeStatus',
        'ec2:DescribeSnapshots',
      ],
      resources: ['*'],
    },
    {
      sid: 'CreateVolumeFromSnapshot',
      actions: ['ec2:CreateVolume'],
      resources: ['arn:{partition}:ec2:{region}:{account}:volume/*', 'arn:{partition}:ec2:{region}::snapshot/*'],
    },
    {
      sid: 'TagVolumes',
      actions: ['ec2:CreateTags'],
      resources: ['arn:{partition}:ec2:{region}:{account}:volume/*'],
    },
    {
      sid: 'SwapOnProtectedInstance',
      actions: ['ec2:StopInstances', 'ec2:StartInstances', 'ec2:DetachVolume', 'ec2:AttachVolume'],
      resources: ['arn:{partition}:ec2:{region}:{account}:instance/*'],
      scope: 'protected',
    },
    {
      sid: 'AttachDetachVolumes',
      actions: ['ec2:DetachVolume', 'ec2:AttachVolume'],
      resources: ['arn:{partition}:ec2:{region}:{account}:volume/*'],
    },
  ],
  async run() {
    throw new Error('restore-volume: not implemented yet');
  },
});
