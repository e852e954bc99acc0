// Static regions of the core: laid out at compile time, memory never grows.
import { CTL_SLOTS, REC_SLOTS, IN_SIZE } from "./abi";

export const CTL: usize = memory.data(CTL_SLOTS * 8, 16);
export const REC: usize = memory.data(REC_SLOTS * 8, 16);
export const IN: usize = memory.data(IN_SIZE, 16);

@inline export function ctl(slot: i32, value: f64): void { store<f64>(CTL + (<usize>slot << 3), value); }
@inline export function rec(slot: i32, value: f64): void { store<f64>(REC + (<usize>slot << 3), value); }
@inline export function recGet(slot: i32): f64 { return load<f64>(REC + (<usize>slot << 3)); }
