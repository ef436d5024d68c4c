import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for AWS refusing EC2 calls: an HTTP proxy in front of moto that
 * answers the first `n` requests of an EC2 Action with an error (EC2's real
 * wire format), and forwards everything else. The functions reach it through
 * AWS_ENDPOINT_URL_EC2, so the SDK's real retry path runs.
 */
export interface Fault {
  action: string;
  times: number;
  status: number;
  code: string;
}

export interface FaultProxy {
  endpoint: string;
  /** Every EC2 request seen: action and the SDK's `amz-sdk-request` attempt header. */
  seen: Array<{ action: string; attempt: string; answered: number }>;
  /** Replaces the faults to inject and forgets what was seen. */
  inject(faults: Fault[]): void;
  close(): Promise<void>;
}

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  let left = new Map<string, Fault>();
  const seen: FaultProxy['seen'] = [];
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const action = new URLSearchParams(body.toString()).get('Action') ?? '?';
    const attempt = String(req.headers['amz-sdk-request'] ?? '');
    const fault = left.get(action);
    if (fault && fault.times > 0) {
      fault.times--;
      seen.push({ action, attempt, answered: fault.status });
      res.writeHead(fault.status, { 'content-type': 'text/xml' });
      res.end(`<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>${fault.code}</Code><Message>stand-in ${fault.code}</Message></Error></Errors><RequestID>proxy</RequestID></Response>`);
      return;
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && k !== 'host' && k !== 'content-length') headers[k] = v;
    const upstream = await fetch(`${target}${req.url}`, { method: req.method, headers, body: body.length ? body : undefined });
    seen.push({ action, attempt, answered: upstream.status });
    res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'text/xml' });
    res.end(Buffer.from(await upstream.arrayBuffer()));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    seen,
    inject(faults) {
      left = new Map(faults.map((f) => [f.action, { ...f }]));
      seen.length = 0;
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}
