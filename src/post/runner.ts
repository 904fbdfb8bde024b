export interface RunResult {
  code: number;
  stderr: string;
}

/** Runs a command; `quietStdout` sends its stdout to our stderr so --json keeps stdout to one object. */
export type Runner = (command: string, args: string[], options: { cwd: string; quietStdout: boolean }) => Promise<RunResult>;

export const spawnRunner: Runner = async (command, args, { cwd, quietStdout }) => {
  // Loaded on first use: most runs spawn nothing, and child_process costs start-up time.
  const { spawn } = await import('node:child_process');
  return new Promise((resolve) => {
    let stderr = '';
    const child = spawn(command, args, {
      cwd,
      stdio: ['ignore', quietStdout ? 'pipe' : 'inherit', 'pipe'],
      shell: process.platform === 'win32',
    });
    child.stdout?.on('data', (chunk: Buffer) => process.stderr.write(chunk));
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      process.stderr.write(chunk);
    });
    child.on('error', (error) => resolve({ code: 127, stderr: error.message }));
    child.on('close', (code) => resolve({ code: code ?? 1, stderr }));
  });
};
