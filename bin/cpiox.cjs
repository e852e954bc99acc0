#!/usr/bin/env node
// Entry point for the `cpiox` command. The CLI is bundled into one CommonJS file
// (dist/cpiox.cjs, built by `npm run build`), so a run pays neither the ESM loader's start nor a
// module lookup per source file, and each command loads its own part of the bundle on first use.
// V8's compiled code for the bundle is kept beside it (dist/cpiox.cjs.cache, as Node 22's
// module.enableCompileCache would): the build writes it, a run whose Node rejects it writes a
// new one when the directory is writable, and without it the CLI only starts a little slower.
"use strict";
const { readFileSync, renameSync, writeFileSync } = require("node:fs");
const { dirname, join } = require("node:path");
const { Script } = require("node:vm");

const bundle = join(__dirname, "../dist/cpiox.cjs");
const cacheFile = `${bundle}.cache`;

function loadBundle() {
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined; // not built yet, or not readable: compile from source
  }
  const source = readFileSync(bundle, "utf8");
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: bundle, cachedData });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, require, module, bundle, dirname(bundle));
  return { cli: module.exports, script, stale: cachedData === undefined || script.cachedDataRejected === true };
}

function saveCodeCache(script) {
  const temporary = `${cacheFile}.${process.pid}`;
  try {
    writeFileSync(temporary, script.createCachedData());
    renameSync(temporary, cacheFile);
  } catch {
    // A read-only installation keeps running from source; nothing is lost but start-up time.
  }
}

const { cli, script, stale } = loadBundle();
cli.runCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
  if (stale) saveCodeCache(script);
});
