import { readFileSync } from 'node:fs';

/** One Dockerfile instruction: its keyword (upper case), its flags (`--from=build`) and the rest. */
export interface Instruction {
  keyword: string;
  flags: Record<string, string>;
  args: string;
  line: number;
}

export interface Stage {
  name: string | undefined;
  image: string;
  instructions: Instruction[];
}

/**
 * Enough of the Dockerfile syntax for the checks in dockerfile.test.ts: comments, line
 * continuations, `--flag=value` options and FROM … AS stages. Not a general parser (no heredocs,
 * no parser directives beyond ignoring them, no escape character other than `\`).
 */
export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  for (const instruction of logicalLines(text)) {
    if (instruction.keyword === 'FROM') {
      const [image, as, name] = instruction.args.split(/\s+/);
      stages.push({ image, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
    } else if (stages.length === 0) {
      if (instruction.keyword !== 'ARG') throw new Error(`line ${instruction.line}: ${instruction.keyword} before the first FROM`);
    } else {
      stages[stages.length - 1].instructions.push(instruction);
    }
  }
  return stages;
}

function logicalLines(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  let pending = '';
  let startLine = 0;
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (!pending && (line === '' || line.startsWith('#'))) return;
    // Comment lines inside a continued instruction are dropped, as Docker does.
    if (pending && line.startsWith('#')) return;
    if (!pending) startLine = index + 1;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      return;
    }
    instructions.push(toInstruction(pending + line, startLine));
    pending = '';
  });
  if (pending) instructions.push(toInstruction(pending, startLine));
  return instructions;
}

function toInstruction(text: string, line: number): Instruction {
  const match = /^(\S+)\s*(.*)$/s.exec(text.trim())!;
  const flags: Record<string, string> = {};
  let rest = match[2];
  for (let flag = /^--([a-z-]+)(?:=(\S*))?\s+/.exec(rest); flag; flag = /^--([a-z-]+)(?:=(\S*))?\s+/.exec(rest)) {
    flags[flag[1]] = flag[2] ?? 'true';
    rest = rest.slice(flag[0].length);
  }
  return { keyword: match[1].toUpperCase(), flags, args: rest.trim(), line };
}

/** The exec (JSON array) form of CMD/ENTRYPOINT/HEALTHCHECK CMD, or undefined for the shell form. */
export function execForm(args: string): string[] | undefined {
  if (!args.startsWith('[')) return undefined;
  const parsed: unknown = JSON.parse(args);
  return Array.isArray(parsed) && parsed.every((part) => typeof part === 'string') ? parsed : undefined;
}

/** ENV in either form (`ENV A=1 B=2` or the legacy `ENV A 1`), quotes removed. */
export function envOf(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { keyword, args } of stage.instructions) {
    if (keyword !== 'ENV') continue;
    if (!args.includes('=')) {
      const [name, ...value] = args.split(/\s+/);
      env[name] = value.join(' ');
      continue;
    }
    for (const pair of args.match(/[A-Za-z_][A-Za-z0-9_]*=("[^"]*"|\S*)/g) ?? []) {
      const at = pair.indexOf('=');
      env[pair.slice(0, at)] = pair.slice(at + 1).replace(/^"(.*)"$/, '$1');
    }
  }
  return env;
}

/** .dockerignore patterns, comments and blank lines dropped, leading "/" and trailing "/" removed. */
export function dockerignorePatterns(path: string): string[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => line.replace(/^\//, '').replace(/\/$/, ''));
}
