/** Imports every command file and registers it; the order here is the order in `dmgw help`. */
import { certCommand } from './cert.js';
import { configCommand } from './config.js';
import { credentialEndpointCommand } from './credentialEndpoint.js';
import { encryptCommand } from './encrypt.js';
import { gatewayCommand } from './gateway.js';
import { register } from './index.js';
import { pipelineCommand } from './pipeline.js';
import { proxyCommand } from './proxy.js';
import { runCommand } from './run.js';
import { registerCommand } from './register.js';
import { serviceCommand } from './service.js';
import { hostCommand } from './host.js';
import { launchCommand } from './launch.js';
import { updateCommand } from './update.js';
import { startCommand } from './start.js';
import { statusCommand } from './status.js';
import { stopCommand } from './stop.js';
import { workerCommand } from './worker.js';
import { testConnectionCommand } from './testConnection.js';
import { validateCommand } from './validate.js';

register(validateCommand, runCommand, certCommand, encryptCommand, serviceCommand, gatewayCommand, pipelineCommand, registerCommand, startCommand, stopCommand, statusCommand, hostCommand, proxyCommand, workerCommand, testConnectionCommand, configCommand, credentialEndpointCommand, updateCommand, launchCommand);
