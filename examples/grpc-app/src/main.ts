#!/usr/bin/env node
// The example as three commands: `directory` (service B), `greeter` (service A), `greet <user-id>` (client).
// Tracing is configured from the JAEGER_* variables; without them spans go to a local agent on 6831
// (what `skein up` runs) and every trace is sampled.
import { initTracerFromEnv } from '@skein/client';
import {
  DEFAULT_DIRECTORY_PORT,
  DEFAULT_GREETER_PORT,
  greet,
  startDirectory,
  startGreeter,
  type RunningService,
} from './index.js';

const USAGE = 'usage: skein-grpc-example directory | greeter | greet [user-id]';

function tracerFor(serviceName: string) {
  return initTracerFromEnv({
    serviceName,
    // Sample everything unless told otherwise: a demo should show its traces.
    env: { JAEGER_SAMPLER_TYPE: 'const', JAEGER_SAMPLER_PARAM: '1', ...process.env },
  });
}

function env(name: string, fallback: string): string {
  return process.env[name] || fallback;
}

function runUntilSignal(service: RunningService, name: string): void {
  console.log(`${name} listening on ${service.address} (Ctrl-C to stop)`);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void service.stop().then(() => process.exit(0));
    });
  }
}

const [command, arg] = process.argv.slice(2);
switch (command) {
  case 'directory': {
    const port = Number(env('DIRECTORY_PORT', String(DEFAULT_DIRECTORY_PORT)));
    runUntilSignal(await startDirectory({ tracer: tracerFor('example-directory'), port }), 'directory');
    break;
  }
  case 'greeter': {
    const port = Number(env('GREETER_PORT', String(DEFAULT_GREETER_PORT)));
    const directory = env('DIRECTORY_ADDRESS', `127.0.0.1:${DEFAULT_DIRECTORY_PORT}`);
    runUntilSignal(await startGreeter({ tracer: tracerFor('example-greeter'), port, directory }), 'greeter');
    break;
  }
  case 'greet': {
    const tracer = tracerFor('example-client');
    const greeter = env('GREETER_ADDRESS', `127.0.0.1:${DEFAULT_GREETER_PORT}`);
    try {
      const { message, traceId } = await greet({ tracer, greeter, userId: arg ?? '42' });
      console.log(message);
      console.log(`trace ${traceId}: curl http://127.0.0.1:16686/api/traces/${traceId}`);
    } catch (err) {
      console.error(`greet failed: ${(err as Error).message}`);
      process.exitCode = 1;
    } finally {
      await tracer.close();
    }
    break;
  }
  default:
    console.error(USAGE);
    process.exitCode = 2;
}
