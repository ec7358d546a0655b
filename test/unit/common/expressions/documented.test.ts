/**
 * The expression language against Microsoft's documented examples (control-flow-expression-language-functions):
 * each row is an example from the function reference with the result the docs give (where the docs contradict
 * themselves, the row says which reading we follow — docs/EXPRESSIONS.md lists the differences).
 */
import { describe, expect, it } from 'vitest';
import { evaluate, evaluateString, ExactNumber, type ExpressionScope } from '../../../../src/common/expressions.js';

const scope: ExpressionScope = {
  pipeline: { name: 'P', runId: 'run-1', parameters: { myNumber: 42, myString: 'foo', firstName: 'Ann', lastName: 'Lee', day: '2024-03-01', obj: { k: 'v', sub: { x: [1, 2] } } } },
  now: () => new Date('2018-04-15T13:00:00.000Z'),
  variables: { counter: 3, list: ['a', 'b'] },
  activities: { Lookup1: { output: { firstRow: { schema: 'dbo', table: 'Table1' }, count: 1 }, status: 'Succeeded' } },
};
const ev = (src: string) => evaluate(src, scope);
const json = (v: unknown) => JSON.parse(JSON.stringify(v));

describe('string values and interpolation (the docs\' "Expressions" tables)', () => {
  it.each([
    ['parameters', 'parameters'],
    ['parameters[1]', 'parameters[1]'],
    ['@@', '@'],
    [' @', ' @'],
    ['@pipeline().parameters.myString', 'foo'],
    ['@{pipeline().parameters.myString}', 'foo'],
    ['@pipeline().parameters.myNumber', 42],
    ['@{pipeline().parameters.myNumber}', '42'],
    ['Answer is: @{pipeline().parameters.myNumber}', 'Answer is: 42'],
    ["@concat('Answer is: ', string(pipeline().parameters.myNumber))", 'Answer is: 42'],
    ['Answer is: @@{pipeline().parameters.myNumber}', 'Answer is: @{pipeline().parameters.myNumber}'],
    ['First Name: @{pipeline().parameters.firstName} Last Name: @{pipeline().parameters.lastName}', 'First Name: Ann Last Name: Lee'],
    ["@concat('Baba', '''s ', 'book store')", "Baba's book store"],
    ['{ "type": "@{if(equals(1, 2), \'Blob\', \'Table\' )}", "name": "@{toUpper(\'myData\')}" }', '{ "type": "Table", "name": "MYDATA" }'],
    ['mail me@example.com', 'mail me@example.com'],
  ])('%s', (input, expected) => {
    expect(evaluateString(input, scope)).toEqual(expected);
  });
});

describe('documented function examples', () => {
  it.each([
    ["add(1, 1.5)", 2.5],
    ["addDays('2018-03-15T13:00:00Z', 10)", '2018-03-25T13:00:00.0000000Z'],
    ["addDays('2018-03-15T00:00:00Z', -5)", '2018-03-10T00:00:00.0000000Z'],
    ["addHours('2018-03-15T00:00:00Z', 10)", '2018-03-15T10:00:00.0000000Z'],
    ["addMinutes('2018-03-15T00:10:00Z', 10)", '2018-03-15T00:20:00.0000000Z'],
    ["addSeconds('2018-03-15T00:00:30Z', -5)", '2018-03-15T00:00:25.0000000Z'],
    ["addToTime('2018-01-01T00:00:00Z', 1, 'Day')", '2018-01-02T00:00:00.0000000Z'],
    ["addToTime('2018-01-01T00:00:00Z', 1, 'Day', 'D')", 'Tuesday, January 2, 2018'],
    ['and(true, true)', true],
    ['and(false, true)', false],
    ['and(equals(1, 1), equals(2, 2))', true],
    ["array('hello')", ['hello']],
    ["base64('hello')", 'aGVsbG8='],
    ["base64ToString('aGVsbG8=')", 'hello'],
    ['bool(1)', true],
    ['bool(0)', false],
    ['coalesce(null, true, false)', true],
    ["coalesce(null, 'hello', 'world')", 'hello'],
    ['coalesce(null, null, null)', null],
    ["concat('Hello', 'World')", 'HelloWorld'],
    ["contains('hello world', 'world')", true],
    ["contains('hello world', 'universe')", false],
    ["convertFromUtc('2018-01-01T08:00:00.0000000Z', 'Pacific Standard Time')", '2018-01-01T00:00:00.0000000'],
    ["convertFromUtc('2018-01-01T08:00:00.0000000Z', 'Pacific Standard Time', 'D')", 'Monday, January 1, 2018'],
    ["convertTimeZone('2018-01-01T08:00:00.0000000Z', 'UTC', 'Pacific Standard Time')", '2018-01-01T00:00:00.0000000'],
    ["convertToUtc('01/01/2018 00:00:00', 'Pacific Standard Time')", '2018-01-01T08:00:00.0000000Z'],
    ["createArray('h', 'e', 'l', 'l', 'o')", ['h', 'e', 'l', 'l', 'o']],
    ["dataUri('hello')", 'data:text/plain;charset=utf-8;base64,aGVsbG8='],
    ["dataUriToString('data:text/plain;charset=utf-8;base64,aGVsbG8=')", 'hello'],
    ["dayOfMonth('2018-03-15T13:27:36Z')", 15],
    ["dayOfWeek('2018-03-15T13:27:36Z')", 4],
    ["dayOfYear('2018-03-15T13:27:36Z')", 74],
    ["decodeBase64('aGVsbG8=')", 'hello'],
    ["decodeUriComponent('http%3A%2F%2Fcontoso.com')", 'http://contoso.com'],
    ['div(10, 5)', 2],
    ['div(11, 5)', 2],
    ["encodeUriComponent('https://contoso.com')", 'https%3A%2F%2Fcontoso.com'],
    ["empty('')", true],
    ["empty('abc')", false],
    ["endsWith('hello world', 'world')", true],
    ["endsWith('hello world', 'universe')", false],
    ['equals(true, 1)', true],
    ["equals('abc', 'abcd')", false],
    ["first('hello')", 'h'],
    ['first(createArray(0, 1, 2))', 0],
    ["float('10.333')", 10.333],
    ["formatDateTime('03/15/2018 12:00:00', 'yyyy-MM-ddTHH:mm:ss')", '2018-03-15T12:00:00'],
    ["getFutureTime(5, 'Day')", '2018-04-20T13:00:00.0000000Z'],
    ["getPastTime(5, 'Day', 'D')", 'Tuesday, April 10, 2018'],
    ['greater(10, 5)', true],
    ["greater('apple', 'banana')", false],
    ['greaterOrEquals(5, 5)', true],
    ["greaterOrEquals('apple', 'banana')", false],
    ["if(equals(1, 1), 'yes', 'no')", 'yes'],
    ["indexOf('hello world', 'world')", 6],
    ["int('10')", 10],
    ["json('[1, 2, 3]')", [1, 2, 3]],
    ['json(\'{"fullName": "Sophia Owen"}\')', { fullName: 'Sophia Owen' }],
    ['intersection(createArray(1, 2, 3), createArray(101, 2, 1, 10), createArray(6, 8, 1, 2))', [1, 2]],
    ["join(createArray('a', 'b', 'c'), '.')", 'a.b.c'],
    ["last('abcd')", 'd'],
    ['last(createArray(0, 1, 2, 3))', 3],
    ["lastIndexOf('hello world', 'world')", 6],
    ["length('abcd')", 4],
    ['length(createArray(0, 1, 2, 3))', 4],
    ['less(5, 10)', true],
    ["less('banana', 'apple')", false],
    ['lessOrEquals(10, 10)', true],
    ["lessOrEquals('apply', 'apple')", false],
    ['max(1, 2, 3)', 3],
    ['max(createArray(1, 2, 3))', 3],
    ['min(1, 2, 3)', 1],
    ['min(createArray(1, 2, 3))', 1],
    ['mod(3, 2)', 1],
    ['mul(1, 2)', 2],
    ['mul(1.5, 2)', 3],
    ['not(false)', true],
    ['not(equals(1, 1))', false],
    ['or(true, false)', true],
    ['or(equals(1, 2), equals(1, 3))', false],
    ['range(1, 4)', [1, 2, 3, 4]],
    ["replace('the old string', 'old', 'new')", 'the new string'],
    ['skip(createArray(0, 1, 2, 3), 1)', [1, 2, 3]],
    ["split('a_b_c', '_')", ['a', 'b', 'c']],
    ["startOfDay('2018-03-15T13:30:30Z')", '2018-03-15T00:00:00.0000000Z'],
    ["startOfHour('2018-03-15T13:30:30Z')", '2018-03-15T13:00:00.0000000Z'],
    ["startOfMonth('2018-03-15T13:30:30Z')", '2018-03-01T00:00:00.0000000Z'],
    ["startsWith('hello world', 'hello')", true],
    ["startsWith('hello world', 'greetings')", false],
    ['string(10)', '10'],
    ["sub(10.3, .3)", 10],
    ["substring('hello world', 6, 5)", 'world'],
    ["subtractFromTime('2018-01-02T00:00:00Z', 1, 'Day')", '2018-01-01T00:00:00.0000000Z'],
    ["take('abcde', 3)", 'abc'],
    ['take(createArray(0, 1, 2, 3, 4), 3)', [0, 1, 2]],
    ["toLower('Hello World')", 'hello world'],
    ["toUpper('Hello World')", 'HELLO WORLD'],
    ["trim(' Hello World  ')", 'Hello World'],
    ['union(createArray(1, 2, 3), createArray(1, 2, 10, 101))', [1, 2, 3, 10, 101]],
    ["uriComponent('https://contoso.com')", 'https%3A%2F%2Fcontoso.com'],
    ["uriComponentToString('http%3A%2F%2Fcontoso.com')", 'http://contoso.com'],
    ['utcNow()', '2018-04-15T13:00:00.0000000Z'],
    ["utcNow('D')", 'Sunday, April 15, 2018'],
  ])('%s', (src, expected) => {
    expect(json(ev(src))).toEqual(expected);
  });

  it('ticks() counts 100 ns since 0001-01-01, exactly', () => {
    const t = ev("ticks('2018-03-15T13:27:36.1234567Z')");
    expect(t).toBeInstanceOf(ExactNumber);
    expect(String(t)).toBe('636567172561234567');
  });
});

describe('scope: parameters, variables, activities, item', () => {
  it('reads nested properties case-insensitively, with [] and ?.', () => {
    expect(ev("pipeline().parameters['obj'].SUB.x[1]")).toBe(2);
    expect(ev("activity('Lookup1').output.firstRow.table")).toBe('Table1');
    expect(ev("activity('lookup1').Status")).toBe('Succeeded');
    expect(ev("variables('counter')")).toBe(3);
    expect(ev("pipeline().parameters.obj?.missing")).toBeNull();
    expect(ev("pipeline().parameters.obj?.missing?.deeper")).toBeNull();
    expect(ev('pipeline().RunId')).toBe('run-1');
    expect(evaluate('item().name', { item: { value: { name: 'orders' } } })).toBe('orders');
  });

  it('says what is missing', () => {
    expect(() => ev('pipeline().parameters.obj.missing')).toThrow(/has no property 'missing'; it has 'k', 'sub'/);
    expect(() => ev("activity('Nope').output")).toThrow(/activity\('Nope'\) cannot be read here/);
    expect(() => ev("variables('nope')")).toThrow(/no variable named 'nope' \(it has counter, list\)/);
    expect(() => ev('item()')).toThrow(/only available inside a ForEach/);
    expect(() => ev("variables('list')[5]")).toThrow(/index 5 is out of range: .* has 2 items/);
  });
});

describe('errors name the function and the place', () => {
  it.each([
    ['@nosuch()', /unknown function nosuch\(\)/],
    ['@constructor()', /unknown function constructor\(\)/],
    ['@__proto__()', /unknown function __proto__\(\)/],
    ['@toString()', /unknown function toString\(\)/],
    ["@concat('a'", /expected "," or "\)" to end the arguments of concat\(\) .*\(at character 12\)/],
    ["@concat('a)", /never closed/],
    ['x @{pipeline()', /"@\{" is never closed/],
    ['@equals(1)', /equals\(\) takes 2 arguments, not 1/],
    ["@addDays('2018-13-01', 1)", /'2018-13-01' is not a timestamp/],
    ["@add('1', 2)", /add\(\) needs a number as its first argument, not '1'/],
    ['@pipeline', /"pipeline" is not a function call/],
    ['@add(1, 2) + 3', /unexpected character "\+"/],
    ["@xml('<a/>')", /xml\(\) is not supported/],
  ])('%s', (src, message) => {
    expect(() => evaluateString(src, scope)).toThrow(message);
  });
});
