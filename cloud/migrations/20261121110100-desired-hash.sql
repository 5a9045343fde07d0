-- Content hash of the last desired state published to each appliance: the version is bumped only
-- when the content changes, a republish (boot, reconnect, stale report) keeps the version.
ALTER TABLE appliances ADD COLUMN desired_hash text;
