import { spawnSync } from 'node:child_process';

/**
 * Golden tests run the real `bin/flowaudit`, which runs the compiled `dist/`: build it once per test run.
 * tsc emits even when it reports type errors, so a type error fails `npm run typecheck` and the golden tests
 * that hit it, not every unit test.
 */
export default function setup(): void {
  const r = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { encoding: 'utf8' });
  if (r.status !== 0) process.stderr.write(`warning: tsc reported errors while building dist/:\n${r.stdout}${r.stderr}`);
}
