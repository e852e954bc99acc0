// A source tree with every entry type, odd names, special modes, owners and hard links.
import { sh } from "./sh.js";

const isRoot = process.getuid!() === 0;

export function buildTree(dir: string): void {
  sh(`
    mkdir -p 'with space/deep/a/b/c/d/e/f/g/h' etc bin dev tmp empty
    printf 'hello\\n' > etc/hostname
    head -c 300000 /dev/urandom > bin/big
    printf '#!/bin/sh\\n' > bin/tool && chmod 4755 bin/tool
    printf 'x' > bin/sgid && chmod 2711 bin/sgid
    chmod 1777 tmp
    printf 'link data' > etc/one && ln etc/one etc/two && ln etc/one 'with space/three'
    ln -s ../etc/hostname bin/rel-link
    ln -s /proc/mounts etc/mtab
    ln -s 'with space/deep' dangling-ok
    mkfifo dev/fifo && chmod 620 dev/fifo
    printf 'bytes' > "$(printf 'latin1-\\xe9-\\xff')"
    printf 'deep' > 'with space/deep/a/b/c/d/e/f/g/h/file name'
    : > empty-file
    chmod 700 empty
    ${isRoot ? "mknod dev/null c 1 3 && mknod dev/sda b 8 0 && chown 1234:5678 etc/hostname && chown -h 42:43 bin/rel-link && chown 7:8 tmp" : ""}
    find . -mindepth 1 -exec touch -h -d @1600000000 {} +
    touch -d @1500000000 etc/hostname
    touch -h -d @1400000000 bin/rel-link
  `, dir);
}
