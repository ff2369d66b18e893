import { basename, dirname } from 'node:path';
import { stringify } from 'yaml';
import { formatConfigError } from '../../config/errors.ts';
import { loadConfig } from '../../config/load.ts';
import { siblingModule } from '../../primary/sibling-module.ts';
import { parseCommandArgs, usageError } from '../args.ts';
import { dnsLabel } from '../export/derive.ts';
import { kubernetesManifests } from '../export/kubernetes-manifests.ts';
import { systemdUnit } from '../export/systemd-unit.ts';
import { type CliIo, EXIT } from '../io.ts';

const HELP = `Usage: orchestrator export systemd [-c FILE]
       orchestrator export kubernetes [-c FILE] --image IMAGE [--replicas N] [--name NAME]

Prints, for the same config \`up\` runs:
  systemd      a service unit running \`orchestrator up\` (Type=notify: ready once every group is ready;
               reload = SIGHUP; stop timeout covering the longest drain; restart on failure, with limits)
  kubernetes   a Deployment running \`orchestrator up\` in each pod, a Service for the ports the groups
               declare (env PORT or *_PORT), and a PodDisruptionBudget, as YAML

Options:
  -c, --config FILE    the config file (default: discovered in the current folder, as for up)
      --image IMAGE    (kubernetes) the container image; its working directory holds the config file
      --replicas N     (kubernetes) how many pods (default 2)
      --name NAME      (kubernetes) the objects' name (default: the config folder's name)
  -h, --help           show this help

Exit status: 0 printed, 1 invalid config, 2 usage error.
`;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const args = parseCommandArgs(
    'export',
    argv,
    {
      config: { type: 'string', short: 'c' },
      image: { type: 'string' },
      replicas: { type: 'string' },
      name: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    HELP,
    io,
    1,
  );
  if (!args.ok) return args.exitCode;
  const target = args.positionals[0];
  if (target !== 'systemd' && target !== 'kubernetes') {
    const message =
      target === undefined ? 'say what to export: systemd or kubernetes' : `unknown target '${target}'`;
    return usageError('export', message, io).exitCode;
  }
  const { image, replicas: rawReplicas, name: rawName } = args.values;
  if (target === 'systemd' && (image ?? rawReplicas ?? rawName) !== undefined) {
    return usageError('export', '--image, --replicas and --name are for kubernetes', io).exitCode;
  }
  if (target === 'kubernetes' && (image === undefined || image.trim() === '')) {
    return usageError('export', 'kubernetes needs --image IMAGE', io).exitCode;
  }
  const replicas = rawReplicas === undefined ? 2 : Number(rawReplicas);
  if (!Number.isInteger(replicas) || replicas < 1) {
    return usageError('export', `--replicas must be a whole number >= 1, got '${rawReplicas}'`, io).exitCode;
  }
  if (rawName !== undefined && dnsLabel(rawName) !== rawName) {
    return usageError('export', `--name must be lowercase letters, digits and '-', got '${rawName}'`, io)
      .exitCode;
  }

  const loaded = await loadConfig({ file: args.values.config, cwd: io.cwd });
  if (!loaded.ok) {
    for (const error of loaded.errors) io.stderr.write(`${formatConfigError(error)}\n`);
    return EXIT.failed;
  }
  const { config, file } = loaded;
  if (target === 'systemd') {
    io.stdout.write(
      systemdUnit(config, {
        configFile: file,
        node: process.execPath,
        cli: siblingModule(import.meta.url, '../main'),
        workingDirectory: dirname(file),
      }),
    );
    return EXIT.ok;
  }
  const manifests = kubernetesManifests(config, {
    name: rawName ?? dnsLabel(basename(dirname(file)), 63, 'orchestrator'),
    image: image ?? '',
    replicas,
    configFile: file,
  });
  io.stdout.write(
    manifests.map((manifest) => stringify(manifest, { aliasDuplicateObjects: false })).join('---\n'),
  );
  return EXIT.ok;
}
