import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HostMount } from '@halite/testkit';

/** Listens on a free loopback port; `close` also ends open connections (event streams). */
export async function listenOnLoopback(server: Server, prefix: string): Promise<HostMount> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${prefix}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
