import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GOLDEN_DATE, fixedClock } from '../../../../src/envs/bfcl/apis/contract.js';
import { ApiSession } from '../../../../src/envs/bfcl/executor.js';
import { PyDict } from '../../../../src/envs/bfcl/python/value.js';

/**
 * MathAPI: mpmath logarithms (mpf and mpc reprs at the call's precision), Decimal square roots (ideal exponents,
 * scientific notation, context errors), Python's int/float arithmetic, round, min/max and the caught TypeErrors.
 * Expected strings printed by the original math_api.py through execute_multi_turn_func_call (CPython 3.11.7,
 * mpmath 1.3.0).
 */
const CASES: Array<[string, string]> = [
  ["logarithm(value=100, base=10, precision=5)", "{'result': mpf('2.0')}"],
  ["logarithm(value=980.0, base=20, precision=10)", "{'result': mpf('2.299121531134')}"],
  ["logarithm(value=8, base=2, precision=30)", "{'result': mpf('2.99999999999999999999999999999961')}"],
  ["logarithm(value=5, base=2, precision=1)", "{'result': mpf('2.313')}"],
  ["logarithm(value=2.5e-10, base=3, precision=20)", "{'result': mpf('-20.124988975747376256168')}"],
  ["logarithm(value=1e300, base=7, precision=40)", "{'result': mpf('354.9883987364814980723606777557284636706733')}"],
  ["logarithm(value=-1, base=10, precision=3)", "{'result': mpc(real='0.0', imag='1.36426')}"],
  ["logarithm(value=0, base=10, precision=3)", "{'result': mpf('-inf')}"],
  ["logarithm(value=10, base=1, precision=3)", "{\"error\": \"\"}"],
  ["logarithm(value=100, base=10, precision='x')", "{\"error\": \"invalid literal for int() with base 10: 'x'\"}"],
  ["logarithm(value=3287.0, base=6.0, precision=4.0)", "{'result': mpf('4.51947')}"],
  ["logarithm(value=0.001, base=10, precision=15)", "{'result': mpf('-2.9999999999999996')}"],
  ["square_root(number=16, precision=28)", "{'result': Decimal('4')}"],
  ["square_root(number=2, precision=10)", "{'result': Decimal('1.414213562')}"],
  ["square_root(number=10000, precision=2)", "{'result': Decimal('1.0E+2')}"],
  ["square_root(number=2.25, precision=5)", "{'result': Decimal('1.5')}"],
  ["square_root(number=0.1, precision=30)", "{'result': Decimal('0.316227766016837941976973025885')}"],
  ["square_root(number=0, precision=5)", "{'result': Decimal('0')}"],
  ["square_root(number=-0.0, precision=3)", "{'result': Decimal('-0')}"],
  ["square_root(number=1e-20, precision=5)", "{'result': Decimal('1.0000E-10')}"],
  ["square_root(number=123456789, precision=3)", "{'result': Decimal('1.11E+4')}"],
  ["square_root(number=2, precision=0)", "Error during execution: valid range for prec is [1, MAX_PREC]"],
  ["square_root(number=2, precision=4.0)", "{\"error\": \"Input must be a number or computation resulted in an invalid operation\"}"],
  ["square_root(number='4', precision=3)", "{\"error\": \"Input must be a number or computation resulted in an invalid operation\"}"],
  ["square_root(number=True, precision=3)", "{'result': Decimal('1')}"],
  ["square_root(number=1e22, precision=5)", "{'result': Decimal('1.0000E+11')}"],
  ["square_root(number=0.0001, precision=3)", "{'result': Decimal('0.0100')}"],
  ["square_root(number=-4, precision=3)", "{\"error\": \"Cannot calculate square root of a negative number\"}"],
  ["mean(numbers=[1, 2, 4])", "{\"result\": 2.3333333333333335}"],
  ["mean(numbers=[])", "{\"error\": \"Cannot calculate mean of an empty list\"}"],
  ["mean(numbers=[1, 'a'])", "{\"error\": \"All elements in the list must be numbers\"}"],
  ["standard_deviation(numbers=[1.5, 2.5, 10])", "{\"result\": 3.7932688922470144}"],
  ["power(base=2, exponent=100)", "{\"result\": 1267650600228229401496703205376}"],
  ["power(base=2, exponent=-2)", "{\"result\": 0.25}"],
  ["power(base=2.5, exponent=3)", "{\"result\": 15.625}"],
  ["power(base=0, exponent=-1)", "Error during execution: 0.0 cannot be raised to a negative power"],
  ["power(base='a', exponent=2)", "{\"error\": \"Both inputs must be numbers\"}"],
  ["round_number(number=2.675, decimal_places=2)", "{\"result\": 2.67}"],
  ["round_number(number=2.5)", "{\"result\": 2.0}"],
  ["round_number(number=1234.5678, decimal_places=-2)", "{\"result\": 1200.0}"],
  ["round_number(number=7, decimal_places=1.5)", "{\"error\": \"First input must be a number, second input must be an integer\"}"],
  ["percentage(part=1, whole=3)", "{\"result\": 33.33333333333333}"],
  ["percentage(part=1, whole=0)", "{\"error\": \"Whole value cannot be zero\"}"],
  ["divide(a=1, b=0.0)", "{\"error\": \"Cannot divide by zero\"}"],
  ["divide(a=7, b=2)", "{\"result\": 3.5}"],
  ["divide(a='x', b=2)", "{\"error\": \"Both inputs must be numbers\"}"],
  ["multiply(a=True, b=3)", "{\"result\": 3}"],
  ["multiply(a='x', b=3)", "{\"error\": \"Both inputs must be numbers\"}"],
  ["add(a='x', b='y')", "{\"result\": \"xy\"}"],
  ["add(a=1, b='y')", "{\"error\": \"Both inputs must be numbers\"}"],
  ["subtract(a=0.3, b=0.1)", "{\"result\": 0.19999999999999998}"],
  ["absolute_value(number=-0.0)", "{\"result\": 0.0}"],
  ["absolute_value(number='x')", "{\"error\": \"Input must be a number\"}"],
  ["min_value(numbers=[3, 3.0, 1.0, 1])", "{\"result\": 1.0}"],
  ["max_value(numbers=[3, 3.0, 1])", "{\"result\": 3}"],
  ["min_value(numbers=['b', 'a'])", "{\"result\": \"a\"}"],
  ["max_value(numbers=[1, 'a'])", "{\"error\": \"All elements in the list must be numbers\"}"],
  ["sum_values(numbers=[0.1, 0.2, 0.3])", "{\"result\": 0.6000000000000001}"],
  ["sum_values(numbers=[])", "{\"error\": \"Cannot calculate sum of an empty list\"}"],
  ["si_unit_conversion(value=5, unit_in='km', unit_out='mm')", "{\"result\": 5000000.0}"],
  ["si_unit_conversion(value='5', unit_in='km', unit_out='mm')", "{\"error\": \"Value must be a number\"}"],
  ["si_unit_conversion(value=5, unit_in='km', unit_out='mi')", "{\"error\": \"Conversion from 'km' to 'mi' is not supported\"}"],
  ["imperial_si_conversion(value=100, unit_in='celsius', unit_out='fahrenheit')", "{\"result\": 212.0}"],
  ["imperial_si_conversion(value=212, unit_in='fahrenheit', unit_out='celsius')", "{\"result\": 100.0}"],
  ["imperial_si_conversion(value=3, unit_in='m', unit_out='m')", "{\"result\": 3}"],
  ["imperial_si_conversion(value=3, unit_in='m', unit_out='lb')", "{\"error\": \"Conversion from 'm' to 'lb' is not supported\"}"],
  ["imperial_si_conversion(value=10, unit_in='kg', unit_out='lb')", "{\"result\": 22.0462}"],
];

test('MathAPI reproduces the original result strings', () => {
  const session = new ApiSession({
    involvedClasses: ['MathAPI'],
    initialConfig: new PyDict(),
    longContext: false,
    context: { clock: fixedClock(GOLDEN_DATE) },
  });
  for (const [call, want] of CASES) assert.equal(session.execute(call), want, call);
});
