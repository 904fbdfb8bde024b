// Bundled in place of chalk's `#supports-color` (scripts/bundle.mjs): the CLI never uses chalk's
// detection (src/ui/color.ts passes an explicit level), so it need not load node:tty at start-up.
export default { stdout: false, stderr: false };
