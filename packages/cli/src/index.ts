export { main, mainHelp } from './main.js';
export type { CommandIO } from './commands/io.js';
