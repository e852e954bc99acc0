// The verify rules: one stable code each, what it catches, and how the built-in policies rate it.
// "error" fails the image (exit 1), "warn" is reported but passes, "off" is not checked.

export type Severity = "error" | "warn" | "off";

interface RuleSpec {
  readonly description: string;
  readonly default: Severity;
  readonly strict: Severity;
}

const rule = (description: string, def: Severity, strict: Severity = "error"): RuleSpec =>
  ({ description, default: def, strict });

export const Rules = {
  CPIOX_RULE_DEVICE_NODE: rule("a character or block device node", "warn"),
  CPIOX_RULE_SETUID: rule("a regular file with the setuid or setgid bit", "warn"),
  CPIOX_RULE_WORLD_WRITABLE: rule("a world-writable entry (not a symlink) without the sticky bit", "error"),
  CPIOX_RULE_ABSOLUTE_NAME: rule("a name that starts with \"/\"", "error"),
  CPIOX_RULE_DOT_DOT: rule("a name with a \"..\" component", "error"),
  CPIOX_RULE_THROUGH_SYMLINK: rule("a path that passes through a symlink the archive created (the classic escape)", "error"),
  CPIOX_RULE_SYMLINK_ESCAPE: rule("a relative symlink target that climbs above the root from the link's directory", "error"),
  CPIOX_RULE_DANGLING_SYMLINK: rule("a symlink whose target is not in the image (resolved inside it)", "off"),
  CPIOX_RULE_OVERWRITE: rule("an entry that replaces an earlier one at the same path (a directory over a directory is not counted)", "error"),
  CPIOX_RULE_HARDLINK_ACROSS_MEMBERS: rule("a hard link to an entry of an earlier archive: the kernel forgets links at each TRAILER!!!", "error"),
  CPIOX_RULE_MISSING_PARENT: rule("an entry whose parent directory the image does not create: the kernel drops it", "error"),
  CPIOX_RULE_KERNEL_SKIPS: rule("an entry the kernel skips (bad name size, over-long symlink, data on a non-file, a non-directory named like a directory)", "error"),
  CPIOX_RULE_KERNEL_INCOMPATIBLE: rule("a container the kernel cannot read (xz check type, gzip flags or old magic, lz4 frame, lzop quirks)", "error"),
  CPIOX_RULE_ARCHIVE_WARNING: rule("any other warning from reading the archive (high mode bits, unknown type, device numbers, METADATA!!! and .xattr-list problems)", "warn"),
  CPIOX_RULE_EMPTY_IMAGE: rule("an image with no entries at all (an empty file, zeros, padding or bare trailers): nothing to boot", "error"),
  CPIOX_RULE_NO_INIT: rule("no /init (nor /sbin/init, /etc/init, /bin/init, /bin/sh) that is an executable file: the kernel has nothing to run", "error"),
  CPIOX_RULE_PATH_REQUIRED: rule("a requirePaths glob that no path of the final tree matches", "error"),
  CPIOX_RULE_LIMIT_ENTRIES: rule("more entries than limits.entries (as an error, the read stops there)", "error"),
  CPIOX_RULE_LIMIT_TOTAL_SIZE: rule("more file data in total than limits.totalSize (as an error, the read stops there)", "error"),
  CPIOX_RULE_LIMIT_FILE_SIZE: rule("a file larger than limits.fileSize", "error"),
  CPIOX_RULE_LIMIT_PATH_DEPTH: rule("a path with more components than limits.pathDepth", "error"),
  CPIOX_RULE_LIMIT_XATTR_SIZE: rule("an xattr value longer than limits.xattrSize", "error"),
  CPIOX_RULE_COMPRESSION: rule("a member whose compression is not in compressions", "error"),
  CPIOX_RULE_FORMAT: rule("an entry whose header format is not in formats", "error"),
  CPIOX_RULE_XATTR_NAMESPACE: rule("an xattr outside xattrNamespaces", "error"),
  CPIOX_RULE_XATTR_INVALID: rule("an xattr Linux cannot hold (name over 255 bytes, unknown namespace, empty suffix, value over 64 KiB)", "error"),
  CPIOX_RULE_XATTR_REQUIRED: rule("an entry matching a requireXattrs glob without one of its xattrs", "error"),
  CPIOX_RULE_IMA_INVALID: rule("a security.ima that does not match its file: bad digest, bad signature or malformed", "error"),
  CPIOX_RULE_IMA_UNKNOWN_KEY: rule("an IMA signature whose key id matches none of the --ima-cert keys", "warn"),
  CPIOX_RULE_IMA_UNSUPPORTED: rule("an IMA value cpiox cannot check (hash algorithm, key type, fs-verity signature)", "warn"),
  CPIOX_RULE_IMA_REQUIRED: rule("a regular file matching a requireImaSignature glob without a valid IMA signature", "error"),
  CPIOX_RULE_MANIFEST_ADDED: rule("with --against: an entry the manifest does not list", "error"),
  CPIOX_RULE_MANIFEST_REMOVED: rule("with --against: a manifest entry the image lacks", "error"),
  CPIOX_RULE_MANIFEST_CHANGED: rule("with --against: an entry whose type, mode, owner, size, content or xattrs differ", "error"),
} as const satisfies Record<string, RuleSpec>;

export type RuleCode = keyof typeof Rules;

export const RULE_CODES = Object.keys(Rules) as RuleCode[];

export function isRuleCode(s: string): s is RuleCode {
  return Object.hasOwn(Rules, s);
}
