import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bindArguments, resultString, sig } from '../../../../src/envs/bfcl/apis/contract.js';
import { Ellipsis, PyDict } from '../../../../src/envs/bfcl/python/value.js';

const createTicket = sig('title', ['description', ''], ['priority', 1n]);
const editTicket = sig('ticket_id', 'updates');
const f3 = sig('a', 'b', 'c');

function bindError(qualname: string, s: ReturnType<typeof sig>, pos: unknown[], kw: Array<[string, unknown]> = []): string {
  try {
    bindArguments(qualname, s, pos as never[], kw as never[]);
  } catch (e) {
    assert.equal((e as Error).name, 'TypeError');
    return (e as Error).message;
  }
  return 'bound';
}

test('bindArguments fills defaults and mixes positional with keyword arguments', () => {
  assert.deepEqual(bindArguments('T.create_ticket', createTicket, ['a'], []), ['a', '', 1n]);
  assert.deepEqual(bindArguments('T.create_ticket', createTicket, ['a'], [['priority', 3n]]), ['a', '', 3n]);
  assert.deepEqual(bindArguments('T.edit_ticket', editTicket, [], [['updates', 2n], ['ticket_id', 1n]]), [1n, 2n]);
});

// Messages printed by CPython 3.11.7 for the same calls on `class TicketAPI`.
test('bindArguments raises the TypeError texts of CPython 3.11', () => {
  const cases: Array<[string, ReturnType<typeof sig>, unknown[], Array<[string, unknown]>, string]> = [
    ['TicketAPI.create_ticket', createTicket, [], [], "TicketAPI.create_ticket() missing 1 required positional argument: 'title'"],
    ['TicketAPI.create_ticket', createTicket, ['a'], [['foo', 1n]], "TicketAPI.create_ticket() got an unexpected keyword argument 'foo'"],
    ['TicketAPI.create_ticket', createTicket, ['a'], [['title', 'b']], "TicketAPI.create_ticket() got multiple values for argument 'title'"],
    ['TicketAPI.create_ticket', createTicket, ['a', 'b', 1n, 2n], [], 'TicketAPI.create_ticket() takes from 2 to 4 positional arguments but 5 were given'],
    ['TicketAPI.edit_ticket', editTicket, [], [], "TicketAPI.edit_ticket() missing 2 required positional arguments: 'ticket_id' and 'updates'"],
    ['TicketAPI.edit_ticket', editTicket, [1n, 2n, 3n], [], 'TicketAPI.edit_ticket() takes 3 positional arguments but 4 were given'],
    ['TicketAPI.logout', sig(), [1n], [], 'TicketAPI.logout() takes 1 positional argument but 2 were given'],
    ['TicketAPI.f3', f3, [], [], "TicketAPI.f3() missing 3 required positional arguments: 'a', 'b', and 'c'"],
    ['TicketAPI.f3', f3, [1n, 2n, 3n, 4n], [['zz', 1n]], "TicketAPI.f3() got an unexpected keyword argument 'zz'"],
    ['TicketAPI.edit_ticket', editTicket, [1n], [['updates', 2n], ['ticket_id', 3n]], "TicketAPI.edit_ticket() got multiple values for argument 'ticket_id'"],
  ];
  for (const [q, s, pos, kw, want] of cases) assert.equal(bindError(q, s, pos, kw), want);
});

test('resultString: str as is, dict via json.dumps or str() when json fails, others via str()', () => {
  assert.equal(resultString('done'), 'done');
  assert.equal(resultString(PyDict.of({ a: 1.0, b: null })), '{"a": 1.0, "b": null}');
  assert.equal(resultString(PyDict.of({ w: ['A', Ellipsis] })), "{'w': ['A', Ellipsis]}");
  assert.equal(resultString([PyDict.of({ a: true })]), "[{'a': True}]");
  assert.equal(resultString(null), 'None');
  assert.equal(resultString(3n), '3');
});
