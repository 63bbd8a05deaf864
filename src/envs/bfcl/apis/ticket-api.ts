import { pyAdd, pyCompare } from '../python/ops.js';
import {
  PyDict,
  attributeError,
  deepCopy,
  pyEq,
  pyStr,
  pyTruthy,
  pyTypeName,
  typeError,
  type PyValue,
} from '../python/value.js';
import { defineApiClass, scenarioGet, sig, type ApiInstance } from './contract.js';

/** Port of ticket_api.py (TicketAPI): a support-ticket queue behind a trivial login. */
const DEFAULT_STATE = PyDict.of({ ticket_queue: [], ticket_counter: 1n, current_user: null });

export class TicketAPI implements ApiInstance {
  ticket_queue: PyValue = [];
  ticket_counter: PyValue = 1n;
  current_user: PyValue = null;

  loadScenario(scenario: PyDict): void {
    const defaults = deepCopy(DEFAULT_STATE);
    this.ticket_queue = scenarioGet(scenario, 'ticket_queue', defaults.getItem('ticket_queue'));
    this.ticket_counter = scenarioGet(scenario, 'ticket_counter', defaults.getItem('ticket_counter'));
    this.current_user = scenarioGet(scenario, 'current_user', defaults.getItem('current_user'));
  }

  publicState(): Record<string, PyValue> {
    return { ticket_queue: this.ticket_queue, ticket_counter: this.ticket_counter, current_user: this.current_user };
  }

  create_ticket(title: PyValue, description: PyValue, priority: PyValue): PyValue {
    if (!pyTruthy(this.current_user)) {
      return PyDict.of({ error: 'User not authenticated. Please log in to create a ticket.' });
    }
    if (pyCompare('<', priority, 1n) || pyCompare('>', priority, 5n)) {
      return PyDict.of({ error: 'Invalid priority. Priority must be between 1 and 5.' });
    }
    const ticket = PyDict.of({
      id: this.ticket_counter,
      title,
      description,
      status: 'Open',
      priority,
      created_by: this.current_user,
    });
    queue(this.ticket_queue).push(ticket);
    this.ticket_counter = pyAdd(this.ticket_counter, 1n);
    return ticket;
  }

  get_ticket(ticket_id: PyValue): PyValue {
    const ticket = this.findTicket(ticket_id);
    if (!ticket) return PyDict.of({ error: `Ticket with ID ${pyStr(ticket_id)} not found.` });
    return ticket;
  }

  close_ticket(ticket_id: PyValue): PyValue {
    const ticket = this.findTicket(ticket_id);
    if (!ticket) return PyDict.of({ error: `Ticket with ID ${pyStr(ticket_id)} not found.` });
    if (pyEq(ticket.getItem('status'), 'Closed')) {
      return PyDict.of({ error: `Ticket with ID ${pyStr(ticket_id)} is already closed.` });
    }
    ticket.set('status', 'Closed');
    return PyDict.of({ status: `Ticket ${pyStr(ticket_id)} has been closed successfully.` });
  }

  resolve_ticket(ticket_id: PyValue, resolution: PyValue): PyValue {
    const ticket = this.findTicket(ticket_id);
    if (!ticket) return PyDict.of({ error: `Ticket with ID ${pyStr(ticket_id)} not found.` });
    if (pyEq(ticket.getItem('status'), 'Resolved')) {
      return PyDict.of({ error: `Ticket with ID ${pyStr(ticket_id)} is already resolved.` });
    }
    ticket.set('status', 'Resolved');
    ticket.set('resolution', resolution);
    return PyDict.of({ status: `Ticket ${pyStr(ticket_id)} has been resolved successfully.` });
  }

  edit_ticket(ticket_id: PyValue, updates: PyValue): PyValue {
    const ticket = this.findTicket(ticket_id);
    if (!ticket) return PyDict.of({ error: `Ticket with ID ${pyStr(ticket_id)} not found.` });
    if (!(updates instanceof PyDict)) throw attributeError(`'${pyTypeName(updates)}' object has no attribute 'keys'`);
    const validFields = new Set(['title', 'description', 'status', 'priority']);
    // Python builds a set here, whose order for several invalid names depends on the process's hash seed; the
    // port lists them in the order the model gave them.
    const invalid = updates.keys().filter((k) => typeof k !== 'string' || !validFields.has(k));
    if (invalid.length > 0) {
      return PyDict.of({ error: `Invalid fields for update: ${invalid.map((k) => joinable(k)).join(', ')}` });
    }
    for (const [key, value] of updates) if (value !== null) ticket.set(key, value);
    return PyDict.of({ status: `Ticket ${pyStr(ticket_id)} has been updated successfully.` });
  }

  ticket_login(username: PyValue, password: PyValue): PyValue {
    if (pyTruthy(username) && pyTruthy(password)) {
      this.current_user = username;
      return PyDict.of({ success: true });
    }
    return PyDict.of({ success: false });
  }

  ticket_get_login_status(): PyValue {
    return PyDict.of({ username: pyTruthy(this.current_user) });
  }

  logout(): PyValue {
    if (pyTruthy(this.current_user)) {
      this.current_user = null;
      return PyDict.of({ success: true });
    }
    return PyDict.of({ success: false });
  }

  get_user_tickets(status: PyValue): PyValue {
    if (!pyTruthy(this.current_user)) {
      return [PyDict.of({ error: 'User not authenticated. Please log in to view tickets.' })];
    }
    let tickets = queue(this.ticket_queue).filter((t) => pyEq(asDict(t).getItem('created_by'), this.current_user));
    if (pyTruthy(status)) {
      const wanted = lower(status);
      tickets = tickets.filter((t) => lower(asDict(t).getItem('status')) === wanted);
    }
    return tickets;
  }

  /** `_find_ticket`: the first ticket whose id == ticket_id (Python equality, so 2.0 finds ticket 2). */
  private findTicket(ticket_id: PyValue): PyDict | null {
    for (const t of queue(this.ticket_queue)) {
      const ticket = asDict(t);
      if (pyEq(ticket.getItem('id'), ticket_id)) return ticket;
    }
    return null;
  }
}

function queue(v: PyValue): PyValue[] {
  if (!Array.isArray(v)) throw attributeError(`'${pyTypeName(v)}' object has no attribute 'append'`);
  return v;
}

function asDict(v: PyValue): PyDict {
  if (!(v instanceof PyDict)) throw attributeError(`'${pyTypeName(v)}' object is not subscriptable`);
  return v;
}

/** `s.lower()`, raising Python's AttributeError for non-strings. */
function lower(v: PyValue): string {
  if (typeof v !== 'string') throw attributeError(`'${pyTypeName(v)}' object has no attribute 'lower'`);
  return v.toLowerCase();
}

/** `', '.join(...)` accepts only strs. */
function joinable(v: PyValue): string {
  if (typeof v !== 'string') throw typeError(`sequence item 0: expected str instance, ${pyTypeName(v)} found`);
  return v;
}

export const TicketApiClass = defineApiClass({
  className: 'TicketAPI',
  create: () => new TicketAPI(),
  prototype: TicketAPI.prototype,
  methods: {
    close_ticket: sig('ticket_id'),
    create_ticket: sig('title', ['description', ''], ['priority', 1n]),
    edit_ticket: sig('ticket_id', 'updates'),
    get_ticket: sig('ticket_id'),
    get_user_tickets: sig(['status', null]),
    logout: sig(),
    resolve_ticket: sig('ticket_id', 'resolution'),
    ticket_get_login_status: sig(),
    ticket_login: sig('username', 'password'),
  },
});
