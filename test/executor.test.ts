import { executorContract } from './contract/executor.js';
import { describeEachEngine } from './support/engines.js';

describeEachEngine('Executor contract', executorContract);
