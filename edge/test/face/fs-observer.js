// Preloaded (node --require) into the privacy test's child process and, through execArgv, into
// its worker threads: reports every file-system call that could write, on stderr, without
// changing behaviour.
'use strict';
const fs = require('node:fs');
const { isMainThread } = require('node:worker_threads');

const who = isMainThread ? 'main' : 'worker';
process.stderr.write(`FSOBSERVER ${who}\n`);
const report = (fn, target) => process.stderr.write(`FSWRITE ${who} ${fn} ${String(target)}\n`);
const writes = (flags) =>
  typeof flags === 'number'
    ? (flags & (fs.constants.O_WRONLY | fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_APPEND)) !== 0
    : typeof flags === 'string' && /[wa+]/.test(flags);

const always = ['writeFile', 'writeFileSync', 'appendFile', 'appendFileSync', 'createWriteStream', 'mkdir', 'mkdirSync',
  'mkdtemp', 'mkdtempSync', 'rename', 'renameSync', 'copyFile', 'copyFileSync', 'symlink', 'symlinkSync', 'link', 'linkSync'];
for (const fn of always) {
  const orig = fs[fn];
  fs[fn] = function (target, ...rest) { report(fn, target); return orig.call(this, target, ...rest); };
}
for (const fn of ['open', 'openSync']) {
  const orig = fs[fn];
  fs[fn] = function (target, flags, ...rest) { if (writes(flags)) report(fn, target); return orig.call(this, target, flags, ...rest); };
}
for (const fn of ['writeFile', 'appendFile', 'mkdir', 'mkdtemp', 'rename', 'copyFile']) {
  const orig = fs.promises[fn];
  fs.promises[fn] = function (target, ...rest) { report(`promises.${fn}`, target); return orig.call(this, target, ...rest); };
}
{
  const orig = fs.promises.open;
  fs.promises.open = function (target, flags, ...rest) { if (writes(flags)) report('promises.open', target); return orig.call(this, target, flags, ...rest); };
}
