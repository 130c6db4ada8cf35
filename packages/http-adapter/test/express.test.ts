import { createServer } from 'node:http';
import { describeHostConformance, type HostMounter } from '@halite/testkit';
import compression from 'compression';
import express from 'express';
import { createExpressMiddleware } from '../src/express.js';
import { listenOnLoopback } from './listen.js';

const mountInExpress =
  (withCompression: boolean): HostMounter =>
  async (handler) => {
    const app = express();
    if (withCompression) app.use(compression({ threshold: 0 }));
    app.get('/host/ping', (_req, res) => {
      res.type('text/plain').send('pong');
    });
    app.use('/halite/api/parsed', express.json({ limit: '1mb' }));
    app.use('/halite', createExpressMiddleware(handler));
    return listenOnLoopback(createServer(app), '/halite');
  };

describeHostConformance('Express 5', mountInExpress(false));
describeHostConformance('Express 5 with compression()', mountInExpress(true));
