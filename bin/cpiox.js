#!/usr/bin/env node
// Entry point for the `cpiox` command: the compiled CLI lives in dist/ (built on install).
import { main } from "../dist/src/cli.js";

process.exitCode = await main(process.argv.slice(2));
