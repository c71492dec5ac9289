import { builtinKbDir, loadPatternFiles, loadPatterns, yamlFilesIn } from '../analysis/patterns/loader.js';
import { formatProblem } from '../analysis/patterns/schema.js';
import { UsageError } from '../errors.js';
import type { Command } from './command.js';
import { parseCommandArgs } from './command.js';

const usage = `Usage: autoprof patterns list [--json]
       autoprof patterns check FILE...

The pattern knowledge base: declarative YAML rules that recognise known performance problems
(regex compiled per call, JSON in hot loops, lock contention, ...). 'list' shows the built-in
patterns and any from AUTOPROF_PATTERNS; 'check' validates pattern files against the schema,
printing each problem as FILE:LINE: path: message, and exits 2 if any file is invalid.

The schema is documented at the top of src/analysis/patterns/schema.ts; the built-in files in
src/analysis/patterns/kb/ are examples.
`;

/** patternsCommand is `autoprof patterns list|check`. */
export const patternsCommand: Command = {
  name: 'patterns',
  summary: 'list the pattern knowledge base or check pattern files',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('patterns', argv, { json: { type: 'boolean' } });
    const [sub, ...files] = positionals;
    if (sub === 'list') {
      const set = loadPatterns();
      if (values.json) {
        const rows = set.patterns.map((p) => ({
          id: p.id,
          category: p.category,
          runtimes: p.runtimes,
          title: p.title,
          sample: p.condition.sample,
          file: p.origin.file,
          line: p.origin.line,
        }));
        io.stdout(`${JSON.stringify(rows, null, 2)}\n`);
        return 0;
      }
      const width = Math.max(...set.patterns.map((p) => p.id.length));
      for (const p of set.patterns)
        io.stdout(
          `${p.id.padEnd(width)}  ${p.category.padEnd(17)}  ${p.runtimes.join(',').padEnd(14)}  ${p.title}\n`,
        );
      io.stderr(`${set.patterns.length} patterns from ${set.files.length} files (${builtinKbDir()})\n`);
      for (const problem of set.problems) io.stderr(`${formatProblem(problem)}\n`);
      return set.problems.length > 0 ? 2 : 0;
    }
    if (sub === 'check') {
      if (files.length === 0) throw new UsageError('patterns check: give one or more YAML files');
      // Ids must not collide with the built-in ones either, so check against them too.
      const builtin = yamlFilesIn(builtinKbDir());
      const set = loadPatternFiles([...builtin.filter((b) => !files.includes(b)), ...files]);
      const ownProblems = set.problems.filter((p) => files.includes(p.file));
      for (const problem of ownProblems) io.stderr(`${formatProblem(problem)}\n`);
      const count = set.patterns.filter((p) => files.includes(p.origin.file)).length;
      if (ownProblems.length > 0) {
        io.stderr(
          `autoprof: ${ownProblems.length} problem${ownProblems.length === 1 ? '' : 's'}; ${count} valid pattern${count === 1 ? '' : 's'}\n`,
        );
        return 2;
      }
      io.stdout(
        `ok: ${count} pattern${count === 1 ? '' : 's'} in ${files.length} file${files.length === 1 ? '' : 's'}\n`,
      );
      return 0;
    }
    throw new UsageError(
      "patterns: use 'patterns list' or 'patterns check FILE' (see 'autoprof patterns --help')",
    );
  },
};
