import { describeSequences } from './sequences.js';

describeSequences('postgres', 5);
