// Moved to lib/router.ts; kept until store/desktop.ts imports it from there.
export * from '../lib/router.js';
