import { describe, expect, it } from 'vitest';
import {
  LabelSelectorError,
  matchesLabelSelector,
  parseLabelSelector,
  type LabelRequirement,
  type LabelSelectorRule,
} from '../../../src/domain/kubernetes/label-selector.js';
import { ValidationError } from '../../../src/errors.js';

// Most cases are apimachinery's own (pkg/labels/selector_test.go: TestSelectorParse,
// TestSetSelectorParser, TestSelectorMatches, TestRequirementConstructor,
// TestRequirementSelectorMatching), so this parser accepts, refuses and selects as the API server does.

const req = (key: string, operator: LabelRequirement['operator'], values: string[] = []): LabelRequirement => ({ key, operator, values });

describe('parseLabelSelector', () => {
  it.each<[string, LabelRequirement[]]>([
    ['', []],
    ['x=a,y=b,z=c', [req('x', '=', ['a']), req('y', '=', ['b']), req('z', '=', ['c'])]],
    ['x!=a,y=b', [req('x', '!=', ['a']), req('y', '=', ['b'])]],
    ['x=', [req('x', '=', [''])]],
    ['x= ', [req('x', '=', [''])]],
    ['x=,z= ', [req('x', '=', ['']), req('z', '=', [''])]],
    ['x= ,z= ', [req('x', '=', ['']), req('z', '=', [''])]],
    ['!x', [req('x', '!')]],
    ['x>1', [req('x', 'gt', ['1'])]],
    ['x>1,z<5', [req('x', 'gt', ['1']), req('z', 'lt', ['5'])]],
    ['x<7', [req('x', 'lt', ['7'])]],
    ['\rx', [req('x', 'exists')]],
    ['this-is-a-dns.domain.com/key-with-dash', [req('this-is-a-dns.domain.com/key-with-dash', 'exists')]],
    [
      'this-is-another-dns.domain.com/key-with-dash in (so,what)',
      [req('this-is-another-dns.domain.com/key-with-dash', 'in', ['so', 'what'])],
    ],
    ['0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)', [req('0.1.2.domain/99', 'notin', ['10.10.100.1', 'tick.tack.clock'])]],
    ['foo  in\t (abc)', [req('foo', 'in', ['abc'])]],
    ['x notin\n (abc)', [req('x', 'notin', ['abc'])]],
    ['x  notin\t\t\t(abc,def)', [req('x', 'notin', ['abc', 'def'])]],
    ['x in (abc,def)', [req('x', 'in', ['abc', 'def'])]],
    ['x in (abc,)', [req('x', 'in', ['', 'abc'])]],
    ['x in ()', [req('x', 'in', [''])]],
    [
      'x notin (abc,,def),bar,z in (),w',
      [req('bar', 'exists'), req('w', 'exists'), req('x', 'notin', ['', 'abc', 'def']), req('z', 'in', [''])],
    ],
    ['x,y in (a)', [req('x', 'exists'), req('y', 'in', ['a'])]],
    ['x=a', [req('x', '=', ['a'])]],
    ['x==a', [req('x', '==', ['a'])]],
    ['x=a,y!=b,z in (h,i,j)', [req('x', '=', ['a']), req('y', '!=', ['b']), req('z', 'in', ['h', 'i', 'j'])]],
    ['x notin ( )', [req('x', 'notin', [''])]],
    ['x notin (, a)', [req('x', 'notin', ['', 'a'])]],
    ['a ', [req('a', 'exists')]],
    ['a in (x,y,notin, z,in)', [req('a', 'in', ['in', 'notin', 'x', 'y', 'z'])]],
    ['notin=in', [req('notin', '=', ['in'])]],
    ['a in (b,b,a)', [req('a', 'in', ['a', 'b'])]],
    ['1foo in (bar)', [req('1foo', 'in', ['bar'])]],
    ['1234 in (bar)', [req('1234', 'in', ['bar'])]],
    ['y>1,z<6', [req('y', 'gt', ['1']), req('z', 'lt', ['6'])]],
  ])('when given %j, then it parses (requirements sorted by key, values as a sorted set)', (selector, expected) => {
    expect(parseLabelSelector(selector)).toEqual(expected);
  });

  it.each<[string, LabelSelectorRule]>([
    ['x=a||y=b', 'label_value'],
    ['x==a==b', 'label_selector_syntax'],
    ['!x=a', 'label_selector_syntax'],
    ['x<a', 'integer'],
    ['x,,y', 'label_selector_syntax'],
    [',x,y', 'label_selector_syntax'],
    ['x nott in (y)', 'label_selector_syntax'],
    ['a in (xyz),', 'label_selector_syntax'],
    ['a in (xyz)b notin ()', 'label_selector_syntax'],
    ['a in (xyz abc)', 'label_selector_syntax'],
    ['a notin(', 'label_selector_syntax'],
    ['a (', 'label_selector_syntax'],
    ['(', 'label_selector_syntax'],
    ['== != (), = notin', 'label_selector_syntax'],
    ['foo>bar', 'integer'],
    ['barz<blah', 'integer'],
    ['x>', 'integer'],
    ['x>99999999999999999999', 'integer'],
    ['a'.repeat(254), 'qualified_name'],
    ['Not/valid', 'qualified_name'],
    ['-x=a', 'qualified_name'],
    ['x=-a', 'label_value'],
    [`x=${'v'.repeat(64)}`, 'label_value'],
    ['x in (a', 'label_selector_syntax'],
    ['x in a', 'label_selector_syntax'],
    ['x=(a)', 'label_selector_syntax'],
    ['x=a,', 'label_selector_syntax'],
    ['!', 'label_selector_syntax'],
    ['!!x', 'label_selector_syntax'],
  ])('when given %j, then it throws a LabelSelectorError naming the rule %s', (selector, rule) => {
    const error = catchError(() => parseLabelSelector(selector));
    expect(error).toBeInstanceOf(LabelSelectorError);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as LabelSelectorError).rule).toBe(rule);
    expect((error as LabelSelectorError).errors).toEqual([
      { path: 'labelSelector', code: rule, message: (error as LabelSelectorError).problem },
    ]);
    expect((error as Error).message).toBe(
      `label selector ${JSON.stringify(selector)} is invalid: ${(error as LabelSelectorError).problem}`,
    );
  });

  it('says what it found and what it expected, as the API server does', () => {
    expect(catchError(() => parseLabelSelector('a in (xyz abc)'))).toMatchObject({ problem: "found 'abc', expected: ',' or ')'" });
    expect(catchError(() => parseLabelSelector('x nott in (y)'))).toMatchObject({
      problem: "found 'nott', expected: in, notin, =, ==, !=, gt, lt",
    });
    expect(catchError(() => parseLabelSelector('x,,y'))).toMatchObject({ problem: "found ',', expected: identifier after ','" });
  });
});

describe('matchesLabelSelector', () => {
  const labelset = { foo: 'bar', baz: 'blah' };
  it.each<[string, Record<string, string>, boolean]>([
    ['', { x: 'y' }, true],
    ['x=y', { x: 'y' }, true],
    ['x=y,z=w', { x: 'y', z: 'w' }, true],
    ['x!=y,z!=w', { x: 'z', z: 'a' }, true],
    ['notin=in', { notin: 'in' }, true],
    ['x', { x: 'z' }, true],
    ['!x', { y: 'z' }, true],
    ['x>1', { x: '2' }, true],
    ['x<1', { x: '0' }, true],
    ['x=z', {}, false],
    ['x=y', { x: 'z' }, false],
    ['x=y,z=w', { x: 'w', z: 'w' }, false],
    ['x!=y,z!=w', { x: 'z', z: 'w' }, false],
    ['x', { y: 'z' }, false],
    ['!x', { x: 'z' }, false],
    ['x>1', { x: '0' }, false],
    ['x<1', { x: '2' }, false],
    ['foo=bar', labelset, true],
    ['baz=blah', labelset, true],
    ['foo=bar,baz=blah', labelset, true],
    ['foo=blah', labelset, false],
    ['baz=bar', labelset, false],
    ['foo=bar,foobar=bar,baz=blah', labelset, false],
    ['x in (foo),y notin (alpha)', { x: 'foo', y: 'baz' }, true],
    ['x in (foo),y in (alpha)', { x: 'foo', y: 'baz' }, false],
    ['x notin (),y', { y: '' }, true],
    ['!x,y', { y: '' }, true],
    ['x notin (),!y', { y: '' }, false],
    ['x in ()', { y: 'baz' }, false],
    ['x in ()', { x: '' }, true],
    ['x=', { x: '' }, true],
    ['z>1', { z: '2' }, true],
    ['z>1', { z: 'v2' }, false],
    ['z<10', { z: '007' }, true],
    ['z>9223372036854775806', { z: '9223372036854775807' }, true],
    ['z<1', { z: '-1' }, true],
    ['x notin (a)', {}, true],
    ['x!=a', {}, true],
    ['x in (a,b)', { x: 'b' }, true],
    ['constructor', {}, false],
  ])('when %j selects from %j, then it matches: %s', (selector, labels, matches) => {
    expect(matchesLabelSelector(parseLabelSelector(selector), labels)).toBe(matches);
  });
});

function catchError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
