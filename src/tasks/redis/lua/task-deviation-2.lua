-- Counts a deviation and keeps its description.
-- KEYS[1] task hash   KEYS[2] task's deviation list
-- ARGV[1] the deviation (JSON)   ARGV[2] how many to keep
-- Reply: {0, new deviation count} | {-1} the task does not exist
if redis.call('EXISTS', KEYS[1]) == 0 then return {-1} end
local count = redis.call('HINCRBY', KEYS[1], 'deviations', 1)
redis.call('RPUSH', KEYS[2], ARGV[1])
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[2]), -1)
local ttl = redis.call('PTTL', KEYS[1])
if ttl > 0 then redis.call('PEXPIRE', KEYS[2], ttl) end
return {0, count}
