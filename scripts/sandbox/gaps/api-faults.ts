import type { AwsRequest } from './protocol';

/**
 * API failures the drill injects on purpose ("AttachVolume fails once"), to
 * prove that half-done remediations roll back. The proxy answers a matching
 * request with the AWS error instead of forwarding it to moto.
 */
export interface ApiFault {
  service: string;
  operation: string;
  /** Only requests whose params match (query form or JSON body, top-level keys). */
  when?: (req: AwsRequest) => boolean;
  /** How many matching requests fail; then the fault is spent. */
  times: number;
  code: string;
  message: string;
  status?: number;
  /** Requests it failed (for the scenario's timeline). */
  hits: number;
}

export class ApiFaults {
  private readonly faults: ApiFault[] = [];

  failNext(f: Omit<ApiFault, 'hits' | 'times'> & { times?: number }): ApiFault {
    const fault: ApiFault = { times: 1, ...f, hits: 0 };
    this.faults.push(fault);
    return fault;
  }

  /** The first armed fault matching the request, consumed. */
  take(req: AwsRequest): ApiFault | undefined {
    const f = this.faults.find(
      (x) => x.hits < x.times && x.service === req.service && x.operation === req.operation && (!x.when || x.when(req)),
    );
    if (f) f.hits++;
    return f;
  }

  clear(): void {
    this.faults.length = 0;
  }
}
