/*
 * Runs several CDK CLI commands through the CLI's own entry in ONE Node.js process, for test/ops/real-tools.test.ts:
 * a `cdk` process spends ~1.2 s of CPU compiling and initializing the CLI's 16 MB bundle before a command that,
 * against a synthesized assembly or as --help, takes a few milliseconds.
 *
 * Input (stdin, JSON): [{ "args": [...], "env": { ... } }], `env` set for that command only.
 * Output (stdout, JSON): { "answers": [{ "status", "stdout", "stderr" }] }, one per command, as a separate
 * `cdk <args>` process would give them. For each command the runner:
 *  - evaluates the CLI's bundle anew (the module its bin/cdk requires, found from aws-cdk's package.json "bin"):
 *    fresh module state, so no CLI state is carried from one command to the next (the bundle's yargs is one
 *    configured instance, its CliIoHost a singleton: with one instance, a second --help lists every alias
 *    twice). V8 reuses the code compiled by the first evaluation: ~0.25-0.45 s a command instead of ~1.2-1.5 s.
 *    What is not undone: process-wide patches each evaluation applies again (graceful-fs on fs, process.cwd),
 *    and ~25 MB of heap kept per instance: harmless for the file's dozen commands, not for hundreds;
 *  - calls its cli(args) (what bin/cdk calls) with process.argv as the bin would see it, and captures the
 *    command's writes to process.stdout/stderr;
 *  - takes its status as its process would exit: the code passed to process.exit (yargs exits after --help and
 *    --version; here process.exit throws, which stops the command there, and nothing after it is kept), else
 *    process.exitCode (cli() sets it), else 0;
 *  - prints Node.js process warnings as Node.js prints the first one of a process (the child runs with
 *    --no-warnings: Node.js would print its "--trace-warnings" hint for the first command only);
 *  - restores process.env, the cwd and the process listeners the command added.
 * cli() returns nothing; the command is over when its chain exec(args).then().catch().finally() settles: the
 * runner keeps the last promise .finally() returns while cli() runs (cli() builds that chain synchronously).
 * When this CLI's entry is not what the runner expects (a future aws-cdk), it prints `unsupported: <why>` on stderr
 * and exits 3: the caller then runs one process per command. test/ops/real-tools.test.ts compares the answers with
 * those of separate processes.
 */
'use strict';
const { readFileSync } = require('node:fs');
const { createRequire, wrap } = require('node:module');
const { basename, dirname, join } = require('node:path');
const { Script } = require('node:vm');

// The runner's own exit and stderr: while a command runs, process.exit and process.stderr.write are the command's
// (caught and captured), and a runner failure must still end the batch and reach the caller.
const exitBatch = process.exit.bind(process);
const writeBatchError = process.stderr.write.bind(process.stderr);

const UNSUPPORTED = 3;
function unsupported(why) {
  writeBatchError(`unsupported: ${why}\n`);
  exitBatch(UNSUPPORTED);
}

/** A failure of the runner itself (not of a command): the stack on the batch's stderr, exit 1. */
function fail(error) {
  writeBatchError(`${error && error.stack ? error.stack : error}\n`);
  exitBatch(1);
}

/** The CLI's bin script and the module it loads, from the installed package (as `npx cdk` finds it). */
function locateCli() {
  const pkgPath = require.resolve('aws-cdk/package.json', { paths: [process.cwd()] });
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8'));
  const bin = typeof pkg.bin === 'string' ? pkg.bin : pkg.bin && pkg.bin.cdk;
  if (!bin) unsupported(`${pkgPath} has no "bin" cdk`);
  const binPath = join(dirname(pkgPath), bin);
  const source = readFileSync(binPath, 'utf8');
  // bin/cdk: `const { cli } = require("../lib"); cli();`
  const entry = /const\s*\{\s*cli\s*\}\s*=\s*require\((["'])([^"']+)\1\);?\s*\n\s*cli\(\);?\s*$/.exec(source);
  if (!entry) unsupported(`${binPath} no longer is \`const { cli } = require(<lib>); cli();\``);
  const libPath = createRequire(binPath).resolve(entry[2]);
  return { binPath, libPath, script: new Script(wrap(readFileSync(libPath, 'utf8')), { filename: libPath }) };
}

/** A fresh instance of the CLI's module, as require() would load it (V8 keeps the code compiled once). */
function instantiate({ libPath, script }) {
  const module = { exports: {}, filename: libPath, id: libPath, loaded: false, children: [], paths: [] };
  const load = script.runInThisContext();
  load.call(module.exports, module.exports, createRequire(libPath), module, libPath, dirname(libPath));
  if (typeof module.exports.cli !== 'function') unsupported(`${libPath} exports no cli()`);
  return module.exports;
}

/** Thrown by process.exit inside a command: the command stops there, as its process would. */
class Exit {
  constructor(code) {
    this.code = code;
  }
}

/** Node.js's own format of a process warning (lib/internal/process/warning.js), with the hint it adds once. */
function printWarning(warning) {
  if (!(warning instanceof Error)) return;
  const flag = warning.name === 'DeprecationWarning' ? '--trace-deprecation' : '--trace-warnings';
  const detail = typeof warning.detail === 'string' ? `\n${warning.detail}` : '';
  const code = warning.code ? `[${warning.code}] ` : '';
  const hint = `(Use \`${basename(process.argv0 || 'node', '.exe')} ${flag} ...\` to show where the warning was created)`;
  process.stderr.write(`(${process.release.name}:${process.pid}) ${code}${warning.toString()}${detail}\n${hint}\n`);
}

const EVENTS = ['exit', 'beforeExit', 'SIGINT', 'SIGTERM', 'uncaughtException', 'unhandledRejection', 'warning'];

async function run({ binPath, libPath, script }, args, env) {
  const saved = { env: { ...process.env }, argv: process.argv, cwd: process.cwd() };
  const listeners = new Map(EVENTS.map((event) => [event, process.listeners(event)]));
  const { stdout: out, stderr: err } = process;
  const writes = { stdout: out.write, stderr: err.write };
  const exit = process.exit;
  const finallyOf = Promise.prototype.finally;
  Object.assign(process.env, env);
  process.argv = [process.execPath, binPath, ...args];
  let stdout = '';
  let stderr = '';
  let exited;
  const capture = (append) => function write(chunk, encoding, callback) {
    if (exited === undefined) append(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
    const done = typeof encoding === 'function' ? encoding : callback;
    if (done) process.nextTick(done);
    return true;
  };
  out.write = capture((s) => (stdout += s));
  err.write = capture((s) => (stderr += s));
  process.exit = (code) => {
    if (exited === undefined) exited = code ?? process.exitCode ?? 0;
    throw new Exit(exited);
  };
  process.exitCode = undefined;
  const chains = [];
  try {
    const lib = instantiate({ libPath, script });
    Promise.prototype.finally = function (...handlers) {
      const chain = finallyOf.apply(this, handlers);
      chains.push(chain);
      return chain;
    };
    try {
      lib.cli(args);
    } finally {
      Promise.prototype.finally = finallyOf;
    }
  } catch (error) {
    if (!(error instanceof Exit)) throw error;
  }
  if (chains.length === 0 && exited === undefined) unsupported('cli() no longer ends in a promise chain');
  await chains.at(-1)?.catch(() => undefined);
  // What a process would still print before it exits (warnings are emitted on the next tick).
  await new Promise((resolve) => setImmediate(resolve));
  out.write = writes.stdout;
  err.write = writes.stderr;
  process.exit = exit;
  const status = exited ?? process.exitCode ?? 0;
  process.exitCode = undefined;
  for (const event of EVENTS) {
    for (const listener of process.listeners(event)) {
      if (!listeners.get(event).includes(listener)) process.removeListener(event, listener);
    }
  }
  for (const key of Object.keys(process.env)) if (!(key in saved.env)) delete process.env[key];
  Object.assign(process.env, saved.env);
  process.argv = saved.argv;
  process.chdir(saved.cwd);
  return { status: typeof status === 'number' ? status : 1, stdout, stderr };
}

async function main() {
  const commands = JSON.parse(readFileSync(0, 'utf8'));
  const cli = locateCli();
  process.setSourceMapsEnabled(true); // as bin/cdk does
  process.on('warning', printWarning);
  // A process.exit from a callback of a command (off its promise chain) ends that command too.
  process.on('uncaughtException', (error) => {
    if (!(error instanceof Exit)) fail(error);
  });
  const answers = [];
  for (const { args, env = {} } of commands) answers.push(await run(cli, args, env));
  process.stdout.write(JSON.stringify({ answers }));
}

main().catch(fail);
