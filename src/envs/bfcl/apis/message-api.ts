import { asDict, asList, asStr, getItem, listRemove, pyIn, zfill } from '../python/builtins.js';
import { pyAdd } from '../python/ops.js';
import { PyRandom } from '../python/random.js';
import { PyDict, PySet, attributeError, deepCopy, pyEq, pyStr, pyTruthy, pyTypeName, type PyValue } from '../python/value.js';
import { defineApiClass, scenarioGet, sig, type ApiInstance } from './contract.js';

/** Port of message_api.py (MessageAPI): a workspace messenger with users, an inbox and seeded message ids. */
const DEFAULT_STATE = PyDict.of({
  generated_ids: new PySet(),
  user_count: 4n,
  user_map: PyDict.of({ Alice: 'USR001', Bob: 'USR002', Catherine: 'USR003', Daniel: 'USR004' }),
  inbox: [
    PyDict.of({ USR002: 'My name is Alice. I want to connect.' }),
    PyDict.of({ USR003: 'Could you upload the file?' }),
    PyDict.of({ USR004: 'Could you upload the file?' }),
  ],
  message_count: 3n,
  current_user: null,
});

export class MessageAPI implements ApiInstance {
  generated_ids: PyValue = new PySet();
  user_count: PyValue = 4n;
  user_map: PyValue = new PyDict();
  inbox: PyValue = [];
  message_count: PyValue = 3n;
  current_user: PyValue = null;
  private random = new PyRandom(200191);

  loadScenario(scenario: PyDict): void {
    const d = deepCopy(DEFAULT_STATE);
    const seed = scenarioGet(scenario, 'random_seed', 200191n);
    this.random = new PyRandom(typeof seed === 'bigint' ? seed : Number(seed));
    this.generated_ids = scenarioGet(scenario, 'generated_ids', d.getItem('generated_ids'));
    this.user_count = scenarioGet(scenario, 'user_count', d.getItem('user_count'));
    this.user_map = scenarioGet(scenario, 'user_map', d.getItem('user_map'));
    this.inbox = scenarioGet(scenario, 'inbox', d.getItem('inbox'));
    this.message_count = scenarioGet(scenario, 'message_count', d.getItem('message_count'));
    this.current_user = scenarioGet(scenario, 'current_user', d.getItem('current_user'));
  }

  publicState(): Record<string, PyValue> {
    return {
      generated_ids: this.generated_ids,
      user_count: this.user_count,
      user_map: this.user_map,
      inbox: this.inbox,
      message_count: this.message_count,
      current_user: this.current_user,
    };
  }

  private generateId(): PyDict {
    const ids = this.generated_ids;
    let id = this.random.randint(10000n, 99999n);
    while (pyIn(id, ids)) id = this.random.randint(10000n, 99999n);
    if (!(ids instanceof PySet)) throw attributeError(`'${pyTypeName(ids)}' object has no attribute 'add'`);
    ids.add(id);
    return PyDict.of({ new_id: id });
  }

  private userMap(method: string): PyDict {
    return asDict(this.user_map, method);
  }

  list_users(): PyValue {
    return PyDict.of({ user_list: this.userMap('keys').keys() });
  }

  get_user_id(user: PyValue): PyValue {
    if (!pyIn(user, this.user_map)) return PyDict.of({ error: `User '${pyStr(user)}' not found in the workspace.` });
    return PyDict.of({ user_id: this.userMap('get').get(user) ?? null });
  }

  message_login(user_id: PyValue): PyValue {
    if (!pyIn(user_id, this.userMap('values').values())) {
      return PyDict.of({ login_status: false, message: `User ID '${pyStr(user_id)}' not found.` });
    }
    this.current_user = user_id;
    return PyDict.of({ login_status: true, message: `User '${pyStr(user_id)}' logged in successfully.` });
  }

  message_get_login_status(): PyValue {
    return PyDict.of({ login_status: pyTruthy(this.current_user) });
  }

  send_message(receiver_id: PyValue, message: PyValue): PyValue {
    if (!pyTruthy(this.current_user)) return PyDict.of({ error: 'No user is currently logged in.' });
    if (!pyIn(receiver_id, this.userMap('values').values())) {
      return PyDict.of({ error: `Receiver ID '${pyStr(receiver_id)}' not found.` });
    }
    const messageId = this.generateId();
    asList(this.inbox, 'append').push(new PyDict([[receiver_id, message]]));
    this.message_count = pyAdd(this.message_count, 1n);
    return PyDict.of({
      sent_status: true,
      message_id: messageId,
      message: `Message sent to '${pyStr(receiver_id)}' successfully.`,
    });
  }

  delete_message(receiver_id: PyValue): PyValue {
    if (!pyTruthy(this.current_user)) return PyDict.of({ error: 'No user is currently logged in.' });
    const inbox = asList(this.inbox, 'remove');
    for (const message of [...inbox].reverse()) {
      const receiver = firstItem(message)[0];
      if (pyEq(receiver, receiver_id)) {
        // list.remove drops the first message *equal* to this one, as in the original.
        listRemove(inbox, message);
        return PyDict.of({
          deleted_status: true,
          message_id: receiver,
          message: `Receiver ${pyStr(receiver_id)}'s first message deleted successfully.`,
        });
      }
    }
    return PyDict.of({ error: `Receiver ID ${pyStr(receiver_id)} not found.` });
  }

  view_messages_sent(): PyValue {
    if (!pyTruthy(this.current_user)) return PyDict.of({ error: 'No user is currently logged in.' });
    const sent = new PyDict();
    for (const message of asList(this.inbox, '__iter__')) {
      const [receiver, content] = firstItem(message);
      const existing = sent.get(receiver);
      if (existing === undefined) sent.set(receiver, [content]);
      else (existing as PyValue[]).push(content);
    }
    return PyDict.of({ messages: sent });
  }

  add_contact(user_name: PyValue): PyValue {
    if (pyIn(user_name, this.user_map)) return PyDict.of({ error: `User name '${pyStr(user_name)}' already exists.` });
    this.user_count = pyAdd(this.user_count, 1n);
    const userId = `USR${zfill(pyStr(this.user_count), 3)}`;
    if (pyIn(userId, this.userMap('values').values())) {
      return PyDict.of({ error: `User ID '${userId}' already exists.` });
    }
    this.userMap('__setitem__').set(user_name, userId);
    return PyDict.of({ added_status: true, user_id: userId, message: `Contact '${pyStr(user_name)}' added successfully.` });
  }

  search_messages(keyword: PyValue): PyValue {
    if (!pyTruthy(this.current_user)) return PyDict.of({ error: 'No user is currently logged in.' });
    const needle = asStr(keyword, 'lower').toLowerCase();
    const results: PyValue[] = [];
    for (const message of asList(this.inbox, '__iter__')) {
      const [receiver, content] = firstItem(message);
      if (asStr(content, 'lower').toLowerCase().includes(needle)) {
        results.push(PyDict.of({ receiver_id: receiver, message: content }));
      }
    }
    return PyDict.of({ results });
  }

  get_message_stats(): PyValue {
    if (!pyTruthy(this.current_user)) return PyDict.of({ error: 'No user is currently logged in.' });
    let received = 0n;
    const contacts = new PySet();
    for (const message of asList(this.inbox, '__iter__')) {
      const [receiver] = firstItem(message);
      received += 1n;
      contacts.add(receiver);
    }
    return PyDict.of({ stats: PyDict.of({ received_count: received, total_contacts: BigInt(contacts.size) }) });
  }
}

/** `list(message.items())[0]`. */
function firstItem(message: PyValue): [PyValue, PyValue] {
  const first = getItem(asDict(message, "items").entries() as unknown as PyValue, 0n) as unknown as [PyValue, PyValue];
  return first;
}

export const MessageApiClass = defineApiClass({
  className: 'MessageAPI',
  create: () => new MessageAPI(),
  prototype: MessageAPI.prototype,
  methods: {
    add_contact: sig('user_name'),
    delete_message: sig('receiver_id'),
    get_message_stats: sig(),
    get_user_id: sig('user'),
    list_users: sig(),
    message_get_login_status: sig(),
    message_login: sig('user_id'),
    search_messages: sig('keyword'),
    send_message: sig('receiver_id', 'message'),
    view_messages_sent: sig(),
  },
});
