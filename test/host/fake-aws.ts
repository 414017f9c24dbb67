/**
 * A fake IMDSv2 (token, role credentials) and a fake S3 that checks every request's SigV4 signature with its own
 * node implementation (independent of the loader's Python signer), serving given objects path-style.
 * Used in-process by loader.test.ts; run alone (e.g. inside a test's client network namespace) it listens on
 * `--host` and prints `{"imds": url, "s3": url}` on one line:
 *   node -r @swc-node/register test/host/fake-aws.ts --host 10.231.N.2 --region eu-west-1 /bucket/key=FILE ...
 * Loopback or test namespaces only; the credentials are fake.
 */
import { createHash, createHmac } from "crypto";
import * as fs from "fs";
import * as http from "http";
import type { AddressInfo } from "net";

export const FAKE = {
  akid: "ASIATESTLOADER000001",
  skey: "fakeSigningKeyForLoopbackTestsOnly0000001",
  session: "fake-session-for-loopback-tests",
  role: "bulwark-server",
};

/** SigV4 check written independently of the loader (node crypto): returns why a request is refused, or "". */
function sigv4Problem(req: http.IncomingMessage, region: string): string {
  const auth = String(req.headers.authorization ?? "");
  const m = new RegExp(
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request,/.source +
      /SignedHeaders=([a-z0-9;-]+),Signature=([0-9a-f]{64})$/.source,
  ).exec(auth);
  if (!m) return "no SigV4 Authorization";
  const [, akid, date, reg, signedHeaders, signature] = m;
  if (akid !== FAKE.akid || reg !== region) return "wrong credential scope";
  const names = signedHeaders.split(";");
  for (const need of ["host", "x-amz-content-sha256", "x-amz-date", "x-amz-security-token"])
    if (!names.includes(need)) return `${need} not signed`;
  if (req.headers["x-amz-security-token"] !== FAKE.session) return "wrong session token";
  const amzDate = String(req.headers["x-amz-date"]);
  if (!amzDate.startsWith(date)) return "date mismatch";
  const canonical = [
    req.method,
    req.url!.split("?")[0],
    "",
    names.map((n) => `${n}:${String(req.headers[n]).trim()}\n`).join(""),
    signedHeaders,
    String(req.headers["x-amz-content-sha256"]),
  ].join("\n");
  const scope = `${date}/${region}/s3/aws4_request`;
  const sts = ["AWS4-HMAC-SHA256", amzDate, scope, createHash("sha256").update(canonical).digest("hex")].join("\n");
  let k: Buffer = Buffer.from(`AWS4${FAKE.skey}`);
  for (const part of [date, region, "s3", "aws4_request"]) k = createHmac("sha256", k).update(part).digest();
  return createHmac("sha256", k).update(sts).digest("hex") === signature ? "" : "SignatureDoesNotMatch";
}

export interface Fakes {
  imds: string;
  s3: string;
  s3Requests: string[];
  close(): Promise<void>;
}

export async function startFakes(objects: Map<string, string>, region: string, host = "127.0.0.1"): Promise<Fakes> {
  const token = "imds-v2-session-abc";
  const s3Requests: string[] = [];
  const imds = http.createServer((req, res) => {
    if (req.method === "PUT" && req.url === "/latest/api/token" && req.headers["x-aws-ec2-metadata-token-ttl-seconds"])
      return void res.end(token);
    if (req.headers["x-aws-ec2-metadata-token"] !== token) return void res.writeHead(401).end(); // IMDSv1 refused
    const base = "/latest/meta-data/iam/security-credentials/";
    if (req.url === base) return void res.end(FAKE.role);
    if (req.url === base + FAKE.role)
      return void res.end(
        JSON.stringify({ Code: "Success", AccessKeyId: FAKE.akid, SecretAccessKey: FAKE.skey, Token: FAKE.session }),
      );
    res.writeHead(404).end();
  });
  const s3 = http.createServer((req, res) => {
    const problem = sigv4Problem(req, region);
    s3Requests.push(`${req.method} ${req.url} ${problem || "signed"}`);
    if (problem) return void res.writeHead(403).end(problem);
    const body = objects.get(req.url!);
    if (body === undefined) return void res.writeHead(404).end("NoSuchKey");
    res.end(body);
  });
  const listen = (s: http.Server) =>
    new Promise<string>((ok) => s.listen(0, host, () => ok(`http://${host}:${(s.address() as AddressInfo).port}`)));
  const [imdsUrl, s3Url] = [await listen(imds), await listen(s3)];
  return {
    imds: imdsUrl,
    s3: s3Url,
    s3Requests,
    close: () =>
      Promise.all([imds, s3].map((s) => new Promise<void>((ok) => s.close(() => ok())))).then(() => undefined),
  };
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const opt = (name: string, dflt: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args.splice(i, 2)[1] : dflt;
  };
  const host = opt("--host", "127.0.0.1");
  const region = opt("--region", "eu-west-1");
  const objects = new Map(
    args.map((a) => {
      const [key, file] = a.split("=");
      return [key, fs.readFileSync(file, "utf8")] as [string, string];
    }),
  );
  void startFakes(objects, region, host).then((f) =>
    process.stdout.write(`${JSON.stringify({ imds: f.imds, s3: f.s3 })}\n`),
  );
}
