import { vectorContract } from './contract/vectors.js';
import { describeEachVectorEngine, vectorEngines } from './support/vector-engines.js';

describeEachVectorEngine(await vectorEngines(), 'VectorRepository contract', vectorContract);
