// hub-core's public entry: what the desktop app, the shared test kit (testkit/) and the scripts
// use of the hub. Everything else under src/ is the hub's own; cli.ts is the other way in (the
// command line). The API's schemas live in protocol/, not here.
export { Hub, type HubEvents, type HubOptions } from './Hub.js';
export { envBool, envInt, isHostOrIp, loadConfig, type Env, type HubConfig } from './config.js';
export { ConfigError } from './errors.js';
export { SafeEmitter } from './events.js';
export { createLogger, type Logger } from './log.js';
export { readAppAssets, type Asset } from './http/webui.js';
export { jackdArgs, jacktripClientArgs, jacktripServerArgs } from './jacktrip/argv.js';
export { recorderArgs } from './recording/Recorder.js';
export { RECORDER_CLIENT } from './patchbay/wiringPlan.js';
export {
  delay,
  isRunning,
  jackEnv,
  runTool,
  spawnChild,
  stopChild,
  type Child,
} from './process/child.js';
export {
  hasPrivateShm,
  namespaceScope,
  probeJackIsolation,
  sharedScope,
  type JackIsolation,
  type JackScope,
} from './process/jackScope.js';
export { Resource, type AnyResource, type ResourceEvents } from './process/Resource.js';
export { TeardownStack, type Closable, type Teardown } from './process/TeardownStack.js';
export {
  backoffDelay,
  RestartPolicy,
  ROOM_RESTARTS,
  type RestartPolicyOptions,
} from './process/RestartPolicy.js';
export { JackStartError, startJackd, type StartJackdOptions } from './jacktrip/jackd.js';
export { JackServer } from './jacktrip/JackServer.js';
export { Relay } from './relay/Relay.js';
export { RelayClient, RelayClientError, type AudioFrame } from './relay/RelayClient.js';
export { signVoiceToken } from './relay/tokens.js';
export { generateSelfSigned, loadOrCreateSelfSigned } from './tls/certificate.js';
