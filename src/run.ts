import path from 'node:path';
import { readFileSync } from 'node:fs';
import { loadCatalog } from './catalog/load.js';
import { findUnit } from './catalog/query.js';
import { DIMENSIONS } from './catalog/types.js';
import { EXIT, type ExitCode } from './errors.js';
import { checkSwallowedFlags, parseArgs } from './options/flags.js';
import { decideInteractive } from './options/interactive.js';
import { inquirerPrompter, type Prompter } from './options/prompter.js';
import { resolveConfig } from './options/resolve.js';
import type { PackageManager, ResolvedConfig } from './options/types.js';
import { initGit, installDependencies } from './post/steps.js';
import type { Runner } from './post/runner.js';
import { PACKAGE_ROOT } from './paths.js';
import { renderProject } from './render/render.js';
import { listing, printList, printSummary, type Out, type Summary } from './ui/output.js';
import { detectPackageManager, installCommand, runCommand } from './ui/pm.js';
import { checkTarget } from './write/target.js';
import { writeProject, type WriterFs } from './write/write.js';

export interface Deps {
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdinIsTTY: boolean;
  stdoutIsTTY: boolean;
  runner: Runner;
  prompter?: Prompter;
  fs?: WriterFs;
  catalogRoot?: string;
}

export const VERSION: string = (JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function nextSteps(config: ResolvedConfig, cwd: string, pm: PackageManager, installed: boolean, deploy: string[]): string[] {
  const rel = path.relative(cwd, config.targetDir);
  return [
    ...(rel === '' ? [] : [`cd ${shellQuote(rel)}`]),
    ...(installed ? [] : [installCommand(pm).join(' ')]),
    runCommand(pm, 'test'),
    runCommand(pm, 'build'),
    ...deploy,
  ];
}

/**
 * The create command as numbered steps. Returns the result for --json; throws CliError for
 * every expected failure. Only cli.ts turns either into output and an exit code.
 */
export async function run(argv: string[], deps: Deps, out: Out, setMode: (m: { json: boolean; debug: boolean; color: boolean }) => void): Promise<{ code: ExitCode; json?: object }> {
  // 1. Flags, against the catalog (its ids feed --help).
  const catalog = loadCatalog(deps.catalogRoot);
  const parsed = parseArgs(argv, catalog, VERSION, { out: out.stdout });
  if (parsed.kind === 'printed') return { code: EXIT.ok };
  const { answers, flags } = parsed;
  setMode({ json: flags.json, debug: flags.debug, color: flags.color });
  checkSwallowedFlags(deps.env, answers, flags);

  // 2. --list needs nothing else.
  if (flags.list) {
    if (flags.json) return { code: EXIT.ok, json: listing(catalog) };
    printList(out, catalog);
    return { code: EXIT.ok };
  }

  // 3. Resolve: check what was given, then ask or default what is missing.
  const interactive = decideInteractive(flags, deps.env, { stdinIsTTY: deps.stdinIsTTY, stdoutIsTTY: deps.stdoutIsTTY });
  const config = await resolveConfig(
    { catalog, cwd: deps.cwd, interactive, yes: flags.yes, prompter: deps.prompter ?? inquirerPrompter() },
    answers,
  );

  // 4. Render the whole project in memory, then check the target: nothing is written before both pass.
  const files = renderProject(catalog, config, VERSION);
  const target = await checkTarget(config.targetDir, config.directory, files.map((f) => f.path), flags.force);

  // 5. Write atomically, then the optional git and install steps.
  const pm = (flags.packageManager as PackageManager | undefined) ?? detectPackageManager(deps.env);
  const warnings: string[] = [];
  if (!flags.dryRun) {
    await writeProject(config.targetDir, files, deps.fs);
    if (flags.git) await initGit(deps.runner, config.targetDir, flags.json, warnings);
    if (flags.install) await installDependencies(deps.runner, config.targetDir, pm, flags.json);
  }

  // 6. Report.
  const summary: Summary = {
    dryRun: flags.dryRun,
    directory: config.directory,
    targetDir: config.targetDir,
    combination: DIMENSIONS.map((d) => config[d]).join(' · '),
    files: files.map((f) => f.path),
    replaced: target.replaced,
    nextSteps: nextSteps(config, deps.cwd, pm, flags.install && !flags.dryRun, findUnit(catalog, 'iac', config.iac)?.deploy ?? []),
    warnings,
  };
  if (flags.json) {
    const { targetDir, directory, name, pattern, trigger, store, iac, runtime, stackName } = config;
    return {
      code: EXIT.ok,
      json: { ok: true, dryRun: flags.dryRun, directory, targetDir, config: { name, pattern, trigger, store, iac, runtime, stackName }, files: summary.files, replaced: target.replaced, nextSteps: summary.nextSteps, warnings },
    };
  }
  printSummary(out, summary);
  return { code: EXIT.ok };
}
