-- Counts one credential against a task and every ancestor, if each is open and within budget.
-- KEYS: pairs of (task hash, task live set): the task itself first, then its parent, then up to the root
-- ARGV[1] lease id   ARGV[2] now (ms)   ARGV[3] the task's ancestors field as the caller knows it
-- Reply: {0, level, refusal, task live count, task fields}   level 0: reserved (refusal '')
--        {1, level, refusal, task live count, task fields, live count at level, fields at level}
--              refused at pair `level` (1 = the task) with refusal ended|expired|max_credentials|max_concurrent_leases
--        {-1}                                   the task does not exist
--        {-9}                                   its ancestors are not what the caller knows: read them again
--        fields: a hash as one JSON array (field, value, …), far cheaper for the client than a long reply
local function append_task(reply, hash, live)
  reply[#reply + 1] = redis.call('SCARD', live)
  reply[#reply + 1] = cjson.encode(redis.call('HGETALL', hash))
end
if redis.call('EXISTS', KEYS[1]) == 0 then return {-1} end
if redis.call('HGET', KEYS[1], 'ancestors') ~= ARGV[3] then return {-9} end
local now = tonumber(ARGV[2])
if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 0 then
  for i = 1, #KEYS, 2 do
    local refusal
    if redis.call('EXISTS', KEYS[i]) == 0 then
      refusal = 'ended'
    else
      local f = redis.call('HMGET', KEYS[i], 'state', 'expiresAt', 'credentialsIssued', 'maxCredentials', 'maxConcurrentLeases')
      if f[1] ~= 'open' then
        refusal = 'ended'
      elseif now >= tonumber(f[2]) then
        refusal = 'expired'
      elseif tonumber(f[3]) >= tonumber(f[4]) then
        refusal = 'max_credentials'
      elseif redis.call('SCARD', KEYS[i + 1]) >= tonumber(f[5]) then
        refusal = 'max_concurrent_leases'
      end
    end
    if refusal then
      local level = (i + 1) / 2
      local reply = {1, level, refusal}
      append_task(reply, KEYS[1], KEYS[2])
      if redis.call('EXISTS', KEYS[i]) == 1 then append_task(reply, KEYS[i], KEYS[i + 1]) end
      return reply
    end
  end
  for i = 1, #KEYS, 2 do
    redis.call('HINCRBY', KEYS[i], 'credentialsIssued', 1)
    redis.call('SADD', KEYS[i + 1], ARGV[1])
    local ttl = redis.call('PTTL', KEYS[i])
    if ttl > 0 then redis.call('PEXPIRE', KEYS[i + 1], ttl) end
  end
end
local reply = {0, 0, ''}
append_task(reply, KEYS[1], KEYS[2])
return reply
