import { componentHelp, runComponent, type ComponentDefinition, type Schema } from '@skein/runtime';
import type { CommandIO } from './io.js';

/** `skein <component>`: runs it in the foreground until SIGTERM/SIGINT, then drains and exits 0 (or fails). */
export function componentCommand<S extends Schema & { 'admin.port': unknown }>(
  definition: ComponentDefinition<S>,
) {
  return {
    help: componentHelp(definition),
    run: async (argv: readonly string[], io: CommandIO): Promise<number> => {
      const running = await runComponent(definition, { argv, env: io.env });
      await running.lifecycle.done;
      // A service failed after start (e.g. Kafka refused the credentials): main prints it and exits non-zero.
      if (running.lifecycle.failure !== undefined) throw running.lifecycle.failure;
      return 0;
    },
  };
}
