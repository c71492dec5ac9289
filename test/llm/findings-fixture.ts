import type { FindingsDocument } from '../../src/analysis/findings.js';

/**
 * A findings document as `autoprof run` writes it for a Python service that compiles a regular
 * expression on every call: the numbers explanations are checked against.
 */
export function regexFindings(): FindingsDocument {
  return {
    schema: 'autoprof.findings/v1',
    target: { argv: ['python3', 'app.py'], cwd: '/srv/signup' },
    run: { dir: 'run1', runs: 1, wall_s: 2.015, exit_status: 0, collectors: ['system', 'python'] },
    classification: {
      kind: 'cpu-bound',
      summary: 'the program computes: 0.97 cores used on average',
      evidence: {
        cpu_utilisation: { value: 0.97, unit: 'cores', source: 'artifacts/system.timeseries.jsonl' },
        main_running_share: { value: 96.4, unit: '%', source: 'artifacts/system.timeseries.jsonl' },
        cpu_s: { value: 1.956, unit: 's', source: 'artifacts/system.timeseries.jsonl' },
      },
    },
    findings: [
      {
        id: 'regex-compile-in-loop@validate_email:app.py',
        pattern_id: 'regex-compile-in-loop',
        category: 'regex',
        title: 'Regular expression compiled on every call',
        severity: 'high',
        confidence: 0.85,
        location: { function: 'validate_email', file: 'app.py', line: 30 },
        stack: ['<module>', 'handle_request', 'validate_email', 're.compile', '_compile'],
        evidence: {
          regex_compile_share: { value: 42.13, unit: '%', source: 'profile' },
          self_time: { value: 824, unit: 'ms', source: 'profile' },
          calls: { value: 120000, unit: 'calls', source: 'profile' },
        },
        description: 're.compile is called for every request.',
        suggestions: ['Compile the pattern once at module level.'],
        verify: 'Verify: `autoprof run --out run1-after -- python3 app.py`',
        references: [],
        impact: 0.29,
      },
      {
        id: 'cpu-hotspot@render:app.py',
        pattern_id: 'cpu-hotspot',
        category: 'cpu-hotspot',
        title: 'CPU hotspot in render',
        severity: 'medium',
        confidence: 0.7,
        location: { function: 'render', file: 'app.py', line: 50 },
        stack: ['<module>', 'handle_request', 'render'],
        evidence: { cpu_self_share: { value: 0.3012, unit: 'ratio', source: 'profile' } },
        description: 'render takes a large share of CPU.',
        suggestions: ['Cache rendered templates.'],
        verify: '',
        references: [],
        impact: 0.12,
      },
    ],
    notes: [],
  };
}
