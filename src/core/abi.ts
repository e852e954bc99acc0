// TypeScript mirror of assembly/abi.ts; test/wasm/abi.test.ts checks it against the module.
export const OP_NEED = 1;
export const OP_ENTRY = 2;
export const OP_SKIP = 3;
export const OP_STOP = 4;
export const OP_ERROR = 5;

export const MODE_TOP = 0;
export const MODE_RESET = 1;
export const MODE_START = 2;

export const CTL_OP = 0;
export const CTL_WANT_MIN = 1;
export const CTL_WANT_MAX = 2;
export const CTL_CONSUMED = 3;
export const CTL_CODE = 4;
export const CTL_POS = 5;
export const CTL_SKIP = 6;
export const CTL_IN_AT = 7;
export const CTL_ERROR_AT = 8;
export const CTL_SLOTS = 9;

export const REC_FORMAT = 0;
export const REC_INO = 1;
export const REC_MODE = 2;
export const REC_UID = 3;
export const REC_GID = 4;
export const REC_NLINK = 5;
export const REC_MTIME = 6;
export const REC_FILESIZE = 7;
export const REC_DEV_MAJOR = 8;
export const REC_DEV_MINOR = 9;
export const REC_RDEV_MAJOR = 10;
export const REC_RDEV_MINOR = 11;
export const REC_NAMESIZE = 12;
export const REC_CHECKSUM = 13;
export const REC_OFFSET = 14;
export const REC_NAME_LEN = 15;
export const REC_LINK_AT = 16;
export const REC_LINK_LEN = 17;
export const REC_DATA_LEN = 18;
export const REC_DATA_PAD = 19;
export const REC_FLAGS = 20;
export const REC_RAW_MODE = 21;
export const REC_XATTR_COUNT = 22;
export const REC_MTIME_NSEC = 23;
export const REC_SLOTS = 24;

export const F_TRAILER = 1;
export const F_CHECKSUM = 2;
export const F_DISCARD_BODY = 4;
export const F_MODE_HIGH_BITS = 8;

export const E_ODC_MAGIC = 1;
export const E_NO_MAGIC = 2;
export const E_BAD_HEX = 3;
export const E_BROKEN_PADDING = 4;
export const E_NAME_NO_NUL = 5;
export const E_BAD_CHECKSUM = 6;
export const E_PROTOCOL = 7;
export const E_XATTR_FRAMING = 8;
export const E_XATTR_TOO_BIG = 9;
export const E_HUGE_FIELD = 10;

export const W_NAME_SIZE = 1;
export const W_SYMLINK_TOO_LONG = 2;
export const W_DATA_ON_SPECIAL = 3;

export const PATH_MAX = 4096;
export const HEADER_SIZE = 110;
export const SCAN_MAX = 65536;
export const XATTR_BLOCK_MAX = 262144;
export const XATTR_MAX_COUNT = 1024;
export const IN_SIZE = 8192 + 262144 + 16;
/**
 * Where the side-file decoders (METADATA!!!, .xattr-list) copy a body into the input region:
 * after the 8 KiB name area (two PATH_MAX names), so a pending header's name is never overwritten.
 */
export const DECODE_AT = 8192;
/** What the xattr decoders return on failure: broken framing, too many xattrs, an entry larger than offered. */
export const XR_MALFORMED = -1;
export const XR_TOO_MANY = -2;
export const XR_TOO_LARGE = -3;
export const NEWCX_HEADER_SIZE = 134;
export const FORMAT_NEWC = 1;
export const FORMAT_CRC = 2;
export const FORMAT_NEWCX = 3;
