/**
 * A faster encoder for the analyzer's AnalyzeResponse that writes the very bytes google-protobuf writes.
 * google-protobuf's writer encodes every string one UTF-16 unit at a time into a JS array: serialising the 3,334
 * findings of a 10k-resource violation-heavy AnalyzeStack took ~40 ms plus the garbage. This one writes the same
 * fields, in the same order, with Buffer's native UTF-8. It declines (returns undefined, and the SDK's serialiser
 * runs) on anything it was not written for: a field it does not know, or any surrogate in a string.
 */

interface Message {
  toArray(): unknown[];
}
interface Diagnostic extends Message {
  getPolicyname(): string;
  getPolicypackname(): string;
  getPolicypackversion(): string;
  getDescription(): string;
  getMessage(): string;
  getEnforcementlevel(): number;
  getUrn(): string;
  getSeverity(): number;
}
interface NotApplicable extends Message {
  getPolicyName(): string;
  getReason(): string;
}
export interface AnalyzeResponseMessage extends Message {
  getDiagnosticsList(): Diagnostic[];
  getNotApplicableList(): NotApplicable[];
}

const SURROGATE = /[\ud800-\udfff]/;
// Wire tags, (field << 3) | wire type (2: length-delimited, 0: varint), as in pulumi/analyzer.proto.
const STRING = 2;
const VARINT = 0;
const tag = (field: number, wire: number) => (field << 3) | wire;

/** A message's fields in wire order: [tag, value]; strings empty and enums 0 are left out, as proto3 does. */
type Fields = (string | number)[];

function diagnosticFields(d: Diagnostic): Fields | undefined {
  // AnalyzeDiagnostic: 1-5 strings, 7 enforcement, 8 urn, 9 severity (index = field - 1; 6 is unused).
  const a = d.toArray();
  if (a.length > 9 || a[5] != null) return undefined;
  const out: Fields = [];
  const s = (field: number, v: string) => v.length && out.push(tag(field, STRING), v);
  const e = (field: number, v: number) => v !== 0 && out.push(tag(field, VARINT), v);
  s(1, d.getPolicyname());
  s(2, d.getPolicypackname());
  s(3, d.getPolicypackversion());
  s(4, d.getDescription());
  s(5, d.getMessage());
  e(7, d.getEnforcementlevel());
  s(8, d.getUrn());
  e(9, d.getSeverity());
  return out;
}

function notApplicableFields(n: NotApplicable): Fields | undefined {
  if (n.toArray().length > 2) return undefined;
  const out: Fields = [];
  if (n.getPolicyName().length) out.push(tag(1, STRING), n.getPolicyName());
  if (n.getReason().length) out.push(tag(2, STRING), n.getReason());
  return out;
}

const varintSize = (n: number) => (n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5);

function writeVarint(b: Buffer, o: number, n: number): number {
  while (n >= 0x80) {
    b[o++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  b[o++] = n;
  return o;
}

/** The encoded response, or undefined when this encoder does not know the message's shape. */
export function encodeAnalyzeResponse(resp: AnalyzeResponseMessage): Buffer | undefined {
  // AnalyzeResponse: 2 diagnostics, 3 not-applicable entries (field 1 is unused).
  const top = resp.toArray();
  if (top.length > 3 || top[0] != null) return undefined;
  const msgs: { field: number; fields: Fields; lens: number[]; size: number }[] = [];
  const add = (field: number, fields: Fields | undefined): boolean => {
    if (!fields) return false;
    const lens: number[] = [];
    let size = 0;
    for (let i = 0; i < fields.length; i += 2) {
      const v = fields[i + 1];
      if (typeof v === "string") {
        if (SURROGATE.test(v)) return false;
        const n = Buffer.byteLength(v, "utf8");
        lens.push(n);
        size += 1 + varintSize(n) + n;
      } else {
        if (!Number.isInteger(v) || v < 0 || v > 0x7fffffff) return false;
        size += 1 + varintSize(v);
      }
    }
    msgs.push({ field, fields, lens, size });
    return true;
  };
  for (const d of resp.getDiagnosticsList()) if (!add(2, diagnosticFields(d))) return undefined;
  for (const n of resp.getNotApplicableList()) if (!add(3, notApplicableFields(n))) return undefined;
  let total = 0;
  for (const m of msgs) total += 1 + varintSize(m.size) + m.size;
  const b = Buffer.allocUnsafe(total);
  let o = 0;
  for (const m of msgs) {
    b[o++] = tag(m.field, STRING);
    o = writeVarint(b, o, m.size);
    let li = 0;
    for (let i = 0; i < m.fields.length; i += 2) {
      b[o++] = m.fields[i] as number;
      const v = m.fields[i + 1];
      if (typeof v === "string") {
        o = writeVarint(b, o, m.lens[li]);
        o += b.write(v, o, m.lens[li++], "utf8");
      } else o = writeVarint(b, o, v);
    }
  }
  return o === total ? b : undefined;
}

interface MethodDefinition {
  responseSerialize(value: unknown): Buffer;
}
interface ResponseClasses {
  AnalyzeResponse: new () => AnalyzeResponseMessage & {
    setDiagnosticsList(l: unknown[]): void;
    setNotApplicableList(l: unknown[]): void;
    serializeBinary(): Uint8Array;
  };
  AnalyzeDiagnostic: new () => Diagnostic & Record<string, (v: unknown) => void>;
  PolicyNotApplicable: new () => NotApplicable & Record<string, (v: unknown) => void>;
}

/** Whether this encoder writes, for a sample holding every field, the bytes google-protobuf writes. */
function agrees(pb: ResponseClasses): boolean {
  const d = new pb.AnalyzeDiagnostic();
  d.setPolicyname("ec2-security-group-disallow-internet-admin-ingress");
  d.setPolicypackname("bulwark");
  d.setPolicypackversion("0.1.0");
  d.setDescription("Security groups must not allow … from the internet (é, ✓)".repeat(3));
  d.setMessage("x".repeat(300));
  d.setEnforcementlevel(1);
  d.setUrn("urn:pulumi:s::p::aws:ec2/securityGroup:SecurityGroup::web");
  d.setSeverity(4);
  const n = new pb.PolicyNotApplicable();
  n.setPolicyName("p");
  n.setReason("r");
  const r = new pb.AnalyzeResponse();
  r.setDiagnosticsList([d, new pb.AnalyzeDiagnostic()]);
  r.setNotApplicableList([n]);
  const ours = encodeAnalyzeResponse(r);
  return !!ours && ours.equals(Buffer.from(r.serializeBinary()));
}

/**
 * The analyzer service definition with Analyze and AnalyzeStack responses written by `encodeAnalyzeResponse`
 * (falling back to the SDK's serialiser per response, and for good if the encoder disagrees with google-protobuf on a
 * sample), or unchanged if the message classes cannot be loaded.
 */
export function withFasterResponses<S>(service: S, policySdkDir: string): S {
  const svc = service as unknown as Record<string, MethodDefinition>;
  let pb: ResponseClasses;
  try {
    // The message classes the SDK itself builds responses with.
    pb = require(require.resolve("@pulumi/pulumi/proto/analyzer_pb", { paths: [policySdkDir] }));
    if (!svc?.analyze?.responseSerialize || !svc?.analyzeStack?.responseSerialize) return service;
  } catch {
    return service;
  }
  // Checked on the first response, not at start (the engine waits for the port line).
  let ok: boolean | undefined;
  const sure = () => {
    try {
      return (ok ??= agrees(pb));
    } catch {
      return (ok = false);
    }
  };
  const wrap = (m: MethodDefinition): MethodDefinition => ({
    ...m,
    responseSerialize: (v: unknown) =>
      (v instanceof pb.AnalyzeResponse && sure() && encodeAnalyzeResponse(v)) || m.responseSerialize(v),
  });
  return { ...svc, analyze: wrap(svc.analyze), analyzeStack: wrap(svc.analyzeStack) } as unknown as S;
}
