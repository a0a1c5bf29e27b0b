import { execFileSync } from 'node:child_process';

/** Golden tests run the real `bin/flowaudit`, which runs the compiled `dist/`: build it once per test run. */
export default function setup(): void {
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
}
