// The extraction root: made ready before anything is read, and left as it was found when the
// extraction fails. --atomic builds the tree in a temporary sibling and swaps it in only after
// complete success; it never removes or replaces anything that is not a directory, and replaces
// a non-empty directory only when asked (--replace).
import { accessSync, chmodSync, constants, lstatSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmdirSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { whileBuilding } from "../process/cleanup.js";
import { CpioxError, fsError } from "../errors.js";
import * as ffi from "../native/libc.js";
import { removeTreeAt } from "./remove-tree.js";
import { errnoName } from "../native/errno.js";

const targetError = (message: string) => new CpioxError("CPIOX_TARGET", message);

/** What lstat says of a path, or null when nothing is there. */
function lstatOrNull(path: string) {
  try {
    return lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw fsError("CPIOX_TARGET", `cannot inspect ${path}`, e);
  }
}

/**
 * Creates a directory and its missing parents one level at a time (Node's recursive mkdir spins
 * forever on some virtual filesystems, e.g. under /proc). Returns the directories it created,
 * outermost first.
 */
function makeDirectories(path: string): string[] {
  const missing: string[] = [];
  for (let p = path; ; p = dirname(p)) {
    const st = lstatOrNull(p);
    if (st) {
      if (!st.isDirectory() && !(st.isSymbolicLink() && statSync(p, { throwIfNoEntry: false })?.isDirectory())) throw targetError(`${p} exists and is not a directory`);
      break;
    }
    missing.unshift(p);
    if (dirname(p) === p) break;
  }
  const created: string[] = [];
  for (const p of missing) {
    try {
      mkdirSync(p);
    } catch (e) {
      removeEmpty(created);
      throw fsError("CPIOX_TARGET", `cannot create ${p}`, e);
    }
    created.push(p);
  }
  return created;
}

/** Removes the directories this run created, innermost first, as long as they are empty. */
function removeEmpty(created: string[]): void {
  for (const p of [...created].reverse()) {
    try {
      rmdirSync(p);
    } catch {
      return; // not empty (or gone): what is in it stays
    }
  }
}

function requireWritable(dir: string): void {
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch (e) {
    throw fsError("CPIOX_TARGET", `cannot write into ${dir}`, e);
  }
}

/**
 * A plain (not --atomic) extraction root: created if missing. Runs `work`; if it fails, the
 * directories this call created are removed again when they are still empty.
 */
export async function intoRoot<T>(cwd: string, work: (root: string) => Promise<T>): Promise<T> {
  const root = resolve(cwd);
  const created = makeDirectories(root);
  try {
    requireWritable(root);
    return await work(root);
  } catch (e) {
    removeEmpty(created);
    throw e;
  }
}

export interface AtomicOptions {
  /** The target may be a non-empty directory; its old contents are removed after the swap. */
  replace: boolean;
  /** The process umask: the temporary root gets the mode a new directory would. */
  umask: number;
}

/**
 * --atomic: `work` fills a temporary sibling of `cwd`; only when it succeeds is that tree
 * renamed into place (or exchanged with the existing directory in one step, the old tree then
 * removed). On failure or a signal the temporary tree is removed, at any depth.
 */
export async function intoAtomicRoot<T>(cwd: string, opts: AtomicOptions, work: (root: string) => Promise<T>): Promise<{ result: T; leftover: string | null }> {
  const target = resolve(cwd);
  const existing = lstatOrNull(target);
  if (existing?.isSymbolicLink()) {
    throw targetError(`${target} is a symlink: --atomic replaces only a real directory (give the directory it points to)`);
  }
  if (existing && !existing.isDirectory()) throw targetError(`${target} exists and is not a directory: --atomic never replaces it`);
  // Without --replace, only an empty directory may be replaced.
  const holdsContents = () => !opts.replace && readdirSync(target).length > 0;
  const refusal = (state: string) => targetError(`${target} ${state}: --atomic would replace its contents; add --replace to allow it`);
  if (existing && holdsContents()) throw refusal("is not empty");
  const parent = dirname(target);
  const created = makeDirectories(parent);
  let temp: string;
  try {
    requireWritable(parent);
    temp = mkdtempSync(join(parent, `.${basename(target)}.cpiox-`));
  } catch (e) {
    removeEmpty(created);
    throw fsError("CPIOX_TARGET", `cannot create a temporary directory beside ${target}`, e);
  }
  const discard = () => {
    removeTreeAt(temp);
    removeEmpty(created);
  };
  const done = whileBuilding(discard);
  let result: T;
  try {
    chmodSync(temp, 0o777 & ~opts.umask);
    result = await work(temp);
  } catch (e) {
    done();
    discard();
    throw e;
  }
  done();
  if (!existing) {
    renameSync(temp, target);
    return { result, leftover: null };
  }
  // Checked again just before the swap: what appeared in the target meanwhile is not ours to drop.
  if (holdsContents()) {
    removeTreeAt(temp);
    throw refusal("is no longer empty");
  }
  // Swap the new tree and the old one in one step; the old one now sits at the temporary name.
  const r = ffi.exchangePaths(temp, target);
  if (r < 0) {
    removeTreeAt(temp);
    throw targetError(`cannot swap the extracted tree into ${target} (${errnoName(-r)})`);
  }
  const removed = removeTreeAt(temp);
  return { result, leftover: removed < 0 ? `${temp} (${errnoName(-removed)})` : null };
}
