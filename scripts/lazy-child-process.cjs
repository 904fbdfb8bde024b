// Bundled in place of `child_process` for commander (scripts/bundle.mjs): the module is required
// on the first property access, i.e. never in a normal run.
module.exports = new Proxy({}, { get: (_, key) => require('node:child_process')[key] });
