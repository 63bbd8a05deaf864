import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GOLDEN_DATE, fixedClock, invokeMethod, resultString } from '../../../../src/envs/bfcl/apis/contract.js';
import { TicketApiClass } from '../../../../src/envs/bfcl/apis/ticket-api.js';
import { jsonLoads } from '../../../../src/envs/bfcl/python/json.js';
import { PyDict, pyRepr, type PyValue } from '../../../../src/envs/bfcl/python/value.js';

// Expected strings printed by the original ticket_api.py (CPython 3.11.7) for the same calls, formatted the way
// the executor formats results.
test('TicketAPI reproduces the original results and state', () => {
  const api = TicketApiClass.create({ clock: fixedClock(GOLDEN_DATE) });
  api.loadScenario(
    jsonLoads(
      '{"ticket_queue": [{"id": 1, "title": "Old", "description": "d", "status": "Open", "priority": 2, "created_by": "bob"}], "ticket_counter": 2}',
    ) as PyDict,
    false,
  );
  const call = (name: string, pos: PyValue[], kw: Array<[string, PyValue]> = []): string =>
    resultString(invokeMethod(TicketApiClass, api, name, pos, kw));
  assert.equal(call('create_ticket', ['x']), '{"error": "User not authenticated. Please log in to create a ticket."}');
  assert.equal(call('ticket_login', ['alice', 'pw']), '{"success": true}');
  const printer = '{"id": 2, "title": "Printer", "description": "", "status": "Open", "priority": 3.0, "created_by": "alice"}';
  assert.equal(call('create_ticket', ['Printer'], [['priority', 3.0]]), printer);
  assert.equal(call('create_ticket', ['Bad', 'd', 9n]), '{"error": "Invalid priority. Priority must be between 1 and 5."}');
  assert.equal(call('get_ticket', [2.0]), printer);
  assert.equal(
    call('edit_ticket', [2n, PyDict.of({ status: 'In Progress', description: null })]),
    '{"status": "Ticket 2 has been updated successfully."}',
  );
  assert.equal(call('edit_ticket', [2n, PyDict.of({ colour: 'red' })]), '{"error": "Invalid fields for update: colour"}');
  assert.equal(call('resolve_ticket', [2n, 'fixed']), '{"status": "Ticket 2 has been resolved successfully."}');
  assert.equal(
    call('get_user_tickets', ['resolved']),
    "[{'id': 2, 'title': 'Printer', 'description': '', 'status': 'Resolved', 'priority': 3.0, 'created_by': 'alice', 'resolution': 'fixed'}]",
  );
  assert.equal(call('close_ticket', [7n]), '{"error": "Ticket with ID 7 not found."}');
  assert.equal(call('logout', []), '{"success": true}');
  assert.equal(call('logout', []), '{"success": false}');
  assert.equal(
    pyRepr(PyDict.of(api.publicState())),
    "{'ticket_queue': [{'id': 1, 'title': 'Old', 'description': 'd', 'status': 'Open', 'priority': 2, 'created_by': 'bob'}, {'id': 2, 'title': 'Printer', 'description': '', 'status': 'Resolved', 'priority': 3.0, 'created_by': 'alice', 'resolution': 'fixed'}], 'ticket_counter': 3, 'current_user': None}",
  );
});

test('TicketAPI declares its tools sorted by name with Python signatures', () => {
  assert.deepEqual([...TicketApiClass.methods.keys()], [
    'close_ticket',
    'create_ticket',
    'edit_ticket',
    'get_ticket',
    'get_user_tickets',
    'logout',
    'resolve_ticket',
    'ticket_get_login_status',
    'ticket_login',
  ]);
  assert.throws(() => invokeMethod(TicketApiClass, TicketApiClass.create({ clock: fixedClock(GOLDEN_DATE) }), 'nope'), {
    name: 'AttributeError',
  });
});
