import { topicContract } from './contract/topics.js';
import { describeEachEngine } from './support/engines.js';

describeEachEngine('TopicRepository contract', topicContract);
