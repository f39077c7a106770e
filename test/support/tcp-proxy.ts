// A TCP proxy in front of a real database server, for outages: stop() refuses and cuts every
// connection, start() serves again on the same port, and cutWhenClientSends() breaks a connection
// at the moment a given statement goes out (the protocols send statements as plain text here).
import { createServer, connect, type Server, type Socket } from 'node:net';

export class TcpProxy {
  readonly targetPort: number;
  #port = 0;
  #server: Server | undefined;
  readonly #sockets = new Set<Socket>();
  #cutOn: string | undefined;
  /** How many connections were cut by cutWhenClientSends. */
  cuts = 0;

  private constructor(targetPort: number) {
    this.targetPort = targetPort;
  }

  static async start(targetPort: number): Promise<TcpProxy> {
    const proxy = new TcpProxy(targetPort);
    await proxy.start();
    return proxy;
  }

  get port(): number {
    return this.#port;
  }

  /** Breaks the connection (both ways) when the client sends bytes containing `text`; undefined turns it off. */
  cutWhenClientSends(text: string | undefined): void {
    this.#cutOn = text;
  }

  async start(): Promise<void> {
    if (this.#server !== undefined) return;
    const server = createServer((client) => this.#pipe(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#port, '127.0.0.1', () => resolve());
    });
    this.#port = (server.address() as { port: number }).port;
    this.#server = server;
  }

  /** The outage: new connections are refused and open ones are cut. */
  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const s of this.#sockets) s.destroy();
    this.#sockets.clear();
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  #pipe(client: Socket): void {
    const upstream = connect(this.targetPort, '127.0.0.1');
    this.#sockets.add(client);
    this.#sockets.add(upstream);
    const cut = () => {
      client.destroy();
      upstream.destroy();
      this.#sockets.delete(client);
      this.#sockets.delete(upstream);
    };
    client.on('data', (chunk: Buffer) => {
      if (this.#cutOn !== undefined && chunk.includes(this.#cutOn)) {
        this.cuts++;
        cut();
        return;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    client.on('error', cut);
    upstream.on('error', cut);
    client.on('close', cut);
    upstream.on('close', cut);
  }
}
