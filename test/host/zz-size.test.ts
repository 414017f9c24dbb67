import { renderBundle, renderUserDataBase64 } from "../../components/host/render";
const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJx0Bw5ZqZ0eZq6mD7m0Xo0vW2V0m7D1b3qj2cJ8ZkXg alice@laptop";
test("size", () => {
  for (const os of ["ubuntu-24.04", "debian-12", "amazonlinux-2023"] as const) {
    const m = { role: "web", admins: [{ name: "alice", sshKeys: [KEY] }], ssh: { managementSources: ["10.0.0.0/8"] }, inbound: [{ port: 443, sources: ["0.0.0.0/0"] }], ids: { manager: "wazuh.example.com", enrolmentSecretParameter: "/bulwark/wazuh" }, logs: { kind: "cloudwatch" } };
    console.log(os, Buffer.from(renderUserDataBase64(renderBundle(m, os)), "base64").length);
  }
});
