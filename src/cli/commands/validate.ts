import { defineCommand } from '../command.js';
import { EXIT } from '../io.js';
import { formatDiagnostic } from '../../policy/diagnostics.js';
import { loadResources } from '../../policy/load.js';
import { buildInventory } from '../../inventory/build.js';
import { hostPathDiagnostics } from '../../engine/index.js';
import { currentView } from '../../policy/views.js';

export default defineCommand({
  command: 'validate',
  describe: 'Check policy and inventory files; list every problem with file, line, column and field path',
  builder: (y) =>
    y
      .option('policies', { type: 'string', array: true, demandOption: true, describe: 'Files or folders to check' })
      .option('json', { type: 'boolean', default: false, describe: 'Print the diagnostics as JSON' }),
  examples: [
    ['$0 validate --policies policies/', 'Every error and warning, exit 1 on any error'],
    ['$0 validate --policies change.yaml --json', 'Machine-readable diagnostics'],
  ],
  async run(args, io) {
    const loaded = await loadResources(args.policies);
    const inventory = buildInventory(loaded.inventory);
    // Host endpoints among the files: say which of their paths the policies act on that a replay leaves out.
    const diagnostics = [...loaded.diagnostics, ...inventory.diagnostics, ...hostPathDiagnostics(currentView(loaded.policySet), inventory)];
    const errors = diagnostics.filter((d) => d.severity === 'error').length;
    if (args.json) io.stdout.write(`${JSON.stringify(diagnostics, null, 2)}\n`);
    else for (const d of diagnostics) io.stdout.write(`${formatDiagnostic(d)}\n`);
    const set = loaded.policySet;
    io.stderr.write(
      `${set.policies.length} policies, ${set.networkSets.length} network sets, ${set.felix.length} Felix configurations (FelixConfiguration, calico-node environment), ${set.profiles.size} profiles, ${loaded.inventory.length} inventory resources: ` +
        `${errors} errors, ${diagnostics.length - errors} warnings\n`,
    );
    return errors > 0 ? EXIT.input : EXIT.ok;
  },
});
