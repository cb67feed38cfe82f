// Graceful shutdown of keep-alive connections. Node's server.close() closes connections that are
// between requests, but not ones a client opened and has not sent a request on yet (HTTP clients
// open spare connections ahead of time): those would hold the shutdown until the keep-alive
// timeout (72 s in Fastify). This tracks which sockets are serving a request, so that at shutdown
// every other socket is closed at once and busy ones right after their response.
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

export interface ConnectionTracker {
  /** Closes every socket not serving a request; the others close when their response ends. */
  drain(): void;
}

export function trackConnections(server: Server): ConnectionTracker {
  const busy = new WeakMap<Socket, number>();
  const sockets = new Set<Socket>();
  let draining = false;

  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('request', (request, response) => {
    const socket = request.socket;
    busy.set(socket, (busy.get(socket) ?? 0) + 1);
    response.once('close', () => {
      const left = (busy.get(socket) ?? 1) - 1;
      busy.set(socket, left);
      if (draining && left === 0) socket.destroySoon();
    });
  });

  return {
    drain() {
      draining = true;
      for (const socket of sockets) if (!busy.get(socket)) socket.destroySoon();
    },
  };
}
