// Reads xattrs back with getfattr (attr package): name -> hex value, on the path itself.
import { sh } from "./sh.js";

export function getfattr(path: string): Record<string, string> {
  const out = sh(`getfattr --absolute-names -d -m - -h -e hex ${JSON.stringify(path)} 2>/dev/null || true`).toString();
  const attrs: Record<string, string> = {};
  for (const line of out.split("\n")) {
    const m = /^([^#=][^=]*)(?:=(0x[0-9a-f]*|""))?$/.exec(line.trim());
    if (m && m[1]) attrs[m[1]] = m[2] === undefined || m[2] === '""' ? "" : m[2].slice(2);
  }
  return attrs;
}

export const hex = (v: string | Buffer) => Buffer.from(v).toString("hex");
