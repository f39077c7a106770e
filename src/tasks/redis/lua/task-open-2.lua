-- Opens a task: writes it unless a task with its id exists.
-- KEYS[1] task hash   KEYS[2] task's live-lease set
-- ARGV[1] how long (ms) to keep the record   ARGV[2..] field, value, … of the new task
-- Reply: {1, live count, fields}     created
--        {2, live count, fields}     a task with this id exists
--        fields: the hash as one JSON array (field, value, …), far cheaper for the client than a long reply
local code = 2
if redis.call('EXISTS', KEYS[1]) == 0 then
  code = 1
  redis.call('HSET', KEYS[1], unpack(ARGV, 2))
  redis.call('HSET', KEYS[1], 'state', 'open', 'credentialsIssued', 0, 'deviations', 0)
  redis.call('PEXPIRE', KEYS[1], math.max(1, tonumber(ARGV[1])))
end
return {code, redis.call('SCARD', KEYS[2]), cjson.encode(redis.call('HGETALL', KEYS[1]))}
