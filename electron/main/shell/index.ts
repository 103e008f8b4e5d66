// The desktop app's entry (dist-electron/main.js, package.json's "main"): the shell, as shipped.
import { runShell } from './app.js';

runShell();
