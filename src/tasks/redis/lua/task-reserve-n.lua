-- Counts credentials against tasks, each against its task and every ancestor if each is open and
-- within budget. Many reservations in one call, taken in order, each as if alone: a task's fields
-- are read once, the counts kept here, and the counting written once per task (before a refusal
-- is answered, and at the end).
-- KEYS: for each reservation, pairs of (task hash, task live set): the task itself first, then its
--       parent, then up to the root
-- ARGV[1]: the reservations, as one JSON array with, for each, an array: lease id, now (ms), the
--       task's ancestors field as the caller knows it, and how many of KEYS are its own
-- Reply: one per reservation, in order, all of them as one JSON array (one string is far cheaper for
--        the client to read than as many nested replies):
--        {0, 0, '', task live count, openedAt, credentialsIssued, deviations}
--              reserved: the task is open, and only these of its fields can differ from what was read before
--        {1, level, refusal, task live count, task fields, live count at level, fields at level}
--              refused at pair `level` (1 = the task) with refusal ended|expired|max_credentials|max_concurrent_leases
--        {-1}                                   the task does not exist
--        {-9}                                   its ancestors are not what the caller knows: read them again
--        fields: a hash as one JSON array (field, value, …), far cheaper for the client than a long reply

-- Task hash key → what this call knows of it (false: it does not exist).
local known = {}
local function task(hash, live)
  local t = known[hash]
  if t == nil then
    local f = redis.call('HMGET', hash, 'state', 'expiresAt', 'credentialsIssued', 'maxCredentials', 'maxConcurrentLeases', 'ancestors', 'openedAt', 'deviations')
    if not f[1] then
      t = false
    else
      t = {
        state = f[1], expiresAt = tonumber(f[2]), issued = tonumber(f[3]), maxCredentials = tonumber(f[4]),
        maxConcurrent = tonumber(f[5]), ancestors = f[6], openedAt = f[7], deviations = f[8],
        hash = hash, live = live, liveCount = redis.call('SCARD', live), counted = {}, newIds = {},
      }
    end
    known[hash] = t
  end
  return t
end

-- Writes what was counted since the last write.
local function write()
  for _, t in pairs(known) do
    if t and #t.newIds > 0 then
      redis.call('HINCRBY', t.hash, 'credentialsIssued', #t.newIds)
      redis.call('SADD', t.live, unpack(t.newIds))
      local ttl = redis.call('PTTL', t.hash)
      if ttl > 0 then redis.call('PEXPIRE', t.live, ttl) end
      t.newIds = {}
    end
  end
end

local function append_task(reply, hash, live)
  reply[#reply + 1] = redis.call('SCARD', live)
  reply[#reply + 1] = cjson.encode(redis.call('HGETALL', hash))
end

-- k: the reservation's keys (k[1], k[2]: the task's hash and live set; then each ancestor's)
local function reserve(k, leaseId, now, ancestors)
  local own = task(k[1], k[2])
  if not own then return {-1} end
  if own.ancestors ~= ancestors then return {-9} end
  if not own.counted[leaseId] and redis.call('SISMEMBER', k[2], leaseId) == 0 then
    for i = 1, #k, 2 do
      local t = task(k[i], k[i + 1])
      local refusal
      if not t or t.state ~= 'open' then
        refusal = 'ended'
      elseif now >= t.expiresAt then
        refusal = 'expired'
      elseif t.issued >= t.maxCredentials then
        refusal = 'max_credentials'
      elseif t.liveCount >= t.maxConcurrent then
        refusal = 'max_concurrent_leases'
      end
      if refusal then
        write()
        local reply = {1, (i + 1) / 2, refusal}
        append_task(reply, k[1], k[2])
        if t then append_task(reply, k[i], k[i + 1]) end
        return reply
      end
    end
    for i = 1, #k, 2 do
      local t = known[k[i]]
      t.issued = t.issued + 1
      t.liveCount = t.liveCount + 1
      t.counted[leaseId] = true
      t.newIds[#t.newIds + 1] = leaseId
    end
  end
  return {0, 0, '', own.liveCount, own.openedAt, tostring(own.issued), own.deviations}
end

local replies = {}
local nextKey = 1
for i, r in ipairs(cjson.decode(ARGV[1])) do
  local count = tonumber(r[4])
  replies[i] = reserve({ unpack(KEYS, nextKey, nextKey + count - 1) }, r[1], tonumber(r[2]), r[3])
  nextKey = nextKey + count
end
write()
return cjson.encode(replies)
