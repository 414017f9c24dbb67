#!/usr/bin/env python3
# Bulwark bundle loader (EC2 user data). Fetches the host bundle from S3 with the instance role (IMDSv2,
# SigV4), refuses it unless its sha256 is the one pinned in the user data, then extracts it and runs
# apply and verify. Standard library only: cloud-init is Python 3, so python3 is always there.
# Usage: loader.py '{"bucket":..,"key":..,"region":..,"sha256":..}'  (extra keys exist for tests only,
# and only as rendered into the user data: nothing is read from the environment).
import hashlib, hmac, json, os, subprocess, sys, tempfile, time
import urllib.error, urllib.parse, urllib.request
from http.client import HTTPException

EMPTY = hashlib.sha256(b"").hexdigest()


def _h(k, m):
    return hmac.new(k, m.encode(), hashlib.sha256).digest()


def sign(method, host, path, headers, region, akid, skey, amzdate, payload=EMPTY):
    """SigV4 Authorization value for an S3 request without a query string (headers: lower-case names)."""
    hs = dict(headers, host=host)
    hs["x-amz-date"] = amzdate
    hs["x-amz-content-sha256"] = payload
    names = sorted(hs)
    signed = ";".join(names)
    canon = "\n".join([method, urllib.parse.quote(path, safe="/-_.~"), "",
                       "".join(n + ":" + str(hs[n]).strip() + "\n" for n in names), signed, payload])
    scope = amzdate[:8] + "/" + region + "/s3/aws4_request"
    sts = "\n".join(["AWS4-HMAC-SHA256", amzdate, scope, hashlib.sha256(canon.encode()).hexdigest()])
    k = _h(_h(_h(_h(("AWS4" + skey).encode(), amzdate[:8]), region), "s3"), "aws4_request")
    sig = hmac.new(k, sts.encode(), hashlib.sha256).hexdigest()
    return "AWS4-HMAC-SHA256 Credential=%s/%s,SignedHeaders=%s,Signature=%s" % (akid, scope, signed, sig)


def http(url, method="GET", headers=None):
    req = urllib.request.Request(url, method=method, headers=headers or {})
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.read()


def fetch(c):
    imds = c.get("imds", "http://169.254.169.254")
    t = http(imds + "/latest/api/token", "PUT", {"X-aws-ec2-metadata-token-ttl-seconds": "300"}).decode()
    md = {"X-aws-ec2-metadata-token": t}
    base = imds + "/latest/meta-data/iam/security-credentials/"
    role = http(base, headers=md).decode().split()[0]
    cr = json.loads(http(base + role, headers=md))
    if "endpoint" in c:  # tests: path-style on a loopback fake
        u = urllib.parse.urlsplit(c["endpoint"])
        host, path, scheme = u.netloc, "/" + c["bucket"] + "/" + c["key"], u.scheme
    else:
        host, path, scheme = "%s.s3.%s.amazonaws.com" % (c["bucket"], c["region"]), "/" + c["key"], "https"
    amzdate = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    hs = {"x-amz-security-token": cr["Token"]}
    auth = sign("GET", host, path, hs, c["region"], cr["AccessKeyId"], cr["SecretAccessKey"], amzdate)
    hs.update({"x-amz-date": amzdate, "x-amz-content-sha256": EMPTY, "Authorization": auth})
    return http(scheme + "://" + host + urllib.parse.quote(path, safe="/-_.~"), headers=hs)


def log(msg):
    print("bulwark-loader: " + msg, file=sys.stderr, flush=True)


def main():
    c = json.loads(sys.argv[1])
    dest = c.get("dest", "/opt/bulwark/bundle")
    deadline = time.monotonic() + c.get("deadline", 300)
    where = "s3://%s/%s" % (c["bucket"], c["key"])
    delay = c.get("retryDelay", 2)
    while True:
        try:
            body = fetch(c)
            break
        except (OSError, ValueError, KeyError, IndexError, HTTPException) as e:
            why = "HTTP %s" % e.code if isinstance(e, urllib.error.HTTPError) else repr(e)
            if time.monotonic() + delay > deadline:
                log("FAILED: cannot fetch %s: %s (gave up after retrying)" % (where, why))
                return 3
            log("fetch %s failed (%s); retrying in %gs" % (where, why, delay))
            time.sleep(delay)
            delay = min(delay * 2, 30)
    got = hashlib.sha256(body).hexdigest()
    if got != c["sha256"]:
        log("FAILED: %s has sha256 %s, the user data pins %s: refusing to run it" % (where, got, c["sha256"]))
        return 4
    log("fetched %s (%d bytes, sha256 %s)" % (where, len(body), got))
    with tempfile.NamedTemporaryFile(prefix="bulwark-bundle-", suffix=".sh") as f:
        f.write(body)
        f.flush()
        os.chmod(f.name, 0o600)
        rc = subprocess.run(["sh", f.name, dest]).returncode
    if rc != 0:
        log("FAILED: extracting the bundle into %s exited %d" % (dest, rc))
        return rc
    for step in ("apply", "verify"):
        rc = subprocess.run([os.path.join(dest, step)]).returncode
        if rc != 0:
            log("FAILED: %s exited %d" % (step, rc))
            return rc
    return 0


if __name__ == "__main__":
    sys.exit(main())
