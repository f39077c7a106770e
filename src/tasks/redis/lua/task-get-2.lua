-- Reads a task.
-- KEYS[1] task hash   KEYS[2] task's live-lease set
-- Reply: {1, live count, fields}   fields: the hash as one JSON array (field, value, …)
--        {0}                       no such task
if redis.call('EXISTS', KEYS[1]) == 0 then return {0} end
return {1, redis.call('SCARD', KEYS[2]), cjson.encode(redis.call('HGETALL', KEYS[1]))}
