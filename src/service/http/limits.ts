/**
 * How long and how much the service waits for a client, in one place (docs/ARCHITECTURE.md, "Slow and greedy clients").
 * A connection that never finishes its TLS handshake or its headers, a body that trickles in: each is closed within
 * seconds; a keep-alive connection left idle after a response, after 65 s (KEEP_ALIVE_TIMEOUT_MS). The one legitimate silence is the long poll, which the service itself
 * holds (for at most `pollWaitSeconds`): the idle timeout is set above it.
 */

/** TLS handshake, request headers: each must be done this long after the connection or the request starts. */
export const HANDSHAKE_TIMEOUT_MS = 10_000;
export const HEADERS_TIMEOUT_MS = 10_000;
/** How often Node checks requests against the headers and request timeouts. */
export const TIMEOUT_CHECK_MS = 1000;
/**
 * A keep-alive connection with no next request is closed after this. Long, as load balancers keep them: a client that
 * sends on a connection just as the server closes it loses that call (seen with 10 s, from a client whose event loop
 * was busy for a few seconds), and one address holds at most maxConnectionsPerAddress of them.
 */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;
/** A connection with no traffic either way is closed after the longest poll wait plus this. */
export const IDLE_MARGIN_MS = 30_000;
/** Backstop for a whole request (headers and body): above the longest body deadline below. */
export const REQUEST_TIMEOUT_MS = 5 * 60_000;

/** A body until its sender is authenticated (a gateway key, the admin token or a node credential checked). */
export const PRE_AUTH_BODY_BYTES = 64 * 1024;
/** A JSON body from an authenticated caller: a large pipeline, a backlog of run events. */
export const JSON_BODY_BYTES = 8 * 1024 * 1024;
/**
 * A body must arrive within BODY_BASE_MS plus its length (as declared, else the route's limit) at MIN_BODY_RATE:
 * 10 s for anything sent before authentication, about 40 s for 8 MiB of JSON, 4.5 minutes for a 64 MiB agent bundle.
 */
export const BODY_BASE_MS = 10_000;
export const MIN_BODY_RATE = 256 * 1024;
/**
 * An authenticated caller's body over its route's limit is still read (and dropped) up to this size, so that the 413
 * reaches it instead of a reset (body.ts); a larger one is refused unread and its connection closed.
 */
export const DRAIN_BODY_BYTES = 128 * 1024 * 1024;

/** Open connections one address may hold; more are closed as they arrive, before TLS. */
export const DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = 128;
