import { agentComponent } from '@skein/agent';
import { DevstackError } from '@skein/devstack';
import { ingesterComponent } from '@skein/ingester';
import { queryComponent } from '@skein/query';
import { ConfigError, SkeinError, redactText, registeredSecrets } from '@skein/runtime';
import { componentCommand } from './commands/component.js';
import { devstackCommand, devstackHelp } from './commands/devstack.js';
import { esCommand, esHelp } from './commands/es.js';
import type { CommandIO } from './commands/io.js';
import { replayCommand, replayHelp } from './commands/replay.js';
import { tracegenCommand, tracegenHelp } from './commands/tracegen.js';
import { upCommand, upHelp } from './commands/up.js';

export const mainHelp = `skein: a distributed-tracing pipeline (agent → Kafka → ingester → Elasticsearch → query).

Usage: skein <command> [options]

Commands:
  up         run the whole stack locally (Kafka, Elasticsearch, agent, ingester, query) until Ctrl-C
  devstack   install and run Kafka and Elasticsearch on loopback (up | down | status)
  agent      receive spans from applications and publish them to Kafka
  ingester   consume spans from Kafka, sample, index and write them to Elasticsearch
  query      serve traces from Elasticsearch over Jaeger's HTTP API and gRPC QueryService
  es         Elasticsearch indices: install templates, roll over, delete old ones (init | clean | rollover)
  replay     re-read a range of the span topic into new indices (reindexing), resumable
  tracegen   send realistic generated traces at a target rate, and report what was sent
  help       this text; \`skein <command> --help\` describes a command and every option
`;

const COMMANDS: Record<
  string,
  { help: string; run: (argv: readonly string[], io: CommandIO) => Promise<number> }
> = {
  up: { help: upHelp, run: upCommand },
  devstack: { help: devstackHelp, run: devstackCommand },
  agent: componentCommand(agentComponent),
  ingester: componentCommand(ingesterComponent),
  query: componentCommand(queryComponent),
  es: { help: esHelp, run: esCommand },
  replay: { help: replayHelp, run: (argv, io) => replayCommand(argv, io) },
  tracegen: { help: tracegenHelp, run: (argv, io) => tracegenCommand(argv, io) },
};

/** Runs `skein <argv>`; returns the exit code. Errors with a code are printed as one clear line. */
export async function main(argv: readonly string[], io: CommandIO): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    const topic = name === 'help' && rest[0] ? COMMANDS[rest[0]] : undefined;
    io.out(topic ? topic.help : mainHelp);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err(`skein: unknown command "${name}"\n`);
    io.err(mainHelp);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(command.help);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    // Messages name keys, never secrets; redacting them anyway guards against a secret echoed by a server.
    const safe = (message: string): string => redactText(message, registeredSecrets());
    if (err instanceof ConfigError) {
      io.err(`skein ${name}: invalid configuration: ${safe(err.message)}`);
      return 2;
    }
    if (err instanceof SkeinError || err instanceof DevstackError) {
      io.err(`skein ${name}: ${err.code}: ${safe(err.message)}`);
      return 1;
    }
    throw err;
  }
}
