-- Indexes for filters the platform offers but did not index: "any of these sources".
CREATE INDEX idx_trends_sources ON trends USING gin (sources);
CREATE INDEX idx_topics_sources ON topics USING gin (sources);
