/**
 * Reading request bodies: a small limit until the caller is authenticated, a deadline that closes a body sent a
 * byte at a time, JSON that must parse, and a schema check before any route reads a field. Every failure is an
 * HttpError (413, 408, 400 naming the field); the answer to it closes the connection when the body was not read.
 */
import type { IncomingMessage } from 'node:http';
import type { BodyCheck } from '../../common/validate/bodyCheck.js';
import { badRequest, HttpError } from './httpError.js';
import { jsonTextProblem } from './jsonText.js';
import { BODY_BASE_MS, DRAIN_BODY_BYTES, JSON_BODY_BYTES, MIN_BODY_RATE, PRE_AUTH_BODY_BYTES } from './limits.js';

const authenticated = new WeakSet<IncomingMessage>();

/** The caller of `req` proved who it is (admin token, node credential): its body may be larger. */
export function markAuthenticated(req: IncomingMessage): void {
  authenticated.add(req);
}

/** The body's bytes, at most `limit` (never more than PRE_AUTH_BODY_BYTES before authentication). */
export function readBytes(req: IncomingMessage, limit: number): Promise<Buffer> {
  const max = authenticated.has(req) ? limit : Math.min(limit, PRE_AUTH_BODY_BYTES);
  const tooLarge = () => new HttpError(413, 'RequestEntityTooLarge', `the request body is larger than ${max} bytes${max < limit ? ' (the limit before authentication)' : ''}`);
  const declared = Number(req.headers['content-length']);
  if (declared > max) {
    // An authenticated caller's body is read to its end and dropped before the 413: answered while it was still
    // sending, the client lost the answer to the reset that closing on an unread body causes (CI: "unreachable"
    // instead of 413 for an oversized support report). Anyone else's is answered before a byte of it is read, and
    // the answer closes the connection (sendJson).
    if (!authenticated.has(req) || declared > DRAIN_BODY_BYTES) return Promise.reject(tooLarge());
    return drain(req, declared).then(() => Promise.reject(tooLarge()));
  }
  const ms = BODY_BASE_MS + (1000 * (Number.isFinite(declared) ? declared : max)) / MIN_BODY_RATE;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = (e?: HttpError) => {
      clearTimeout(timer);
      req.off('data', onData).off('end', onEnd).off('error', onGone).off('close', onClose);
      if (!e) return resolve(Buffer.concat(chunks));
      req.pause();
      reject(e);
    };
    const timer = setTimeout(() => settle(new HttpError(408, 'RequestTimeout', `the request body did not arrive within ${Math.round(ms / 1000)} s`)), ms);
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > max) return settle(tooLarge());
      chunks.push(c);
    };
    const onEnd = () => settle();
    // the client went away: nobody is left to answer
    const onGone = () => settle(new HttpError(400, 'RequestAborted', 'the client closed the connection before its body arrived'));
    const onClose = () => {
      if (!req.complete) onGone();
    };
    req.on('data', onData).once('end', onEnd).once('error', onGone).once('close', onClose);
  });
}

/** Reads and drops a body of `declared` bytes, within the deadline a body of that length has; a slow one is a 408. */
function drain(req: IncomingMessage, declared: number): Promise<void> {
  const ms = BODY_BASE_MS + (1000 * declared) / MIN_BODY_RATE;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      req.pause();
      reject(new HttpError(408, 'RequestTimeout', `the request body did not arrive within ${Math.round(ms / 1000)} s`));
    }, ms);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    req.once('end', done).once('close', done).on('data', () => undefined);
  });
}

/** The body as JSON (undefined when empty); not JSON, or JSON the store cannot keep (jsonText.ts), is a 400. */
export async function readJson<T = unknown>(req: IncomingMessage): Promise<T | undefined> {
  const text = (await readBytes(req, JSON_BODY_BYTES)).toString('utf8').trim();
  if (!text) return undefined;
  let value: T;
  try {
    value = JSON.parse(text) as T;
  } catch {
    throw new HttpError(400, 'InvalidRequestContent', 'the request body is not valid JSON');
  }
  const problem = jsonTextProblem(text);
  if (problem) throw new HttpError(400, 'InvalidRequestContent', `the request body cannot be taken: ${problem}`);
  return value;
}

/** The JSON body checked against its schema (an empty body is `{}`): a 400 naming the first wrong field. */
export async function readBody<T>(req: IncomingMessage, check: BodyCheck<T>): Promise<T> {
  const v = check((await readJson(req)) ?? {});
  if (!v.ok) throw badRequest(v.message, 'BadRequest', v.field);
  return v.value;
}
