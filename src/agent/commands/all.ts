/** Imports every command file and registers it; the order here is the order in `dmgw help`. */
import { register } from './index.js';

register();
