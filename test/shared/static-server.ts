/** A tiny static file server for Node tests that open pages in Chromium (puppeteer). */
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.css': 'text/css',
  '.png': 'image/png',
  '.ts': 'text/plain',
};

export interface StaticServer {
  readonly port: number;
  /** Paths asked for, in order (to check where a page fetched its data). */
  readonly requests: string[];
  close(): Promise<void>;
}

/** Serves `root` on 127.0.0.1 at a free port. Files go out as they are: `.gz` as bytes, not as an encoding. */
export async function serveFolder(folder: string): Promise<StaticServer> {
  const root = resolve(folder);
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://host').pathname);
    requests.push(path);
    const file = join(root, normalize(path.endsWith('/') ? `${path}index.html` : path));
    let size = -1;
    try {
      const stat = statSync(file);
      if (stat.isFile() && file.startsWith(root)) size = stat.size;
    } catch {}
    if (size < 0) return void res.writeHead(404, { 'Content-Type': 'text/plain' }).end(`not found: ${path}`);
    res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Content-Length': size, 'Cache-Control': 'no-store' });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
