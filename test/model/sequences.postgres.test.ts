import { describeSequences } from './sequences.js';

describeSequences('postgres', 6);
