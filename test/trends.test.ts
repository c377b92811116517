import { trendContract } from './contract/trends.js';
import { describeEachEngine } from './support/engines.js';

describeEachEngine('TrendRepository contract', trendContract);
