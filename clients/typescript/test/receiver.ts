// A webhook receiver on loopback for the tests: records every POST with its raw body and answers 204.
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface Receiver {
  url: string;
  /** The first request to arrive after `since` requests had, within `timeoutMs`. */
  next(since: number, timeoutMs: number): Promise<Received>;
  received: Received[];
  close(): Promise<void>;
}

export async function startReceiver(path: string): Promise<Receiver> {
  const received: Received[] = [];
  const waiters = new Set<() => void>();
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      received.push({ path: request.url ?? "", headers: request.headers, body: Buffer.concat(chunks) });
      response.writeHead(204).end();
      for (const wake of waiters) {
        wake();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") {
    throw new Error("the receiver has no TCP address");
  }
  const { port }: AddressInfo = address;

  return {
    url: `http://127.0.0.1:${String(port)}${path}`,
    received,
    next: (since, timeoutMs) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          const request = received[since];
          if (request !== undefined) {
            clearTimeout(timer);
            waiters.delete(check);
            resolve(request);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no webhook arrived within ${String(timeoutMs)} ms`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
    close: () =>
      new Promise((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => {
          if (error === undefined) {
            resolve();
          } else {
            reject(error);
          }
        });
      }),
  };
}
