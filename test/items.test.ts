import { itemContract } from './contract/items.js';
import { describeEachEngine } from './support/engines.js';

describeEachEngine('ItemRepository contract', itemContract);
