// The only export surface of the core: protocol entry points, region addresses, ABI constants.
import { CTL, REC, IN } from "./memory";
export { begin, step, bodyDone, atRest, position } from "./machine";
export * from "./abi";

export function ctlAddress(): usize { return CTL; }
export function recAddress(): usize { return REC; }
export function inAddress(): usize { return IN; }
