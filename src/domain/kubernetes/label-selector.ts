import { ValidationError } from '../../errors.js';
import { qualifiedNameProblem } from './kubernetes-names.js';

// Kubernetes label selectors, parsed as the API server parses them (k8s.io/apimachinery/pkg/labels/selector.go),
// so the in-memory cluster selects what the real one would and a bad selector fails the same way
// before any request is sent:
//   <selector>    ::= <requirement> | <requirement> "," <selector>
//   <requirement> ::= [!] KEY [ ("in" | "notin") "(" VALUES ")" | ("=" | "==" | "!=" | ">" | "<") VALUE ]

/** selection.Operator's values. */
export type LabelSelectorOperator = 'in' | 'notin' | '=' | '==' | '!=' | 'exists' | '!' | 'gt' | 'lt';

export interface LabelRequirement {
  key: string;
  operator: LabelSelectorOperator;
  /** Sorted and without duplicates (a set, as in apimachinery); empty for exists and !. */
  values: string[];
}

/** Requirements that must all hold; none selects everything. */
export type LabelSelector = readonly LabelRequirement[];

/** Which rule a selector broke: its grammar, a key, a value, or the integer that > and < need. */
export type LabelSelectorRule = 'label_selector_syntax' | 'qualified_name' | 'label_value' | 'integer';

/**
 * A selector that does not parse: a ValidationError (422) with one errors[] entry naming the rule.
 * `problem` is the message without the selector, e.g. for a zod issue (`params: { rule }`).
 */
export class LabelSelectorError extends ValidationError {
  constructor(
    readonly rule: LabelSelectorRule,
    readonly problem: string,
    selector: string,
  ) {
    super(`label selector ${JSON.stringify(selector)} is invalid: ${problem}`, [{ path: 'labelSelector', code: rule, message: problem }]);
  }
}

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

type Token = 'eos' | 'id' | '(' | ')' | ',' | '!' | '=' | '==' | '!=' | '>' | '<' | 'in' | 'notin';
interface Item {
  token: Token;
  text: string;
}
const SYMBOLS = new Set<string>(['(', ')', ',', '!', '=', '==', '!=', '>', '<']);
const isSpecial = (ch: string) => '=!(),><'.includes(ch);
const isSpace = (ch: string) => ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';

/**
 * Parses a label selector string (the empty string selects everything).
 * @throws LabelSelectorError naming the rule that failed
 */
export function parseLabelSelector(selector: string): LabelSelector {
  const fail = (rule: LabelSelectorRule, problem: string): never => {
    throw new LabelSelectorError(rule, problem, selector);
  };
  const items = scan(selector);
  let position = 0;
  // In a value position "in" and "notin" are plain identifiers (`a in (in)`).
  const peek = (): Item => asValue(items[position]);
  const next = (): Item => asValue(items[position++]);
  const expected = (found: Item, what: string): never => fail('label_selector_syntax', `found '${found.text}', expected: ${what}`);

  const key = (text: string): string => {
    const problem = qualifiedNameProblem(text);
    return problem ? fail('qualified_name', `invalid label key ${JSON.stringify(text)}: ${problem}`) : text;
  };

  const exactValue = (): string[] => {
    const item = peek();
    if (item.token === 'eos' || item.token === ',') return [''];
    next();
    return item.token === 'id' ? [item.text] : expected(item, 'identifier');
  };

  const valueSet = (): string[] => {
    const open = next();
    if (open.token !== '(') expected(open, "'('");
    if (peek().token === ')') {
      next();
      return [''];
    }
    if (peek().token !== 'id' && peek().token !== ',') expected(peek(), "',', ')' or identifier");
    const values: string[] = [];
    for (;;) {
      const item = next();
      if (item.token === 'id') {
        values.push(item.text);
        if (peek().token === ')') break;
        if (peek().token !== ',') expected(peek(), "',' or ')'");
      } else if (item.token === ',') {
        // Empty entries are the empty value: `(,a)`, `(a,)`, `(a,,b)`.
        if (values.length === 0) values.push('');
        if (peek().token === ')') {
          values.push('');
          break;
        }
        if (peek().token === ',') {
          next();
          values.push('');
        }
      } else {
        expected(item, "',', or identifier");
      }
    }
    next();
    return values;
  };

  const requirement = (): LabelRequirement => {
    let item = next();
    const negated = item.token === '!';
    if (negated) item = next();
    if (item.token !== 'id') expected(item, 'identifier');
    const name = key(item.text);
    if (negated || peek().token === 'eos' || peek().token === ',') return { key: name, operator: negated ? '!' : 'exists', values: [] };
    const op = items[position++]; // an operator position: here "in" and "notin" are keywords
    const operator = OPERATORS[op.token] ?? expected(op, 'in, notin, =, ==, !=, gt, lt');
    const values = [...new Set(operator === 'in' || operator === 'notin' ? valueSet() : exactValue())].sort();
    return checked({ key: name, operator, values }, fail);
  };

  const requirements: LabelRequirement[] = [];
  for (;;) {
    const item = peek();
    if (item.token === 'eos') break;
    if (item.token !== 'id' && item.token !== '!') expected(item, "!, identifier, or 'end of string'");
    requirements.push(requirement());
    const after = next();
    if (after.token === 'eos') break;
    if (after.token !== ',') expected(after, "',' or 'end of string'");
    if (peek().token !== 'id' && peek().token !== '!') expected(peek(), "identifier after ','");
  }
  return requirements.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** Whether labels satisfy every requirement of the selector (apimachinery's Requirement.Matches). */
export function matchesLabelSelector(selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  return selector.every(({ key, operator, values }) => {
    const has = Object.hasOwn(labels, key);
    const value = has ? labels[key] : undefined;
    switch (operator) {
      case 'in':
      case '=':
      case '==':
        return has && values.includes(value!);
      case 'notin':
      case '!=':
        return !has || !values.includes(value!);
      case 'exists':
        return has;
      case '!':
        return !has;
      case 'gt':
      case 'lt': {
        const actual = has ? parseInt64(value!) : undefined;
        const bound = parseInt64(values[0] ?? '');
        if (actual === undefined || bound === undefined) return false;
        return operator === 'gt' ? actual > bound : actual < bound;
      }
    }
  });
}

const OPERATORS: Partial<Record<Token, LabelSelectorOperator>> = {
  in: 'in',
  notin: 'notin',
  '=': '=',
  '==': '==',
  '!=': '!=',
  '>': 'gt',
  '<': 'lt',
};

/** NewRequirement's checks on what the parser found. */
function checked(requirement: LabelRequirement, fail: (rule: LabelSelectorRule, problem: string) => never): LabelRequirement {
  const { key, operator, values } = requirement;
  if ((operator === 'gt' || operator === 'lt') && values.some((v) => parseInt64(v) === undefined)) {
    fail('integer', "for 'Gt', 'Lt' operators, the value must be an integer");
  }
  for (const value of values) {
    if (value.length > 63 || !LABEL_VALUE.test(value)) {
      fail(
        'label_value',
        `invalid label value ${JSON.stringify(value)} for key ${JSON.stringify(key)}: must be at most 63 characters, empty or letters, digits, "-", "_" or ".", starting and ending with a letter or digit`,
      );
    }
  }
  return requirement;
}

function asValue(item: Item): Item {
  return item.token === 'in' || item.token === 'notin' ? { token: 'id', text: item.text } : item;
}

/** The lexer: operators are the longest run of special characters that is one; anything else up to one is an identifier. */
function scan(text: string): Item[] {
  const items: Item[] = [];
  let i = 0;
  for (;;) {
    while (i < text.length && isSpace(text[i])) i++;
    if (i >= text.length) {
      items.push({ token: 'eos', text: '' });
      return items;
    }
    let end = i;
    if (isSpecial(text[i])) {
      while (end < text.length && isSpecial(text[end]) && SYMBOLS.has(text.slice(i, end + 1))) end++;
      const symbol = text.slice(i, end);
      items.push({ token: symbol as Token, text: symbol });
    } else {
      while (end < text.length && !isSpecial(text[end]) && !isSpace(text[end])) end++;
      const word = text.slice(i, end);
      items.push({ token: word === 'in' || word === 'notin' ? word : 'id', text: word });
    }
    i = end;
  }
}

/** strconv.ParseInt(s, 10, 64), or undefined when it fails. */
function parseInt64(text: string): bigint | undefined {
  if (!/^[+-]?\d+$/.test(text)) return undefined;
  const value = BigInt(text);
  return value >= INT64_MIN && value <= INT64_MAX ? value : undefined;
}
