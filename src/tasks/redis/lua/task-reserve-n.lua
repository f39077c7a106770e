-- Counts credentials against tasks, each against its task and every ancestor if each is open and
-- within budget. Many reservations in one call, taken in order, each as if alone.
-- KEYS: for each reservation, pairs of (task hash, task live set): the task itself first, then its
--       parent, then up to the root
-- ARGV[1]: the reservations, as one JSON array with, for each, an array: lease id, now (ms), the
--       task's ancestors field as the caller knows it, and how many of KEYS are its own
-- Reply: one per reservation, in order:
--        {0, 0, '', task live count, openedAt, credentialsIssued, deviations}
--              reserved: the task is open, and only these of its fields can differ from what was read before
--        {1, level, refusal, task live count, task fields, live count at level, fields at level}
--              refused at pair `level` (1 = the task) with refusal ended|expired|max_credentials|max_concurrent_leases
--        {-1}                                   the task does not exist
--        {-9}                                   its ancestors are not what the caller knows: read them again
--        fields: a hash as one JSON array (field, value, …), far cheaper for the client than a long reply
local function append_task(reply, hash, live)
  reply[#reply + 1] = redis.call('SCARD', live)
  reply[#reply + 1] = cjson.encode(redis.call('HGETALL', hash))
end

-- k: the reservation's keys (k[1], k[2]: the task's hash and live set; then each ancestor's)
local function reserve(k, leaseId, now, ancestors)
  if redis.call('EXISTS', k[1]) == 0 then return {-1} end
  if redis.call('HGET', k[1], 'ancestors') ~= ancestors then return {-9} end
  if redis.call('SISMEMBER', k[2], leaseId) == 0 then
    for i = 1, #k, 2 do
      local refusal
      if redis.call('EXISTS', k[i]) == 0 then
        refusal = 'ended'
      else
        local f = redis.call('HMGET', k[i], 'state', 'expiresAt', 'credentialsIssued', 'maxCredentials', 'maxConcurrentLeases')
        if f[1] ~= 'open' then
          refusal = 'ended'
        elseif now >= tonumber(f[2]) then
          refusal = 'expired'
        elseif tonumber(f[3]) >= tonumber(f[4]) then
          refusal = 'max_credentials'
        elseif redis.call('SCARD', k[i + 1]) >= tonumber(f[5]) then
          refusal = 'max_concurrent_leases'
        end
      end
      if refusal then
        local reply = {1, (i + 1) / 2, refusal}
        append_task(reply, k[1], k[2])
        if redis.call('EXISTS', k[i]) == 1 then append_task(reply, k[i], k[i + 1]) end
        return reply
      end
    end
    for i = 1, #k, 2 do
      redis.call('HINCRBY', k[i], 'credentialsIssued', 1)
      redis.call('SADD', k[i + 1], leaseId)
      local ttl = redis.call('PTTL', k[i])
      if ttl > 0 then redis.call('PEXPIRE', k[i + 1], ttl) end
    end
  end
  local f = redis.call('HMGET', k[1], 'openedAt', 'credentialsIssued', 'deviations')
  return {0, 0, '', redis.call('SCARD', k[2]), f[1], f[2], f[3]}
end

local replies = {}
local nextKey = 1
for i, r in ipairs(cjson.decode(ARGV[1])) do
  local count = tonumber(r[4])
  replies[i] = reserve({ unpack(KEYS, nextKey, nextKey + count - 1) }, r[1], tonumber(r[2]), r[3])
  nextKey = nextKey + count
end
return replies
