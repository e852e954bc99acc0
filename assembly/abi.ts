// ABI shared with src/core/abi.ts: op codes, control slots, record slots, flags, codes.
// A test checks that the TypeScript mirror equals what the module exports.

// Ops returned by step()/bodyDone().
export const OP_NEED: i32 = 1;   // copy between CTL_WANT_MIN and CTL_WANT_MAX bytes into IN, then step(n)
export const OP_ENTRY: i32 = 2;  // a record is ready; deliver REC_DATA_LEN body bytes, skip REC_DATA_PAD, then bodyDone(sum)
export const OP_SKIP: i32 = 3;   // discard CTL_SKIP bytes (an entry the kernel skips, warning in CTL_CODE), then step(0)
export const OP_STOP: i32 = 4;   // a non-cpio byte at an aligned offset after CTL_CONSUMED bytes: the caller decides
export const OP_ERROR: i32 = 5;  // fatal; code in CTL_CODE

// Stream modes for begin().
export const MODE_TOP: i32 = 0;   // the kernel's outer loop: zeros skipped, no alignment check on what follows
export const MODE_RESET: i32 = 1; // after an entry: zeros skipped, a misaligned non-zero byte is broken padding
export const MODE_START: i32 = 2; // a header must start right here (first member of a buffer)

// Control slots (f64 each) written by the core.
export const CTL_OP: i32 = 0;
export const CTL_WANT_MIN: i32 = 1;
export const CTL_WANT_MAX: i32 = 2;
export const CTL_CONSUMED: i32 = 3;
export const CTL_CODE: i32 = 4;
export const CTL_POS: i32 = 5;      // stream position of the next unconsumed byte
export const CTL_SKIP: i32 = 6;
export const CTL_IN_AT: i32 = 7;    // where in IN the bytes of the next NEED go
export const CTL_ERROR_AT: i32 = 8; // after OP_ERROR E_XATTR_FRAMING: the stream offset of the bad xattr entry
export const CTL_SLOTS: i32 = 9;

// Record slots (f64 each) describing the current entry.
export const REC_FORMAT: i32 = 0;   // FORMAT_NEWC, FORMAT_CRC or FORMAT_NEWCX
export const REC_INO: i32 = 1;
export const REC_MODE: i32 = 2;     // 16 bits, as the kernel's umode_t keeps it
export const REC_UID: i32 = 3;
export const REC_GID: i32 = 4;
export const REC_NLINK: i32 = 5;
export const REC_MTIME: i32 = 6;
export const REC_FILESIZE: i32 = 7;
export const REC_DEV_MAJOR: i32 = 8;
export const REC_DEV_MINOR: i32 = 9;
export const REC_RDEV_MAJOR: i32 = 10;
export const REC_RDEV_MINOR: i32 = 11;
export const REC_NAMESIZE: i32 = 12;
export const REC_CHECKSUM: i32 = 13;
export const REC_OFFSET: i32 = 14;    // stream offset of the header
export const REC_NAME_LEN: i32 = 15;  // C-string length of the name (in IN at offset 0)
export const REC_LINK_AT: i32 = 16;   // offset in IN of the symlink target
export const REC_LINK_LEN: i32 = 17;  // C-string length of the symlink target
export const REC_DATA_LEN: i32 = 18;  // body bytes that follow (regular files; or data to discard)
export const REC_DATA_PAD: i32 = 19;  // padding bytes after the body up to the next header
export const REC_FLAGS: i32 = 20;
export const REC_RAW_MODE: i32 = 21;
export const REC_XATTR_COUNT: i32 = 22; // newcx: xattrs decoded into the xattr table
export const REC_MTIME_NSEC: i32 = 23;  // newcx: the sub-second mtime field
export const REC_SLOTS: i32 = 24;

// Header sizes and formats.
export const NEWCX_HEADER_SIZE: i32 = 134;
export const FORMAT_NEWC: i32 = 1;
export const FORMAT_CRC: i32 = 2;
export const FORMAT_NEWCX: i32 = 3;

// Record flags.
export const F_TRAILER: i32 = 1;       // TRAILER!!!: resets the hard-link table
export const F_CHECKSUM: i32 = 2;      // 070702: the body's byte sum is checked (regular files)
export const F_DISCARD_BODY: i32 = 4;  // body is read past, not stored (trailer with data)
export const F_MODE_HIGH_BITS: i32 = 8; // c_mode had bits above 0xFFFF, dropped like the kernel

// Errors (CTL_CODE after OP_ERROR).
export const E_ODC_MAGIC: i32 = 1;      // 070707: "incorrect cpio method used: use -H newc option"
export const E_NO_MAGIC: i32 = 2;       // "no cpio magic"
export const E_BAD_HEX: i32 = 3;        // "damaged header"
export const E_BROKEN_PADDING: i32 = 4; // non-NUL at a misaligned offset after an entry
export const E_NAME_NO_NUL: i32 = 5;    // "malformed archive"
export const E_BAD_CHECKSUM: i32 = 6;   // "bad data checksum"
export const E_PROTOCOL: i32 = 7;       // the caller broke the protocol
export const E_XATTR_FRAMING: i32 = 8;  // an xattr entry's size or name is malformed (CTL_ERROR_AT: its offset)
export const E_XATTR_TOO_BIG: i32 = 9;  // an xattr block larger than XATTR_BLOCK_MAX
export const E_HUGE_FIELD: i32 = 10;    // a 64-bit newcx field beyond 2^53

// Warnings (CTL_CODE after OP_SKIP).
export const W_NAME_SIZE: i32 = 1;       // namesize 0 or > PATH_MAX: entry skipped
export const W_SYMLINK_TOO_LONG: i32 = 2; // symlink body > PATH_MAX: entry skipped
export const W_DATA_ON_SPECIAL: i32 = 3;  // non-regular, non-symlink entry with data: skipped

// Kernel limits.
export const PATH_MAX: i32 = 4096;
export const HEADER_SIZE: i32 = 110;
export const SCAN_MAX: i32 = 65536;      // zero padding is scanned in windows of this size
export const XATTR_BLOCK_MAX: i32 = 262144; // one entry's xattr block (a 64 KiB value fits several times)
export const XATTR_MAX_COUNT: i32 = 1024;   // xattrs per entry
export const IN_SIZE: i32 = 8192 + 262144 + 16; // name + xattr block + symlink target, padded
// Where METADATA!!! and .xattr-list bodies are copied into IN for decoding: past the name area.
export const DECODE_AT: i32 = 8192;
// What the xattr decoders (newcx blocks, METADATA!!!, .xattr-list) return on failure.
export const XR_MALFORMED: i32 = -1; // a record's framing is broken (size, bounds, name without NUL)
export const XR_TOO_MANY: i32 = -2;  // more than XATTR_MAX_COUNT xattrs for one entry
export const XR_TOO_LARGE: i32 = -3; // a .xattr-list path entry larger than the bytes offered
