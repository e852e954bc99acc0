// Every command's --help text, and the main one.

// Options every command takes, after its own.
const STRICT_HELP = `  --strict              treat any warning as an error
`;
const SOURCE_HELP = `  --sha256 HEX, --sha512 HEX
                        the input's digest, checked on the exact bytes read
  --progress, --no-progress
                        a progress line on stderr (default: on when stderr is a
                        terminal; never with --json or -q, never when not a terminal)
  --retries N, --retry-delay MS, --timeout MS
                        for http(s):// inputs: retries after drops, 5xx or stalls
                        (default 5, resumed with Range/If-Range), first backoff
                        (default 500, doubled, jittered), idle timeout (default 30000)
  --min-rate BYTES      for http(s):// inputs: a connection slower than this per
                        second over a --timeout window counts as stalled (default 1K)
  --deadline MS         for http(s):// inputs: give up after this long in all
                        (default 0 = no deadline)
  --keep-metadata-files treat METADATA!!! and .xattr-list files as ordinary files
                        too (the kernel patches' behaviour); by default metadata only
  --max-size BYTES      stop after this much archive data, plain plus decompressed
                        (default 32 GiB; 0 = no limit; K/M/G/T suffixes)
  --max-ratio N         stop when a compressed member expands more than N:1, judged
                        after its first 16 MiB (default 1000; 0 = no limit)`;
const COMMON_HELP = STRICT_HELP + SOURCE_HELP;

export const USAGE: Record<string, string> = {
  main: `Usage: cpiox <command> [options]

Commands:
  extract ARCHIVE|- [PATTERN...] -C DIR
                             unpack an initramfs into DIR, as the kernel would
                             (ARCHIVE may be a file, - for stdin, or an http(s):// URL)
  extract ARCHIVE|- PATTERN... -O
                             the selected files' data to standard output
  list ARCHIVE|- [PATTERN...]
                             list the entries
  examine ARCHIVE|-          one row per member (plain archive or compressed stream)
  verify ARCHIVE|-           check an image against a policy without extracting it
                             (exit 0 pass, 1 policy violated, 2 malformed or unreadable)
  diff A B                   what differs between two images as the kernel would unpack them
                             (exit 0 equal, 1 different, 2 error)
  create -C DIR -o FILE|-    write an initramfs of DIR, with its xattrs
  bench IMAGE                time the kernel's own unpack of IMAGE (user-mode-linux or
                             qemu), cpiox's and other tools', and compare their trees
  serve --token-file FILE    the upload gate as an HTTP service (jobs in-process, or on Redis
                             with --redis for cpiox worker processes)
  worker --redis URL         run the verification jobs a cpiox serve queued on Redis

bsdtar's spellings work too: cpiox -tf IMG, cpiox -tvf IMG, cpiox -xf IMG -C DIR.
Run 'cpiox <command> --help' for the options of a command, 'cpiox --version' for the version.
Exit status: 0 clean, 1 finished with warnings, 2 error.`,
  extract: `Usage: cpiox extract ARCHIVE|- [PATTERN...] -C DIR [options]
       cpiox extract ARCHIVE|- [PATTERN...] -O [options]

PATTERNs are shell globs on the entry's path without a leading "./" or "/" (* and ? within a
component, ** across components, [..], {a,b}); a directory that matches brings its contents.
  -C, --directory DIR   extraction root (created if missing); nothing outside it is touched
  -O, --to-stdout       write the selected regular files' data to standard output instead;
                        nothing is written to disk
  --exclude PATTERN     leave out what matches (a directory takes its contents); repeatable
  --strip-components N  remove N leading components from each name; entries left with
                        none are skipped
  -P, --member N[,M...] only the entries of these members (from 0, as examine numbers them)
  --split               each member into its own subdirectory of DIR: early, early2, ...
                        and main for the last (unmkinitramfs's names); DIR must be empty
  --make-parents        create missing parent directories (the kernel skips such entries)
  --same-owner          set owners and groups from the archive (the default as root;
                        without root each one that differs is reported once)
  --no-same-owner       do not set owners and groups (the default without root)
  --resolver KIND       auto (default), openat2 or userspace
  --no-xattrs           do not apply the xattrs the archive carries (still checked)
  --atomic              extract into a temporary sibling of DIR and swap it into place
                        only when everything succeeded; a failure leaves DIR untouched.
                        DIR must be missing or an empty directory, unless --replace
  --replace             with --atomic: DIR may be a non-empty directory, whose old
                        contents are removed after the swap
  --verify POLICY       run verify's checks in the same pass (default, strict or a
                        policy file) and fail if the image violates them (with
                        --atomic nothing is left behind)
  --ima-cert FILE       with --verify: a certificate or public key for IMA signatures
${COMMON_HELP}
  -q, --quiet           no summary line
  -h, --help            this help`,
  list: `Usage: cpiox list ARCHIVE|- [PATTERN...] [options]

PATTERNs select entries as for extract (shell globs on the path; a directory brings its contents).
  --exclude PATTERN     leave out what matches; repeatable
  -P, --member N[,M...] only the entries of these members (from 0, as examine numbers them)
  -v, --verbose         ls -l style lines ("@" after the mode: the entry carries xattrs),
                        owners by name from the image's etc/passwd and etc/group (else
                        this system's; lines come once the image is read), local times
  --numeric             with -v: owners as numbers
  --utc                 with -v: times in UTC
  --xattrs              print each entry's xattrs under it (text when printable, else 0xHEX)
  --json                one JSON object per entry per line (xattrs as hex)
${COMMON_HELP}
  -q, --quiet           print nothing but warnings and errors
  -h, --help            this help`,
  create: `Usage: cpiox create (-C DIR | --list FILE) [--compress KIND [--level N]]... -o FILE|- [options]

Each -C DIR or --list FILE is one member of the image, in the order given (an uncompressed
early member first, then a compressed main one, as mkinitramfs writes them); --compress and
--level after a member apply to it, before the first one to every member that names none.
  -C, --directory DIR   a tree to archive (entries sorted bytewise, "." first,
                        hard links detected, symlinks never followed)
  --list FILE           a gen_init_cpio list file instead (file/dir/nod/slink/pipe/
                        sock lines, and "xattr name=0xHEX" lines for the next entry);
                        "#cpio: KIND [-LEVEL]" lines start a new member, as in 3cpio
  -o, --output FILE     where to write the image; - for standard output
  --format FORMAT       newc (default), crc (with data checksums) or newcx
  --xattrs ENCODING     none (default; newcx with --format newcx), newcx, metadata
                        (a METADATA!!! file after each entry with xattrs) or
                        xattr-list (one .xattr-list file); read without following
  --compress KIND       none (default), gzip, zstd, xz (crc32 check), lzma, lz4 (the legacy
                        frame), lzo (lzop) or bzip2
  --level N             the compression level; defaults as mkinitramfs: gzip 6, zstd 9,
                        xz 6, lzma 6, lz4 9, lzo 3, bzip2 9
  SOURCE_DATE_EPOCH     (environment) clamps every mtime to it, for reproducible images
  -q, --quiet           no summary line
  -h, --help            this help`,
  verify: `Usage: cpiox verify ARCHIVE|- [options]

  --policy POLICY       default (the default), strict, or a policy JSON file
  -P, --member N[,M...] check only the entries of these members (the digests cover all)
  --ima-cert FILE       a certificate or public key (PEM or DER) to check IMA
                        signatures with; repeatable
  --manifest FILE       write the image's manifest (one line per path) to FILE
  --against FILE        compare the image with a manifest written by --manifest
  --json                the report as one JSON object (schema cpiox-verify/1)
${SOURCE_HELP}
  -q, --quiet           print nothing; the exit status says it all
  -h, --help            this help
Exit status: 0 the image passes, 1 it violates the policy, 2 it is malformed or unreadable.`,
  bench: `Usage: cpiox bench IMAGE [options]

Boots the kernel on IMAGE (with a helper /init appended that prints the unpacked tree and
powers off), reads populate_rootfs's own time, extracts IMAGE with cpiox and the other tools
to a tmpfs, and compares every tree with the kernel's, field by field.
  --kernel KIND         auto (default: uml when installed, else qemu with KVM, else none),
                        uml, qemu or none
  --vmlinuz PATH        the kernel image qemu boots (default: the newest /boot/vmlinuz-*)
  --no-kvm              qemu without KVM even when /dev/kvm is there (the time is then
                        emulated, and reported as such)
  --busybox PATH        a statically linked busybox for the helper /init (default:
                        $CPIOX_BUSYBOX, else busybox on the PATH when it is static)
  --runs N              runs of each (default 5); medians, min and max are reported
  --tools LIST          peers, comma-separated: bsdtar, busybox, gnu-cpio (default: all
                        three; "none" for cpiox alone)
  --json                the report as JSON (schema cpiox-bench/1)
  --chart FILE.svg      also write a bar chart of the medians (min/max whiskers)
  -q, --quiet           print nothing; the exit status says it all
  -h, --help            this help
Exit status: 0 cpiox's tree equals the kernel's (or no kernel was booted), 1 it differs, 2 error.`,
  diff: `Usage: cpiox diff A B [options]

Compares the trees two images unpack to, with the kernel's rules: paths added, removed and
changed (type, mode, uid, gid, size, digest, target, device, xattrs), files' bytes per top-level
directory, each member's size, and the paths that two members of one image both write. A and B
are files, URLs, or - for standard input (one of them).
  --json                the report as one JSON object (schema cpiox-diff/1)
  -P, --member N[,M...] compare only the entries of these members (from 0)
  --keep-metadata-files, --max-size BYTES, --max-ratio N, --retries N, --retry-delay MS,
  --timeout MS, --min-rate BYTES, --deadline MS
                        as for the other commands, applied to both images
  -q, --quiet           print nothing; the exit status says it all
  -h, --help            this help
Exit status: 0 the images unpack to the same tree, 1 they differ, 2 error.`,
  serve: `Usage: cpiox serve --token-file FILE [options]

An HTTP API: POST /v1/verify (the image as the body; ?policy=NAME, ?sha256=HEX) answers the
cpiox-verify/1 report (200 pass, 422 fail, 400 malformed, 413 too large); POST /v1/jobs with
{"url", "sha256"?, "policy"?} queues a URL (202 and an id); GET /v1/jobs/ID, GET /v1/health
(no token) and GET /metrics (Prometheus). Every route but health needs "Authorization: Bearer".
  --listen HOST:PORT    where to listen (default 127.0.0.1:8080)
  --token-file FILE     the bearer token (at least 16 characters), required
  --redis URL           queue jobs in BullMQ on this Redis for cpiox worker processes
                        (default: run them in this process, in a bounded queue)
  --policy P            a policy requests may name: default, strict, FILE or NAME=FILE;
                        repeatable; the first is the default (default and strict always exist)
  --ima-cert FILE       a certificate or public key for IMA signatures; repeatable
  --max-size BYTES      the largest image accepted (default 16G; K/M/G/T suffixes)
  --concurrency N       uploads verified at once, and in-process jobs at once (default 2)
  --idle-timeout MS     cut off an upload that sends nothing for this long (default 30000)
  --keep SECONDS        keep finished jobs' reports this long (default 86400)
  -q, --quiet           no start-up line
  -h, --help            this help
SIGTERM or SIGINT: stop taking requests, finish what is under way, exit 0.`,
  worker: `Usage: cpiox worker --redis URL [options]

Takes the verification jobs that cpiox serve --redis queued and runs them; any number of workers
on any machines share one queue. A job carries its policy and certificates with it.
  --redis URL           the Redis that cpiox serve queues on (redis:// or rediss://)
  --concurrency N       jobs at once (default 1)
  --lock-ms MS          a dead worker's job goes to another after this long (default 30000)
  -q, --quiet           no line per job
  -h, --help            this help
SIGTERM or SIGINT: finish the active jobs, take no more, exit 0.`,
  examine: `Usage: cpiox examine ARCHIVE|- [options]

One row per member: offsets, kind, sizes (KiB/MiB/GiB), the compression ratio, entries, xattr
encodings and what the container header says.
  -b, --bytes           exact sizes in bytes
  --count               entries per member, and the total
  --bootconfig          print the text of the bootconfig trailer the image ends in
  --json                one JSON object with the members
${COMMON_HELP}
  -q, --quiet           print nothing but warnings and errors
  -h, --help            this help`,
};
