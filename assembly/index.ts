// The only export surface of the core: protocol entry points, region addresses, ABI constants.
import { CTL, REC, IN } from "./memory";
import { XATTR_TABLE } from "./xattr/block";
export { begin, step, bodyDone, atRest, position } from "./machine";
export * from "./abi";

export function ctlAddress(): usize { return CTL; }
export function recAddress(): usize { return REC; }
export function inAddress(): usize { return IN; }
export function xattrTableAddress(): usize { return XATTR_TABLE; }
