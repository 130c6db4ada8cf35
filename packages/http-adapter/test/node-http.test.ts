import { createServer } from 'node:http';
import { describeHostConformance } from '@halite/testkit';
import { toNodeListener } from '../src/index.js';
import { listenOnLoopback } from './listen.js';

describeHostConformance('node:http', async (handler) => {
  const listener = toNodeListener(handler, { basePath: '/halite' });
  const server = createServer((req, res) => {
    if (req.url === '/host/ping') {
      res.setHeader('content-type', 'text/plain');
      res.end('pong');
      return;
    }
    listener(req, res);
  });
  return listenOnLoopback(server, '/halite');
});
