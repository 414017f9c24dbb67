/**
 * Servers of one site with the same role, OS and rules boot the same host bundle: render it once. Rendering (shell
 * stripping, YAML, gzip) was most of a 1,000-server plan. The key is everything the renderer reads except the
 * server's name, which the bundle does not contain.
 */
import type { ServerConfig, SiteConfig } from "../config";

type Renderer<U> = (
  site: SiteConfig,
  server: ServerConfig | { name: string; role: "bastion"; os: ServerConfig["os"] },
) => U;

export function memoRenderer<U>(render: Renderer<U>): Renderer<U> {
  const cache = new Map<string, U>();
  return (site, server) => {
    const { name: _name, ...rest } = server;
    const key = JSON.stringify([site.name, site.cidr, rest]);
    let u = cache.get(key);
    if (u === undefined) {
      u = render(site, server);
      cache.set(key, u);
    }
    return u;
  };
}
