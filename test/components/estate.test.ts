import { parseStackConfig } from "../../components/config";
import { APP_PORT, DB_PORT, buildEstate, userDataArgs } from "../../components/estate";
import * as pulumi from "@pulumi/pulumi";
import { smallConfig } from "./fixtures/estate";
import { T, record } from "./harness";

describe("buildEstate", () => {
  test("the user-data seam gives each server its own bundle, as text or base64", async () => {
    const cfg = parseStackConfig(smallConfig());
    const r = await record(() =>
      buildEstate(cfg, {
        userData: (site, server) =>
          server.role === "db"
            ? { base64: Buffer.from(`db ${site.name}`).toString("base64") }
            : `#cloud-config\n# ${site.name}/${server.name} ${server.role}\n`,
      }),
    );
    const instances = r.ofType(T.instance);
    expect(instances).toHaveLength(4);
    for (const i of instances) {
      const tags = i.inputs.tags as Record<string, string>;
      if (tags["bulwark:role"] === "db") {
        expect(Buffer.from(String(i.inputs.userDataBase64), "base64").toString()).toBe(`db ${tags["bulwark:site"]}`);
        expect(i.inputs.userData).toBeUndefined();
      } else {
        expect(i.inputs.userData).toBe(
          `#cloud-config\n# ${tags["bulwark:site"]}/${i.name.slice(tags["bulwark:site"].length + 1)} ` +
            `${tags["bulwark:role"]}\n`,
        );
      }
    }
  });

  test(
    "tiers: web ports from the site only, web -> app on the app port, " + "app -> db on the db port, nothing else",
    async () => {
      const cfg = parseStackConfig(smallConfig());
      const r = await record(() => buildEstate(cfg));
      const sg = (name: string) => r.one(T.sg, name).urn;
      const ingress = r.ofType(T.ingress).filter((x) => x.name.startsWith("hq-") && !x.name.startsWith("hq-endpoints"));
      const describe = ingress.map((x) => [
        x.name.split("-in-")[0],
        x.inputs.fromPort,
        x.inputs.cidrIpv4 ?? (x.propertyDependencies.referencedSecurityGroupId ?? [])[0],
      ]);
      expect(describe).toEqual(
        expect.arrayContaining([
          ["hq-web", 80, "10.10.0.0/16"],
          ["hq-web", 443, "10.10.0.0/16"],
          ["hq-app", APP_PORT, sg("hq-web")],
          ["hq-db", DB_PORT, sg("hq-app")],
        ]),
      );
      expect(describe).toHaveLength(4);
      // Sites stay isolated: no rule in one site names another site's range or group.
      const branch = r.ofType(T.ingress).filter((x) => x.name.startsWith("branch-a-"));
      for (const x of branch) expect(String(x.inputs.cidrIpv4 ?? "10.20.")).toMatch(/^10\.20\./);
    },
  );

  test("userDataArgs never mistakes an Output for the base64 form", () => {
    expect(userDataArgs(pulumi.output("text"))).toHaveProperty("userData");
    expect(userDataArgs({ base64: "eA==" })).toEqual({ userDataBase64: "eA==" });
    expect(userDataArgs(undefined)).toEqual({});
  });
});
