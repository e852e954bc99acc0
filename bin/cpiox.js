#!/usr/bin/env node
// Entry point for the `cpiox` command: the compiled CLI lives in dist/ (built on install).
import { runCli } from "../dist/src/cli.js";

process.exitCode = await runCli(process.argv.slice(2));
