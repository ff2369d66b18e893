import { userInfo } from 'node:os';
import { basename, dirname } from 'node:path';
import { stringify } from 'yaml';
import { formatConfigError } from '../../config/errors.ts';
import { loadConfig } from '../../config/load.ts';
import { siblingModule } from '../../primary/sibling-module.ts';
import { parseCommandArgs, usageError } from '../args.ts';
import { chooseNode, SYSTEM_PROBE } from '../export/choose-node.ts';
import { dnsLabel } from '../export/derive.ts';
import { kubernetesManifests } from '../export/kubernetes-manifests.ts';
import { systemdUnit } from '../export/systemd-unit.ts';
import { type CliIo, EXIT } from '../io.ts';

const HELP = `Usage: orchestrator export systemd [-c FILE] [--user NAME]
       orchestrator export kubernetes [-c FILE] --image IMAGE [--replicas N] [--name NAME]

Prints, for the same config \`up\` runs:
  systemd      a service unit running \`orchestrator up\` (Type=notify: ready once every group is ready;
               reload = SIGHUP; stop timeout covering the longest drain; restart on failure, with limits)
  kubernetes   a Deployment running \`orchestrator up\` in each pod, a Service for the ports the groups
               declare (env PORT or *_PORT), and a PodDisruptionBudget, as YAML

Options:
  -c, --config FILE    the config file (default: discovered in the current folder, as for up)
      --user NAME      (systemd) the user the service runs as (default: you, or SUDO_USER under sudo)
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
      user: { type: 'string' },
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
  if (target === 'kubernetes' && args.values.user !== undefined) {
    return usageError('export', '--user is for systemd', io).exitCode;
  }
  if (args.values.user !== undefined && !/^[A-Za-z0-9_][A-Za-z0-9_.-]*\$?$/.test(args.values.user)) {
    return usageError('export', `--user must be a user name, got '${args.values.user}'`, io).exitCode;
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
    const node = chooseNode(process.env.PATH ?? '', process.execPath, SYSTEM_PROBE);
    const user = args.values.user ?? invokingUser();
    io.stdout.write(
      systemdUnit(config, {
        configFile: file,
        node: node.node,
        cli: siblingModule(import.meta.url, '../main'),
        workingDirectory: dirname(file),
        user,
      }),
    );
    // On stderr, so `export systemd > app.service` still writes only the unit.
    const version = node.version === null ? '' : ` ${node.version}`;
    io.stderr.write(
      `orchestrator export: ExecStart runs ${node.node}${version} (${node.why}); User=${user}${args.values.user === undefined ? ' (you; --user NAME to change)' : ''}\n`,
    );
    if (node.warning !== null)
      io.stderr.write(`orchestrator export: warning: ${node.node}: ${node.warning}\n`);
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

/** Who ran the export: under sudo the user behind it, not root. */
function invokingUser(): string {
  const sudoUser = process.env.SUDO_USER;
  return sudoUser !== undefined && sudoUser !== '' ? sudoUser : userInfo().username;
}
