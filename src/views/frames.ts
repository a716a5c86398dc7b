// Frames and keys as text: the model's own wording (see model/describe.ts).
export { formatFrame, formatKey } from '../model/describe';
