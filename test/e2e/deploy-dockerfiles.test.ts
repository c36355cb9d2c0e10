// Dockerfile.registry and Dockerfile.runner, read by a small parser (no hadolint or Docker here):
// pinned base, non-root user, production-only final stage, and the runtime contract of the services.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import {
  REPO,
  deployCommands,
  execForm,
  keyValues,
  parseDockerfile,
  shellCommands,
  type DockerStage,
  type Dockerfile,
} from './deploy-support.js';

interface ImageSpec {
  file: string;
  port: number;
  /** Workspace package the image runs, and where its production folder lands. */
  packages: { name: string; dir: string; dest: string }[];
  writable: string[];
}

const IMAGES: ImageSpec[] = [
  {
    file: 'Dockerfile.registry',
    port: 8080,
    packages: [
      { name: '@annex/registry', dir: 'services/registry', dest: '/app' },
      { name: '@annex/cli', dir: 'packages/cli', dest: '/opt/annex/cli' },
    ],
    writable: ['/var/lib/annex'],
  },
  {
    file: 'Dockerfile.runner',
    port: 8081,
    packages: [{ name: '@annex/runner', dir: 'services/runner', dest: '/app' }],
    writable: ['/var/lib/annex', '/var/cache/annex'],
  },
];

const rootPackage = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
  packageManager: string;
};

function only(stage: DockerStage, op: string) {
  return stage.instructions.filter((i) => i.op === op);
}

/** An exact release (x.y.z) or a digest; never `latest`, a bare major or no tag at all. */
function isPinned(image: string): boolean {
  if (/@sha256:[a-f0-9]{64}$/.test(image)) return true;
  const tag = /^[^@]+:([^/:@]+)$/.exec(image)?.[1];
  return tag !== undefined && /^v?\d+\.\d+\.\d+(-[a-z0-9.-]+)?$/.test(tag);
}

for (const image of IMAGES) {
  const text = readFileSync(join(REPO, image.file), 'utf8');
  const dockerfile: Dockerfile = parseDockerfile(text);
  const stages = dockerfile.stages;
  const final = stages[stages.length - 1]!;
  const stageNames = new Set(stages.map((s) => s.name).filter(Boolean));

  t.test(`${image.file}: multi-stage on a pinned Node 24 slim base`, async (t) => {
    t.ok(stages.length >= 2, 'a build stage and a runtime stage');
    for (const stage of stages) {
      if (stageNames.has(stage.from)) continue;
      t.ok(
        isPinned(stage.from),
        `${stage.name ?? 'stage'}: ${stage.from} is pinned (exact version or digest)`,
      );
      t.match(
        stage.from,
        /^node:24\.\d+\.\d+-(bookworm|trixie)-slim(@sha256:[a-f0-9]{64})?$/,
        `${stage.name ?? 'stage'}: Node 24 LTS on Debian slim`,
      );
    }
    t.equal(final.from, stages[0]!.from, 'build and runtime stages share the base (same platform packages)');
    const pnpmVersion = /pnpm@([0-9.]+)/.exec(rootPackage.packageManager)?.[1];
    const install = shellCommands(stages[0]!).find((c) => /npm install .*pnpm@/.test(c));
    t.ok(install, 'the build stage installs pnpm');
    t.ok(
      install?.includes(`pnpm@${pnpmVersion}`),
      `pnpm ${pnpmVersion}, as package.json "packageManager" says`,
    );
  });

  t.test(`${image.file}: the final stage runs as a non-root numeric user`, async (t) => {
    const users = only(final, 'USER');
    t.ok(users.length > 0, 'USER is set');
    const user = users[users.length - 1]!.args.trim();
    const [uid, gid] = user.split(':');
    t.match(uid, /^[0-9]+$/, 'numeric uid (Kubernetes can check runAsNonRoot)');
    t.not(Number(uid), 0, 'uid is not root');
    if (gid !== undefined) t.not(Number(gid), 0, 'gid is not root');
    const lastUserAt = final.instructions.lastIndexOf(users[users.length - 1]!);
    const later = final.instructions.slice(lastUserAt + 1).filter((i) => i.op === 'RUN' || i.op === 'COPY');
    t.same(later, [], 'nothing runs or is copied as another user after it');
    // The podSecurityContext of the chart uses the same user.
    t.equal(uid, '1000', 'uid 1000, as the chart runs it');
  });

  t.test(`${image.file}: the final stage holds production dependencies only`, async (t) => {
    const copies = only(final, 'COPY');
    t.ok(copies.length > 0, 'the final stage copies the program in');
    const buildStages = new Map(stages.slice(0, -1).map((s) => [s.name!, s]));
    for (const copy of copies) {
      const from = /--from=(\S+)/.exec(copy.args)?.[1];
      t.ok(
        from && buildStages.has(from),
        `line ${copy.line}: copies from a build stage, never the build context`,
      );
      const [source, dest] = copy.args
        .split(/\s+/)
        .filter((w) => !w.startsWith('--'))
        .slice(-2) as [string, string];
      const buildStage = from === undefined ? undefined : buildStages.get(from);
      const deployed = buildStage && deployCommands(buildStage).find((d) => d.out === source);
      t.ok(deployed, `line ${copy.line}: ${source} is the output of a pnpm deploy`);
      t.ok(deployed?.flags.includes('--prod'), `${source}: deployed with --prod (no devDependencies)`);
      const spec = image.packages.find((p) => p.dest === dest);
      t.ok(spec, `${dest} is an expected destination`);
      t.equal(deployed?.filter, spec?.name, `${dest} holds ${spec?.name}`);
    }
    t.same(
      image.packages.map((p) => p.dest).filter((d) => !copies.some((c) => c.args.trim().endsWith(` ${d}`))),
      [],
      'every program of the image is copied',
    );
    for (const command of shellCommands(final)) {
      t.notMatch(
        command,
        /\b(pnpm|npm|yarn)\s+(install|ci|add|i)\b/,
        `no package installs in the final stage: ${command}`,
      );
    }
    t.equal(
      keyValues(
        only(final, 'ENV')
          .map((e) => e.args)
          .join(' '),
      ).get('NODE_ENV'),
      'production',
    );
  });

  t.test(`${image.file}: the build stage compiles from the lockfile`, async (t) => {
    const commands = shellCommands(stages[0]!);
    t.ok(
      commands.some((c) => /^pnpm install\b/.test(c) && c.includes('--frozen-lockfile')),
      'pnpm install --frozen-lockfile',
    );
    t.ok(
      commands.some((c) => /^pnpm (run )?build\b/.test(c) || /tsc -b/.test(c)),
      'the workspace is compiled in the image',
    );
    for (const spec of image.packages) {
      const deploy = deployCommands(stages[0]!).find((d) => d.filter === spec.name);
      t.ok(deploy, `${spec.name} is deployed`);
      t.ok(deploy?.flags.includes('--offline'), `${spec.name}: from the fetched store only`);
    }
  });

  t.test(`${image.file}: runtime contract (port, probes, signals, labels, writable paths)`, async (t) => {
    const env = keyValues(
      only(final, 'ENV')
        .map((e) => e.args)
        .join(' '),
    );
    t.equal(env.get('PORT'), String(image.port), 'PORT');
    t.same(
      only(final, 'EXPOSE').map((e) => e.args.trim()),
      [String(image.port)],
      'EXPOSE the service port',
    );
    t.same(
      only(final, 'STOPSIGNAL').map((e) => e.args.trim()),
      ['SIGTERM'],
      'STOPSIGNAL SIGTERM (graceful shutdown)',
    );
    const healthchecks = only(final, 'HEALTHCHECK');
    t.equal(healthchecks.length, 1, 'one HEALTHCHECK');
    const probe = execForm(healthchecks[0]!.args);
    t.equal(probe[0], 'node', 'probes with node (the slim image has no curl)');
    t.match(probe.join(' '), /\/healthz/, 'on /healthz');
    t.match(probe.join(' '), new RegExp(`process\\.env\\.PORT \\|\\| ${image.port}`), 'on PORT');
    const labels = keyValues(
      only(final, 'LABEL')
        .map((l) => l.args)
        .join(' '),
    );
    for (const label of ['title', 'description', 'version', 'revision', 'base.name']) {
      t.ok(labels.get(`org.opencontainers.image.${label}`), `label org.opencontainers.image.${label}`);
    }
    const cmd = execForm(only(final, 'CMD').at(-1)!.args);
    t.same(cmd, ['node', 'dist/main.js'], 'CMD runs the service');
    const workdir = only(final, 'WORKDIR').at(-1)?.args.trim();
    t.equal(workdir, '/app');
    const main = image.packages.find((p) => p.dest === workdir)!;
    t.ok(existsSync(join(REPO, main.dir, 'src/main.ts')), `${main.dir}/src/main.ts builds to dist/main.js`);
    const user = only(final, 'USER').at(-1)!.args.trim();
    const runs = shellCommands(final).join('\n');
    for (const dir of image.writable) {
      t.ok(
        runs.includes(dir) && new RegExp(`chown ${user}[^\\n]*${dir}`).test(runs),
        `${dir} exists and belongs to ${user} (works without volumes too)`,
      );
    }
    t.equal(env.get('DATA_DIR'), '/var/lib/annex', 'DATA_DIR as the chart mounts it');
    if (image.file === 'Dockerfile.runner') t.equal(env.get('RUNNER_CACHE_DIR'), '/var/cache/annex');
  });
}

t.test('.dockerignore keeps local installs, build outputs, data and credentials out', async (t) => {
  const patterns = readFileSync(join(REPO, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  for (const p of ['**/node_modules', '**/dist', '**/*.tsbuildinfo', '.git', '.annex', '**/.env']) {
    t.ok(patterns.includes(p), p);
  }
  for (const p of ['pnpm-lock.yaml', 'package.json', 'pnpm-workspace.yaml', '.npmrc', 'migrations']) {
    t.notOk(patterns.includes(p), `${p} stays in the context`);
  }
});

t.test('the registry image carries the CLI where the chart and compose call it', async (t) => {
  const job = readFileSync(join(REPO, 'deploy/helm/annex/templates/migration-job.yaml'), 'utf8');
  const compose = readFileSync(join(REPO, 'deploy/compose.yaml'), 'utf8');
  const text = readFileSync(join(REPO, 'Dockerfile.registry'), 'utf8');
  t.match(job, /"\/opt\/annex\/cli\/bin\/annex\.js", "migrate"/);
  t.match(compose, /'\/opt\/annex\/cli\/bin\/annex\.js', 'migrate'/);
  t.match(text, /COPY --from=build \/out\/cli \/opt\/annex\/cli/);
  t.ok(existsSync(join(REPO, 'packages/cli/bin/annex.js')), 'bin/annex.js is the CLI entry');
});
