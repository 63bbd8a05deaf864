export { pythonJson } from '../../core/python-json.js';
