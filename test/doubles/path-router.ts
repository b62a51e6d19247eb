/**
 * One base URL in front of several doubles, for tests where Atelier reaches two of a provider's APIs through
 * one endpoint (OpenAI's images and its chat completions, which alt text is drafted with): each request goes,
 * unchanged, to the double whose path prefix matches first, else to `fallback`.
 */
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PathRouter {
  url: string;
  close(): Promise<void>;
}

export async function startPathRouter(
  routes: ReadonlyArray<{ prefix: string; url: string }>,
  fallback: string,
): Promise<PathRouter> {
  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    const target = new URL(routes.find((r) => path.startsWith(r.prefix))?.url ?? fallback);
    const upstream = request(
      {
        hostname: target.hostname,
        port: target.port,
        method: req.method,
        path,
        headers: { ...req.headers, host: target.host },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', (error) => {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`path-router: ${target.host} did not answer: ${error.message}`);
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
