/**
 * A fake PostgreSQL server, as an attacker would run one to collect passwords: it reads the StartupMessage, answers
 * AuthenticationCleartextPassword ('R', code 3) so that a client sends its password in the clear, and records every
 * byte it receives. Whatever password arrives is in `passwords`; `connections` counts TCP connections, so a test can
 * tell "refused before connecting" from "connected but sent nothing".
 * Protocol: https://www.postgresql.org/docs/current/protocol-message-formats.html
 */
import { createServer, type Server, type Socket } from 'node:net';

export interface FakePostgres {
  port: number;
  /** TCP connections accepted so far. */
  readonly connections: number;
  /** Every byte received, all connections in order. */
  readonly received: Buffer;
  /** The text of every PasswordMessage ('p'). */
  readonly passwords: string[];
  /** The parameters of every StartupMessage (user, database, ...). */
  readonly startups: Array<Record<string, string>>;
  close(): Promise<void>;
}

const SSL_REQUEST = 80877103;
const GSS_REQUEST = 80877104;
const PROTOCOL_3 = 196608;

/** `echoPassword`: the error it answers quotes the password it got (a hostile server that wants it in the client's logs). */
export async function startFakePostgres(o: { echoPassword?: boolean } = {}): Promise<FakePostgres> {
  const chunks: Buffer[] = [];
  const passwords: string[] = [];
  const startups: Array<Record<string, string>> = [];
  const sockets = new Set<Socket>();
  let connections = 0;

  const server: Server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buf = Buffer.alloc(0);
    let started = false;
    socket.on('data', (d: Buffer) => {
      chunks.push(d);
      buf = Buffer.concat([buf, d]);
      for (;;) {
        if (!started) {
          // untyped: int32 length (itself included), int32 code, body
          if (buf.length < 8) return;
          const len = buf.readInt32BE(0);
          if (buf.length < len) return;
          const code = buf.readInt32BE(4);
          const body = buf.subarray(8, len);
          buf = buf.subarray(len);
          if (code === SSL_REQUEST || code === GSS_REQUEST) {
            socket.write('N');
            continue;
          }
          if (code !== PROTOCOL_3) return void socket.destroy();
          const parts = body.toString('utf8').split('\0');
          const params: Record<string, string> = {};
          for (let i = 0; i + 1 < parts.length && parts[i]; i += 2) params[parts[i]!] = parts[i + 1]!;
          startups.push(params);
          started = true;
          socket.write(Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 3])); // 'R', length 8, AuthenticationCleartextPassword
          continue;
        }
        // typed: byte type, int32 length (itself included, not the type), body
        if (buf.length < 5) return;
        const len = buf.readInt32BE(1);
        if (buf.length < 1 + len) return;
        const type = String.fromCharCode(buf[0]!);
        const body = buf.subarray(5, 1 + len);
        buf = buf.subarray(1 + len);
        if (type === 'p') {
          const password = body.toString('utf8').replace(/\0$/, '');
          passwords.push(password);
          socket.end(errorResponse('28P01', o.echoPassword ? `password authentication failed: "${password}" is not the password` : 'password authentication failed'));
          return;
        }
        if (type === 'X') return void socket.end();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    get connections() {
      return connections;
    },
    get received() {
      return Buffer.concat(chunks);
    },
    passwords,
    startups,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

function errorResponse(code: string, message: string): Buffer {
  const fields = Buffer.from(`SFATAL\0VFATAL\0C${code}\0M${message}\0\0`, 'utf8');
  const head = Buffer.alloc(5);
  head.write('E', 0);
  head.writeInt32BE(4 + fields.length, 1);
  return Buffer.concat([head, fields]);
}
