// Public API (re-exports only).
export { extract } from "./extract/run.js";
export { list, examine } from "./list/list.js";
export { entries } from "./list/entries.js";
export { create } from "./create/index.js";
export type { CreateOptions, XattrEncoding, CreateCompression } from "./create/index.js";
export type { ExtractResult } from "./extract/run.js";
export type { ExamineResult } from "./list/list.js";
export type { ExtractOptions, ListOptions, ExamineOptions, CommonOptions } from "./options.js";
export { CpioxError, ErrorCodes, WarningCodes } from "./errors.js";
export type { ErrorCode, Warning, WarningCode, WarnHandler } from "./errors.js";
export type { Entry, EntryType, Xattr } from "./entries.js";
export type { MemberInfo } from "./members/splitter.js";
export type { Source } from "./input/sources.js";
export { verify, exitCode, summarize, Rules, builtinPolicy, parsePolicy } from "./verify/index.js";
export type { VerifyOptions, VerifyResult, VerifyReport, Finding, RuleCode } from "./verify/index.js";
