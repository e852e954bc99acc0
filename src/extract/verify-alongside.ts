// extract --verify: the verifier fed the same events as the extraction, data included, in the
// same pass; loaded only when a policy is asked for.
import { CpioxError, describeWhere } from "../errors.js";
import { bothSinks } from "../core/body.js";
import type { ArchiveEvents } from "../members/splitter.js";
import { eventsFor, verifierSetup } from "../verify/index.js";
import { Verifier } from "../verify/verifier.js";
import type { Policy } from "../verify/policy.js";

export function verifyAlongside(policy: string | Policy, imaCerts: string[] | undefined) {
  const verifier = new Verifier({ ...verifierSetup({ policy, imaCerts }), onwarn: () => undefined });
  return {
    alongside: (events: ArchiveEvents) => alongside(events, verifier),
    refuseIfFailed: () => refuseIfFailed(verifier),
  };
}

/** Feeds the verifier the same events as the extraction, data included. */
function alongside(events: ArchiveEvents, verifier: Verifier): ArchiveEvents {
  const v = eventsFor(verifier);
  return {
    ...events,
    warn(w) {
      v.warn(w);
      events.warn(w);
    },
    entry: (e) => bothSinks(events.entry(e), v.entry(e)),
    metadata(target, xattrs, from) {
      v.metadata(target, xattrs, from);
      events.metadata?.(target, xattrs, from);
    },
    xattrListRead(paths, from) {
      v.xattrListRead(paths, from);
      events.xattrListRead?.(paths, from);
    },
    xattrList(paths, from) {
      v.xattrList(paths, from);
      events.xattrList?.(paths, from);
    },
    memberStart(m) {
      v.memberStart(m);
      events.memberStart?.(m);
    },
  };
}

function refuseIfFailed(verifier: Verifier): void {
  const done = verifier.finish();
  if (!done.errors) return;
  const errors = done.findings.filter((f) => f.severity === "error");
  const first = errors.slice(0, 3).map((f) => `${f.rule}${describeWhere({ entry: f.path ?? undefined, member: f.member ?? undefined, offset: f.offset ?? undefined })}: ${f.message}`);
  throw new CpioxError("CPIOX_VERIFY_FAILED", `${done.errors} policy violation(s): ${first.join("; ")}${done.errors > 3 ? "; ..." : ""}`);
}
