/**
 * A small path router. Patterns are `/segment/{param}/...`; literal segments match case-insensitively (ARM
 * paths are case-insensitive: `pipelineruns` and `pipelineRuns` are the same route); parameters keep their case.
 * Paths arrive as segments already decoded and checked (requestTarget.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  params: Record<string, string>;
  query: URLSearchParams;
}

export interface RouteResult {
  status: number;
  body?: unknown;
  /** Extra response headers (ETag). */
  headers?: Record<string, string>;
}

export type Handler = (ctx: RouteContext) => Promise<RouteResult | void>;

interface Route {
  method: string;
  segments: string[];
  handler: Handler;
}

export class Router {
  private readonly routes: Route[] = [];

  add(method: string, pattern: string, handler: Handler): this {
    this.routes.push({ method, segments: pattern.split('/').filter(Boolean), handler });
    return this;
  }

  /** The handler and its parameters, `'method'` when the path exists with another method, or undefined. */
  match(method: string, segments: string[]): { handler: Handler; params: Record<string, string> } | 'method' | undefined {
    let pathMatched = false;
    for (const r of this.routes) {
      const params = matchSegments(r.segments, segments);
      if (!params) continue;
      if (r.method === method) return { handler: r.handler, params };
      pathMatched = true;
    }
    return pathMatched ? 'method' : undefined;
  }
}

function matchSegments(pattern: string[], segs: string[]): Record<string, string> | undefined {
  if (pattern.length !== segs.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    const s = segs[i]!;
    if (p.startsWith('{') && p.endsWith('}')) params[p.slice(1, -1)] = s;
    else if (p.toLowerCase() !== s.toLowerCase()) return undefined;
  }
  return params;
}
