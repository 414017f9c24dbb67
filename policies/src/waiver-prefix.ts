/** The waiver tag prefix, in a module without zod so the pack can look for waiver tags without loading it. */
export const WAIVER_TAG_PREFIX = "bulwark:waiver:";
