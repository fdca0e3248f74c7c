import { describeSequences } from './sequences.js';

describeSequences('sqlite', 8);
