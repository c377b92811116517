import { operationsContract } from './contract/operations.js';
import { describeEachEngine } from './support/engines.js';

describeEachEngine('PluginHealth and PipelineRun contract', operationsContract);
