import { describeHostConformance } from '@halite/testkit';
import Fastify from 'fastify';
import { haliteFastifyPlugin } from '../src/fastify.js';

describeHostConformance('Fastify 5', async (handler) => {
  const app = Fastify();
  app.get('/host/ping', async (_request, reply) => reply.type('text/plain').send('pong'));
  await app.register(haliteFastifyPlugin, { prefix: '/halite', handler });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    url: `${address}/halite`,
    close: async () => {
      app.server.closeAllConnections();
      await app.close();
    },
  };
});
