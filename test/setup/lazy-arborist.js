/** jest's stand-in for @npmcli/arborist (required by @pulumi/pulumi): it loads on first use (cli/lazy-sdk.js). */
const path = require("node:path");
const { lazyExports } = require("../../cli/lazy-sdk.js");

const sdk = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
module.exports = lazyExports(() => require(require.resolve("@npmcli/arborist", { paths: [sdk] })), { esModule: true });
