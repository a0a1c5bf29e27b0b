import cliProgress from 'cli-progress';

/** Flow-count progress on stderr (only when it is a terminal): flows, flows/s, elapsed. */
export interface Progress {
  add(flows: number): void;
  stop(): void;
}

const NONE: Progress = { add() {}, stop() {} };

export function startProgress(stream: NodeJS.WritableStream, enabled: boolean, label: string): Progress {
  if (!enabled) return NONE;
  const started = Date.now();
  let count = 0;
  const bar = new cliProgress.SingleBar(
    {
      stream: stream as NodeJS.WriteStream,
      format: `${label} {value} flows | {rate} flows/s | {duration_formatted}`,
      hideCursor: true,
      fps: 5,
      noTTYOutput: false,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(0, 0, { rate: 0 });
  return {
    add(flows) {
      count += flows;
      const seconds = (Date.now() - started) / 1000;
      bar.update(count, { rate: seconds > 0 ? Math.round(count / seconds) : 0 });
    },
    stop() {
      bar.stop();
    },
  };
}
