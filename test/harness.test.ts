import { EC2Client, DescribeRegionsCommand } from '@aws-sdk/client-ec2';
import { clientConfig, resetEmulator } from './support/aws';

describe('emulator harness', () => {
  it('answers AWS API calls on this worker\'s port', async () => {
    // Prepare
    await resetEmulator();
    const ec2 = new EC2Client(clientConfig());
    // Act
    const out = await ec2.send(new DescribeRegionsCommand({}));
    // Assess
    expect(out.Regions?.map((r) => r.RegionName)).toContain('us-east-1');
  });
});
