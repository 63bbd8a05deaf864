// The message types live in the core (environments use them too); re-exported here for the chat template.
export * from '../../core/messages.js';
