// Copies decoded xattrs out of the core's table (it is overwritten by the next decode).
import type { Xattr } from "../entries.js";
import type { Core } from "./wasm.js";

export function readXattrTable(core: Core, count: number): Xattr[] {
  const t = core.xattrTable, mem = core.memory;
  const out: Xattr[] = [];
  for (let i = 0; i < count; i++) {
    const [nameAt, nameLen, valueAt, valueLen] = t.subarray(i * 4, i * 4 + 4);
    out.push({
      name: Buffer.from(mem.subarray(nameAt, nameAt + nameLen)),
      value: Buffer.from(mem.subarray(valueAt, valueAt + valueLen)),
    });
  }
  return out;
}
