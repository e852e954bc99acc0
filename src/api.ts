// The library API: extract, list, examine and an async iterator of entries over any source.
export { extract, type ExtractResult } from "./extract/run.js";
export { entries, examine, list, type ExamineResult } from "./list.js";
