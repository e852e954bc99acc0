// Typed errors and warnings with stable codes; the README lists every code.

export const ErrorCodes = {
  CPIOX_ODC_MAGIC: "070707 (odc) archive; the kernel reads only newc/crc: use -H newc",
  CPIOX_BAD_MAGIC: "no cpio magic where a header must start",
  CPIOX_BAD_HEADER: "non-hex character in a header field",
  CPIOX_BROKEN_PADDING: "non-NUL byte at a misaligned offset after an entry",
  CPIOX_NAME_NOT_TERMINATED: "name or symlink not NUL-terminated at namesize-1",
  CPIOX_BAD_CHECKSUM: "070702 entry whose data byte sum differs from its header",
  CPIOX_JUNK_IN_MEMBER: "a byte that is neither a header nor NUL padding inside a compressed member",
  CPIOX_INVALID_MAGIC: "unknown compression magic where a member should start",
  CPIOX_UKI: "a unified kernel image (PE file) with malformed headers, no .initrd or .ucode section, or a section past the end of the file",
  CPIOX_BOOTCONFIG: "the image ends in a bootconfig trailer (#BOOTCONFIG) whose size or checksum is wrong",
  CPIOX_MEMBER_ENDS_MID_ENTRY: "a compressed member ended inside an entry (its name or data)",
  CPIOX_MEMBER_TRAILING_DATA: "a compressed member has bytes after its last complete entry that do not make a header",
  CPIOX_DECODER_UNAVAILABLE: "the system library for this compression (liblzma, libzstd, liblz4; for create also liblzo2, libbz2) cannot be loaded",
  CPIOX_DAMAGED: "diff: an image is damaged (it ends inside an entry, or a gzip CRC does not match), so no difference is reported",
  CPIOX_CORRUPT_COMPRESSED: "the compressed stream is corrupt or truncated",
  CPIOX_TOO_LARGE: "more archive data than --max-size allows (decompression-bomb guard); for diff, more entries than DIFF_ENTRIES_MAX",
  CPIOX_RATIO_EXCEEDED: "a compressed member expands more than --max-ratio allows (decompression-bomb guard)",
  CPIOX_XATTR_MALFORMED: "an xattr record's framing is broken (size below its header or past the end, name without NUL, too large)",
  CPIOX_WRITE_FAILED: "writing a file's data failed",
  CPIOX_HTTP: "an HTTP source failed: a 4xx status, a bad resume answer, or retries used up",
  CPIOX_HTTP_CHANGED: "the object at the URL changed between attempts (ETag/Last-Modified): not spliced",
  CPIOX_DIGEST_MISMATCH: "the input's digest differs from --sha256/--sha512",
  CPIOX_BAD_ARGUMENT: "a command-line argument or option is invalid",
  CPIOX_POLICY_INVALID: "a verify policy file cannot be read or breaks the policy format",
  CPIOX_MANIFEST_INVALID: "an --against manifest cannot be read or has a malformed line",
  CPIOX_IMA_CERT_INVALID: "an --ima-cert file holds no certificate or public key node:crypto can read",
  CPIOX_VERIFY_FAILED: "extract --verify: the image violates the policy, so the extraction is refused",
  CPIOX_INPUT: "the input could not be opened or read (missing, a directory, unreadable)",
  CPIOX_TARGET: "the extraction root cannot be used (not a directory, not writable, or --atomic would replace what it must not)",
  CPIOX_OUTPUT: "the output cannot be written (create -o, verify --manifest)",
  CPIOX_INCOMPLETE: "--atomic: the archive ended inside an entry, so the partial tree is not swapped in",
  CPIOX_INTERRUPTED: "stopped by SIGINT or SIGTERM; with --atomic the temporary tree is removed",
  CPIOX_STRICT: "a warning was raised and --strict makes warnings fatal",
  CPIOX_INTERNAL: "the core and the driver disagree (a bug in cpiox)",
} as const;
export type ErrorCode = keyof typeof ErrorCodes;

export const WarningCodes = {
  CPIOX_NAME_SIZE: "namesize 0 or larger than PATH_MAX (4096): entry skipped, as the kernel does",
  CPIOX_SYMLINK_TOO_LONG: "symlink target longer than PATH_MAX (4096): entry skipped",
  CPIOX_DATA_ON_SPECIAL: "a directory, device, FIFO, socket or trailer with data: entry skipped",
  CPIOX_MODE_HIGH_BITS: "c_mode has bits above 0xFFFF; dropped like the kernel's 16-bit umode_t",
  CPIOX_UNKNOWN_TYPE: "an entry with an unknown file type: nothing created (a conflicting object is still removed)",
  CPIOX_TRUNCATED: "the input ends inside an entry of an uncompressed archive (the kernel stops silently)",
  CPIOX_MISSING_PARENT: "the parent directory does not exist: entry skipped (use --make-parents)",
  CPIOX_CREATE_FAILED: "the object could not be created (the kernel skips it silently)",
  CPIOX_REPLACE_FAILED: "an existing object of another type could not be removed (non-empty directory)",
  CPIOX_ATTRIBUTES_FAILED: "the mode or times of an existing object could not be set (e.g. a directory owned by another user)",
  CPIOX_NOT_ROOT_OWNER: "not running as root: owners and groups are not set",
  CPIOX_NOT_ROOT_DEVICE: "not running as root: character and block devices are not created",
  CPIOX_DEVICE_NUMBER: "device number does not fit the kernel's 12-bit major / 20-bit minor; mangled like MKDEV",
  CPIOX_DIRECTORY_NAME: "a non-directory entry whose name ends in \"/\", \".\" or \"..\" (it names a directory): skipped",
  CPIOX_XATTR_INVALID: "an xattr Linux cannot hold (name over 255 bytes, unknown namespace, empty suffix, value over 64 KiB): skipped",
  CPIOX_XATTR_NOT_ROOT: "not running as root: xattrs outside user.* are not set (once per namespace)",
  CPIOX_XATTR_REFUSED: "user.* on a symlink, device, FIFO or socket: the kernel refuses it",
  CPIOX_XATTR_FAILED: "setting an xattr failed (e.g. the filesystem does not support it)",
  CPIOX_METADATA_UNSUPPORTED: "METADATA!!! records of another version or type: ignored, as the kernel patch does",
  CPIOX_METADATA_ORPHAN: "a METADATA!!! file with no entry before it to apply to",
  CPIOX_XATTR_LIST_MISSING: "a .xattr-list names a path that does not exist in the tree",
  CPIOX_PATTERN_UNMATCHED: "a PATTERN given to extract or list matched no entry (bsdtar: \"Not found in archive\"), or a --member the image lacks",
  CPIOX_CLEANUP_FAILED: "--atomic --replace: the old tree could not be removed completely after the swap",
  CPIOX_HTTP_RETRY: "an HTTP read failed or stalled and is retried from the next unread byte",
  CPIOX_GZIP_CRC: "gzip CRC32 or size trailer does not match (the kernel does not check it)",
  CPIOX_KERNEL_XZ_CHECK: "xz stream with a check type other than crc32 or none, which the kernel refuses",
  CPIOX_KERNEL_LZ4_FRAME: "an lz4 frame-format member (04 22 4D 18); the kernel reads only the legacy format (lz4 -l)",
  CPIOX_KERNEL_LZO: "an lzop container the kernel would misread (checksum count, block size, filter or extra field)",
  CPIOX_KERNEL_OLD_GZIP: "a gzip member with the old magic 1F 9E, which the kernel's gunzip rejects",
  CPIOX_KERNEL_GZIP_FLAGS: "gzip header uses FEXTRA/FCOMMENT/FHCRC, which the kernel's gunzip cannot read",
} as const;
export type WarningCode = keyof typeof WarningCodes;

export interface Where {
  offset?: number;  // byte offset: in the input for plain archives, in the decompressed stream otherwise
  member?: number;  // index of the member (0-based)
  entry?: string;   // entry name as printable text
}

export class CpioxError extends Error {
  readonly code: ErrorCode;
  readonly offset?: number;
  readonly member?: number;
  readonly entry?: string;
  constructor(code: ErrorCode, message: string, where: Where = {}) {
    super(`${code}: ${message}${describeWhere(where)}`);
    this.name = "CpioxError";
    this.code = code;
    this.offset = where.offset;
    this.member = where.member;
    this.entry = where.entry;
  }
}

export interface Warning extends Where {
  code: WarningCode;
  message: string;
}

export type WarnHandler = (w: Warning) => void;

export function describeWhere(w: Where): string {
  const parts: string[] = [];
  if (w.entry !== undefined) parts.push(`entry ${JSON.stringify(w.entry)}`);
  if (w.member !== undefined) parts.push(`member ${w.member}`);
  if (w.offset !== undefined) parts.push(`offset ${w.offset}`);
  return parts.length ? ` (${parts.join(", ")})` : "";
}

/** A filesystem failure as a coded error: "cannot open X: no such file or directory (ENOENT)". */
export function fsError(code: ErrorCode, what: string, e: unknown, where: Where = {}): CpioxError {
  if (e instanceof CpioxError) return e;
  const err = e as NodeJS.ErrnoException | undefined;
  let reason = String(err?.message ?? e);
  if (err?.code) {
    // Node's text is "ENOENT: no such file or directory, open '/x'": keep the middle part.
    const m = /^[A-Z0-9_]+: ([^,]*)/.exec(reason);
    reason = `${m ? m[1] : reason} (${err.code})`;
  }
  return new CpioxError(code, `${what}: ${reason}`, where);
}

// Routes warnings to the caller; with strict, the first warning becomes a CPIOX_STRICT error.
export function makeWarner(onwarn: WarnHandler | undefined, strict: boolean): (w: Warning) => void {
  return (w) => {
    if (strict) throw new CpioxError("CPIOX_STRICT", `${w.code}: ${w.message}`, w);
    onwarn?.(w);
  };
}

/** A command's warnings: counted, passed to the caller, and fatal under strict. */
export function counted(opts: { onwarn?: (w: Warning) => void; strict?: boolean }) {
  const counter = { warnings: 0 };
  const warn = makeWarner((w) => {
    counter.warnings++;
    opts.onwarn?.(w);
  }, opts.strict ?? false);
  return { counter, warn };
}
