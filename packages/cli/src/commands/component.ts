import { componentHelp, runComponent, type ComponentDefinition, type Schema } from '@skein/runtime';
import type { CommandIO } from './io.js';

/** `skein <component>`: runs it in the foreground until SIGTERM/SIGINT, then drains and exits 0. */
export function componentCommand<S extends Schema & { 'admin.port': unknown }>(
  definition: ComponentDefinition<S>,
) {
  return {
    help: componentHelp(definition),
    run: async (argv: readonly string[], io: CommandIO): Promise<number> => {
      const running = await runComponent(definition, { argv, env: io.env });
      await running.lifecycle.done;
      return 0;
    },
  };
}
