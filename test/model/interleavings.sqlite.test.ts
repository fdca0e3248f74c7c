import { describeInterleavings } from './interleavings.js';

describeInterleavings('sqlite', 6);
