/** Imports every command file and registers it; the order here is the order in `dmgw help`. */
import { certCommand } from './cert.js';
import { encryptCommand } from './encrypt.js';
import { register } from './index.js';
import { runCommand } from './run.js';
import { registerCommand } from './register.js';
import { serviceCommand } from './service.js';

register(runCommand, certCommand, encryptCommand, serviceCommand, registerCommand);
