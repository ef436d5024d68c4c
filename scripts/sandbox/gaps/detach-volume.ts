import { DescribeVolumesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import type { AwsRequest } from './protocol';

/**
 * FIDELITY FIX for EC2 DetachVolume: AWS makes InstanceId (and Device)
 * optional, moto requires InstanceId and answers a 500 HTML page without it.
 * The proxy fills it in from the volume's current attachment before
 * forwarding; the request is otherwise unchanged. Returns the body to send.
 */
export async function completeDetachVolume(ec2: EC2Client, req: AwsRequest, body: Buffer): Promise<Buffer> {
  if (req.service !== 'ec2' || req.operation !== 'DetachVolume' || req.form.get('InstanceId')) return body;
  const volumeId = req.form.get('VolumeId');
  if (!volumeId) return body;
  const out = await ec2.send(new DescribeVolumesCommand({ VolumeIds: [volumeId] })).catch(() => undefined);
  const instanceId = out?.Volumes?.[0]?.Attachments?.[0]?.InstanceId;
  if (!instanceId) return body;
  const form = new URLSearchParams(req.form);
  form.set('InstanceId', instanceId);
  return Buffer.from(form.toString(), 'utf8');
}
