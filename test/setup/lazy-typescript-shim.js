/** jest's stand-in for @pulumi/pulumi's typescript-shim: typescript loads on first use (cli/lazy-sdk.js). */
const { lazyExports } = require("../../cli/lazy-sdk.js");

module.exports = lazyExports(() => require("@pulumi/pulumi/typescript-shim.js"));
