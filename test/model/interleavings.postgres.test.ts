import { describeInterleavings } from './interleavings.js';

describeInterleavings('postgres', 4);
