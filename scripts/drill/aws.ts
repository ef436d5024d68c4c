import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { IAMClient } from '@aws-sdk/client-iam';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { RDSClient } from '@aws-sdk/client-rds';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';

/**
 * The drill's own AWS clients. They talk to moto directly (never through the
 * gap proxy): the drill plays AWS's part and reads the fleet's real state, so
 * its calls must not be mistaken for the functions' calls in the proxy's log.
 */
export const REGION = 'us-east-1';
/** moto's default account. */
export const ACCOUNT = '123456789012';

export interface Clients {
  endpoint: string;
  ec2: EC2Client;
  autoscaling: AutoScalingClient;
  cloudwatch: CloudWatchClient;
  events: EventBridgeClient;
  sqs: SQSClient;
  sns: SNSClient;
  dynamodb: DynamoDBClient;
  ssm: SSMClient;
  rds: RDSClient;
  lambda: LambdaClient;
  iam: IAMClient;
  destroy(): void;
}

export function clientsFor(endpoint: string): Clients {
  const config = { endpoint, region: REGION, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' }, maxAttempts: 2 };
  const c = {
    ec2: new EC2Client(config),
    autoscaling: new AutoScalingClient(config),
    cloudwatch: new CloudWatchClient(config),
    events: new EventBridgeClient(config),
    sqs: new SQSClient(config),
    sns: new SNSClient(config),
    dynamodb: new DynamoDBClient(config),
    ssm: new SSMClient(config),
    rds: new RDSClient(config),
    lambda: new LambdaClient(config),
    iam: new IAMClient(config),
  };
  return { endpoint, ...c, destroy: () => Object.values(c).forEach((x) => x.destroy()) };
}
