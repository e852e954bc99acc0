// The only export surface of the core: protocol entry points, region addresses, ABI constants.
import { CTL, REC, IN } from "./memory";
import { XATTR_TABLE } from "./xattr/block";
import { decodeXattrListEntry, listEntrySize, listPathAt, listPathLen, listErrorAt } from "./xattr/list";
import { decodeMetadata, metadataAt, metadataUnknownTypes, metadataVersionStop } from "./xattr/metadata";
export { begin, step, bodyDone, atRest, position } from "./machine";
export * from "./abi";

export function ctlAddress(): usize { return CTL; }
export function recAddress(): usize { return REC; }
export function inAddress(): usize { return IN; }
export function xattrTableAddress(): usize { return XATTR_TABLE; }

// METADATA!!! bodies: the caller copies one into IN at `at` and decodes it here.
export function metadataDecode(at: u32, len: u32): i32 { return decodeMetadata(IN + <usize>at, len); }
export function metadataErrorAt(): u32 { return metadataAt; }
export function metadataUnknown(): i32 { return metadataUnknownTypes; }
export function metadataStoppedAtVersion(): bool { return metadataVersionStop; }

// .xattr-list bodies: the caller copies path entries into IN at `at` and decodes one per call.
export function xattrListDecode(at: u32, avail: u32): i32 { return decodeXattrListEntry(IN + <usize>at, avail); }
export function xattrListEntrySize(): u32 { return listEntrySize; }
export function xattrListPathAt(): u32 { return listPathAt; }
export function xattrListPathLen(): u32 { return listPathLen; }
export function xattrListErrorAt(): u32 { return listErrorAt; }
