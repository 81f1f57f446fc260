/** `deepmedix label`: the CheXpert-style rule labeler over a JSONL of reports. */
import { labelReport } from '../labels/chexpert.js';
import { parseArgs, requireFlag } from './args.js';
import type { Command } from './types.js';
import { readJsonlStrict } from '../util/fsx.js';

export const command: Command = {
  name: 'label',
  summary: 'CheXpert-style rule labels (14 observations) for reports in a JSONL file',
  usage: `Usage: deepmedix label --reports FILE.jsonl

FILE.jsonl holds {"id", "text"} lines. Prints one JSON line per report:
{"id", "labels": {observation: 1|0|-1}} (1 positive, 0 negative, -1 uncertain; unmentioned
observations absent). This is a CheXpert-style RULE labeler (the CheXpert phrase lists with a
NegEx-style negation/uncertainty stage), an approximation of the CheXpert labeler, not CheXbert.`,
  flags: { values: ['reports'] },
  async run(argv) {
    const args = parseArgs(argv, command.flags);
    const path = requireFlag(args, 'reports');
    const rows = readJsonlStrict(path);
    const seen = new Set<string>();
    const out: string[] = [];
    for (const { line, value } of rows) {
      const id = value.id;
      if ((typeof id !== 'string' && typeof id !== 'number') || String(id) === '') throw new Error(`${path}:${line}: missing field 'id'`);
      if (typeof value.text !== 'string') throw new Error(`${path}:${line}: id ${id}: missing string field 'text'`);
      if (seen.has(String(id))) throw new Error(`${path}:${line}: duplicate id ${id}`);
      seen.add(String(id));
      out.push(JSON.stringify({ id, labels: labelReport(value.text) }));
    }
    if (out.length) process.stdout.write(out.join('\n') + '\n');
    return 0;
  },
};
