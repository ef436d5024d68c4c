import { randomUUID } from 'node:crypto';

/**
 * The two AWS wire protocols the gap proxy has to understand to tell which
 * operation a request is and to answer it the way the SDK expects:
 *   - awsJson1_0/1_1 (SSM, Health, SQS, DynamoDB, EventBridge, CloudWatch):
 *     POST /, header X-Amz-Target: <Prefix>.<Operation>, JSON body;
 *   - query (EC2's dialect and Auto Scaling's / SNS's): POST /, form body
 *     Action=<Operation>&..., XML response.
 * The service is read from the SigV4 credential scope (.../<region>/<service>/aws4_request),
 * which is how moto itself routes requests on a single port.
 */
export interface AwsRequest {
  service: string;
  operation: string;
  protocol: 'json' | 'query' | 'other';
  /** JSON body (json protocol) or flattened form params (query protocol). */
  json: Record<string, unknown>;
  form: URLSearchParams;
}

export function parseAwsRequest(headers: Record<string, string | string[] | undefined>, body: Buffer): AwsRequest {
  const auth = String(headers['authorization'] ?? '');
  const scope = /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(auth);
  const service = scope?.[1] ?? '';
  const target = headers['x-amz-target'];
  if (typeof target === 'string' && target.includes('.')) {
    let json: Record<string, unknown> = {};
    try {
      json = body.length ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {};
    } catch {
      json = {};
    }
    return { service, operation: target.slice(target.lastIndexOf('.') + 1), protocol: 'json', json, form: new URLSearchParams() };
  }
  const contentType = String(headers['content-type'] ?? '');
  if (contentType.includes('application/x-www-form-urlencoded')) {
    const form = new URLSearchParams(body.toString('utf8'));
    return { service, operation: form.get('Action') ?? '', protocol: 'query', json: {}, form };
  }
  return { service, operation: '', protocol: 'other', json: {}, form: new URLSearchParams() };
}

/** EC2 query lists: InstanceId.1, InstanceId.2, ... */
export function queryList(form: URLSearchParams, name: string): string[] {
  const out: string[] = [];
  for (let i = 1; form.has(`${name}.${i}`); i++) out.push(form.get(`${name}.${i}`) as string);
  return out;
}

/** EC2 query filters: Filter.1.Name=..., Filter.1.Value.1=... */
export function queryFilters(form: URLSearchParams): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (let i = 1; form.has(`Filter.${i}.Name`); i++) {
    out[form.get(`Filter.${i}.Name`) as string] = queryList(form, `Filter.${i}.Value`);
  }
  return out;
}

export interface StandInResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export function jsonResponse(body: unknown, version: '1.0' | '1.1' = '1.1'): StandInResponse {
  return {
    status: 200,
    headers: { 'content-type': `application/x-amz-json-${version}`, 'x-amzn-requestid': randomUUID() },
    body: JSON.stringify(body),
  };
}

export function jsonError(type: string, message: string, status = 400): StandInResponse {
  return {
    status,
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': type, 'x-amzn-requestid': randomUUID() },
    body: JSON.stringify({ __type: type, message }),
  };
}

export function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A tiny XML writer: {tag: value | nested | array-of-items} -> EC2-style XML (lists use <item>). */
export type XmlValue = string | number | boolean | Date | undefined | XmlObject | XmlValue[];
export interface XmlObject {
  [tag: string]: XmlValue;
}

export function toXml(value: XmlValue): string {
  if (value === undefined) return '';
  if (Array.isArray(value)) return value.map((v) => `<item>${toXml(v)}</item>`).join('');
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') {
    return Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `<${k}>${toXml(v)}</${k}>`)
      .join('');
  }
  return xmlEscape(String(value));
}

export function ec2Response(operation: string, payload: XmlObject): StandInResponse {
  return {
    status: 200,
    headers: { 'content-type': 'text/xml;charset=UTF-8' },
    body: `<?xml version="1.0" encoding="UTF-8"?><${operation}Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>${randomUUID()}</requestId>${toXml(payload)}</${operation}Response>`,
  };
}

/** EC2's error envelope (differs from the generic query protocol's ErrorResponse). */
export function ec2Error(code: string, message: string, status = 400): StandInResponse {
  return {
    status,
    headers: { 'content-type': 'text/xml;charset=UTF-8' },
    body: `<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>${xmlEscape(code)}</Code><Message>${xmlEscape(message)}</Message></Error></Errors><RequestID>${randomUUID()}</RequestID></Response>`,
  };
}

/** Generic query-protocol error (Auto Scaling, SNS, ...). */
export function queryError(code: string, message: string, status = 400): StandInResponse {
  return {
    status,
    headers: { 'content-type': 'text/xml;charset=UTF-8' },
    body: `<?xml version="1.0" encoding="UTF-8"?><ErrorResponse><Error><Type>Sender</Type><Code>${xmlEscape(code)}</Code><Message>${xmlEscape(message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
  };
}
