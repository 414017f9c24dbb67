/**
 * User-data controls against real user data: Bulwark's own host bundle (HOST's renderer, plain cloud-init, its
 * gzip+base64 form, and the loader EC2 receives) must pass; insecure scripts must fail however they are encoded.
 */
import { gzipSync } from "zlib";
import { renderBundle, renderCloudInit } from "../../components/host/render";
import { bundleObject, loaderTarget, renderLoaderUserData } from "../../components/host/loader";
import { HOST_OSES } from "../../components/host/model";
import { evaluate } from "../../policies/src/engine";
import { res, T } from "./fixtures";

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGvQ3b9v1oY8hV3kz1pXq0Q5l3mJ0v9n2v8c1d2e3f4g alice@example";
const model = (role: string) => ({
  role,
  admins: [{ name: "alice", sshKeys: [KEY] }],
  ssh: { managementSources: ["10.20.0.0/16"] },
  inbound: [{ port: 8080, sources: ["10.30.0.0/16"] }],
  ids: { manager: "wazuh.corp.internal", enrolmentSecretParameter: "/bulwark/wazuh/enrolment" },
  logs: { kind: "cloudwatch" },
  ...(role === "db" ? { mysql: { bindAddress: "10.20.1.10" } } : {}),
});
const USER_DATA_POLICIES = ["ec2-instance-disallow-secrets-in-user-data", "ec2-instance-disallow-ssh-password-auth"];
const verdict = (props: Record<string, unknown>) =>
  evaluate([res(T.instance, "vm", { ...props, subnetId: "subnet-1", associatePublicIpAddress: false })])
    .filter((f) => USER_DATA_POLICIES.includes(f.policy))
    .map((f) => f.policy);

describe.each(HOST_OSES.map((os) => [os]))("Bulwark's host bundle on %s passes", (os) => {
  it.each([["app"], ["db"]])("role %s as plain cloud-init", (role) => {
    expect(verdict({ userData: renderCloudInit(renderBundle(model(role), os)) })).toEqual([]);
  });
  it("role app inline as gzip+base64 userDataBase64", () => {
    expect(
      verdict({
        userDataBase64: gzipSync(renderCloudInit(renderBundle(model("app"), os)), { level: 9 }).toString("base64"),
      }),
    ).toEqual([]);
  });
  it.each([["app"], ["db"]])("role %s: the loader EC2 receives (gzip+base64)", (role) => {
    const b = renderBundle(model(role), os);
    const ud = renderLoaderUserData(loaderTarget(bundleObject(b), "host-bundles-1", "eu-west-1"));
    expect(verdict({ userDataBase64: ud })).toEqual([]);
  });
});

describe("insecure user data is caught however it is encoded", () => {
  const script =
    "#!/bin/bash\necho 'PasswordAuthentication yes' >> /etc/ssh/sshd_config\nexport MYSQL_ROOT_PASSWORD=Sup3rSecret\n";
  it.each([
    ["plain", { userData: script }],
    ["base64", { userDataBase64: Buffer.from(script).toString("base64") }],
    ["gzip+base64", { userDataBase64: gzipSync(Buffer.from(script)).toString("base64") }],
  ])("%s", (_n, props) => {
    expect(verdict(props).sort()).toEqual([...USER_DATA_POLICIES].sort());
  });
  it("in a launch template (base64, gzip)", () => {
    const lt = res(T.lt, "lt", {
      userData: gzipSync(Buffer.from(script)).toString("base64"),
      metadataOptions: { httpTokens: "required" },
    });
    expect(
      evaluate([lt])
        .filter((f) => USER_DATA_POLICIES.includes(f.policy))
        .map((f) => f.policy)
        .sort(),
    ).toEqual([...USER_DATA_POLICIES].sort());
  });
});
