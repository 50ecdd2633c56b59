import type { Server as HttpServer, IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

interface Tracked {
  /** Requests on this connection whose answer has not ended. */
  busy: number;
  idleSince: number;
  /** socket.bytesRead when it went idle: more means the next request has started arriving. */
  bytesReadWhenIdle: number;
}

/**
 * The HTTP server's connections, for a drain that never cuts a request a client sent. Node's close() and
 * closeIdleConnections() close every connection without a request in progress at once, including those whose next
 * request is on its way or waiting unread in the kernel's buffer (the client then gets ECONNRESET); closeQuiet
 * closes only connections that stayed idle, with nothing read, for quietMs.
 */
export class DrainableConnections {
  private readonly connections = new Map<Socket, Tracked>();

  /** `secure`: an HTTPS server, whose requests arrive on the TLS socket of each connection. */
  /**
   * `quietMs`: how long a kept-alive connection must have been idle, with no byte read since its last answer, before
   * closeQuiet closes it. A client may send its next request on any idle connection, and closing it under that
   * request loses it: connections in use are closed by the `Connection: close` on their next answer instead, and
   * only those their clients stopped using (they moved elsewhere) are closed for being quiet.
   */
  constructor(
    private readonly server: HttpServer,
    secure: boolean,
    private readonly quietMs: number,
    private readonly now: () => number = Date.now,
  ) {
    server.on(secure ? 'secureConnection' : 'connection', (s: Socket) => this.track(s));
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const c = this.track(req.socket);
      c.busy++;
      res.once('close', () => {
        c.busy--;
        c.idleSince = this.now();
        c.bytesReadWhenIdle = req.socket.bytesRead;
      });
    });
  }

  get size(): number {
    return this.connections.size;
  }

  /**
   * Closes every connection with no request in progress, nothing read since its last answer and idle for at least
   * quietMs. Runs after the event loop's poll phase (setImmediate), when whatever had arrived has been read.
   */
  closeQuiet(): Promise<void> {
    return new Promise((resolve) =>
      setImmediate(() => {
        const now = this.now();
        for (const [socket, c] of this.connections)
          if (c.busy === 0 && socket.bytesRead === c.bytesReadWhenIdle && now - c.idleSince >= this.quietMs)
            socket.destroy();
        resolve();
      }),
    );
  }

  private track(socket: Socket): Tracked {
    let c = this.connections.get(socket);
    if (!c) {
      c = { busy: 0, idleSince: this.now(), bytesReadWhenIdle: 0 };
      this.connections.set(socket, c);
      socket.once('close', () => this.connections.delete(socket));
    }
    return c;
  }
}
