// A raw HTTP request to a host on 127.0.0.1, for tests that send the headers a client (or a hostile page)
// would: Host, Origin, a body framed by Content-Length (Node would not frame a DELETE's without it).
import { request } from 'node:http';

export interface RawAnswer {
  status: number;
  /** The body's bytes. */
  bytes: Buffer;
  /** The body as UTF-8 text. */
  body: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
  headers: Record<string, unknown>;
}

export interface RawOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export function rawRequest(
  port: number,
  path: string,
  options: RawOptions = {},
): Promise<RawAnswer> {
  return new Promise((resolveReq, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: options.method ?? 'GET',
        headers: {
          ...(options.body !== undefined
            ? { 'Content-Length': String(Buffer.byteLength(options.body)) }
            : {}),
          ...options.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const bytes = Buffer.concat(chunks);
          const body = bytes.toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(body);
          } catch {
            json = undefined;
          }
          resolveReq({ status: res.statusCode ?? 0, bytes, body, json, headers: res.headers });
        });
      },
    );
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}
