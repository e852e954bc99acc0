// One documented options interface per command, with defaults and validation.
import type { WarnHandler } from "./errors.js";
import type { ResolverKind } from "./extract/resolver.js";
import type { HttpOptions } from "./input/http.js";
import type { ProgressLine } from "./input/progress.js";
import type { Policy } from "./verify/policy.js";
import type { SelectOptions } from "./select/selection.js";
import type { Entry } from "./entries.js";

export interface CommonOptions {
  /** Receives every warning (skipped entries, kernel quirks, privilege limits). */
  onwarn?: WarnHandler;
  /** Any warning becomes a CPIOX_STRICT error. */
  strict?: boolean;
  /**
   * Also treat METADATA!!! files as ordinary files (extracted, listed), as the kernel patches do.
   * By default they are consumed as metadata only.
   */
  keepMetadataFiles?: boolean;
  /** Shows progress (bytes, rate, ETA, member); the CLI passes one on a terminal. */
  progress?: ProgressLine;
  /** For http(s):// sources: retries, backoff, timeout, redirect limit. */
  http?: HttpOptions;
  /** The input's expected SHA-256 (hex); a mismatch is CPIOX_DIGEST_MISMATCH once it is all read. */
  sha256?: string;
  /** The input's expected SHA-512 (hex). */
  sha512?: string;
  /** Decompression-bomb guard: total bytes of archive data, plain plus decompressed (default 32 GiB; 0 = none). */
  maxSize?: number;
  /** Decompression-bomb guard: uncompressed:compressed ratio per member, after its first 16 MiB (default 1000; 0 = none). */
  maxRatio?: number;
}

export interface ExtractOptions extends CommonOptions, SelectOptions {
  /** The extraction root (created if missing). Nothing outside it is ever touched. */
  cwd: string;
  /** Create missing parent directories (mode 0755) instead of skipping the entry like the kernel. */
  makeParents?: boolean;
  /**
   * Set owners and groups from the archive (default: as root only, like tar and cpio). Asked for
   * without root, owners that differ from the extracting user are reported once.
   */
  preserveOwner?: boolean;
  /**
   * How paths are confined to the root: "openat2" (the kernel's RESOLVE_IN_ROOT), "userspace"
   * (an equivalent walk for kernels without openat2) or "auto" (default: openat2 when available).
   */
  resolver?: ResolverKind | "auto";
  /** Apply the xattrs the archive carries (default true). Their framing is checked either way. */
  xattrs?: boolean;
  /**
   * Extract into a temporary sibling of `cwd` and rename it into place only when everything
   * succeeded (archive complete, digests right, no error); a failure leaves `cwd` untouched.
   * `cwd` must be missing or an empty directory unless `replace` is set; never a file or symlink.
   */
  atomic?: boolean;
  /** With `atomic`: `cwd` may be a non-empty directory, whose old contents are removed after the swap. */
  replace?: boolean;
  /**
   * Runs `cpiox verify` with this policy ("default", "strict", a JSON file or a parsed policy) in
   * the same pass; an image that fails it is CPIOX_VERIFY_FAILED (with `atomic`, nothing is left).
   */
  verify?: string | Policy;
  /** With `verify`: certificates or public keys for IMA signatures. */
  imaCerts?: string[];
  /**
   * Each member into its own subdirectory (early, early2, ..., main for the last, as unmkinitramfs
   * names them), with the kernel's semantics inside each; `cwd` must be empty or missing.
   */
  split?: boolean;
  /** Remove this many leading path components from each name; entries left with none are skipped. */
  stripComponents?: number;
  /** Called with each selected entry (after stripping); false skips it (its data is not read). */
  filter?(entry: Entry): boolean;
  /** Called with each entry that is extracted, before its object is created. */
  onentry?(entry: Entry): void;
}

/** extractToStream(): the selected regular files' data, in archive order, to a writable stream. */
export interface ToStreamOptions extends CommonOptions, SelectOptions {
  filter?(entry: Entry): boolean;
}

export interface ListOptions extends CommonOptions, SelectOptions {
  /**
   * entries(): each regular file comes with `data`, its bytes as an async iterable of chunks, read
   * in the same pass (read it before asking for the next entry; what is not read is passed over).
   */
  data?: boolean;
}
export type ExamineOptions = CommonOptions;

export function isPrivileged(): boolean {
  return typeof process.getuid === "function" && process.getuid() === 0;
}
