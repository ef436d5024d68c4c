import { randomUUID } from 'node:crypto';
import {
  DescribeInstancesCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import type { Impairments } from './impairments';
import { jsonError, jsonResponse, type AwsRequest, type StandInResponse } from './protocol';

/**
 * STAND-IN for SSM Automation (StartAutomationExecution /
 * GetAutomationExecution / StopAutomationExecution): moto has SSM parameters
 * and documents but no Automation executions. The stand-in really runs the one
 * AWS-owned runbook the drill's ladders use, AWS-RestartEC2Instance, by
 * stopping and starting the instance in moto, so the fleet's state changes
 * for real and the status-check impairments clear the way AWS's do.
 * Any other document fails the execution with a clear message.
 */
export interface AutomationExecution {
  id: string;
  documentName: string;
  parameters: Record<string, string[]>;
  status: 'InProgress' | 'Success' | 'Failed' | 'Cancelled';
  failureMessage?: string;
  startedAt: Date;
  endedAt?: Date;
  steps: { StepName: string; Action: string; StepStatus: string; FailureMessage?: string }[];
  done: Promise<void>;
}

const epoch = (d: Date | undefined) => (d ? d.getTime() / 1000 : undefined);

export class SsmAutomation {
  readonly executions = new Map<string, AutomationExecution>();
  /** Instances whose restart fails at its first step (the instance does not stop), with AWS's step failure message. */
  private readonly failing = new Map<string, string>();

  constructor(
    private readonly ec2: EC2Client,
    private readonly impairments: Impairments,
  ) {}

  async handle(req: AwsRequest): Promise<StandInResponse | undefined> {
    switch (req.operation) {
      case 'StartAutomationExecution':
        return this.start(req.json);
      case 'GetAutomationExecution': {
        // The emulated runbook takes ~100 ms; answer once it has finished (bounded), so a
        // caller polling every few seconds, as real callers do, is not kept waiting a poll
        // interval for what moto did instantly. Status still goes InProgress -> Success.
        const ex = this.executions.get(String(req.json.AutomationExecutionId ?? ''));
        if (ex) await Promise.race([ex.done, new Promise((r) => setTimeout(r, 3000))]);
        return this.get(req.json);
      }
      case 'StopAutomationExecution': {
        const ex = this.executions.get(String(req.json.AutomationExecutionId ?? ''));
        if (!ex) return jsonError('AutomationExecutionNotFoundException', `Execution ${String(req.json.AutomationExecutionId)} not found`);
        if (ex.status === 'InProgress') ex.status = 'Cancelled';
        return jsonResponse({});
      }
      default:
        return undefined;
    }
  }

  /**
   * The runbook fails on this instance (as AWS-RestartEC2Instance does when its stopInstances
   * step fails): the execution ends Failed and the instance is left as it was.
   */
  failOn(instanceId: string, message = 'Step fails when it is changing the state of the instance. The instance did not stop.'): void {
    this.failing.set(instanceId, message);
  }

  clearFailures(): void {
    this.failing.clear();
  }

  /** Wait until every execution has finished (the drill's "loop until quiet"). */
  async settle(): Promise<void> {
    await Promise.all([...this.executions.values()].map((e) => e.done));
  }

  pending(): number {
    return [...this.executions.values()].filter((e) => e.status === 'InProgress').length;
  }

  private start(body: Record<string, unknown>): StandInResponse {
    const documentName = String(body.DocumentName ?? '');
    if (!documentName) return jsonError('ValidationException', 'DocumentName is required');
    const parameters = (body.Parameters ?? {}) as Record<string, string[]>;
    const ex: AutomationExecution = {
      id: randomUUID(),
      documentName,
      parameters,
      status: 'InProgress',
      startedAt: new Date(),
      steps: [],
      done: Promise.resolve(),
    };
    ex.done = this.run(ex).catch((e: unknown) => {
      ex.status = 'Failed';
      ex.failureMessage = e instanceof Error ? e.message : String(e);
      ex.endedAt = new Date();
    });
    this.executions.set(ex.id, ex);
    return jsonResponse({ AutomationExecutionId: ex.id });
  }

  private get(body: Record<string, unknown>): StandInResponse {
    const ex = this.executions.get(String(body.AutomationExecutionId ?? ''));
    if (!ex) return jsonError('AutomationExecutionNotFoundException', `Execution ${String(body.AutomationExecutionId)} not found`);
    return jsonResponse({
      AutomationExecution: {
        AutomationExecutionId: ex.id,
        DocumentName: ex.documentName,
        DocumentVersion: '1',
        AutomationExecutionStatus: ex.status,
        ExecutionStartTime: epoch(ex.startedAt),
        ExecutionEndTime: epoch(ex.endedAt),
        Parameters: ex.parameters,
        Outputs: {},
        FailureMessage: ex.failureMessage,
        Mode: 'Auto',
        StepExecutions: ex.steps,
      },
    });
  }

  private async run(ex: AutomationExecution): Promise<void> {
    if (ex.documentName !== 'AWS-RestartEC2Instance') {
      throw new Error(`drill stand-in runs only AWS-RestartEC2Instance, not ${ex.documentName}`);
    }
    const ids = ex.parameters.InstanceId ?? [];
    if (ids.length === 0) throw new Error('AWS-RestartEC2Instance: parameter InstanceId is required');
    // Same steps as the AWS-owned document: stopInstances, then startInstances (aws:changeInstanceState).
    ex.steps.push({ StepName: 'stopInstances', Action: 'aws:changeInstanceState', StepStatus: 'InProgress' });
    const failure = ids.map((id) => this.failing.get(id)).find(Boolean);
    if (failure) {
      Object.assign(ex.steps[0], { StepStatus: 'Failed', FailureMessage: failure });
      throw new Error(failure);
    }
    await this.ec2.send(new StopInstancesCommand({ InstanceIds: ids }));
    await this.waitFor(ids, 'stopped');
    for (const id of ids) this.impairments.onInstance(id, 'stopped', `ssm:${ex.documentName}`);
    ex.steps[0].StepStatus = 'Success';
    ex.steps.push({ StepName: 'startInstances', Action: 'aws:changeInstanceState', StepStatus: 'InProgress' });
    await this.ec2.send(new StartInstancesCommand({ InstanceIds: ids }));
    await this.waitFor(ids, 'running');
    for (const id of ids) this.impairments.onInstance(id, 'started', `ssm:${ex.documentName}`);
    ex.steps[1].StepStatus = 'Success';
    if (ex.status === 'InProgress') ex.status = 'Success';
    ex.endedAt = new Date();
  }

  private async waitFor(ids: string[], state: 'stopped' | 'running'): Promise<void> {
    for (let i = 0; i < 50; i++) {
      const out = await this.ec2.send(new DescribeInstancesCommand({ InstanceIds: ids }));
      const states = (out.Reservations ?? []).flatMap((r) => r.Instances ?? []).map((x) => x.State?.Name);
      if (states.length === ids.length && states.every((s) => s === state)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`instances ${ids.join(', ')} did not reach ${state}`);
  }
}
