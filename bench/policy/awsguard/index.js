// @pulumi/awsguard with every policy mandatory, as its README shows.
const { AwsGuard } = require("@pulumi/awsguard");

new AwsGuard({ all: "mandatory" });
